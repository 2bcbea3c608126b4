"""``infra-team mcp`` as a host spawns it: the stdio front answers the handshake, then hands
the connection to the SDK server with the client's initialize (elicitation included).

Every test runs a real process of this checkout (``PYTHONPATH``), speaking JSON-RPC by
hand the way a host does, or through the official ``mcp`` client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

import infra_team
from infra_team.registry import MCP_SERVER_NAME
from infra_team.tools import TOOL_CATALOG
from tests.unit.integrations.scripted import OFFLINE_ESCALATION

mcp = pytest.importorskip(
    "mcp", reason="the mcp extra is not installed: pip install 'infra-team[mcp]'"
)
from mcp.types import ElicitRequestParams, ElicitResult  # noqa: E402
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION  # noqa: E402

from infra_team.integrations import mcp_front, mcp_listing  # noqa: E402

SOURCE = Path(infra_team.__file__).resolve().parents[1]
ENV = {
    **{k: v for k, v in os.environ.items() if k != "INFRA_TEAM_MODEL"},
    "PYTHONPATH": str(SOURCE),
}
TEAM_TOOLS = ["run_team_task", "resume_team_task"]
SDK_ONLY = (
    "import anyio; from infra_team.integrations.mcp_server import build_mcp_server, serve_stdio;"
    " anyio.run(serve_stdio, build_mcp_server())"
)
"""The server without the front: the SDK's own stdio transport from the first byte."""


def _initialize(version: str, request_id: int | str = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {"elicitation": {}},
            "clientInfo": {"name": "test-host", "version": "1"},
        },
    }


