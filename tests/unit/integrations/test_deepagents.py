"""deepagents: the specs against deepagents' own types, and a real deep agent delegating."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from infra_team.graph._middleware import ScrubOutputMiddleware
from infra_team.integrations.deepagents import subagents
from infra_team.prompts import build_system_prompt
from infra_team.registry import ROLE_TYPES, SUBAGENT_TYPES, resolve_role
from infra_team.scrub import scrub
from infra_team.tools import TOOL_CATALOG
from infra_team.toolsets import get_tools
from tests.fakes import ScriptedChatModel
from tests.leaks import leaks
from tests.unit.integrations.scripted import (
    ERROR_BUDGET_SUMMARY,
    INCIDENT,
    REQUEST,
    SCRUBBED,
    host_script,
)

deepagents = pytest.importorskip(
    "deepagents",
    reason="the deepagents extra is not installed: pip install 'infra-team[deepagents]'",
)

ROLE_KEYS = {"name", "description", "system_prompt", "tools", "middleware"}


def _by_name(specs: list[Any]) -> dict[str, Any]:
    return {spec["name"]: spec for spec in specs}


def test_one_spec_per_subagent_type_in_order() -> None:
    assert [spec["name"] for spec in subagents()] == [*ROLE_TYPES, "infrastructure-team"]


@pytest.mark.parametrize("role", ROLE_TYPES)
def test_role_spec_is_a_deepagents_subagent(role: str) -> None:
    spec = _by_name(subagents())[role]
    declared = deepagents.SubAgent.__annotations__
    assert set(spec) == ROLE_KEYS
    assert set(spec) <= set(declared)
    assert deepagents.SubAgent.__required_keys__ <= set(spec)
    assert "prompt" not in spec
    assert "model" not in spec
    assert spec["description"] == scrub(resolve_role(role).description)
    assert spec["system_prompt"] == build_system_prompt(resolve_role(role))
    assert [tool.name for tool in spec["tools"]] == list(resolve_role(role).tools)
    assert [type(m) for m in spec["middleware"]] == [ScrubOutputMiddleware]


def test_team_spec_is_a_compiled_subagent_running_the_supervisor_graph() -> None:
    spec = _by_name(subagents())["infrastructure-team"]
    assert set(spec) == {"name", "description", "runnable"}
    assert set(spec) <= set(deepagents.CompiledSubAgent.__annotations__)
    assert spec["description"] == scrub(resolve_role("infrastructure-team").description)
    nodes = set(spec["runnable"].get_graph().nodes)
    assert {"intake", "gates", "human-escalation", "report", *ROLE_TYPES} <= nodes


def test_given_model_is_set_on_every_role(inner_model: ScriptedChatModel) -> None:
    specs = _by_name(subagents(model=inner_model))
    assert all(specs[role]["model"] is inner_model for role in ROLE_TYPES)


def test_per_role_model_mapping(inner_model: ScriptedChatModel) -> None:
    other = ScriptedChatModel(script=inner_model.script)
    specs = _by_name(subagents(model={"default": inner_model, "network-engineer": other}))
    assert specs["network-engineer"]["model"] is other
    assert specs["database-administrator"]["model"] is inner_model


def test_tools_override_by_list_and_by_mapping() -> None:
    budget = TOOL_CATALOG["availability_budget"]
    for_all = _by_name(subagents(tools=[budget]))
    assert all(for_all[role]["tools"] == [budget] for role in ROLE_TYPES)
    one = _by_name(subagents(tools={"network-engineer": [budget]}))
    assert one["network-engineer"]["tools"] == [budget]
    assert one["database-administrator"]["tools"] == get_tools("database-administrator")


def test_deep_agent_delegates_to_a_role_and_to_the_team(inner_model: ScriptedChatModel) -> None:
    host = host_script(
        (
            "task",
            {
                "description": "Error budget of checkout",
                "subagent_type": "site-reliability-engineer",
            },
        ),
        ("task", {"description": REQUEST, "subagent_type": "infrastructure-team"}),
    )
    agent = deepagents.create_deep_agent(model=host, subagents=subagents(model=inner_model))
    state = agent.invoke({"messages": [HumanMessage("Check the budget and plan the cluster")]})

    replies = {m.tool_call_id: m for m in state["messages"] if isinstance(m, ToolMessage)}
    role, team = replies["call-0"], replies["call-1"]
    assert role.content == (
        f"Site Reliability Engineer here: {ERROR_BUDGET_SUMMARY} "
        "Hand off to Network Engineer if needed."
    )
    assert f"Design{SCRUBBED}" in team.content
    assert team.content.startswith("# ")
    assert leaks([m.content for m in state["messages"]]) == []
    assert state["messages"][-1].text == "done"


def test_every_subagent_type_is_offered_to_the_host(inner_model: ScriptedChatModel) -> None:
    agent = deepagents.create_deep_agent(
        model=host_script(), subagents=subagents(model=inner_model)
    )
    task = next(
        tool
        for tool in agent.get_graph().nodes["tools"].data.tools_by_name.values()
        if tool.name == "task"
    )
    listed = [
        line.split(":", 1)[0][2:] for line in task.description.splitlines() if line.startswith("- ")
    ]
    assert set(SUBAGENT_TYPES) <= set(listed)


def test_team_escalation_pauses_the_deep_agent_until_resumed(
    inner_model: ScriptedChatModel,
) -> None:
    host = host_script(("task", {"description": INCIDENT, "subagent_type": "infrastructure-team"}))
    agent = deepagents.create_deep_agent(
        model=host, subagents=subagents(model=inner_model), checkpointer=InMemorySaver()
    )
    config = {"configurable": {"thread_id": "deep-incident"}}

    paused = agent.invoke({"messages": [HumanMessage("Checkout is failing")]}, config)
    [question] = paused["__interrupt__"]
    finished = agent.invoke(Command(resume={"approved": True, "comment": "I own it"}), config)

    assert (question.value["kind"], question.value["gate"]) == (
        "human_escalation",
        "Human escalation",
    )
    assert leaks(question.value) == []
    [reply] = [m for m in finished["messages"] if isinstance(m, ToolMessage)]
    assert "taken over" in reply.content
    assert "I own it" in reply.content
    assert leaks(reply.content) == []
    assert finished["messages"][-1].text == "done"


def test_team_runs_on_the_offline_engine_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_TEAM_MODEL", raising=False)
    host = host_script(("task", {"description": REQUEST, "subagent_type": "infrastructure-team"}))
    agent = deepagents.create_deep_agent(model=host, subagents=subagents())
    state = agent.invoke({"messages": [HumanMessage("Plan the cluster")]})
    [reply] = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert reply.content.startswith("# Infrastructure Team")
    assert "Model: `offline`" in reply.content
    assert leaks(reply.content) == []


def test_a_role_subagents_raw_tokens_never_reach_the_hosts_message_stream() -> None:
    from deepagents import create_deep_agent
    from langchain_core.messages import AIMessage, HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver

    from infra_team.integrations.deepagents import subagents
    from tests.fakes import ScriptedChatModel
    from tests.leaks import leaks

    def role_answer(messages, bound):
        return AIMessage(content="Ticket INF-001 is handled.")

    def host(messages, bound):
        if any(getattr(m, "type", "") == "tool" for m in messages):
            return AIMessage(content="done")
        call = {
            "name": "task",
            "args": {"description": "plan subnets", "subagent_type": "network-engineer"},
            "id": "t1",
            "type": "tool_call",
        }
        return AIMessage(content="", tool_calls=[call])

    agent = create_deep_agent(
        model=ScriptedChatModel(script=host),
        subagents=subagents(model={"network-engineer": ScriptedChatModel(script=role_answer)}),
        checkpointer=InMemorySaver(),
    )
    config = {"configurable": {"thread_id": "tokens"}}
    parts = list(
        agent.stream(
            {"messages": [HumanMessage("plan subnets")]},
            config,
            stream_mode=["messages", "custom"],
            subgraphs=True,
        )
    )
    raw = "".join(str(data[0].content) for _, mode, data in parts if mode == "messages")
    tokens = "".join(
        data["text"] for _, mode, data in parts if mode == "custom" and data.get("type") == "token"
    )
    assert leaks(raw) == []
    assert leaks(tokens) == []
    assert "Infrastructure Architect" in tokens  # the role's answer streamed, scrubbed
