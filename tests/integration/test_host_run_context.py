"""The hosts carry the incident's start and Production Readiness evidence to the run: the
MCP server's ``run_team_task`` (through the SDK's own client, in process) and the LangChain
``task`` tool. The age picks the escalation rung the on-call policy gives; evidence closes
readiness items; bad values come back as one-line errors before any role runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from infra_team.incident_record import stored_incidents
from infra_team.integrations.task_tool import task_tool
from infra_team.oncall import rung_after_triage
from infra_team.persistence import sync_persistence
from infra_team.registry import display_name
from tests.fakes import ScriptedChatModel
from tests.integration.conftest import team_script

mcp = pytest.importorskip("mcp", reason="the mcp extra is not installed")

from infra_team.integrations.mcp_server import TEAM_TOOL, build_mcp_server  # noqa: E402

INCIDENT = "checkout 502 for 40% of requests"
REQUEST = "Build a two-node PostgreSQL cluster for billing"
OWNER = "network-engineer"
"""The component owner the scripted team names for INCIDENT."""
EVIDENCE = {
    "infrastructure_provisioned": {"source": "terraform state list: 14 resources"},
    "dr_tested": {"source": "restore drill: RTO 22 min", "checked_at": "2026-11-28T10:00:00Z"},
}


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def _expected_rung(minutes: float) -> str:
    """The rung label and role the policy gives an incident of this age after triage."""
    role = rung_after_triage(minutes, OWNER)
    rung = "architect" if role == "infrastructure-architect" else "component owner"
    return f"Resolved: {display_name(role)} ({rung})"


def _record(path: Any) -> Any:
    with sync_persistence(path) as (_, store):
        (record,) = list(stored_incidents(store))
    return record


async def _call(arguments: dict[str, Any], *, model: Any, checkpointer: Any = None) -> Any:
    async with mcp.Client(build_mcp_server(model, checkpointer=checkpointer)) as session:
        return await session.call_tool(TEAM_TOOL, arguments)


def _never_called() -> ScriptedChatModel:
    """A model that fails the test if a role runs: bad arguments stop before the run."""

    def script(messages: Any, bound: Any) -> Any:
        pytest.fail("a role ran despite invalid arguments")

    return ScriptedChatModel(script=script)


def _text(answer: Any) -> str:
    return "".join(block.text for block in answer.content)


# --- MCP: run_team_task ---------------------------------------------------------------------


async def test_listing_offers_both_as_optional_and_short() -> None:
    async with mcp.Client(build_mcp_server()) as session:
        (team,) = [t for t in (await session.list_tools()).tools if t.name == TEAM_TOOL]
    schema = team.input_schema
    assert schema["required"] == ["description", "subagent_type"]
    assert schema["properties"]["opened_at"]["format"] == "date-time"
    items = schema["properties"]["evidence"]["propertyNames"]["enum"]
    assert "dr_tested" in items and "monitoring_configured" in items
    assert "`opened_at`" in (team.description or "") and "`evidence`" in (team.description or "")
    assert len(json.dumps(schema)) < 2000, "the schema is paid for on every call"


@pytest.mark.parametrize("minutes", [45, 70])
async def test_mcp_opened_at_picks_the_rung_the_policy_gives(minutes: int, tmp_path: Any) -> None:
    path = tmp_path / "runs.sqlite"
    model = team_script(resolved_at="component owner" if minutes < 60 else "architect")
    answer = await _call(
        {
            "subagent_type": "infrastructure-team",
            "description": INCIDENT,
            "opened_at": _ago(minutes),
        },
        model=model,
        checkpointer=path,
    )
    text = _text(answer)
    assert answer.is_error is False, text
    assert f"Open {minutes} min when the team received it" in text
    record = _record(path)
    notes = [entry.note for entry in record.timeline]
    assert notes[-1].startswith(_expected_rung(minutes))
    assert len([n for n in notes if "(component owner)" in n]) == (1 if minutes < 60 else 0)
    assert minutes - 0.5 < (record.time_to_recovery_minutes or 0) < minutes + 1.5


async def test_mcp_without_opened_at_walks_the_ladder_from_the_bottom(tmp_path: Any) -> None:
    path = tmp_path / "runs.sqlite"
    answer = await _call(
        {"subagent_type": "infrastructure-team", "description": INCIDENT},
        model=team_script(resolved_at="architect"),
        checkpointer=path,
    )
    assert answer.is_error is False
    notes = [entry.note for entry in _record(path).timeline]
    assert any("(component owner)" in n for n in notes)  # 70 min above skips this rung


async def test_mcp_evidence_closes_production_readiness_items() -> None:
    without = _text(
        await _call(
            {"subagent_type": "infrastructure-team", "description": REQUEST},
            model=team_script(),
        )
    )
    answer = await _call(
        {"subagent_type": "infrastructure-team", "description": REQUEST, "evidence": EVIDENCE},
        model=team_script(),
    )
    text = _text(answer)
    assert answer.is_error is False
    assert "terraform state list: 14 resources" in text
    assert "restore drill: RTO 22 min, 2026-11-28 10:00 UTC" in text
    assert "terraform state list" not in without


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"opened_at": "2026-03-01T12:00:00"}, "timezone"),
        ({"opened_at": "noon"}, "`opened_at`"),
        ({"opened_at": "2999-01-01T00:00:00Z"}, "in the future"),
        ({"evidence": {"dr_tested": {"source": ""}}}, "dr_tested"),
        ({"evidence": {"unknown_item": {"source": "x"}}}, "unknown_item"),
    ],
)
async def test_mcp_refuses_bad_values_in_one_line(arguments: dict[str, Any], words: str) -> None:
    answer = await _call(
        {"subagent_type": "infrastructure-team", "description": INCIDENT, **arguments},
        model=_never_called(),
    )
    text = _text(answer)
    assert answer.is_error is True
    assert text.startswith(f"invalid arguments for `{TEAM_TOOL}`") and words in text
    assert "\n" not in text.strip()


# --- the LangChain task tool ---------------------------------------------------------------


def _invoke(tool: Any, args: dict[str, Any]) -> Any:
    return tool.invoke({"type": "tool_call", "id": "c1", "name": "task", "args": args})


@pytest.mark.parametrize("minutes", [45, 70])
def test_task_tool_opened_at_picks_the_rung_the_policy_gives(minutes: int, tmp_path: Any) -> None:
    path = tmp_path / "runs.sqlite"
    model = team_script(resolved_at="component owner" if minutes < 60 else "architect")
    message = _invoke(
        task_tool(model, checkpointer=path),
        {
            "subagent_type": "infrastructure-team",
            "description": INCIDENT,
            "opened_at": _ago(minutes),
        },
    )
    assert message.status == "success", message.content
    trail = [step["rung"] for step in message.artifact["escalation_trail"]]
    expected = "architect" if rung_after_triage(minutes, OWNER) != OWNER else "component owner"
    assert trail == ["on-call", expected]
    assert [n.note for n in _record(path).timeline][-1].startswith(_expected_rung(minutes))


async def test_task_tool_async_evidence_closes_production_readiness() -> None:
    message = await task_tool(team_script()).ainvoke(
        {
            "type": "tool_call",
            "id": "c2",
            "name": "task",
            "args": {
                "subagent_type": "infrastructure-team",
                "description": REQUEST,
                "evidence": EVIDENCE,
            },
        }
    )
    gate = next(g for g in message.artifact["gates"] if g["gate"] == "Production Readiness")
    items = {item["name"]: item for item in gate["items"]}
    assert items["Infrastructure provisioned"]["met"] is True
    assert items["DR tested"]["note"] == "restore drill: RTO 22 min, 2026-11-28 10:00 UTC"
    assert "Infrastructure provisioned" not in gate["open_items"]
    assert "Security hardening applied" in gate["open_items"]  # no evidence: stays open


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"opened_at": "2026-03-01T12:00:00"}, "timezone"),
        ({"opened_at": "2999-01-01T00:00:00Z"}, "in the future"),
        ({"evidence": {"dr_tested": {"source": " "}}}, "dr_tested"),
    ],
)
def test_task_tool_refuses_bad_values_as_a_tool_error(
    arguments: dict[str, Any], words: str
) -> None:
    message = _invoke(
        task_tool(_never_called()),
        {"subagent_type": "infrastructure-team", "description": INCIDENT, **arguments},
    )
    assert message.status == "error"
    assert message.content.startswith("invalid arguments for `task`") and words in message.content
    assert "\n" not in message.content
