"""Which tools a role calls at a stage, and with which arguments.

A plan is computed from the brief alone (request text and context), so it is the same
every time and can be recomputed when the answer is composed. Each plan lists the
assumptions it makes where the request is silent; the composed output repeats them.
Only tools bound to the engine are called, and only with every required argument; tools
that change an external system follow the rules of ``infra_team.offline._writes``.

Defaults and where they come from:

- availability 99.9 %: the team's availability KPI (seed "Metrics & KPIs").
- RPO 1 h and RTO 4 h: the architect's standard tier (agents/infrastructure-architect.md).
- RPO 5 min with PITR: continuous WAL archiving with ``archive_timeout = 300`` s bounds
  the unarchived WAL to 5 minutes (PostgreSQL manual, 26.3 "Continuous Archiving and
  Point-in-Time Recovery", and 19.5.3 ``archive_timeout``).
- capacity: 12-month horizon at 70 % target utilisation, annual growth turned into the
  equivalent compound monthly rate ``(1 + g) ** (1 / 12) - 1`` (Google SRE book ch. 18,
  "Software Engineering in SRE", intent-based capacity planning).
- address plan: ``10.0.0.0/16`` (RFC 1918 private space) with one /24 per tier.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from infra_team.graph._schemas import StageBrief
from infra_team.offline import _artifacts
from infra_team.offline._binding import BoundTool
from infra_team.offline._calls import Plan, PlannedCall
from infra_team.offline._conform import conform
from infra_team.offline._extract import RequestFacts, extract_facts
from infra_team.offline._routing import change_type, component_ownership, severity
from infra_team.offline._text import first_sentence
from infra_team.offline._writes import write_calls

DEFAULT_SLO_PERCENT = 99.9
DEFAULT_RPO_MINUTES = 60.0
DEFAULT_RTO_MINUTES = 240.0
PITR_RPO_MINUTES = 5.0
CAPACITY_MONTHS = 12
TARGET_UTILIZATION = 0.7
BACKUP_RETENTION_DAYS = 14
"""Two weeks of restore points: twice the backup check's 7-day minimum."""
REFERENCE_INSTANT = "2025-01-01T00:00:00+00:00"
"""Fixed instant for sample histories, so the same request always gives the same check."""
SAMPLE_LAGS_SECONDS = (0.4, 0.6, 0.5, 0.7, 0.5, 0.6)
"""Sample streaming-replication lags (one a minute): the shape of a healthy standby, used
to exercise the check offline; live values come from ``pg_stat_replication.replay_lag``."""


@dataclass(frozen=True)
class PlanInput:
    """What a planner reads."""

    brief: StageBrief
    facts: RequestFacts

    @property
    def text(self) -> str:
        return self.brief.request


def objectives(facts: RequestFacts) -> tuple[float, float, list[str]]:
    """RPO and RTO in minutes, with the assumptions made where the request is silent."""
    assumptions: list[str] = []
    rpo = facts.rpo_minutes
    if rpo is None and facts.pitr:
        rpo = PITR_RPO_MINUTES
        assumptions.append(
            f"RPO {PITR_RPO_MINUTES:g} min from PITR: continuous WAL archiving with "
            "archive_timeout = 300 s."
        )
    elif rpo is None:
        rpo = DEFAULT_RPO_MINUTES
        assumptions.append(f"RPO {DEFAULT_RPO_MINUTES:g} min: standard tier (none stated).")
    rto = facts.rto_minutes
    if rto is None:
        rto = DEFAULT_RTO_MINUTES
        assumptions.append(f"RTO {DEFAULT_RTO_MINUTES:g} min: standard tier (none stated).")
    return rpo, rto, assumptions


def slo_target(facts: RequestFacts) -> tuple[float, list[str]]:
    """The availability target and, when defaulted, the assumption."""
    if facts.slo_percent is not None:
        return facts.slo_percent, []
    return DEFAULT_SLO_PERCENT, [
        f"Availability {DEFAULT_SLO_PERCENT:g} %: the team KPI (none stated)."
    ]


