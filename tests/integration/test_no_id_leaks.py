"""A model that emits internal IDs everywhere: none reaches a user."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from infra_team import cli as cli_module
from infra_team import resume, stream, task
from tests.integration.conftest import LEAK, team_script
from tests.leaks import leaks


def test_streamed_events_and_results_hold_no_id():
    model = team_script(
        leak=True,
        first_tools={
            "site-reliability-engineer": [
                (
                    "error_budget",
                    {
                        "slo_percent": 99.9,
                        "window_days": 30,
                        "good_events": 600,
                        "total_events": 1000,
                    },
                ),
                ("runbook", {"service": f"checkout owned by {LEAK}", "symptoms": ["5xx"]}),
            ]
        },
    )
    events = list(stream("infrastructure-team", "checkout 502 for 40% of requests", model=model))
    called = [e for e in events if e.type == "tool_called" and e.tool == "runbook"]
    assert called[0].data["args"]["service"] == "checkout owned by Infrastructure Architect"
    tokens = [e for e in events if e.type == "token"]
    assert tokens, "the scripted model streams tokens"
    joined = "".join(e.text for e in tokens)
    assert "Infrastructure Architect" in joined  # the split ID was replaced, not dropped
    dumped = [e.model_dump(mode="json") for e in events]
    assert leaks(dumped) == []
    result = events[-1].result
    assert result is not None and result.status == "interrupted"
    assert leaks(result.model_dump(mode="json")) == []
    assert [e for e in events if e.type == "interrupt"]
    final = resume(result.thread_id, "approve", comment=f"ok {LEAK}", model=model)
    assert leaks(final.model_dump(mode="json")) == []


def test_request_report_holds_no_id():
    result = task(
        "infrastructure-team", f"New cluster requested by {LEAK}", model=team_script(leak=True)
    )
    assert result.status == "completed"
    assert leaks(result.model_dump(mode="json")) == []


def test_cli_lines_hold_no_id(monkeypatch):
    import infra_team.runner as runner

    model = team_script(leak=True)
    original = runner.resolve_models
    monkeypatch.setattr(runner, "resolve_models", lambda spec=None: original(model))
    result = CliRunner().invoke(
        cli_module.app,
        ["task", "infrastructure-team", "New Postgres cluster", "--checkpoint", ":memory:"],
    )
    assert result.exit_code == 0, result.output
    assert "Design" in result.output
    assert leaks(result.output) == []
    as_json = CliRunner().invoke(
        cli_module.app,
        [
            "task",
            "infrastructure-team",
            "New Postgres cluster",
            "--json",
            "--checkpoint",
            ":memory:",
        ],
    )
    assert leaks(json.loads(as_json.stdout)) == []


def test_graph_state_holds_no_id_even_from_the_request():
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver

    from infra_team import build_graph

    graph = build_graph(model=team_script(), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "state"}, "recursion_limit": 40}
    graph.invoke({"messages": [HumanMessage(f"New cluster, ask {LEAK}")]}, config)
    values = graph.get_state(config).values
    assert leaks([m.content for m in values["messages"]]) == []
    assert leaks(values["description"]) == []
    assert values["messages"][0].content == "New cluster, ask Infrastructure Architect"


def test_a_host_streaming_the_graph_directly_sees_no_id():
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver

    from infra_team import build_graph

    graph = build_graph(model=team_script(leak=True), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "host-stream"}, "recursion_limit": 40}
    parts = list(
        graph.stream(
            {"messages": [HumanMessage("New Postgres cluster")]},
            config,
            stream_mode=["messages", "updates", "values", "custom"],
            subgraphs=True,
        )
    )
    custom_tokens = [
        data for _, mode, data in parts if mode == "custom" and data.get("type") == "token"
    ]
    assert custom_tokens, "scrubbed tokens are streamed as custom events"
    assert leaks("".join(token["text"] for token in custom_tokens)) == []
    # Raw token chunks would split an ID across parts: check them joined, too.
    chunks = [data[0] for _, mode, data in parts if mode == "messages"]
    joined = "".join(
        str(chunk.content)
        + "".join(c.get("args") or "" for c in getattr(chunk, "tool_call_chunks", []))
        for chunk in chunks
    )
    assert leaks(joined) == []
    assert leaks([repr(part) for part in parts]) == []


def test_the_tool_log_in_the_state_holds_no_id():
    """A tool given an ID answers with it; the log of its result in the state has none."""
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.memory import InMemorySaver

    from infra_team import build_graph

    runbook = ("runbook", {"service": f"checkout owned by {LEAK}", "symptoms": ["5xx"]})
    model = team_script(leak=True, first_tools={"site-reliability-engineer": [runbook]})
    graph = build_graph(model=model, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "tool-log"}, "recursion_limit": 40}
    graph.invoke({"messages": [HumanMessage("checkout 502 for 40% of requests")]}, config)
    tool_log = graph.get_state(config).values["tool_log"]
    logged = [entry for entry in tool_log if entry["tool"] == "runbook"]
    assert logged, "the runbook call is logged"
    assert "Infrastructure Architect" in repr(logged)  # the ID was replaced, not dropped
    assert leaks(repr(tool_log)) == []
