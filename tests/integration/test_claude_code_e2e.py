"""The real Claude Code CLI drives the team, in plugin mode and in project mode.

``claude -p`` runs against a scripted Anthropic Messages API on loopback
(``tests/support/anthropic_server.py``) with an isolated HOME, and starts the real
``infra-team mcp`` server. The scripted model waits for the MCP server
(``WaitForMcpServers``), delegates to the Network Engineer subagent (Agent tool), which
calls ``cidr_plan``; then it calls ``run_team_task``. The requests Claude Code sends show
what the model was offered and what came back:

- the main agent is offered the seven subagent types;
- the subagent is offered exactly the tools of its ``tools:`` line;
- the subagent receives the tool result, still marked as untrusted data;
- the team report reaches the model.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra_team import _paths
from infra_team.registry import (
    MCP_TOOL_PREFIX,
    PLUGIN_TOOL_PREFIX,
    SUBAGENT_TYPES,
    parse_agent_file,
)
from tests.support.anthropic_server import (
    Block,
    ScriptedAnthropic,
    message_texts,
    scripted_anthropic,
    system_text,
    text,
    tool_names,
    tool_results,
    tool_use,
)
from tests.support.real import missing, require_binary
from tests.unit.integrations.scripted import OFFLINE_ESCALATION as ESCALATION

ROLE = "network-engineer"
TEAM_TOOL, RESUME_TOOL = "run_team_task", "resume_team_task"
CIDR_ARGS = {"vpc_cidr": "10.20.0.0/16", "subnet_prefixes": [24, 26]}
TEAM_ARGS = {"subagent_type": ROLE, "description": "Plan subnets in 10.20.0.0/16: two /24"}
SUBAGENT_DONE = "Subnet plan checked."
MAIN_DONE = "All done."
RUN_TIMEOUT = 240
CLI_INTERNAL_TOOLS = frozenset({"DeferredToolPlaceholder"})
"""What the CLI adds to every tool list when it defers tools behind ToolSearch (2.1.332):
a stand-in for the deferred tools, not a tool the model can run."""
MAX_WAITS = 20
"""Each WaitForMcpServers call waits a few seconds; a slow CI machine may need several."""


@dataclass(frozen=True)
class Mode:
    """How Claude Code sees the team: its tool prefix and the subagent type names."""

    name: str
    prefix: str
    agent_type: str  # the Agent tool's ``subagent_type`` for ROLE

    def subagent_types(self) -> list[str]:
        scope = "infra-team:" if self.name == "plugin" else ""
        return [f"{scope}{name}" for name in SUBAGENT_TYPES]


PLUGIN = Mode("plugin", PLUGIN_TOOL_PREFIX, f"infra-team:{ROLE}")
PROJECT = Mode("project", MCP_TOOL_PREFIX, ROLE)


def _last_tool_use(body: dict[str, Any]) -> str | None:
    """Name of the last tool the assistant called in this conversation."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") != "assistant" or not isinstance(message.get("content"), list):
            continue
        for block in reversed(message["content"]):
            if isinstance(block, dict) and block.get("type") == "tool_use":
                return str(block["name"])
        return None
    return None


def _calls(body: dict[str, Any], name: str) -> int:
    """How often the assistant called tool ``name`` so far."""
    return sum(
        1
        for message in body.get("messages", [])
        if message.get("role") == "assistant" and isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == "tool_use" and block["name"] == name
    )


def _wait_for_tools(body: dict[str, Any], mode: Mode) -> list[Block] | None:
    """While the MCP server's tools are not offered yet, wait for them as the CLI tells a
    model to: ``WaitForMcpServers`` (2.1.197), or ``ToolSearch``, which waits for connecting
    servers and loads the deferred tools it selects (2.1.332)."""
    offered = tool_names(body)
    if any(name.startswith(mode.prefix) for name in offered):
        return None
    waits = _calls(body, "WaitForMcpServers") + _calls(body, "ToolSearch")
    if waits >= MAX_WAITS:
        return [text("the infra-team MCP server did not connect")]
    if "WaitForMcpServers" in offered:
        return [tool_use("WaitForMcpServers", {})]
    if "ToolSearch" in offered:
        wanted = ",".join(f"{mode.prefix}{name}" for name in (TEAM_TOOL, RESUME_TOOL))
        return [tool_use("ToolSearch", {"query": f"select:{wanted}", "max_results": 5})]
    return [text("the CLI offers no way to wait for an MCP server")]