def monthly_growth(annual_percent: float) -> float:
    """Compound monthly rate equivalent to an annual growth in percent, as a fraction."""
    return round(float((1 + annual_percent / 100) ** (1 / 12)) - 1, 12)


def _architect_design(given: PlanInput) -> Plan:
    facts = given.facts
    rpo, rto, assumptions = objectives(facts)
    slo, slo_note = slo_target(facts)
    calls = [
        PlannedCall(name="dr_strategy", args={"rpo_minutes": rpo, "rto_minutes": rto}),
        PlannedCall(name="availability_budget", args={"slo_percent": slo}),
    ]
    assumptions += slo_note
    if facts.rps is not None:
        growth = facts.growth_percent or 0.0
        if facts.growth_percent is None:
            assumptions.append("No growth stated: capacity sized for today's peak.")
        else:
            assumptions.append(
                f"{growth:g} % growth read as yearly: {monthly_growth(growth) * 100:.4g} % a month "
                f"compounded over {CAPACITY_MONTHS} months."
            )
        assumptions.append(f"Target utilisation {TARGET_UTILIZATION * 100:g} % at peak.")
        calls.append(
            PlannedCall(
                name="capacity_plan",
                args={
                    "peak": facts.rps,
                    "growth_rate": monthly_growth(growth),
                    "months": CAPACITY_MONTHS,
                    "target_utilization": TARGET_UTILIZATION,
                },
            )
        )
    elif facts.growth_percent is not None:
        assumptions.append("Growth stated without a current peak: capacity_plan needs a peak load.")
    return Plan(calls=tuple(calls), assumptions=tuple(assumptions))


def _architect_escalation(given: PlanInput) -> Plan:
    slo, notes = slo_target(given.facts)
    return Plan(
        calls=(PlannedCall(name="availability_budget", args={"slo_percent": slo}),),
        assumptions=tuple(notes),
    )


def _sysadmin_implement(given: PlanInput) -> Plan:
    calls = [
        PlannedCall(
            name="audit_sshd_config",
            args={"config_text": _artifacts.sshd_baseline(given.facts)},
        )
    ]
    if given.facts.sshd_config:
        calls.append(
            PlannedCall(name="audit_sshd_config", args={"config_text": given.facts.sshd_config})
        )
    if given.facts.apt_listing:
        calls.append(PlannedCall(name="patch_status", args={"listing": given.facts.apt_listing}))
    return Plan(calls=tuple(calls))


def _sysadmin_escalation(given: PlanInput) -> Plan:
    calls = []
    if given.facts.sshd_config:
        calls.append(
            PlannedCall(name="audit_sshd_config", args={"config_text": given.facts.sshd_config})
        )
    if given.facts.apt_listing:
        calls.append(PlannedCall(name="patch_status", args={"listing": given.facts.apt_listing}))
    return Plan(calls=tuple(calls))


def backup_sample(rpo_minutes: float) -> list[str]:
    """Three sample successes at the proposed interval, ending at ``REFERENCE_INSTANT``."""
    end = datetime.fromisoformat(REFERENCE_INSTANT)
    return [(end - timedelta(minutes=rpo_minutes * k)).isoformat() for k in (2, 1, 0)]


def _needs_backup_check(given: PlanInput) -> bool:
    """Backups matter when the request builds a database or names recovery: a new
    database, PITR, a standby, an RPO or backups; a query-tuning request skips them."""
    facts = given.facts
    if facts.pitr or facts.standby or facts.rpo_minutes is not None:
        return True
    kind = change_type(given.text)
    return re.search(r"\bbackups?\b|\brestore\b", given.text, re.IGNORECASE) is not None or (
        kind.value == "New" and bool(kind.because)
    )


