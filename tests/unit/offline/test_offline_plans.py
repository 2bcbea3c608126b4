"""Which tools a role calls, with which arguments, and the assumptions it states."""

from __future__ import annotations

import pytest

from infra_team.graph._schemas import StageBrief
from infra_team.offline._binding import describe_tools
from infra_team.offline._calls import Plan, PlannedCall
from infra_team.offline._extract import extract_facts
from infra_team.offline._plans import (
    build_plan,
    callable_now,
    monthly_growth,
    objectives,
    slo_target,
)
from infra_team.toolsets import get_tools


def _plan(role: str, stage: str, request: str) -> Plan:
    return build_plan(StageBrief(stage=stage, role=role, request=request))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "rpo", "rto", "assumed"),
    [
        ("RPO 15 minutes, RTO 2h", 15.0, 120.0, 0),
        ("PostgreSQL with PITR", 5.0, 240.0, 2),
        ("PITR but RPO 1 min", 1.0, 240.0, 1),
        ("nothing stated", 60.0, 240.0, 2),
    ],
)
def test_objectives(text: str, rpo: float, rto: float, assumed: int) -> None:
    got_rpo, got_rto, assumptions = objectives(extract_facts(text))
    assert (got_rpo, got_rto, len(assumptions)) == (rpo, rto, assumed)


def test_slo_default_is_the_team_kpi() -> None:
    assert slo_target(extract_facts("no target")) == (
        99.9,
        ["Availability 99.9 %: the team KPI (none stated)."],
    )
    assert slo_target(extract_facts("SLO 99.95%")) == (99.95, [])


def test_monthly_growth_compounds_to_the_annual_rate() -> None:
    assert (1 + monthly_growth(40)) ** 12 == pytest.approx(1.4, rel=1e-9)
    assert monthly_growth(0) == 0


POSTGRES = "New PostgreSQL cluster with a hot standby and PITR"


def test_dba_checks_the_proposed_backup_policy_without_a_history() -> None:
    plan = _plan("database-administrator", "implement", POSTGRES)
    assert plan.calls == (
        PlannedCall(
            name="backup_policy_check",
            args={"schedule": 5.0, "retention": 14, "rpo_minutes": 5.0},
            source="proposed policy",
        ),
    )
    assert plan.assumptions == (
        "RPO 5 min from PITR: continuous WAL archiving with archive_timeout = 300 s.",
        "Backup policy proposed: a backup every 5 min (the RPO), kept 14 days; checked on "
        "paper, no backup history given.",
        "Replica lag not measured (no lag values in the request): proposed alert when lag "
        "exceeds 60 s (none stated: PostgreSQL's default wal_receiver_timeout).",
    )


def test_dba_checks_replication_only_on_stated_lag() -> None:
    plan = _plan(
        "database-administrator",
        "implement",
        f"{POSTGRES}. Replica lag 2s, 4s, 30s, sampled every 30 s.",
    )
    assert plan.calls[1] == PlannedCall(
        name="replication_health",
        args={
            "lag_samples_seconds": [2.0, 4.0, 30.0],
            "threshold_seconds": 60.0,
            "sample_interval_seconds": 30.0,
        },
        source="lag values in the request",
    )
    assert (
        "Replica lag threshold 60 s: none stated: PostgreSQL's default wal_receiver_timeout."
        in plan.assumptions
    )


def test_dba_escalation_reads_stated_lag() -> None:
    plan = _plan(
        "database-administrator", "escalation", "replication is failing: replica lag 20s, 90s"
    )
    assert [(call.name, call.args["threshold_seconds"]) for call in plan.calls] == [
        ("replication_health", 60.0)
    ]
    assert plan.assumptions == (
        "RPO 60 min: standard tier (none stated).",
        "Replica lag threshold 60 s: none stated: PostgreSQL's default wal_receiver_timeout.",
    )


@pytest.mark.parametrize(
    ("text", "threshold", "why"),
    [
        # the request's own threshold wins, in any of the usual wordings
        (
            "Replay lag samples in seconds: 12, 45, 130, 540. Our threshold is 90 seconds.",
            90.0,
            "stated",
        ),
        ("replica lag 2s, 4s, 30s; alert when replication lag exceeds 15s", 15.0, "stated"),
        ("replica lag 2s, 4s; lag must stay under 2 min", 120.0, "stated"),
        # a stated RPO tighter than the default bounds the lag
        ("RPO 30 seconds. replica lag 2s, 4s, 30s", 30.0, "RPO"),
        # a loose RPO (or the 1 h default tier) never makes an hour of lag healthy
        ("RPO 4 hours. replica lag 2s, 4s, 540s", 60.0, "wal_receiver_timeout"),
        ("replica lag 20s, 90s, 540s", 60.0, "wal_receiver_timeout"),
    ],
)
def test_lag_threshold_comes_from_the_request_or_a_cited_default(
    text: str, threshold: float, why: str
) -> None:
    plan = _plan("database-administrator", "escalation", text)
    call = next(call for call in plan.calls if call.name == "replication_health")
    assert call.args["threshold_seconds"] == threshold
    assert any(why in note for note in plan.assumptions)


