"""Which tools a role calls, with which arguments, and the assumptions it states."""

from __future__ import annotations

import pytest

from infra_team.graph._schemas import StageBrief
from infra_team.offline._binding import describe_tools
from infra_team.offline._calls import Plan, PlannedCall
from infra_team.offline._extract import extract_facts
from infra_team.offline._plans import (
    backup_sample,
    build_plan,
    callable_now,
    monthly_growth,
    objectives,
    slo_target,
)
from infra_team.tools import get_tools


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


def test_backup_sample_is_fixed_and_spaced_by_the_rpo() -> None:
    assert backup_sample(5) == [
        "2024-12-31T23:50:00+00:00",
        "2024-12-31T23:55:00+00:00",
        "2025-01-01T00:00:00+00:00",
    ]


def test_architect_without_load_figures_skips_capacity() -> None:
    plan = _plan("infrastructure-architect", "design", "New Redis cache, 20% growth")
    assert [call.name for call in plan.calls] == ["dr_strategy", "availability_budget"]
    assert (
        "Growth stated without a current peak: capacity_plan needs a peak load." in plan.assumptions
    )


def test_network_default_address_space_is_stated() -> None:
    plan = _plan("network-engineer", "implement", "New Redis cache")
    assert plan.calls[0] == PlannedCall(
        name="cidr_plan", args={"vpc_cidr": "10.0.0.0/16", "subnet_prefixes": [24, 24, 24]}
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