class Host:
    """A spawned server and the host's end of its stdio."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=ENV,
        )
        self.replies: dict[int | str, dict[str, Any]] = {}

    def send(self, message: dict[str, Any] | bytes) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(message if isinstance(message, bytes) else json.dumps(message).encode())
        stdin.write(b"\n")
        stdin.flush()

    def answer(self, request_id: int | str) -> dict[str, Any]:
        """The reply to one request (replies may come in any order; each comes once)."""
        stdout: IO[bytes] | None = self.process.stdout
        assert stdout is not None
        while request_id not in self.replies:
            line = stdout.readline()
            assert line, self.stderr()
            message = json.loads(line)
            if "method" not in message:
                assert message["id"] not in self.replies, f"two replies to {message['id']}"
                self.replies[message["id"]] = message
        return self.replies[request_id]

    def stderr(self) -> str:
        self.close()
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")

    def close(self) -> None:
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Any]:
    hosts: list[Host] = []

    def start(*, sdk_only: bool = False) -> Host:
        args = ["-c", SDK_ONLY] if sdk_only else ["-m", "infra_team", "mcp"]
        if not sdk_only:
            args += ["--checkpoint", str(tmp_path / f"runs{len(hosts)}.sqlite")]
        hosts.append(Host(args))
        return hosts[-1]

    yield start
    for host in hosts:
        host.close()


def test_the_front_mirrors_the_sdk_and_registry() -> None:
    assert mcp_front.HANDSHAKE_VERSIONS == HANDSHAKE_PROTOCOL_VERSIONS
    assert mcp_front.SERVER_NAME == MCP_SERVER_NAME


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        *((version, version) for version in HANDSHAKE_PROTOCOL_VERSIONS),
        ("1999-01-01", LATEST_HANDSHAKE_VERSION),  # unknown: the server's latest
        ("2026-07-28", LATEST_HANDSHAKE_VERSION),  # not reachable by the handshake
    ],
)
def test_version_negotiation(requested: str, expected: str) -> None:
    assert mcp_front.negotiated_version(requested) == expected


def test_a_spawned_server_answers_the_handshake_as_the_sdk_does(spawn: Any) -> None:
    """Initialize (a supported version, then an unknown one on a second process) and
    tools/list, answered by the front, equal what the SDK server answers on its own."""
    answers: dict[bool, list[dict[str, Any]]] = {}
    for sdk_only in (False, True):
        got = []
        for version in ("2025-06-18", "1999-01-01"):
            host = spawn(sdk_only=sdk_only)
            host.send(_initialize(version, request_id="init"))
            got.append(host.answer("init")["result"])
            host.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            host.send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
            got.append(host.answer(2)["result"])
            host.close()
        answers[sdk_only] = got
    front = answers[False]
    assert front == answers[True]
    assert [front[0]["protocolVersion"], front[2]["protocolVersion"]] == [
        "2025-06-18",
        LATEST_HANDSHAKE_VERSION,
    ]
    assert front[0]["serverInfo"] == {"name": MCP_SERVER_NAME, "version": infra_team.__version__}
    assert front[1] == {"tools": mcp_listing.stored_listing()}
    assert [tool["name"] for tool in front[1]["tools"]] == [*TOOL_CATALOG, *TEAM_TOOLS]


def test_requests_sent_while_the_sdk_loads_are_answered_after_the_hand_over(
    spawn: Any,
) -> None:
    host = spawn()
    host.send(_initialize("2025-11-25"))
    host.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    host.send(
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "availability_budget", "arguments": {"slo_percent": 99.99}},
        }
    )
    host.send({"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
    host.send({"jsonrpc": "2.0", "id": 4, "method": "ping"})
    assert host.answer(1)["result"]["protocolVersion"] == "2025-11-25"
    called = host.answer(2)["result"]
    assert called["isError"] is False
    assert "4m 19.2s" in called["content"][0]["text"]
    assert len(host.answer(3)["result"]["tools"]) == len(TOOL_CATALOG) + 2
    assert host.answer(4)["result"] == {}
    # Long after the hand-over: the SDK answers, one reply per request, none for initialize.
    host.send({"jsonrpc": "2.0", "id": 5, "method": "tools/list"})
    assert len(host.answer(5)["result"]["tools"]) == len(TOOL_CATALOG) + 2


def test_what_the_front_cannot_answer_is_left_to_the_sdk(spawn: Any) -> None:
    """A malformed line first: the front answers nothing and the SDK answers all."""
    host = spawn()
    host.send(b"{not json")
    host.send(_initialize("2025-06-18", request_id=7))
    assert host.answer(7)["result"]["protocolVersion"] == "2025-06-18"
    host.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    host.send({"jsonrpc": "2.0", "id": 8, "method": "tools/list"})
    assert len(host.answer(8)["result"]["tools"]) == len(TOOL_CATALOG) + 2


class Person:
    """An elicitation callback: the person at the client."""

    def __init__(self, decision: str) -> None:
        self.decision = decision
        self.questions: list[str] = []

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.questions.append(params.message)
        return ElicitResult(action="accept", content={"decision": self.decision})


def _stdio(tmp_path: Path) -> Any:
    return mcp.StdioServerParameters(
        command=sys.executable,
        args=["-m", "infra_team", "mcp", "--checkpoint", str(tmp_path / "runs.sqlite")],
        env=ENV,
        cwd=tmp_path,
    )


async def test_a_person_approves_through_elicitation_after_the_hand_over(tmp_path: Path) -> None:
    """The official client over stdio, with an elicitation callback: the SDK session got
    the client's capabilities from the replayed initialize, so it asks the person."""
    person = Person("approve")
    async with mcp.Client(_stdio(tmp_path), elicitation_callback=person, mode="legacy") as session:
        answer = await session.call_tool(
            "run_team_task",
            {"subagent_type": "infrastructure-team", "description": OFFLINE_ESCALATION},
        )
    text = answer.content[0].text  # type: ignore[union-attr]
    assert len(person.questions) == 1
    assert person.questions[0].startswith("Human escalation: ")
    assert "## Waiting for a human decision" not in text


async def test_without_elicitation_the_run_waits_for_the_shell(tmp_path: Path) -> None:
    async with mcp.Client(_stdio(tmp_path), mode="legacy") as session:
        answer = await session.call_tool(
            "run_team_task",
            {"subagent_type": "infrastructure-team", "description": OFFLINE_ESCALATION},
        )
    text = answer.content[0].text  # type: ignore[union-attr]
    assert "## Waiting for a human decision" in text
    assert "cannot ask the user directly" in text
    assert "--approve" in text