def test_nine_minutes_of_lag_is_not_healthy_by_default() -> None:
    from infra_team.tools import TOOL_CATALOG, parse_tool_output

    plan = _plan("database-administrator", "escalation", "replica lag 500s, 520s, 540s")
    call = next(call for call in plan.calls if call.name == "replication_health")
    result = parse_tool_output(TOOL_CATALOG["replication_health"].invoke(call.args))
    assert result.data["verdict"] != "healthy"


def test_triage_compares_a_stated_share_with_the_burn_rate_thresholds() -> None:
    plan = _plan("site-reliability-engineer", "triage", "checkout returns 502 for 40% of requests")
    assert [call.name for call in plan.calls] == ["oncall_now", "burn_rate_alerts", "runbook"]
    assert plan.calls[1].args == {"slo_percent": 99.9, "window_days": 30, "service": "checkout"}
    assert plan.calls[2].args == {
        "service": "checkout",
        "symptoms": ["checkout returns 502 for 40% of requests", "HTTP 502 errors"],
    }


def test_triage_spends_the_error_budget_only_on_stated_counts() -> None:
    plan = _plan(
        "site-reliability-engineer", "triage", "checkout: 1,200 of 50,000 requests failed (2.4%)"
    )
    assert [call.name for call in plan.calls] == ["oncall_now", "error_budget", "runbook"]
    assert plan.calls[1] == PlannedCall(
        name="error_budget",
        args={"slo_percent": 99.9, "window_days": 30, "good_events": 48800, "total_events": 50000},
        source="counts in the request",
    )


def test_operate_adds_no_budget_for_a_share() -> None:
    plan = _plan(
        "site-reliability-engineer", "operate", "New checkout API, 2% of requests fail today"
    )
    assert [call.name for call in plan.calls] == ["burn_rate_alerts", "runbook"]


def test_automation_checks_its_playbook_and_claims_no_coverage() -> None:
    plan = _plan("automation-engineer", "codify", "Codify the new hosts")
    assert [(call.name, call.source) for call in plan.calls] == [
        ("ansible_check", "proposed playbook")
    ]


def test_proposals_are_labelled() -> None:
    network = _plan("network-engineer", "implement", "New Redis cache")
    assert [call.source for call in network.calls] == ["proposed address plan", "proposed rules"]
    sysadmin = _plan(
        "systems-administrator",
        "implement",
        "Harden the web servers:\nPermitRootLogin yes\nPasswordAuthentication yes\n",
    )
    assert [call.source for call in sysadmin.calls] == [
        "proposed baseline",
        "sshd_config in the request",
    ]
    assert sysadmin.source_of("audit_sshd_config", 1) == "sshd_config in the request"
    assert sysadmin.source_of("audit_sshd_config", 2) == ""


def test_architect_without_load_figures_skips_capacity() -> None:
    plan = _plan("infrastructure-architect", "design", "New Redis cache, 20% growth")
    assert [call.name for call in plan.calls] == ["dr_strategy", "availability_budget"]
    assert (
        "Growth stated without a current peak: capacity_plan needs a peak load." in plan.assumptions
    )


def test_network_default_address_space_is_stated() -> None:
    plan = _plan("network-engineer", "implement", "New Redis cache")
    assert plan.calls[0] == PlannedCall(
        name="cidr_plan",
        args={"vpc_cidr": "10.0.0.0/16", "subnet_prefixes": [24, 24, 24]},
        source="proposed address plan",
    )
    assert plan.assumptions == (
        "Address space 10.0.0.0/16 (RFC 1918; none stated).",
        "One /24 per tier: public, app, data.",
    )


def test_small_network_gets_smaller_tiers() -> None:
    plan = _plan("network-engineer", "implement", "Web servers in 192.168.10.0/25")
    assert plan.calls[0].args == {"vpc_cidr": "192.168.10.0/25", "subnet_prefixes": [27, 27]}


def test_silence_needs_a_window() -> None:
    text = "checkout returns 502; silence the alert from 2025-03-01T10:00Z to 2025-03-01T12:00Z"
    plan = _plan("site-reliability-engineer", "triage", text)
    silence = next(call for call in plan.calls if call.name == "create_alertmanager_silence")
    assert (silence.args["starts_at"], silence.args["ends_at"]) == (
        "2025-03-01T10:00Z",
        "2025-03-01T12:00Z",
    )


def test_roles_without_a_plan_call_nothing() -> None:
    assert _plan("network-engineer", "escalation", "checkout returns 502").calls == ()


def test_callable_now_keeps_bound_tools_with_required_arguments() -> None:
    bound = describe_tools(get_tools("infrastructure-architect"))
    plan = Plan(
        calls=(
            PlannedCall(name="dr_strategy", args={"rpo_minutes": 5, "rto_minutes": 60, "extra": 1}),
            PlannedCall(name="capacity_plan", args={"peak": 10}),
            PlannedCall(
                name="cidr_plan", args={"vpc_cidr": "10.0.0.0/16", "subnet_prefixes": [24]}
            ),
        )
    )
    assert callable_now(plan, bound) == (
        PlannedCall(name="dr_strategy", args={"rpo_minutes": 5, "rto_minutes": 60}),
    )
