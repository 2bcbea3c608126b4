"""The ``task`` tool: contract, a host that calls it twice in one turn, paused runs."""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from infra_team import resume
from infra_team.integrations import task_tool
from infra_team.registry import SUBAGENT_TYPES, resolve_role
from infra_team.scrub import scrub
from tests.fakes import ScriptedChatModel
from tests.leaks import leaks
from tests.unit.integrations.scripted import (
    INCIDENT,
    INCIDENT_ROLES,
    OFFLINE_ESCALATION,
    REQUEST,
    REQUEST_ROLES,
    SCRUBBED,
    host_script,
)


def test_name_arguments_and_enum() -> None:
    schema = task_tool().tool_call_schema.model_json_schema()  # type: ignore[union-attr]
    assert task_tool().name == "task"
    assert schema["required"] == ["description", "subagent_type"]
    assert schema["properties"]["subagent_type"]["enum"] == list(SUBAGENT_TYPES)
    assert schema["properties"]["description"]["type"] == "string"


@pytest.mark.parametrize("name", SUBAGENT_TYPES)
def test_description_lists_each_type_with_its_registry_description(name: str) -> None:
    line = f"- {name}: {scrub(resolve_role(name).description)}"
    assert line in task_tool().description.splitlines()


def test_description_holds_no_internal_id() -> None:
    assert leaks(task_tool().description) == []


def _tool_messages(state: dict[str, Any]) -> dict[str, ToolMessage]:
    return {m.tool_call_id: m for m in state["messages"] if isinstance(m, ToolMessage)}


def _host(inner: ScriptedChatModel) -> Any:
    calls = [
        ("task", {"description": REQUEST, "subagent_type": "infrastructure-team"}),
        ("task", {"description": INCIDENT, "subagent_type": "infrastructure-team"}),
    ]
    # The host has a checkpointer of its own: the team's pause must not become the host's.
    return create_agent(host_script(*calls), [task_tool(inner)], checkpointer=InMemorySaver())


def _check_parallel_turn(state: dict[str, Any]) -> ToolMessage:
    """Both reports reached the host; the host finished its turn. Returns the paused one."""
    assert "__interrupt__" not in state
    assert state["messages"][-1].text == "done"
    messages = _tool_messages(state)
    assert sorted(messages) == ["call-0", "call-1"]
    request, incident = messages["call-0"], messages["call-1"]
    assert request.artifact["status"] == "completed"
    assert request.artifact["engaged_roles"] == REQUEST_ROLES
    assert request.content == request.artifact["report"]
    assert f"Design{SCRUBBED}" in request.content
    assert incident.artifact["status"] == "interrupted"
    assert incident.artifact["engaged_roles"] == INCIDENT_ROLES
    assert leaks([m.content for m in state["messages"]]) == []
    assert leaks([request.artifact, incident.artifact]) == []
    return incident


def _check_paused_message(message: ToolMessage) -> str:
    thread_id = message.artifact["thread_id"]
    text = str(message.content)
    assert "## Waiting for a human decision" in text
    assert "**Human escalation:**" in text
    assert "(options: approve, reject)" in text
    assert f"Thread id: `{thread_id}`" in text
    assert f'infra_team.resume("{thread_id}", "approve", comment="...")' in text
    return str(thread_id)


def test_host_gets_both_reports_from_one_parallel_turn(inner_model: ScriptedChatModel) -> None:
    state = _host(inner_model).invoke(
        {"messages": [HumanMessage("Plan the cluster and look at checkout")]},
        {"configurable": {"thread_id": "host-sync"}},
    )
    incident = _check_parallel_turn(state)
    thread_id = _check_paused_message(incident)

    finished = resume(
        thread_id, "approve", comment="incident manager takes over", model=inner_model
    )
    assert finished.status == "completed"
    assert [step.outcome for step in finished.escalation_trail] == [
        "escalated",
        "escalated",
        "escalated",
        "taken over",
    ]
    assert leaks(finished.model_dump(mode="json")) == []


async def test_async_host_runs_the_coroutine(inner_model: ScriptedChatModel) -> None:
    state = await _host(inner_model).ainvoke(
        {"messages": [HumanMessage("Plan the cluster and look at checkout")]},
        {"configurable": {"thread_id": "host-async"}},
    )
    _check_paused_message(_check_parallel_turn(state))


def test_blank_description_is_a_tool_error_not_a_crash() -> None:
    message = task_tool().invoke(
        {
            "type": "tool_call",
            "id": "blank",
            "name": "task",
            "args": {"description": "   ", "subagent_type": "network-engineer"},
        }
    )
    assert message.status == "error"
    assert message.content == "the task description is empty; describe the request or the incident"


def test_sqlite_checkpoint_adds_the_cli_resume_line(
    inner_model: ScriptedChatModel, tmp_path: Any
) -> None:
    path = tmp_path / "runs.sqlite"
    message = task_tool(inner_model, checkpointer=path).invoke(
        {
            "type": "tool_call",
            "id": "incident",
            "name": "task",
            "args": {"description": INCIDENT, "subagent_type": "infrastructure-team"},
        }
    )
    thread_id = message.artifact["thread_id"]
    assert f"`infra-team resume {thread_id} --approve --checkpoint {path}`" in message.content
    finished = resume(thread_id, False, comment="not now", model=inner_model, checkpointer=path)
    assert finished.escalation_trail[-1].outcome == "declined"


def test_default_model_is_the_offline_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_TEAM_MODEL", raising=False)
    message = task_tool().invoke(
        {
            "type": "tool_call",
            "id": "offline",
            "name": "task",
            "args": {"description": OFFLINE_ESCALATION, "subagent_type": "infrastructure-team"},
        }
    )
    assert message.artifact["model"] == "offline"
    assert message.artifact["status"] == "interrupted"
    assert [q["gate"] for q in message.artifact["interrupts"]] == ["Human escalation"]
    _check_paused_message(message)
    assert leaks(message.content) == []
