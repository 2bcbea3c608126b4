"""Scrub what is shown, never what is worked on: the role models and tools get the request
as typed, every state a host can read (values, debug, history, subgraph state) holds
no ID, and a caller's thread id comes back and resumes verbatim."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage
from langgraph.checkpoint.memory import InMemorySaver

from infra_team import build_graph, resume, task
from tests.fakes import brief_of
from tests.integration.conftest import team_script
from tests.leaks import leaks

TYPED = "ssh inf005 and check DNS for inf01.prod.example.com, db-inf-003.internal, JIRA INF-100"
SHOWN = (
    "ssh Site Reliability Engineer and check DNS for inf01.prod.example.com, "
    "db-inf-003.internal, JIRA INF-100"
)


def _recording(seen: list[dict[str, Any]], **kwargs: Any) -> Any:
    """The scripted team model, recording each brief and each tool call's arguments."""
    model = team_script(**kwargs)
    script = model.script

    def recorded(messages: list[BaseMessage], bound: tuple[str, ...]) -> Any:
        seen.append(brief_of(messages))
        return script(messages, bound)

    return model.model_copy(update={"script": recorded})


def test_role_models_and_tools_get_the_request_as_typed() -> None:
    seen: list[dict[str, Any]] = []
    model = _recording(seen)
    result = task("infrastructure-team", TYPED, model=model)
    assert result.status == "completed", result.error
    requests = {brief["request"] for brief in seen}
    assert requests == {TYPED}
    assert leaks(result.model_dump(mode="json")) == []
    assert "inf01.prod.example.com" in result.report or "inf01" not in result.report


def test_tool_receives_the_raw_arguments_while_events_show_them_scrubbed(monkeypatch) -> None:
    from infra_team import stream
    from infra_team.tools import site_reliability_engineer as sre

    received: list[str] = []
    original = sre.render_runbook

    def recording(service: str, symptoms: list[str]) -> Any:
        received.append(service)
        return original(service, symptoms)

    monkeypatch.setattr(sre, "render_runbook", recording)
    model = team_script(
        first_tools={
            "site-reliability-engineer": [
                ("runbook", {"service": "ssh inf005", "symptoms": ["5xx"]})
            ]
        },
    )
    events = list(stream("infrastructure-team", "checkout 502 for 40% of requests", model=model))
    called = [e for e in events if e.type == "tool_called" and e.tool == "runbook"]
    assert called[0].data["args"]["service"] == "ssh Site Reliability Engineer"
    assert received == ["ssh inf005"]
    assert leaks([e.model_dump(mode="json") for e in events]) == []


def test_history_values_and_debug_streams_hold_no_id() -> None:
    graph = build_graph(model=team_script(), checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "history"}, "recursion_limit": 60}
    parts = list(
        graph.stream(
            {"description": TYPED},
            config,
            stream_mode=["values", "debug", "updates"],
            subgraphs=True,
        )
    )
    assert leaks([repr(part) for part in parts]) == []
    history = list(graph.get_state_history(config))
    assert len(history) > 3
    for snapshot in history:
        assert leaks(json.dumps(snapshot.values, default=str)) == []
        assert leaks(json.dumps(snapshot.metadata, default=str)) == []
    stored = {snapshot.values.get("description") for snapshot in history}
    assert SHOWN in stored
    assert TYPED not in stored
    state = graph.get_state(config, subgraphs=True)
    assert leaks(repr(state)) == []


def test_stored_checkpoints_never_hold_the_typed_request(tmp_path) -> None:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = tmp_path / "runs.sqlite"
    seen: list[dict[str, Any]] = []
    result = task("infrastructure-team", TYPED, model=_recording(seen), checkpointer=str(path))
    assert result.status == "completed", result.error
    assert {brief["request"] for brief in seen} == {TYPED}
    with SqliteSaver.from_conn_string(str(path)) as saver:
        rows = list(saver.list(None))
        assert rows
        for row in rows:
            assert "inf005" not in repr(row)
    assert b"inf005" not in path.read_bytes()


def test_messages_input_is_stored_scrubbed() -> None:
    graph = build_graph(model=team_script(), checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "messages"}, "recursion_limit": 60}
    graph.invoke({"messages": [HumanMessage(TYPED)]}, config)
    for snapshot in graph.get_state_history(config):
        assert leaks(repr(snapshot.values)) == []
    first = graph.get_state(config).values["messages"][0]
    assert first.content == SHOWN


def test_caller_thread_ids_are_returned_and_resumed_verbatim() -> None:
    model = team_script()
    for thread_id in ("ticket-inf2-7", "inf-005"):
        paused = task(
            "infrastructure-team",
            "checkout returns 502 for 40% of requests",
            model=model,
            thread_id=thread_id,
        )
        assert paused.status == "interrupted"
        assert paused.thread_id == thread_id
        final = resume(thread_id, "approve", comment="taking it", model=model)
        assert final.thread_id == thread_id
        assert final.status == "completed"
