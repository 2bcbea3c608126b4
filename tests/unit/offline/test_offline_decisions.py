"""Decisions the offline engine used to get wrong on common requests, each against the rule
that now decides it (the rules are general; the wording of each case is varied)."""

from __future__ import annotations

from typing import Any

import pytest

from infra_team import task
from infra_team.graph._schemas import StageBrief
from infra_team.offline._calls import Plan
from infra_team.offline._extract import extract_facts, find_monthly_spend
from infra_team.offline._plans import build_plan, operate_symptoms
from infra_team.offline._routing import (
    business_decision_reasons,
    classify_kind,
    component_ownership,
    severity,
)
from infra_team.offline._templates import render_list
from infra_team.tools import TOOL_CATALOG, parse_tool_output
from tests.unit.offline.test_offline_stages import run_stage

SYSADMIN, NETWORK, DBA = "systems-administrator", "network-engineer", "database-administrator"


def _plan(role: str, stage: str, request: str) -> Plan:
    return build_plan(StageBrief(stage=stage, role=role, request=request))  # type: ignore[arg-type]


def _run_tool(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return parse_tool_output(TOOL_CATALOG[name].invoke(args)).data


# --- an SLO design is a request, not an incident -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Define an SLO and alerts for login at 99.9%",
        "Please set up burn-rate alerts and an error budget for the payments API at 99.95 %",
        "We need to define SLOs and paging alerts for search",
        "Draft a runbook for checkout 5xx errors and latency spikes",
    ],
)
def test_designing_slos_and_alerts_is_a_request(text: str) -> None:
    assert classify_kind(text).value == "request"


def test_a_real_alert_is_still_an_incident() -> None:
    assert classify_kind("Alert firing: login error rate at 12 %, users paged").value == "incident"
    assert classify_kind("Scale the web tier now, latency is at 5 s and errors spike").value == (
        "incident"
    )


def test_slo_request_runs_as_an_sre_design_for_the_named_service() -> None:
    result = task("infrastructure-team", "Define an SLO and alerts for login at 99.9%")
    assert (result.kind, result.status, result.severity) == ("request", "completed", None)
    assert "site-reliability-engineer" in result.engaged_roles
    assert "99.9 % availability SLO for login" in result.report
    assert "the Site Reliability Engineer designs the SLO" in result.report
    plan = _plan(
        "site-reliability-engineer", "operate", "Define an SLO and alerts for login at 99.9%"
    )
    burn = next(call for call in plan.calls if call.name == "burn_rate_alerts")
    assert burn.args == {"slo_percent": 99.9, "window_days": 30, "service": "login"}


# --- a security breach is a security incident ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Security breach: unauthorized root SSH logins",
        "We see brute-force attempts and two suspicious logins as root on the bastion host",
        "Ransomware encrypted the file server overnight",
    ],
)
def test_a_security_breach_is_a_p1_incident_for_the_host_owner(text: str) -> None:
    assert classify_kind(text).value == "incident"
    assert severity(text, extract_facts(text)).value == "P1"
    assert component_ownership(text).owner == SYSADMIN


def test_security_incident_actions_contain_and_involve_security() -> None:
    text = "Security breach: unauthorized root SSH logins"
    actions = render_list(
        "actions_escalation.md.j2",
        role=SYSADMIN,
        component="ssh",
        resolved=False,
        service="bastion",
        security=True,
    )
    joined = " ".join(actions)
    assert "isolate the affected hosts" in joined
    assert "Preserve evidence" in joined
    assert "PermitRootLogin no" in joined
    assert "Security team" in joined
    assert "provision" not in joined.lower()
    assert any(
        "security incident" in reason
        for reason in business_decision_reasons(text, extract_facts(text), "P1")
    )


def test_security_breach_run_is_an_incident_not_a_provisioning_request() -> None:
    result = task("infrastructure-team", "Security breach: unauthorized root SSH logins")
    assert (result.kind, result.severity, result.component_owner) == ("incident", "P1", SYSADMIN)
    assert "provision the new hosts" not in result.report
    assert "Security team" in result.report


# --- the failing component owns the incident, not where the symptom shows --------------


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        (
            "Checkout is down after a failed database failover; the load balancer returns 502 "
            "and we see data loss",
            DBA,
        ),
        ("502s at the load balancer caused by the orders database running out of connections", DBA),
        (
            "After the DNS change the load balancer health checks fail and the app servers idle",
            NETWORK,
        ),
        ("The load balancer is healthy; the PostgreSQL primary crashed", DBA),
        ("checkout returns 502 for 40 % of requests", NETWORK),
    ],
)
def test_owner_is_the_failing_component(text: str, owner: str) -> None:
    assert component_ownership(text).owner == owner


# --- a runbook's component owner is its own component's --------------------------------


@pytest.mark.parametrize(
    ("text", "owner", "absent"),
    [
        (
            "New PostgreSQL cluster for billing with a hot standby and PITR",
            "Database Administrator",
            "HTTP 5xx",
        ),
        ("New MySQL database for reporting", "Database Administrator", "HTTP 5xx"),
        ("New checkout web service behind a load balancer", "Network Engineer", "Database"),
    ],
)
def test_runbook_component_owner_follows_the_component(text: str, owner: str, absent: str) -> None:
    data = _run_tool(
        "runbook", {"service": "svc", "symptoms": operate_symptoms(extract_facts(text), text)}
    )
    assert f"30-60 min: {owner} (component owner)" in data["markdown"]
    assert f"### 1. {absent}" not in data["markdown"]
    assert (
        "Network Engineer (component owner)" not in data["markdown"] or owner == "Network Engineer"
    )