def _dba_implement(given: PlanInput) -> Plan:
    facts = given.facts
    calls: list[PlannedCall] = []
    assumptions: list[str] = []
    if _needs_backup_check(given) or facts.query_plan is None:
        rpo, _, notes = objectives(facts)
        calls.append(
            PlannedCall(
                name="backup_policy_check",
                args={
                    "schedule": rpo,
                    "retention": BACKUP_RETENTION_DAYS,
                    "last_success_times": backup_sample(rpo),
                    "rpo_minutes": rpo,
                    "now": REFERENCE_INSTANT,
                },
            )
        )
        assumptions += [note for note in notes if note.startswith("RPO")]
        assumptions.append(
            f"Backup history: sample successes every {rpo:g} min (no backup catalogue "
            f"offline); retention {BACKUP_RETENTION_DAYS} days."
        )
        if facts.standby:
            calls.append(
                PlannedCall(
                    name="replication_health",
                    args={
                        "lag_samples_seconds": list(SAMPLE_LAGS_SECONDS),
                        "threshold_seconds": rpo * 60,
                        "sample_interval_seconds": 60,
                    },
                )
            )
            assumptions.append(
                "Replica lag: sample values (no live replica offline); threshold = the RPO, "
                "since lag beyond it would lose more data on failover than allowed."
            )
    if facts.query_plan is not None:
        calls.append(PlannedCall(name="analyze_query_plan", args={"plan": facts.query_plan}))
    return Plan(calls=tuple(calls), assumptions=tuple(assumptions))


def _dba_escalation(given: PlanInput) -> Plan:
    if given.facts.query_plan is not None:
        return Plan(
            calls=(PlannedCall(name="analyze_query_plan", args={"plan": given.facts.query_plan}),)
        )
    return Plan()


def _network_implement(given: PlanInput) -> Plan:
    facts = given.facts
    database = "database-administrator" in _artifacts.assigned_roles(given.brief)
    cidr = _artifacts.network_cidr(facts)
    names = _artifacts.tiers(facts, database=database)
    prefix = _artifacts.tier_prefix(cidr)
    assumptions = [] if facts.cidrs else [f"Address space {cidr} (RFC 1918; none stated)."]
    assumptions.append(f"One /{prefix} per tier: {', '.join(names)}.")
    return Plan(
        calls=(
            PlannedCall(
                name="cidr_plan", args={"vpc_cidr": cidr, "subnet_prefixes": [prefix] * len(names)}
            ),
            PlannedCall(
                name="firewall_audit",
                args={"rules": _artifacts.firewall_rules(facts, database=database)},
            ),
        ),
        assumptions=tuple(assumptions),
    )


ERROR_BUDGET_WINDOW_DAYS = 30
"""SLO window (SRE Workbook ch. 2, "Implementing SLOs": a 30-day rolling window)."""
ERROR_BUDGET_SAMPLE_EVENTS = 10_000
"""Requests the stated failure share is applied to when no counts are given: the burn
rate depends only on the share, so the sample size changes no conclusion."""


def service_name(facts: RequestFacts) -> str:
    """The service a runbook or alert is named after."""
    return facts.service or facts.technology or "service"


def operate_symptoms(facts: RequestFacts, text: str) -> list[str]:
    """Symptoms the SRE's runbook covers for a new service: the golden signals (Google SRE
    book ch. 6, "Monitoring Distributed Systems") plus the design's own components."""
    symptoms = [
        "HTTP 5xx error rate above the SLO",
        "latency p99 above target",
        "saturation: cpu, memory or disk",
    ]
    lowered = text.lower()
    if facts.technology in _artifacts.DATABASE_PORTS or "database" in lowered:
        symptoms.append("database replication lag or connection errors")
    if any(word in lowered for word in ("tls", "certificate", "dns", "domain")):
        symptoms.append("TLS certificate expiry or DNS resolution failures")
    return symptoms


def _sre_operate(given: PlanInput) -> Plan:
    facts = given.facts
    slo, notes = slo_target(facts)
    service = service_name(facts)
    calls = [
        PlannedCall(
            name="burn_rate_alerts",
            args={"slo_percent": slo, "service": service, "window_days": ERROR_BUDGET_WINDOW_DAYS},
        ),
        PlannedCall(
            name="runbook",
            args={"service": service, "symptoms": operate_symptoms(facts, given.text)},
        ),
    ]
    if facts.error_rate_percent is not None:
        calls.insert(0, _error_budget_call(slo, facts.error_rate_percent))
    return Plan(calls=tuple(calls), assumptions=tuple(notes))


