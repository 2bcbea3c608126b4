"""Which tools a role calls at a stage, and with which arguments.

A plan is computed from the brief alone (request text and context), so it is the same
every time and can be recomputed when the answer is composed. Each plan lists the
assumptions it makes where the request is silent; the composed output repeats them.
Only tools bound to the engine are called, and only with every required argument; tools
that change an external system follow the rules of ``infra_team.offline._writes``.

A check only ever reads values the request states (a Terraform plan, an sshd_config,
replica lag, event counts) or an artifact the engine itself proposes (an sshd_config
baseline, firewall rules, a playbook, a backup policy), and the call's ``source`` says
which, so a proposal is never reported as a measurement. The engine makes up no
measurement to feed a check: no backup history, no lag samples, no request counts, no
resource inventory. What a configured live system can measure, the engine reads instead
(``infra_team.offline._live``), labelled as measured. Targets the request leaves out are the defaults below, repeated as
assumptions.

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

from infra_team.graph._schemas import StageBrief
from infra_team.offline import _artifacts
from infra_team.offline._binding import BoundTool
from infra_team.offline._calls import Plan, PlannedCall
from infra_team.offline._conform import conform
from infra_team.offline._extract import RequestFacts, extract_facts
from infra_team.offline._lag import (
    lag_threshold,
    lag_threshold_seconds,
)
from infra_team.offline._live import live_calls
from infra_team.offline._routing import change_type, component_ownership, severity
from infra_team.offline._text import first_sentence
from infra_team.offline._writes import write_calls

DEFAULT_SLO_PERCENT = 99.9
DEFAULT_RPO_MINUTES = 60.0
DEFAULT_RTO_MINUTES = 240.0
PITR_RPO_MINUTES = 5.0
CAPACITY_MONTHS = 12
TARGET_UTILIZATION = 0.7
COST_TREND_MONTHS = 13
"""Months ``cost_trend`` needs for a year-over-year comparison (this month and the same
month a year earlier)."""
BACKUP_RETENTION_DAYS = 14
"""Two weeks of restore points: twice the backup check's 7-day minimum."""


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
    spend = facts.monthly_spend
    if len(spend) >= COST_TREND_MONTHS:
        calls.append(
            PlannedCall(
                name="cost_trend",
                args={"monthly_costs": list(spend)},
                source=f"{len(spend)} months of spend in the request",
            )
        )
    elif spend:
        assumptions.append(
            f"{len(spend)} months of spend in the request: a year-over-year trend needs "
            f"{COST_TREND_MONTHS} (the same month a year earlier), so cost_trend was not run."
        )
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
            source="proposed baseline",
        )
    ]
    if given.facts.sshd_config:
        calls.append(
            PlannedCall(
                name="audit_sshd_config",
                args={"config_text": given.facts.sshd_config},
                source="sshd_config in the request",
            )
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


UNMEASURED_LAG = "Replica lag not measured"
"""How the assumption that no lag was measured begins; dropped when a live read measures it."""


def _replication_call(facts: RequestFacts) -> tuple[list[PlannedCall], list[str]]:
    """``replication_health`` on the lag values the request states, if it states any."""
    if not facts.lag_samples_seconds:
        return [], []
    threshold, why = lag_threshold(facts)
    args: dict[str, object] = {
        "lag_samples_seconds": list(facts.lag_samples_seconds),
        "threshold_seconds": threshold,
    }
    if facts.lag_interval_seconds is not None:
        args["sample_interval_seconds"] = facts.lag_interval_seconds
    note = f"Replica lag threshold {threshold:g} s: {why}."
    call = PlannedCall(name="replication_health", args=args, source="lag values in the request")
    return [call], [note]


def _dba_implement(given: PlanInput) -> Plan:
    facts = given.facts
    calls: list[PlannedCall] = []
    assumptions: list[str] = []
    if _needs_backup_check(given) or facts.query_plan is None:
        rpo, _, notes = objectives(facts)
        calls.append(
            PlannedCall(
                name="backup_policy_check",
                args={"schedule": rpo, "retention": BACKUP_RETENTION_DAYS, "rpo_minutes": rpo},
                source="proposed policy",
            )
        )
        assumptions += [note for note in notes if note.startswith("RPO")]
        assumptions.append(
            f"Backup policy proposed: a backup every {rpo:g} min (the RPO), kept "
            f"{BACKUP_RETENTION_DAYS} days; checked on paper, no backup history given."
        )
    replication, notes = _replication_call(facts)
    calls += replication
    assumptions += notes
    if facts.standby and not replication:
        assumptions.append(
            f"{UNMEASURED_LAG} (no lag values in the request): proposed alert when "
            f"lag exceeds {lag_threshold_seconds(facts):g} s ({lag_threshold(facts)[1]})."
        )
    if facts.query_plan is not None:
        calls.append(PlannedCall(name="analyze_query_plan", args={"plan": facts.query_plan}))
    return Plan(calls=tuple(calls), assumptions=tuple(assumptions))


def _dba_escalation(given: PlanInput) -> Plan:
    facts = given.facts
    calls, notes = _replication_call(facts)
    rpo_notes = [note for note in objectives(facts)[2] if note.startswith("RPO")] if calls else []
    if facts.query_plan is not None:
        calls.append(PlannedCall(name="analyze_query_plan", args={"plan": facts.query_plan}))
    return Plan(calls=tuple(calls), assumptions=(*rpo_notes, *notes))


def _network_implement(given: PlanInput) -> Plan:
    facts = given.facts
    database = "database-administrator" in _artifacts.assigned_roles(given.brief)
    cidr = _artifacts.network_cidr(facts)
    layers = _artifacts.tiers(facts, database=database)
    names = _artifacts.subnet_names(facts, database=database)
    spread = _artifacts.zones(facts)
    prefix = _artifacts.tier_prefix(cidr, len(names))
    assumptions = [] if facts.cidrs else [f"Address space {cidr} (RFC 1918; none stated)."]
    if spread:
        assumptions.append(
            f"One /{prefix} per tier in each of {len(spread)} zones: "
            f"{', '.join(layers)} x {', '.join(spread)} = {len(names)} subnets."
        )
    else:
        assumptions.append(f"One /{prefix} per tier: {', '.join(names)}.")
    return Plan(
        calls=(
            PlannedCall(
                name="cidr_plan",
                args={"vpc_cidr": cidr, "subnet_prefixes": [prefix] * len(names)},
                source="proposed address plan",
            ),
            PlannedCall(
                name="firewall_audit",
                args={"rules": _artifacts.firewall_rules(facts, database=database)},
                source="proposed rules",
            ),
        ),
        assumptions=tuple(assumptions),
    )


ERROR_BUDGET_WINDOW_DAYS = 30
"""SLO window (SRE Workbook ch. 2, "Implementing SLOs": a 30-day rolling window)."""


def service_name(facts: RequestFacts) -> str:
    """The service a runbook or alert is named after."""
    return facts.service or facts.technology or "service"


_WEB_WORDS = re.compile(
    r"\b(?:http|https|web|api|apis|site|website|frontend|endpoint|load balancer|ingress|app"
    r"|application|service)\b",
    re.IGNORECASE,
)
"""Words that put an HTTP front (and so HTTP status codes) in front of a datastore."""


def operate_symptoms(facts: RequestFacts, text: str) -> list[str]:
    """Symptoms the SRE's runbook covers for a new service: the golden signals (Google SRE
    book ch. 6, "Monitoring Distributed Systems") of what is being built, its own component
    first, since the runbook's component rung goes to the owner of the first symptom.

    A datastore (a database product, or database work with no web front named) is
    watched through its own signals (replication and connection errors, query duration,
    host saturation) and owned by the Database Administrator; HTTP 5xx and request
    latency belong to services with an HTTP front, whose 5xx is raised at the load
    balancer (Network Engineer)."""
    lowered = text.lower()
    database = facts.technology in _artifacts.DATABASE_PORTS or "database" in lowered
    web = _WEB_WORDS.search(text) is not None
    symptoms: list[str] = []
    if database:
        symptoms += [
            "database replication lag or connection errors",
            "query duration over target (pg_stat_statements)",
        ]
    if web or not database:
        symptoms += [
            "HTTP 5xx error ratio burning the error budget",
            "latency p99 over target",
        ]
    symptoms.append("saturation: cpu, memory or disk")
    if any(word in lowered for word in ("tls", "certificate", "dns", "domain")):
        symptoms.append("TLS certificate expiry or DNS resolution failures")
    return symptoms


def incident_symptoms(facts: RequestFacts, text: str) -> list[str]:
    """What the incident report states, for the runbook: the failing component as the
    routing rules read it (so the runbook's component rung is that component's owner),
    the report's first sentence, then each HTTP status code it names as a symptom of its
    own ("HTTP 502 errors"), so "checkout 502s" is still read as a 5xx incident."""
    ownership = component_ownership(text)
    named = [word for word in ownership.because if not word.isdigit()]
    lead = [f"{ownership.component} failure"] if named and ownership.component in named else []
    return [*lead, _first_line(text), *(f"HTTP {code} errors" for code in facts.status_codes)]


def _burn_rate_call(facts: RequestFacts, slo: float) -> PlannedCall:
    args: dict[str, object] = {"slo_percent": slo, "window_days": ERROR_BUDGET_WINDOW_DAYS}
    if facts.service or facts.technology:
        args["service"] = service_name(facts)
    return PlannedCall(name="burn_rate_alerts", args=args)


def _error_budget_call(facts: RequestFacts, slo: float) -> tuple[list[PlannedCall], list[str]]:
    """``error_budget`` on the event counts the request states; none without counts (a
    failure share alone is compared with the burn-rate thresholds instead, see
    ``infra_team.offline._burn``)."""
    if facts.good_events is None or facts.total_events is None:
        return [], []
    call = PlannedCall(
        name="error_budget",
        args={
            "slo_percent": slo,
            "window_days": ERROR_BUDGET_WINDOW_DAYS,
            "good_events": facts.good_events,
            "total_events": facts.total_events,
        },
        source="counts in the request",
    )
    note = (
        f"error_budget on the stated counts ({facts.total_events:,} events) with a "
        f"{ERROR_BUDGET_WINDOW_DAYS}-day SLO window; the counts may cover a shorter period."
    )
    return [call], [note]


def _sre_operate(given: PlanInput) -> Plan:
    facts = given.facts
    slo, notes = slo_target(facts)
    budget, budget_notes = _error_budget_call(facts, slo)
    calls = [
        *budget,
        _burn_rate_call(facts, slo),
        PlannedCall(
            name="runbook",
            args={"service": service_name(facts), "symptoms": operate_symptoms(facts, given.text)},
            source="symptoms the proposed runbook covers",
        ),
    ]
    writes, write_notes = write_calls(facts, given.text, level=None, component="")
    return Plan(calls=(*calls, *writes), assumptions=(*notes, *budget_notes, *write_notes))


def _sre_triage(given: PlanInput) -> Plan:
    facts = given.facts
    slo, notes = slo_target(facts)
    ownership = component_ownership(given.text)
    level = severity(given.text, facts).value
    calls = [PlannedCall(name="oncall_now", args={"component": ownership.component})]
    budget, assumptions = _error_budget_call(facts, slo)
    calls += budget
    if not budget and facts.error_rate_percent is not None:
        calls.append(_burn_rate_call(facts, slo))
        assumptions.append(
            "No request counts given: the stated failure share is compared with the "
            "burn-rate alert thresholds instead of spending an error budget."
        )
    calls.append(
        PlannedCall(
            name="runbook",
            args={"service": service_name(facts), "symptoms": incident_symptoms(facts, given.text)},
        )
    )
    writes, write_notes = write_calls(facts, given.text, level=level, component=ownership.component)
    return Plan(calls=(*calls, *writes), assumptions=(*notes, *assumptions, *write_notes))


def _first_line(text: str) -> str:
    return first_sentence(text, 160) or "incident"


def _automation_codify(given: PlanInput) -> Plan:
    """The generated playbook checked by ``ansible_check`` and a stated Terraform plan
    reviewed. ``iac_coverage`` is not called: it compares a real inventory with what IaC
    state manages, and offline there is neither (the design's resource list against
    itself would always read 100 %)."""
    facts = given.facts
    calls = [
        PlannedCall(
            name="ansible_check",
            args={"playbook_yaml": _artifacts.hardening_playbook(facts)},
            source="proposed playbook",
        )
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
    """The full plan for the brief's role and stage (before narrowing to bound tools),
    with the live reads of ``infra_team.offline._live`` when their systems are configured."""
    planner = _PLANNERS.get((brief.role, brief.stage))
    facts = facts or extract_facts(brief.request)
    plan = planner(PlanInput(brief=brief, facts=facts)) if planner else Plan()
    live = live_calls(brief.role, brief.stage, facts, brief.request)
    if not live:
        return plan
    measured = {call.name for call in live}
    assumptions = tuple(
        note
        for note in plan.assumptions
        if not ("postgres_replication" in measured and note.startswith(UNMEASURED_LAG))
    )
    return plan.model_copy(update={"calls": (*plan.calls, *live), "assumptions": assumptions})


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
        calls.append(call.model_copy(update={"args": args}))
    return tuple(calls)
