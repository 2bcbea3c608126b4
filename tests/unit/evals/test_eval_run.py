"""Cases run through the real graph with a scripted model that reads Prometheus.

Two cases with different recorded answers run side by side: each report must carry its
own case's value, so the answers reach the tools inside the graph's worker threads and
never cross between cases.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from infra_team.evals import EvalCase, run_eval
from infra_team.tools import parse_tool_output
from tests.fakes import ScriptedChatModel, brief_of, call, tool_turns


def sre_script(messages: list[BaseMessage], bound: tuple[str, ...]) -> AIMessage:
    """Intake says request; the SRE queries Prometheus once and reports what it read."""
    brief = brief_of(messages)
    if brief["stage"] == "intake":
        return call("IntakeDecision", {"kind": "request", "reason": "scripted"}, "intake")
    done = tool_turns(messages)
    if not done:
        return call("query_prometheus", {"query": "sum(pg_stat_activity_count)"}, "q")
    summary = parse_tool_output(done[-1].content).summary
    report = {
        "summary": f"Read Prometheus: {summary}",
        "findings": [f"query_prometheus: {summary}"],
        "actions": ["watch it"],
        "deliverable": "none",
    }
    return call("RoleReport", report, "report")


def connections_case(case_id: str, value: str) -> EvalCase:
    data: dict[str, Any] = {
        "id": case_id,
        "title": "Connections from Prometheus",
        "source": {"title": "postgres_exporter", "url": "https://example.com/exporter"},
        "subagent_type": "site-reliability-engineer",
        "flow": "request",
        "request": "How many connections does pg-main have? Check Prometheus.",
        "http": [
            {
                "service": "prometheus",
                "path": "/api/v1/query",
                "query_contains": "pg_stat_activity",
                "body": {
                    "status": "success",
                    "data": {
                        "resultType": "vector",
                        "result": [{"metric": {}, "value": [1, value]}],
                    },
                },
            }
        ],
        "expect": {"tools": ["query_prometheus"], "facts": [value], "absent": ["not configured"]},
    }
    return EvalCase.model_validate(data)


def test_recorded_answers_reach_each_case_through_the_graph() -> None:
    model = ScriptedChatModel(script=sre_script)
    cases = [connections_case(f"case-{n}", f"{n}81") for n in range(1, 5)]
    result = run_eval(cases, model, workers=3)
    for item in result.cases:
        assert item.status == "completed", item.error
        assert item.http_requests == 1
        assert [c.passed for c in item.checks] == [True, True, True], item.checks
    assert result.score == 100.0
    assert result.model == "scripted"
