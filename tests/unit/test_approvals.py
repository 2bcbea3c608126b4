"""Human decisions: every form a host may send, failing closed; pauses only where resumable."""

from __future__ import annotations

from typing import Any, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from infra_team.approvals import Decision, can_interrupt, coerce_decision
from infra_team.tools import TOOL_CATALOG, parse_tool_output


@pytest.mark.parametrize(
    ("answer", "approved"),
    [
        (True, True),
        ("approve", True),
        ("Approved", True),
        ("yes", True),
        ("true", True),
        ({"approved": True}, True),
        ({"approved": "yes"}, True),
        ({"decision": "approve"}, True),
        ({"decisions": [{"type": "approve"}]}, True),
        (Decision(approved=True), True),
        (False, False),
        ("reject", False),
        ("false", False),
        ("no", False),
        ({"approved": False}, False),
        ({"approved": "false"}, False),
        ({"approved": "no"}, False),
        ({"decisions": [{"type": "reject", "message": "not now"}]}, False),
        (1, False),
        ("maybe", False),
        (None, False),
        ({}, False),
        ({"approved": 1}, False),
    ],
)
def test_answers_fail_closed(answer: Any, approved: bool) -> None:
    assert coerce_decision(answer).approved is approved


def test_comment_travels_with_the_answer() -> None:
    assert coerce_decision({"approved": True, "comment": "CAB 42"}).comment == "CAB 42"
    assert (
        coerce_decision({"decisions": [{"type": "reject", "message": "later"}]}).comment == "later"
    )


class _State(TypedDict, total=False):
    out: str
    can: bool


def _probe(state: _State) -> _State:
    tool = TOOL_CATALOG["create_grafana_annotation"]
    result = parse_tool_output(tool.invoke({"text": "deploy"}))
    return {"out": result.status, "can": can_interrupt()}


def _graph(checkpointer: Any) -> Any:
    builder = StateGraph(_State)
    builder.add_node("probe", _probe)
    builder.add_edge(START, "probe")
    builder.add_edge("probe", END)
    return builder.compile(checkpointer=checkpointer)


def test_without_a_checkpointer_a_write_tool_does_not_pause() -> None:
    assert can_interrupt() is False
    state = _graph(None).invoke({})
    assert state == {"out": "approval_required", "can": False}


def test_with_a_checkpointer_a_write_tool_pauses() -> None:
    graph = _graph(InMemorySaver())
    result = graph.invoke({}, {"configurable": {"thread_id": "w"}})
    assert result["__interrupt__"][0].value["gate"] == "Change Approval"
