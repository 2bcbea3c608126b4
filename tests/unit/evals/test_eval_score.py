"""Scoring: each expectation kind passes on a right answer and fails on a wrong one."""

from __future__ import annotations

from typing import Any

import pytest

from infra_team.evals import EvalCase
from infra_team.evals._run import CaseRun, ToolCall
from infra_team.evals._score import CHECK_KINDS, normalise, score
from infra_team.result import EscalationStep, GateResult, TaskResult

REPORT = """# Incident
**Severity:** P2 · replica `db2` is **9 minutes** behind the primary.
Replication is not healthy; check pg_stat_replication.replay_lag.
"""


def result(**changes: Any) -> TaskResult:
    values: dict[str, Any] = {
        "subagent_type": "infrastructure-team",
        "kind": "incident",
        "status": "completed",
        "engaged_roles": ["site-reliability-engineer", "database-administrator"],
        "assigned_roles": [],
        "severity": "P2",
        "component_owner": "database-administrator",
        "escalation_trail": [
            EscalationStep(
                rung="on-call",
                role="site-reliability-engineer",
                role_name="SRE",
                outcome="escalated",
            ),
            EscalationStep(
                rung="owner", role="database-administrator", role_name="DBA", outcome="resolved"
            ),
        ],
        "gates": [
            GateResult(gate="Change Approval", passed=False, open_items=["Stakeholders notified"])
        ],
        "artifacts": {"incident_communication": "STATUS: Fixing"},
        "report": REPORT,
        "thread_id": "t",
        "model": "offline",
    }
    return TaskResult(**{**values, **changes})


def case(**expect: Any) -> EvalCase:
    return EvalCase.model_validate(
        {
            "id": "c",
            "title": "Replica lag",
            "source": {"title": "A postmortem", "url": "https://example.com/p"},
            "subagent_type": "infrastructure-team",
            "role": "database-administrator",
            "flow": "incident",
            "request": "The replica is far behind the primary.",
            "expect": expect,
        }
    )


def run(task: TaskResult | None = None, **changes: Any) -> CaseRun:
    values: dict[str, Any] = {
        "result": task or result(),
        "tools": [ToolCall(role="database-administrator", tool="replication_health")],
        "asked": ["Human escalation", "pagerduty_event"],
        "duration_s": 0.1,
    }
    return CaseRun(**{**values, **changes})


RIGHT_AND_WRONG: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("kind", {"kind": "incident"}, {"kind": "request"}),
    ("status", {"status": "completed"}, {"status": "interrupted"}),
    ("assigned", {"assigned": ["network-engineer"]}, {"assigned": ["systems-administrator"]}),
    (
        "not_assigned",
        {"not_assigned": ["systems-administrator"]},
        {"not_assigned": ["network-engineer"]},
    ),
    ("engaged", {"engaged": ["database-administrator"]}, {"engaged": ["network-engineer"]}),
    ("severity", {"severity": ["P1", "P2"]}, {"severity": "P1"}),
    (
        "component_owner",
        {"component_owner": "database-administrator"},
        {"component_owner": "network-engineer"},
    ),
    ("tools", {"tools": ["replication_health"]}, {"tools": ["query_prometheus"]}),
    ("facts", {"facts": ["9 minutes behind"]}, {"facts": ["540 seconds"]}),
    (
        "facts",
        {"facts": [{"any": ["lagging", "replay_lag"]}]},
        {"facts": [{"any": ["lagging", "stale"]}]},
    ),
    (
        "facts",
        {"facts": [{"regex": r"severity: p[12]\b"}]},
        {"facts": [{"regex": r"severity: p1\b"}]},
    ),
    ("absent", {"absent": [{"regex": r"(?<!not )\bhealthy"}]}, {"absent": ["healthy"]}),
    ("absent", {"absent": ["status: resolved"]}, {"absent": ["status: fixing"]}),
    (
        "gates",
        {"gates": {"Change Approval": "open", "Production Readiness": "absent"}},
        {"gates": {"Change Approval": "passed"}},
    ),
    ("asked", {"asked": ["pagerduty_event"]}, {"asked": ["create_statuspage_incident"]}),
    (
        "escalation",
        {"escalation": ["site-reliability-engineer", "database-administrator"]},
        {
            "escalation": [
                "site-reliability-engineer",
                "database-administrator",
                "infrastructure-architect",
            ]
        },
    ),
]


@pytest.mark.parametrize(("kind", "right", "wrong"), RIGHT_AND_WRONG)
def test_each_kind_passes_and_fails(
    kind: str, right: dict[str, Any], wrong: dict[str, Any]
) -> None:
    assert kind in CHECK_KINDS
    passed = score(case(**right), run(result(assigned_roles=["network-engineer"])))
    assert passed and all(check.kind == kind for check in passed)
    assert all(check.passed for check in passed), passed
    failed = score(case(**wrong), run(result(assigned_roles=["network-engineer"])))
    assert any(check.passed is False and check.detail for check in failed), failed


def test_every_kind_is_exercised() -> None:
    assert {kind for kind, _, _ in RIGHT_AND_WRONG} == set(CHECK_KINDS)


def test_one_check_per_item() -> None:
    checks = score(
        case(engaged=["database-administrator", "network-engineer"], facts=["db2", "db9"]), run()
    )
    assert [(c.kind, c.name, c.passed) for c in checks] == [
        ("engaged", "database-administrator", True),
        ("engaged", "network-engineer", False),
        ("facts", "db2", True),
        ("facts", "db9", False),
    ]


def test_text_matching_ignores_case_spacing_and_markdown() -> None:
    assert normalise("**Severity:**   P2\n`db2`") == "severity: p2 db2"
    assert score(case(facts=["SEVERITY: p2 · replica db2 is 9 minutes"]), run())[0].passed


def test_the_quoted_request_is_not_the_answer() -> None:
    quoted = result(
        report="# Incident\n\n> The replica is far\n> behind the primary.\n\nLag: 540 s."
    )
    checks = score(case(facts=["far behind", "540 s"], absent=["primary"]), run(quoted))
    assert [(c.name, c.passed) for c in checks] == [
        ("far behind", False),
        ("540 s", True),
        ("primary", True),
    ]


def test_artifacts_count_as_report_text() -> None:
    assert score(case(facts=["STATUS: Fixing"]), run())[0].passed


def test_a_run_without_result_fails_every_check() -> None:
    checks = score(
        case(kind="incident", severity="P2", facts=["db2"], absent=["healthy"]),
        run(None, result=None),
    )
    assert [c.passed for c in checks] == [False, False, False, True]


def test_claim_without_matcher_is_skipped_without_a_judge() -> None:
    [check] = score(case(facts=[{"claim": "The report says the replica is behind."}]), run())
    assert check.passed is None
    assert "judge" in check.detail
