"""The MCP server, driven by the SDK's own client: in process, and over real stdio."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from infra_team import _paths
from infra_team.registry import SUBAGENT_TYPES, parse_agent_file
from infra_team.tools import TOOL_CATALOG, ToolResult, parse_tool_output, writes
from tests.fakes import ScriptedChatModel
from tests.leaks import leaks
from tests.unit.integrations.scripted import INCIDENT, INCIDENT_ROLES

mcp = pytest.importorskip(
    "mcp", reason="the mcp extra is not installed: pip install 'infra-team[mcp]'"
)

from infra_team.integrations.mcp_server import (  # noqa: E402
    RESUME_TOOL,
    TEAM_TOOL,
    build_mcp_server,
)

WRITES: dict[str, dict[str, Any]] = {
    "create_alertmanager_silence": {
        "matchers": [{"name": "alertname", "value": "CheckoutHighErrorRate"}],
        "starts_at": "2026-03-01T10:00:00Z",
        "ends_at": "2026-03-01T12:00:00Z",
        "created_by": "sre-oncall",
        "comment": "checkout incident",
    },
    "pagerduty_event": {
        "action": "trigger",
        "summary": "Checkout 502s",
        "source": "lb-1",
        "severity": "critical",
    },
    "create_grafana_annotation": {"text": "checkout incident", "tags": ["incident"]},
    "create_statuspage_incident": {"name": "Checkout errors", "status": "investigating"},
}
"""Valid arguments for every write tool of the catalog."""


def client(model: Any = None) -> Any:
    return mcp.Client(build_mcp_server(model))


def _result(answer: Any) -> ToolResult:
    return parse_tool_output(answer.content[0].text)


async def test_lists_every_catalog_tool_then_the_team_tools() -> None:
    async with client() as session:
        listing = (await session.list_tools()).tools
    assert [tool.name for tool in listing] == [*TOOL_CATALOG, TEAM_TOOL, RESUME_TOOL]
    by_name = {tool.name: tool for tool in listing}
    for name, tool in TOOL_CATALOG.items():
        assert by_name[name].input_schema == tool.args_schema.model_json_schema()  # type: ignore[union-attr]
        assert by_name[name].annotations.read_only_hint is (not writes(tool))
    assert by_name[TEAM_TOOL].input_schema["properties"]["subagent_type"]["enum"] == list(
        SUBAGENT_TYPES
    )
    assert set(by_name[RESUME_TOOL].input_schema["required"]) == {"thread_id", "approved"}


@pytest.mark.parametrize("name", SUBAGENT_TYPES)
async def test_every_tool_an_agents_file_names_is_served(name: str) -> None:
    """Claude Code calls ``mcp__infra-team__<tool>``: each such tool must be listed."""
    spec = parse_agent_file(_paths.agents_dir() / f"{name}.md")
    async with client() as session:
        served = {tool.name for tool in (await session.list_tools()).tools}
    assert spec.tools
    assert set(spec.tools) <= served


async def test_read_tool_returns_its_json_content() -> None:
    async with client() as session:
        answer = await session.call_tool("availability_budget", {"slo_percent": 99.9})
    result = _result(answer)
    assert answer.is_error is False
    assert result.status == "success"
    assert answer.structured_content == result.model_dump(mode="json")
    month = next(w for w in result.data["windows"] if w["window"] == "month_30d")
    assert month["minutes"] == 43.2
    assert answer.content[0].text.startswith(
        '<tool-output trust="untrusted" tool="availability_budget">'
    )


async def test_invalid_arguments_come_back_as_an_error_result() -> None:
    async with client() as session:
        answer = await session.call_tool("availability_budget", {"slo_percent": "high"})
    result = _result(answer)
    assert answer.is_error is True
    assert (result.status, result.code) == ("error", "invalid_arguments")
    assert "`slo_percent`" in (result.error or "")


def test_every_write_tool_has_arguments_here() -> None:
    assert sorted(WRITES) == sorted(name for name, tool in TOOL_CATALOG.items() if writes(tool))


@pytest.mark.parametrize("name", sorted(WRITES))
async def test_write_tools_cannot_bypass_change_approval(name: str) -> None:
    async with client() as session:
        answer = await session.call_tool(name, WRITES[name])
    result = _result(answer)
    assert (result.status, result.code) == ("approval_required", "approval_required")
    sent = {key: value for key, value in WRITES[name].items() if key != "matchers"}
    assert sent.items() <= result.data["arguments"].items()  # echoed back, nothing acted on
    assert answer.is_error is False


async def test_team_task_pauses_then_resumes(inner_model: ScriptedChatModel) -> None:
    async with client(inner_model) as session:
        paused = await session.call_tool(
            TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": INCIDENT}
        )
        summary = paused.structured_content
        thread_id = summary["thread_id"]
        finished = await session.call_tool(
            RESUME_TOOL, {"thread_id": thread_id, "approved": True, "comment": "I take it"}
        )
    assert summary["status"] == "interrupted"
    assert summary["engaged_roles"] == INCIDENT_ROLES
    assert [q["gate"] for q in summary["interrupts"]] == ["Human escalation"]
    assert f"call `{RESUME_TOOL}` with thread_id `{thread_id}`" in paused.content[0].text
    assert finished.structured_content["status"] == "completed"
    assert finished.is_error is False
    assert leaks([paused.content[0].text, finished.content[0].text, summary]) == []


async def test_team_task_errors_name_the_fix() -> None:
    async with client() as session:
        unknown = await session.call_tool(TEAM_TOOL, {"subagent_type": "dba", "description": "x"})
        missing = await session.call_tool(RESUME_TOOL, {"thread_id": "nope", "approved": True})
        stranger = await session.call_tool("restart_pod", {})
    assert unknown.is_error and "`subagent_type`" in unknown.content[0].text
    assert missing.is_error
    assert missing.content[0].text == (
        "no saved run with thread id `nope`; check the id and the checkpoint store"
    )
    assert stranger.is_error and stranger.content[0].text.startswith("unknown tool `restart_pod`")


async def test_run_mcp_server_serves_over_stdio(tmp_path: Path) -> None:
    command = "from infra_team.integrations.mcp_server import run_mcp_server; run_mcp_server()"
    params = mcp.StdioServerParameters(command=sys.executable, args=["-c", command], cwd=tmp_path)
    async with mcp.Client(params) as session:
        listing = (await session.list_tools()).tools
        answer = await session.call_tool("availability_budget", {"slo_percent": 99.99})
    assert len(listing) == len(TOOL_CATALOG) + 2
    assert _result(answer).data["windows"][2]["human"] == "4m 19.2s"


async def test_team_task_on_the_default_offline_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_TEAM_MODEL", raising=False)
    async with client() as session:
        answer = await session.call_tool(
            TEAM_TOOL,
            {"subagent_type": "network-engineer", "description": "Plan subnets in 10.20.0.0/16"},
        )
    assert answer.structured_content["status"] == "completed"
    assert answer.structured_content["engaged_roles"] == ["network-engineer"]
    assert "Model: `offline`" in answer.content[0].text