def test_incident_runbook_names_the_failing_components_owner() -> None:
    text = "Checkout is down after a failed database failover; the load balancer returns 502"
    plan = _plan("site-reliability-engineer", "triage", text)
    runbook = next(call for call in plan.calls if call.name == "runbook")
    data = _run_tool("runbook", runbook.args)
    assert "30-60 min: Database Administrator (component owner)" in data["markdown"]


# --- one subnet per tier and zone ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "first"),
    [
        (
            "Create a VPC 10.40.0.0/16 across three availability zones with public and private subnets",
            6,
            "public-a",
        ),
        (
            "VPC 10.0.0.0/16 with public, app and data subnets in us-east-1a, us-east-1b and us-east-1c",
            9,
            "public-us-east-1a",
        ),
        ("New VPC 10.1.0.0/20 over 2 AZs with web/app/db subnets", 6, "web-a"),
        ("Create a VPC 10.20.0.0/16 with subnets and a firewall", 2, "public"),
    ],
)
def test_one_subnet_per_tier_and_zone(text: str, count: int, first: str) -> None:
    plan = _plan(NETWORK, "implement", text)
    cidr = next(call for call in plan.calls if call.name == "cidr_plan")
    assert len(cidr.args["subnet_prefixes"]) == count
    data = _run_tool("cidr_plan", cidr.args)
    assert len(data["subnets"]) == count
    run = run_stage(NETWORK, "implement", text)
    assert f"| {first} |" in run.output.deliverable  # type: ignore[attr-defined]


# --- pasted spend is read ----------------------------------------------------------------

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SPEND = [10_000 + 150 * index for index in range(14)]


def _month(index: int) -> tuple[int, int]:
    return 2024 + (8 + index) // 12, (8 + index) % 12 + 1


@pytest.mark.parametrize(
    "layout",
    ["iso", "table", "names", "list"],
)
def test_fourteen_months_of_pasted_spend_are_read(layout: str) -> None:
    if layout == "iso":
        lines = [
            f"{y}-{m:02d}: ${v:,}" for (y, m), v in zip(map(_month, range(14)), SPEND, strict=True)
        ]
        text = "Review our cloud spend:\n" + "\n".join(lines)
    elif layout == "table":
        rows = [
            f"| {y}-{m:02d} | {v:,} |"
            for (y, m), v in zip(map(_month, range(14)), SPEND, strict=True)
        ]
        text = "Monthly bill:\n| Month | Cost (USD) |\n|---|---|\n" + "\n".join(rows)
    elif layout == "names":
        lines = [
            f"{_MONTHS[m - 1]} {y}: {v / 1000:g}k"
            for (y, m), v in zip(map(_month, range(14)), SPEND, strict=True)
        ]
        text = "Cost per month\n" + "\n".join(reversed(lines))  # newest first: sorted by date
    else:
        text = (
            "Our monthly spend for the last 14 months was "
            + ", ".join(str(v) for v in SPEND)
            + " USD."
        )
    assert find_monthly_spend(text) == tuple(float(v) for v in SPEND)
    plan = _plan("infrastructure-architect", "design", text)
    cost = next(call for call in plan.calls if call.name == "cost_trend")
    assert cost.args["monthly_costs"] == [float(v) for v in SPEND]


def test_design_reports_the_spend_trend() -> None:
    text = "Review our cloud spend:\n" + "\n".join(
        f"{y}-{m:02d}: ${v:,}" for (y, m), v in zip(map(_month, range(14)), SPEND, strict=True)
    )
    run = run_stage("infrastructure-architect", "design", text)
    design = run.output.design  # type: ignore[attr-defined]
    assert "No spend history" not in design
    assert "14 months of spend read from the request" in design
    assert "`cost_trend`" in design and "misses the -10 % YoY target" in design


def test_a_short_spend_history_is_read_but_not_trended() -> None:
    text = "Monthly spend: 2025-01: $100, 2025-02: $110, 2025-03: $121"
    plan = _plan("infrastructure-architect", "design", text)
    assert "cost_trend" not in [call.name for call in plan.calls]
    assert any("3 months of spend" in note for note in plan.assumptions)


# --- a threshold is written as one ---------------------------------------------------------


def test_threshold_phrases_read_right() -> None:
    text = "New PostgreSQL cluster with a hot standby and PITR"
    symptoms = operate_symptoms(extract_facts(text), text)
    assert not [symptom for symptom in symptoms if "above the SLO" in symptom]
    run = run_stage(DBA, "implement", text)
    output = run.output.model_dump_json()
    assert "alert above" not in output
    assert "exceeds 60 s" in output


# --- severity reads universal failure and stated absence of impact ------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("our proxy returns 502 Bad Gateway for all HTTP traffic worldwide", "P1"),
        ("Every client of api.example.com fails since midnight", "P1"),
        ("85 % of our CDN edge network is returning 503 errors", "P1"),
        ("The label of the latency panel has a typo. Everything works; no user is affected.", "P4"),
        ("Latency panel on the dashboard loads slowly, no customer impact", "P3"),
        ("p99 latency on search doubled for an hour", "P2"),
    ],
)
def test_severity_reads_scope_and_stated_impact(text: str, level: str) -> None:
    assert severity(text, extract_facts(text)).value == level


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Incident: deploy failed and checkout is slow", "incident"),
        ("P1: upgrade broke the payments API", "incident"),
        ("Alert: new errors on login", "incident"),
        ("Request: create a VPC with subnets", "request"),
    ],
)
def test_an_incident_label_is_not_an_imperative(text: str, kind: str) -> None:
    assert classify_kind(text).value == kind