def _error_budget_call(slo: float, rate_percent: float) -> PlannedCall:
    total = ERROR_BUDGET_SAMPLE_EVENTS
    good = round(total * (1 - rate_percent / 100))
    return PlannedCall(
        name="error_budget",
        args={
            "slo_percent": slo,
            "window_days": ERROR_BUDGET_WINDOW_DAYS,
            "good_events": good,
            "total_events": total,
        },
    )


def _sre_triage(given: PlanInput) -> Plan:
    facts = given.facts
    slo, notes = slo_target(facts)
    service = service_name(facts)
    ownership = component_ownership(given.text)
    level = severity(given.text, facts).value
    headline = _first_line(given.text)
    calls = [PlannedCall(name="oncall_now", args={"component": ownership.component})]
    assumptions = list(notes)
    if facts.error_rate_percent is not None:
        calls.append(_error_budget_call(slo, facts.error_rate_percent))
        assumptions.append(
            f"error_budget applied to the stated share per {ERROR_BUDGET_SAMPLE_EVENTS:,} "
            "requests (no request counts given)."
        )
    calls.append(PlannedCall(name="runbook", args={"service": service, "symptoms": [headline]}))
    writes, write_notes = write_calls(facts, given.text, level=level, component=ownership.component)
    return Plan(calls=(*calls, *writes), assumptions=(*assumptions, *write_notes))


def _first_line(text: str) -> str:
    return first_sentence(text, 160) or "incident"


def _automation_codify(given: PlanInput) -> Plan:
    facts = given.facts
    inventory = _artifacts.iac_inventory(given.brief, facts)
    calls = [
        PlannedCall(name="iac_coverage", args={"inventory": inventory, "managed": inventory}),
        PlannedCall(
            name="ansible_check",
            args={"playbook_yaml": _artifacts.hardening_playbook(facts)},
        ),
    ]
    if facts.terraform_plan is not None:
        calls.append(
            PlannedCall(name="terraform_plan_review", args={"plan_json": facts.terraform_plan})
        )
    return Plan(calls=tuple(calls))


_PLANNERS: dict[tuple[str, str], Callable[[PlanInput], Plan]] = {
    ("infrastructure-architect", "design"): _architect_design,
    ("infrastructure-architect", "escalation"): _architect_escalation,
    ("systems-administrator", "implement"): _sysadmin_implement,
    ("systems-administrator", "escalation"): _sysadmin_escalation,
    ("database-administrator", "implement"): _dba_implement,
    ("database-administrator", "escalation"): _dba_escalation,
    ("network-engineer", "implement"): _network_implement,
    ("site-reliability-engineer", "operate"): _sre_operate,
    ("site-reliability-engineer", "triage"): _sre_triage,
    ("automation-engineer", "codify"): _automation_codify,
}


def build_plan(brief: StageBrief, facts: RequestFacts | None = None) -> Plan:
    """The full plan for the brief's role and stage (before narrowing to bound tools)."""
    planner = _PLANNERS.get((brief.role, brief.stage))
    if planner is None:
        return Plan()
    return planner(PlanInput(brief=brief, facts=facts or extract_facts(brief.request)))


def callable_now(plan: Plan, bound: Sequence[BoundTool]) -> tuple[PlannedCall, ...]:
    """The planned calls the engine can make: tool bound, required arguments present,
    arguments fitted to the tool's schema."""
    tools: Mapping[str, BoundTool] = {tool.name: tool for tool in bound}
    calls: list[PlannedCall] = []
    for call in plan.calls:
        tool = tools.get(call.name)
        if tool is None or any(name not in call.args for name in tool.required):
            continue
        args = conform(call.args, tool.parameters) if tool.properties else dict(call.args)
        calls.append(PlannedCall(name=call.name, args=args))
    return tuple(calls)
