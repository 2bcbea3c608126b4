"""LangGraph Server: ``langgraph dev`` on graphs/langgraph.json, driven by langgraph-sdk.

An incident runs on the offline engine up to the human-escalation interrupt, is resumed
with ``Command(resume=...)``, and the final thread state holds no internal ID. A request
streamed with the README's ``stream_mode=["custom", "messages"]`` (and langgraph-sdk's
default, no subgraph streaming) carries role progress, tool calls and scrubbed tokens.
One server serves the module; it listens on loopback only, with telemetry, tracing,
version checks and the browser off.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from infra_team import _paths
from infra_team.registry import SUBAGENT_TYPES
from tests.leaks import leaks

pytestmark = pytest.mark.slow

CLI = shutil.which("langgraph", path=str(Path(sys.executable).parent)) or shutil.which("langgraph")
INCIDENT = (
    "Checkout returns 502 for 40% of users since 10:02 UTC after a failed database failover; "
    "orders written in the last hour show data loss and customers need a status update."
)
"""Data loss is a business decision: the offline engine escalates it to a person."""
START_TIMEOUT = 90.0
RUN_TIMEOUT = 120.0
QUIET_ENV = {
    "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    "LANGGRAPH_NO_VERSION_CHECK": "true",
    "LANGSMITH_TRACING": "false",
    "LANGCHAIN_TRACING_V2": "false",
    "BROWSER": "true",  # in case anything still tries to open one: a no-op command
    "INFRA_TEAM_MODEL": "offline",
}
DROPPED_ENV = ("LANGSMITH_API_KEY", "LANGCHAIN_API_KEY", "LANGGRAPH_CLOUD_LICENSE_KEY")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ok(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"langgraph dev exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/ok", timeout=2.0).status_code == 200:
                return
        time.sleep(0.5)
    pytest.fail(
        f"langgraph dev did not answer /ok in {START_TIMEOUT:.0f}s:\n{log.read_text()[-3000:]}"
    )


@contextlib.contextmanager
def serve(config: Path, log: Path) -> Iterator[str]:
    """Run ``langgraph dev`` on a free loopback port; always stopped on the way out."""
    if CLI is None:
        pytest.skip("langgraph-cli is not installed: pip install 'infra-team[server]'")
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in DROPPED_ENV}
    env.update(QUIET_ENV, XDG_CONFIG_HOME=str(log.parent / "config"))  # no user config file
    command = [CLI, "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--config", str(config)]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=config.parent,  # graph paths are relative to the working directory
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ok(base, process, log)
            yield base
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def test_config_exposes_every_subagent_type() -> None:
    config = json.loads((_paths.graphs_dir() / "langgraph.json").read_text(encoding="utf-8"))
    assert config["dependencies"] == ["."]
    assert list(config["graphs"]) == list(SUBAGENT_TYPES)
    for name, target in config["graphs"].items():
        module, _, attribute = target.partition(":")
        source = (_paths.graphs_dir() / module).read_text(encoding="utf-8")
        assert attribute == "graph"
        assert len(source.splitlines()) < 10
        assert f'graph = build_graph("{name}")' in source
        assert "from infra_team import build_graph" in source


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``langgraph dev`` on a copy of graphs/ (the server writes its state folder there)."""
    folder = tmp_path_factory.mktemp("server")
    graphs = shutil.copytree(_paths.graphs_dir(), folder / "graphs")
    with serve(graphs / "langgraph.json", folder / "server.log") as base:
        yield base


async def test_incident_pauses_at_human_escalation_and_resumes(server: str) -> None:
    from langgraph_sdk import get_client

    client = get_client(url=server, timeout=RUN_TIMEOUT)
    served = {assistant["graph_id"] for assistant in await client.assistants.search(limit=20)}
    thread_id = (await client.threads.create())["thread_id"]
    await client.runs.wait(
        thread_id,
        "infrastructure-team",
        input={"messages": [{"role": "user", "content": INCIDENT}]},
    )
    paused = await client.threads.get_state(thread_id)
    await client.runs.wait(
        thread_id,
        "infrastructure-team",
        command={"resume": {"approved": True, "comment": "incident manager takes over"}},
    )
    final = await client.threads.get_state(thread_id)

    assert served == set(SUBAGENT_TYPES)
    assert paused["next"] == ["human-escalation"]
    questions = [item["value"] for item in paused["interrupts"]]
    assert [(q["kind"], q["gate"]) for q in questions] == [("human_escalation", "Human escalation")]
    assert final["next"] == []
    values = final["values"]
    assert values["kind"] == "incident"
    assert values["trail"][-1]["outcome"] == "taken over"
    assert values["decisions"][-1] == {
        "gate": "Human escalation",
        "approved": True,
        "comment": "incident manager takes over",
    }
    assert values["messages"][-1]["content"] == values["report"]
    assert leaks(final) == []


SSHD_REQUEST = "Harden sshd on web-01: audit the sshd_config baseline"
"""The offline engine routes this to the systems administrator, who calls a real tool."""


async def test_documented_stream_modes_carry_tool_calls_and_tokens(server: str) -> None:
    """The README's call as written: no ``stream_subgraphs``, the role agents' events arrive."""
    from langgraph_sdk import get_client

    client = get_client(url=server, timeout=RUN_TIMEOUT)
    thread_id = (await client.threads.create())["thread_id"]
    parts = [
        part
        async for part in client.runs.stream(
            thread_id,
            "infrastructure-team",
            input={"messages": [{"role": "user", "content": SSHD_REQUEST}]},
            stream_mode=["custom", "messages"],
        )
    ]
    custom = [part.data for part in parts if part.event == "custom"]
    kinds = {event["type"] for event in custom}
    assert {"role_started", "tool_called", "tool_result", "token", "role_finished"} <= kinds, kinds
    calls = [(e["role"], e["tool"]) for e in custom if e["type"] == "tool_called"]
    assert ("systems-administrator", "audit_sshd_config") in calls
    results = [e for e in custom if e["type"] == "tool_result" and e["tool"] == "audit_sshd_config"]
    assert results
    assert results[0]["status"] == "success"
    streamed = "".join(
        e["text"] for e in custom if e["type"] == "token" and e["role"] == "systems-administrator"
    )
    assert "sshd" in streamed.lower()
    # Each event exactly once: one start and one finish per role stage.
    starts = [(e["role"], e["stage"]) for e in custom if e["type"] == "role_started"]
    finishes = [(e["role"], e["stage"]) for e in custom if e["type"] == "role_finished"]
    assert starts == finishes
    assert len(starts) == len(set(starts))
    assert not [part for part in parts if part.event == "error"]
    assert leaks([part.data for part in parts]) == []