def model_script(mode: Mode) -> Any:
    """The scripted model: one decision per request, from what the request shows."""

    def script(body: dict[str, Any]) -> list[Block]:
        offered = tool_names(body)
        last = _last_tool_use(body)
        if "Agent" not in offered:  # the subagent (its tools come from its tools: line)
            if last is None:
                return [tool_use(f"{mode.prefix}cidr_plan", CIDR_ARGS)]
            return [text(SUBAGENT_DONE)]
        waiting = _wait_for_tools(body, mode)
        if waiting is not None:
            return waiting
        if last in (None, "WaitForMcpServers", "ToolSearch"):
            prompt = f"Plan subnets for the VPC {CIDR_ARGS['vpc_cidr']} with cidr_plan."
            return [
                tool_use(
                    "Agent",
                    {
                        "description": "Plan VPC subnets",
                        "prompt": prompt,
                        "subagent_type": mode.agent_type,
                        "run_in_background": False,
                    },
                )
            ]
        if last == "Agent":
            return [tool_use(f"{mode.prefix}run_team_task", TEAM_ARGS)]
        return [text(MAIN_DONE)]

    return script


def _environment(home: Path, server: ScriptedAnthropic) -> dict[str, str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    keep = {key: value for key, value in os.environ.items() if key in {"LANG", "LC_ALL", "TMPDIR"}}
    return {
        **keep,
        "PATH": path,
        "HOME": str(home),
        "ANTHROPIC_BASE_URL": server.url,
        "ANTHROPIC_API_KEY": "dummy",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "INFRA_TEAM_MODEL": "offline",
        "MCP_TIMEOUT": "60000",
    }


@pytest.fixture(scope="module")
def claude() -> Path:
    binary = require_binary("claude", hint="npm install -g @anthropic-ai/claude-code")
    if shutil.which("infra-team", path=str(Path(sys.executable).parent)) is None:
        missing("the `infra-team` console script is not installed next to this Python")
    return binary


def _run(command: list[str], *, cwd: Path, env: dict[str, str], timeout: int = 60) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{command[:3]} exited {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


def _plugin_copy(target: Path) -> Path:
    """The plugin as a marketplace installs it: its manifest and its agents."""
    shutil.copytree(_paths.plugin_dir(), target / ".claude-plugin")
    shutil.copytree(_paths.agents_dir(), target / "agents")
    return target


@dataclass(frozen=True)
class Session:
    output: dict[str, Any]
    requests: list[dict[str, Any]]


def approval_script(mode: Mode) -> Any:
    """The model runs an incident that needs a person, then tries to approve it itself."""

    def script(body: dict[str, Any]) -> list[Block]:
        waiting = _wait_for_tools(body, mode)
        if waiting is not None:
            return waiting
        last = _last_tool_use(body)
        if last in ("WaitForMcpServers", "ToolSearch"):
            arguments = {"subagent_type": "infrastructure-team", "description": ESCALATION}
            return [tool_use(f"{mode.prefix}run_team_task", arguments)]
        if last == f"{mode.prefix}run_team_task":
            thread = tool_results(body)[-1].split("Thread id: `", 1)[1].split("`", 1)[0]
            return [
                tool_use(f"{mode.prefix}resume_team_task", {"thread_id": thread, "approved": True})
            ]
        return [text(MAIN_DONE)]

    return script


def drive(claude: Path, mode: Mode, tmp_path: Path, script: Any = None) -> Session:
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    allowed = mode.prefix.removesuffix("__")
    with scripted_anthropic(script or model_script(mode)) as server:
        env = _environment(home, server)
        extra: list[str] = []
        if mode is PLUGIN:
            extra = ["--plugin-dir", str(_plugin_copy(tmp_path / "plugin"))]
        else:
            _run(
                [sys.executable, "-m", "infra_team", "export", "claude-code", ".claude/agents"],
                cwd=project,
                env=env,
            )
            _run(
                [str(claude), "mcp", "add", "infra-team", "--", "infra-team", "mcp"],
                cwd=project,
                env=env,
            )
        stdout = _run(
            [
                str(claude),
                "-p",
                "Plan the subnets of our new VPC 10.20.0.0/16.",
                "--output-format",
                "json",
                "--allowedTools",
                f"{allowed},WaitForMcpServers,ToolSearch,Agent",
                *extra,
            ],
            cwd=project,
            env=env,
            timeout=RUN_TIMEOUT,
        )
        assert server.failures == []
        return Session(output=json.loads(stdout), requests=list(server.requests))


def _main_requests(session: Session) -> list[dict[str, Any]]:
    return [body for body in session.requests if "Agent" in tool_names(body)]


def _subagent_requests(session: Session) -> list[dict[str, Any]]:
    return [body for body in session.requests if "Agent" not in tool_names(body)]


def _agent_type_listing(body: dict[str, Any]) -> list[str]:
    listing = next(t for t in message_texts(body) if "Available agent types" in t)
    return re.findall(r"^- ([\w:.-]+):", listing, flags=re.MULTILINE)


def _check(session: Session, mode: Mode) -> None:
    assert session.output["is_error"] is False, session.output
    assert session.output["result"] == MAIN_DONE

    main = _main_requests(session)
    types = set(_agent_type_listing(main[0]))
    assert set(mode.subagent_types()) <= types, sorted(types)

    spec = parse_agent_file(_paths.agents_dir() / f"{ROLE}.md")
    subagent = _subagent_requests(session)
    assert subagent, "the subagent never called the model"
    assert spec.body.splitlines()[0] in system_text(subagent[0])
    offered = [name for name in tool_names(subagent[0]) if name not in CLI_INTERNAL_TOOLS]
    assert sorted(offered) == sorted(f"{mode.prefix}{tool}" for tool in spec.tools)

    cidr = tool_results(subagent[-1])
    assert len(cidr) == 1
    assert cidr[0].startswith('<tool-output trust="untrusted" tool="cidr_plan">')
    assert '"status":"success"' in cidr[0]
    assert "10.20.0.0/24" in cidr[0]

    team = tool_results(main[-1])[-1]
    assert "Network Engineer" in team
    assert "Model: `offline`" in team
    assert "INF-00" not in team


def test_plugin_validates(claude: Path, tmp_path: Path) -> None:
    plugin = _plugin_copy(tmp_path / "plugin")
    done = subprocess.run(
        [str(claude), "plugin", "validate", str(plugin)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "HOME": str(tmp_path), "DISABLE_AUTOUPDATER": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation passed" in done.stdout


def test_plugin_mode(claude: Path, tmp_path: Path) -> None:
    _check(drive(claude, PLUGIN, tmp_path), PLUGIN)


def test_project_mode(claude: Path, tmp_path: Path) -> None:
    _check(drive(claude, PROJECT, tmp_path), PROJECT)


def test_a_person_not_the_model_answers_a_paused_run(claude: Path, tmp_path: Path) -> None:
    """Claude Code in ``-p`` has no one to show the question to: the run stays paused, the
    model's attempt to approve is refused, the model reads how a person answers, and the
    person's ``infra-team resume --approve`` finishes the run."""
    session = drive(claude, PROJECT, tmp_path, approval_script(PROJECT))
    assert session.output["result"] == MAIN_DONE
    results = tool_results(session.requests[-1])
    paused, attempt = results[-2], results[-1]
    assert "## Waiting for a human decision" in paused
    assert "**Human escalation:**" in paused
    command = re.search(r"`(infra-team resume (\w+) --checkpoint (\S+) --approve)", paused)
    assert command, paused[-1500:]
    assert attempt.startswith("invalid arguments for `resume_team_task`: `approved`")

    env = {**os.environ, "HOME": str(tmp_path / "home"), "INFRA_TEAM_MODEL": "offline"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    done = subprocess.run(
        ["infra-team", "resume", command[2], "--checkpoint", command[3], "--approve", "--json"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["status"] == "completed"
