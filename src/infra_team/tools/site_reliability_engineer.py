"""Site Reliability Engineer tools: error budgets, burn-rate alerts, on-call, incidents, runbooks.

Each tool has a pure function that computes the answer (``compute_error_budget``,
``build_burn_rate_alerts``, ``evaluate_oncall_now``, ``open_incident``/``update_incident``/
``close_incident``, ``render_runbook``) and a thin ``@infra_tool`` wrapper.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal

import jinja2
import yaml
from langchain_core.tools import BaseTool
from langgraph.config import get_store
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from infra_team.oncall import (
    COMPONENT_OWNER,
    ON_CALL_POLICY,
    component_owner,
    escalation_ladder,
    evaluate_on_call,
    incident_holder,
)
from infra_team.protocols import IncidentCommunication
from infra_team.registry import SPECIALISTS, RoleType, display_name
from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, no_data, ok

ERROR_BUDGET_DESCRIPTION = (
    "Compute an SLO's error budget from good and total events: allowed bad events, consumed, "
    "remaining (fraction and events) and burn rate."
)
BURN_RATE_ALERTS_DESCRIPTION = (
    "Build the SRE Workbook multiwindow, multi-burn-rate alerts for an SLO: thresholds per "
    "window and Prometheus alerting rules YAML."
)
ONCALL_NOW_DESCRIPTION = (
    "Tell who holds the pager at a time (primary, secondary, shift hand-off) and, for an open "
    "incident, who holds it now on the escalation ladder."
)
INCIDENT_CREATE_DESCRIPTION = (
    "Open an incident record (title, severity P1-P4, impact) with the Site Reliability "
    "Engineer as commander; returns its incident ID."
)
INCIDENT_UPDATE_DESCRIPTION = (
    "Add a timeline entry to an open incident and change its status (Investigating, "
    "Identified, Fixing), severity, impact, current action or ETA."
)
INCIDENT_CLOSE_DESCRIPTION = (
    "Resolve an open incident: records the resolution, the time to recovery in minutes "
    "against the 30-minute target, and whether a postmortem is required."
)
RUNBOOK_DESCRIPTION = (
    "Write a Markdown runbook skeleton for a service and its symptoms: triage per symptom "
    "class, escalation ladder, rollback, verification and communication."
)

# --------------------------------------------------------------------------- error budget


class ErrorBudgetReport(BaseModel):
    """An SLO's error budget over one window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    slo_percent: float
    window_days: float
    total_events: int
    good_events: int
    bad_events: int
    """Budget consumed, in events."""
    allowed_bad_events: float
    """The budget: (1 - SLO) x total events."""
    error_rate: float
    """Observed bad / total."""
    consumed_fraction: float
    """Bad events / budget (1.0 = the whole budget)."""
    remaining_fraction: float
    """1 - consumed; negative once the budget is overspent."""
    remaining_events: float
    burn_rate: float
    """Observed error rate / (1 - SLO): 1.0 spends exactly the budget over the window."""
    allowed_downtime_minutes: float
    """The budget as full-outage time over the window: (1 - SLO) x window."""
    exhausted: bool
    days_to_exhaustion: float | None
    """Days until the remaining budget is spent if the observed burn rate continues."""


def _budget_fraction(slo_percent: float) -> Decimal:
    """1 - SLO as an exact decimal (``99.9`` -> ``0.001``)."""
    return (Decimal(100) - Decimal(str(slo_percent))) / Decimal(100)


def compute_error_budget(
    slo_percent: float, window_days: float, good_events: int, total_events: int
) -> ErrorBudgetReport:
    """Error budget arithmetic from the SRE Workbook, ch. 2 "Implementing SLOs" (the error
    budget is 1 - SLO of the events in the window) and ch. 5 "Alerting on SLOs" (burn rate =
    observed error rate / (1 - SLO); at burn rate 1 the budget lasts exactly the window).

    Decimals keep round SLOs exact: 99.9 % of 1,000,000 events allows 1,000 bad events.

    Raises:
        ToolInputError: good events exceed total, or there are no events.
    """
    if good_events > total_events:
        msg = f"good_events ({good_events}) cannot exceed total_events ({total_events})"
        raise ToolInputError(msg)
    if total_events == 0:
        msg = "total_events is 0: there is no traffic in the window to measure against"
        raise ToolInputError(msg, code="no_data")
    fraction = _budget_fraction(slo_percent)
    total = Decimal(total_events)
    bad = total_events - good_events
    budget = fraction * total
    consumed = Decimal(bad) / budget
    error_rate = Decimal(bad) / total
    burn = error_rate / fraction
    remaining = 1 - consumed
    days_left = remaining * Decimal(str(window_days)) / burn if burn > 0 and remaining > 0 else None
    return ErrorBudgetReport(
        slo_percent=slo_percent,
        window_days=window_days,
        total_events=total_events,
        good_events=good_events,
        bad_events=bad,
        allowed_bad_events=float(budget),
        error_rate=float(error_rate),
        consumed_fraction=float(consumed),
        remaining_fraction=float(remaining),
        remaining_events=float(budget - bad),
        burn_rate=float(burn),
        allowed_downtime_minutes=float(fraction * Decimal(str(window_days)) * 1440),
        exhausted=consumed >= 1,
        days_to_exhaustion=float(days_left) if days_left is not None else None,
    )


class _SloArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    slo_percent: float = Field(gt=0, lt=100)
    """SLO target in percent, e.g. 99.9."""


class ErrorBudgetArgs(_SloArgs):
    """Arguments of ``error_budget``."""

    window_days: float = Field(gt=0)
    """SLO window in days, e.g. 30 or 28."""
    good_events: int = Field(ge=0)
    total_events: int = Field(ge=0)


@infra_tool(name="error_budget", description=ERROR_BUDGET_DESCRIPTION, args_schema=ErrorBudgetArgs)
def error_budget(
    *, slo_percent: float, window_days: float, good_events: int, total_events: int
) -> ToolResult:
    """Compute an error budget (see ``compute_error_budget``)."""
    if total_events == 0:
        return no_data("error_budget", "No events in the window: the error budget is undefined.")
    report = compute_error_budget(slo_percent, window_days, good_events, total_events)
    state = "exhausted" if report.exhausted else f"{report.remaining_fraction:.1%} left"
    summary = (
        f"SLO {slo_percent:g}% over {window_days:g} days: {report.bad_events:,} of "
        f"{report.allowed_bad_events:,.0f} allowed bad events used ({state}), "
        f"burn rate {report.burn_rate:.2f}."
    )
    return ok("error_budget", summary, report.model_dump(mode="json"))


# --------------------------------------------------------------------------- burn-rate alerts


class BurnRateWindow(BaseModel):
    """One row of the SRE Workbook's recommended multiwindow, multi-burn-rate table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    severity: Literal["page", "ticket"]
    long_window: str
    """Prometheus duration of the long window."""
    long_window_hours: Decimal
    short_window: str
    """Prometheus duration of the short window (1/12 of the long one)."""
    burn_rate: Decimal
    budget_percent: Decimal
    """Share of a 30-day budget spent in the long window at this burn rate."""
    pending: str
    """``for`` of the rule: a short pending period so one failed evaluation or scrape gap
    cannot fire it, well under the short window so detection stays close to the Workbook's."""


BURN_RATE_WINDOWS: tuple[BurnRateWindow, ...] = (
    BurnRateWindow(
        severity="page",
        long_window="1h",
        long_window_hours=Decimal(1),
        short_window="5m",
        burn_rate=Decimal("14.4"),
        budget_percent=Decimal(2),
        pending="2m",
    ),
    BurnRateWindow(
        severity="page",
        long_window="6h",
        long_window_hours=Decimal(6),
        short_window="30m",
        burn_rate=Decimal(6),
        budget_percent=Decimal(5),
        pending="15m",
    ),
    BurnRateWindow(
        severity="ticket",
        long_window="3d",
        long_window_hours=Decimal(72),
        short_window="6h",
        burn_rate=Decimal(1),
        budget_percent=Decimal(10),
        pending="1h",
    ),
)
"""SRE Workbook ch. 5, "Alerting on SLOs", the recommended parameters for a 99.9 % SLO
over 30 days: page at 14.4x over 1h/5m (2 % of the budget) and 6x over 6h/30m (5 %),
ticket at 1x over 3d/6h (10 %)."""
DEFAULT_METRIC = "job:slo_errors_per_request:ratio_rate{window}"
"""The Workbook's recording-rule naming for the error ratio over a window."""
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_MATCHER = r'\s*[a-zA-Z_]\w*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*'
_SELECTOR = re.compile(rf"(?:{_MATCHER}(?:,{_MATCHER})*,?)?")


class BurnRateAlert(BaseModel):
    """One alert of the plan, with its computed threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert: str
    severity: Literal["page", "ticket"]
    long_window: str
    short_window: str
    burn_rate: float
    error_rate_threshold: float
    """burn rate x (1 - SLO): the error ratio both windows must exceed."""
    budget_consumed_percent: float
    """Share of the SLO window's budget spent during the long window at this burn rate."""
    time_to_exhaustion_hours: float
    """How long the whole budget lasts at this burn rate."""
    can_fire: bool
    """False when the threshold is 1 or more: an error ratio can never exceed it."""
    expr: str


class BurnRateAlertPlan(BaseModel):
    """Multiwindow, multi-burn-rate alerts for one SLO, and the Prometheus rules file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    slo_percent: float
    window_days: float
    error_budget: float
    """1 - SLO as a ratio."""
    alerts: tuple[BurnRateAlert, ...]
    required_recording_rules: tuple[str, ...]
    """Error-ratio series the expressions read; they must exist as recording rules."""
    rules_yaml: str
    """Prometheus alerting rules file (groups/rules), for ``promtool check rules``."""


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _series(metric: str, window: str, selector: str) -> str:
    name = metric.replace("{window}", window)
    return f"{name}{{{selector}}}" if selector else name


def build_burn_rate_alerts(
    slo_percent: float,
    *,
    metric: str = DEFAULT_METRIC,
    selector: str = "",
    service: str = "",
    window_days: float = 30,
) -> BurnRateAlertPlan:
    """The SRE Workbook ch. 5 multiwindow, multi-burn-rate alerts as Prometheus rules.

    Each row of ``BURN_RATE_WINDOWS`` fires when the error ratio over both its long and its
    short window exceeds burn rate x (1 - SLO): 14.4 x 0.001 = 0.0144 for a 99.9 % SLO.
    The short window (1/12 of the long) makes the alert stop soon after the errors stop.
    ``metric`` names the error-ratio recording rule with ``{window}`` where the window goes,
    as in the Workbook's ``job:slo_errors_per_request:ratio_rate1h``; ``selector`` holds
    label matchers (``job="api"``). The rules file follows Prometheus "Alerting rules"
    (groups -> rules with alert, expr, for, labels, annotations).

    Raises:
        ToolInputError: a metric without ``{window}`` or not a valid metric name, or a
            malformed selector.
    """
    if metric.count("{window}") != 1 or not _METRIC_NAME.fullmatch(
        metric.replace("{window}", "1h")
    ):
        msg = (
            f"metric `{metric}` must be a Prometheus metric name holding `{{window}}` once, "
            f"e.g. `{DEFAULT_METRIC}`"
        )
        raise ToolInputError(msg)
    selector = selector.strip().removeprefix("{").removesuffix("}").strip()
    if not _SELECTOR.fullmatch(selector):
        msg = f'selector `{selector}` must be label matchers such as `job="api", env="prod"`'
        raise ToolInputError(msg)
    budget = _budget_fraction(slo_percent)
    window_hours = Decimal(str(window_days)) * 24
    prefix = re.sub(r"[^A-Za-z0-9]", "", service.title()) if service else ""
    alerts: list[BurnRateAlert] = []
    rules: list[dict[str, Any]] = []
    for row in BURN_RATE_WINDOWS:
        threshold = row.burn_rate * budget
        limit = _decimal_text(threshold)
        expr = (
            f"{_series(metric, row.long_window, selector)} > {limit}"
            f" and {_series(metric, row.short_window, selector)} > {limit}"
        )
        name = f"{prefix}ErrorBudgetBurn{row.severity.title()}{row.long_window}"
        consumed = row.burn_rate * row.long_window_hours / window_hours * 100
        alerts.append(
            BurnRateAlert(
                alert=name,
                severity=row.severity,
                long_window=row.long_window,
                short_window=row.short_window,
                burn_rate=float(row.burn_rate),
                error_rate_threshold=float(threshold),
                budget_consumed_percent=round(float(consumed), 4),
                time_to_exhaustion_hours=round(float(window_hours / row.burn_rate), 4),
                can_fire=threshold < 1,
                expr=expr,
            )
        )
        labels = {"severity": row.severity, "slo": f"{slo_percent:g}"}
        if service:
            labels["service"] = service
        rules.append(
            {
                "alert": name,
                "expr": expr,
                "for": row.pending,
                "labels": labels,
                "annotations": {
                    "summary": f"Error budget burning at over {_decimal_text(row.burn_rate)}x "
                    f"({row.long_window} and {row.short_window} windows)",
                    "description": f"Error ratio is above {limit} over the last "
                    f"{row.long_window} and {row.short_window}; at this rate "
                    f"{_decimal_text(consumed.quantize(Decimal('0.01')))}% of the "
                    f"{window_days:g}-day error budget of the {slo_percent:g}% SLO is spent "
                    f"every {row.long_window}.",
                },
            }
        )
    group = f"{service}-slo-burn-rate" if service else "slo-burn-rate"
    document = {"groups": [{"name": group, "rules": rules}]}
    windows = dict.fromkeys(
        w for row in BURN_RATE_WINDOWS for w in (row.long_window, row.short_window)
    )
    return BurnRateAlertPlan(
        slo_percent=slo_percent,
        window_days=window_days,
        error_budget=float(budget),
        alerts=tuple(alerts),
        required_recording_rules=tuple(metric.replace("{window}", w) for w in windows),
        rules_yaml=yaml.safe_dump(document, sort_keys=False, width=1000),
    )


class BurnRateAlertsArgs(_SloArgs):
    """Arguments of ``burn_rate_alerts``."""

    metric: str = DEFAULT_METRIC
    """Error-ratio recording rule name with ``{window}``, e.g. the default."""
    selector: str = ""
    """Label matchers added to every series, e.g. ``job="api"``."""
    service: str = ""
    """Service name for alert names, the group name and a ``service`` label."""
    window_days: float = Field(default=30, gt=0)
    """SLO window in days (the Workbook's table assumes 30)."""


@infra_tool(
    name="burn_rate_alerts",
    description=BURN_RATE_ALERTS_DESCRIPTION,
    args_schema=BurnRateAlertsArgs,
)
def burn_rate_alerts(
    *, slo_percent: float, metric: str, selector: str, service: str, window_days: float
) -> ToolResult:
    """Build burn-rate alerts (see ``build_burn_rate_alerts``)."""
    plan = build_burn_rate_alerts(
        slo_percent, metric=metric, selector=selector, service=service, window_days=window_days
    )
    parts = ", ".join(
        f"{a.burn_rate:g}x {a.long_window}/{a.short_window} {a.severity} > {a.error_rate_threshold:g}"
        for a in plan.alerts
    )
    summary = f"Burn-rate alerts for SLO {slo_percent:g}%: {parts}."
    silent = [a.alert for a in plan.alerts if not a.can_fire]
    if silent:
        summary += f" Cannot fire (threshold >= 1): {', '.join(silent)}."
    return ok("burn_rate_alerts", summary, plan.model_dump(mode="json"))


# --------------------------------------------------------------------------- on call


def _parse_instant(value: str, name: str) -> datetime:
    """An ISO-8601 timestamp; without an offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        msg = f"`{name}` value `{value}` is not an ISO-8601 timestamp (e.g. 2025-01-31T09:00:00Z)"
        raise ToolInputError(msg) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class RoleRef(BaseModel):
    """A role by type and by the name users see."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    name: str


def _role(role: str) -> RoleRef:
    return RoleRef(type=role, name=display_name(role))


class IncidentHolder(BaseModel):
    """Who holds an open incident now, on the escalation ladder."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    opened_at: datetime
    minutes_since_open: float
    component: str | None
    component_owner: RoleRef | None
    holder: RoleRef
    next_escalation_in_minutes: float | None
    """Minutes until the next rung takes over; None on the last rung."""
    ladder: tuple[RoleRef, ...]
    """SRE on call, component owner, Infrastructure Architect, human."""


class OnCallReport(BaseModel):
    """Who holds the pager at a moment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    at: datetime
    rotation_day: str
    shift_start: datetime
    next_handoff: datetime
    minutes_to_handoff: float
    primary: RoleRef
    secondary: RoleRef
    incident: IncidentHolder | None = None


def _resolve_owner(component: str) -> RoleType | None:
    """A specialist from a role type, a display name or a component word (agents/ lists)."""
    wanted = component.strip().lower()
    for role in SPECIALISTS:
        if wanted in {role, display_name(role).lower()}:
            return role
    return component_owner(component)


def evaluate_oncall_now(
    at: datetime, *, incident_opened_at: datetime | None = None, component: str | None = None
) -> OnCallReport:
    """The on-call decision of ``infra_team.oncall`` (the specification's "On-Call Rotation":
    SRE primary, Systems Administrator secondary, daily hand-off at 09:00 UTC; escalation
    0-15 min SRE, 15-30 Systems Administrator, 30-60 component specialist, 60+ Architect),
    with display names, and the current holder of an incident opened at ``incident_opened_at``.

    Raises:
        ToolInputError: the incident opens after ``at``.
    """
    decision = evaluate_on_call(at)
    incident = None
    if incident_opened_at is not None:
        if incident_opened_at > at:
            msg = (
                f"incident_opened_at {incident_opened_at.isoformat()} is after `at` "
                f"{at.isoformat()}; pass the time the incident opened"
            )
            raise ToolInputError(msg)
        minutes = (at - incident_opened_at).total_seconds() / 60
        owner = _resolve_owner(component) if component else None
        holder = incident_holder(minutes, owner)
        ends = [t.until_minute for t in ON_CALL_POLICY.tiers if t.until_minute is not None]
        upcoming = [end for end in ends if end > minutes]
        incident = IncidentHolder(
            opened_at=incident_opened_at,
            minutes_since_open=round(minutes, 2),
            component=component,
            component_owner=_role(owner) if owner else None,
            holder=_role(holder),
            next_escalation_in_minutes=round(upcoming[0] - minutes, 2) if upcoming else None,
            ladder=tuple(_role(role) for role in escalation_ladder(owner)),
        )
    return OnCallReport(
        at=decision.at,
        rotation_day=decision.rotation_day.isoformat(),
        shift_start=decision.shift_start,
        next_handoff=decision.next_handoff,
        minutes_to_handoff=round((decision.next_handoff - decision.at).total_seconds() / 60, 2),
        primary=_role(decision.primary),
        secondary=_role(decision.secondary),
        incident=incident,
    )


class OnCallNowArgs(BaseModel):
    """Arguments of ``oncall_now``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: str | None = None
    """ISO-8601 time to ask about; default now (UTC). No offset = UTC."""
    incident_opened_at: str | None = None
    """ISO-8601 time an incident opened, to also get its current holder."""
    component: str | None = None
    """Failing component (``postgres``, ``dns``) or specialist role, for the owner rung."""


@infra_tool(name="oncall_now", description=ONCALL_NOW_DESCRIPTION, args_schema=OnCallNowArgs)
def oncall_now(
    *, at: str | None, incident_opened_at: str | None, component: str | None
) -> ToolResult:
    """Who is on call (see ``evaluate_oncall_now``)."""
    moment = _parse_instant(at, "at") if at else datetime.now(UTC)
    opened = (
        _parse_instant(incident_opened_at, "incident_opened_at") if incident_opened_at else None
    )
    report = evaluate_oncall_now(moment, incident_opened_at=opened, component=component)
    summary = (
        f"On call at {report.at:%Y-%m-%d %H:%M} UTC: primary {report.primary.name}, "
        f"secondary {report.secondary.name}; next hand-off {report.next_handoff:%Y-%m-%d %H:%M} UTC."
    )
    if report.incident is not None:
        summary += (
            f" Incident open {report.incident.minutes_since_open:g} min: held by "
            f"{report.incident.holder.name}."
        )
    return ok("oncall_now", summary, report.model_dump(mode="json"))


# --------------------------------------------------------------------------- incidents

INCIDENT_NAMESPACE = ("infra_team", "incidents")
COMMANDER: Literal["Site Reliability Engineer"] = "Site Reliability Engineer"
MTTR_TARGET_MINUTES = 30.0
"""The specification's KPI: Mean Time to Recovery under 30 minutes."""
POSTMORTEM_SEVERITIES = frozenset({"P1", "P2"})
"""Severities that require a postmortem unless the closer decides otherwise (Google SRE
book ch. 15, "Postmortem Culture": define postmortem triggers before incidents happen)."""
Severity = Literal["P1", "P2", "P3", "P4"]
OpenStatus = Literal["Investigating", "Identified", "Fixing"]
IncidentStatus = Literal["Investigating", "Identified", "Fixing", "Resolved"]
_FALLBACK_STORE = InMemoryStore()
"""Where incidents live when no LangGraph store is available (outside a graph)."""


def incident_store() -> BaseStore:
    """The run's LangGraph store inside a graph compiled with one; else a process-wide store."""
    try:
        store = get_store()
    except (RuntimeError, KeyError):  # outside a runnable, or a runnable outside a graph
        return _FALLBACK_STORE
    return store if store is not None else _FALLBACK_STORE


class TimelineEntry(BaseModel):
    """One line of an incident's timeline."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime
    status: IncidentStatus
    note: str


class IncidentLogRecord(BaseModel):
    """An incident as kept in the store, namespace ``("infra_team", "incidents")``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    incident_id: str
    """``IR-<yyyymmdd>-<6 hex>``, from the opening date."""
    title: str
    severity: Severity
    status: IncidentStatus
    commander: Literal["Site Reliability Engineer"] = COMMANDER
    impact: str
    current_action: str
    eta: str
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None
    time_to_recovery_minutes: float | None = None
    mttr_target_met: bool | None = None
    """Time to recovery under the 30-minute target, once resolved."""
    postmortem_required: bool
    timeline: tuple[TimelineEntry, ...]

    def communication(self) -> str:
        """The specification's Incident Communication block for the record's current state."""
        try:
            message = IncidentCommunication.model_validate(
                {
                    "incident": self.title,
                    "severity": self.severity,
                    "status": self.status,
                    "impact": self.impact,
                    "current_action": self.current_action,
                    "eta": self.eta,
                }
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            msg = (
                f"incident field `{field}` cannot go into an Incident Communication: {first['msg']}"
            )
            raise ToolInputError(msg) from exc
        return message.render()


def _load_incident(store: BaseStore, incident_id: str) -> IncidentLogRecord:
    item = store.get(INCIDENT_NAMESPACE, incident_id.strip())
    if item is None:
        msg = f"no incident `{incident_id}`; incident IDs look like `IR-20250131-3FA9C1` (from incident_create)"
        raise ToolInputError(msg, code="not_found")
    record = IncidentLogRecord.model_validate(item.value)
    if record.status == "Resolved":
        msg = (
            f"incident `{record.incident_id}` was resolved at {record.resolved_at}; it cannot "
            "change. Open a new incident if the problem came back."
        )
        raise ToolInputError(msg, code="incident_closed")
    return record


def _save(store: BaseStore, record: IncidentLogRecord) -> IncidentLogRecord:
    store.put(INCIDENT_NAMESPACE, record.incident_id, record.model_dump(mode="json"))
    return record


def _not_before(moment: datetime, record: IncidentLogRecord) -> None:
    if moment < record.updated_at:
        msg = (
            f"time {moment.isoformat()} is before the incident's last update "
            f"{record.updated_at.isoformat()}; timeline entries must move forward"
        )
        raise ToolInputError(msg)


def open_incident(
    store: BaseStore,
    *,
    title: str,
    severity: Severity,
    impact: str,
    status: OpenStatus = "Investigating",
    current_action: str = "Investigating the cause",
    eta: str = "unknown",
    opened_at: datetime,
) -> IncidentLogRecord:
    """Open an incident following the specification's Incident Communication protocol
    (severity P1-P4; status Investigating/Identified/Fixing/Resolved; commander Site
    Reliability Engineer). The ID is ``IR-`` + opening date + 6 random hex digits."""
    while True:
        incident_id = f"IR-{opened_at:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"
        if store.get(INCIDENT_NAMESPACE, incident_id) is None:
            break
    record = IncidentLogRecord(
        incident_id=incident_id,
        title=title,
        severity=severity,
        status=status,
        impact=impact,
        current_action=current_action,
        eta=eta,
        opened_at=opened_at,
        updated_at=opened_at,
        postmortem_required=severity in POSTMORTEM_SEVERITIES,
        timeline=(TimelineEntry(at=opened_at, status=status, note=f"Opened: {title}"),),
    )
    record.communication()  # validates every field against the protocol before saving
    return _save(store, record)


def update_incident(
    store: BaseStore,
    incident_id: str,
    *,
    note: str,
    at: datetime,
    status: OpenStatus | None = None,
    severity: Severity | None = None,
    impact: str | None = None,
    current_action: str | None = None,
    eta: str | None = None,
) -> IncidentLogRecord:
    """Append a timeline entry and apply the changes to an open incident.

    Raises:
        ToolInputError: unknown or resolved incident, or a time before the last update.
    """
    record = _load_incident(store, incident_id)
    _not_before(at, record)
    changes: dict[str, Any] = {
        key: value
        for key, value in {
            "status": status,
            "severity": severity,
            "impact": impact,
            "current_action": current_action,
            "eta": eta,
        }.items()
        if value is not None
    }
    new_status = status or record.status
    if severity is not None and severity in POSTMORTEM_SEVERITIES:
        changes["postmortem_required"] = True
    entry = TimelineEntry(at=at, status=new_status, note=note)
    updated = record.model_copy(
        update={**changes, "updated_at": at, "timeline": (*record.timeline, entry)}
    )
    updated = IncidentLogRecord.model_validate(updated.model_dump())
    updated.communication()
    return _save(store, updated)


def close_incident(
    store: BaseStore,
    incident_id: str,
    *,
    resolution: str,
    at: datetime,
    postmortem_required: bool | None = None,
) -> IncidentLogRecord:
    """Resolve an incident; time to recovery is resolved_at - opened_at in minutes, judged
    against the specification's MTTR target (< 30 min). A postmortem is required for P1
    and P2 unless ``postmortem_required`` says otherwise.

    Raises:
        ToolInputError: unknown or already resolved incident, or a time before the last update.
    """
    record = _load_incident(store, incident_id)
    _not_before(at, record)
    minutes = (at - record.opened_at).total_seconds() / 60
    entry = TimelineEntry(at=at, status="Resolved", note=f"Resolved: {resolution}")
    closed = record.model_copy(
        update={
            "status": "Resolved",
            "updated_at": at,
            "resolved_at": at,
            "resolution": resolution,
            "current_action": "Resolved; monitoring",
            "eta": "resolved",
            "time_to_recovery_minutes": round(minutes, 2),
            "mttr_target_met": minutes < MTTR_TARGET_MINUTES,
            "postmortem_required": record.postmortem_required
            if postmortem_required is None
            else postmortem_required,
            "timeline": (*record.timeline, entry),
        }
    )
    return _save(store, IncidentLogRecord.model_validate(closed.model_dump()))


def _incident_data(record: IncidentLogRecord) -> dict[str, Any]:
    return {**record.model_dump(mode="json"), "communication": record.communication()}


class _IncidentArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("severity", "status", mode="before", check_fields=False)
    @classmethod
    def _canonical_case(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            return text.upper() if re.fullmatch(r"[pP][1-4]", text) else text.capitalize()
        return value


class IncidentCreateArgs(_IncidentArgs):
    """Arguments of ``incident_create``."""

    title: str = Field(min_length=3)
    """Brief description, e.g. ``Checkout API returning 502``."""
    severity: Severity
    impact: str = Field(min_length=3)
    """What is affected, for whom."""
    status: OpenStatus = "Investigating"
    current_action: str = "Investigating the cause"
    eta: str = "unknown"
    opened_at: str | None = None
    """ISO-8601 opening time; default now (UTC)."""


class IncidentUpdateArgs(_IncidentArgs):
    """Arguments of ``incident_update``; a status of Resolved goes through ``incident_close``."""

    incident_id: str
    note: str = Field(min_length=3)
    """What happened or was found, for the timeline."""
    status: OpenStatus | None = None
    severity: Severity | None = None
    impact: str | None = None
    current_action: str | None = None
    eta: str | None = None
    at: str | None = None
    """ISO-8601 time of the update; default now (UTC)."""

    @model_validator(mode="before")
    @classmethod
    def _resolve_via_close(cls, data: Any) -> Any:
        if isinstance(data, dict) and str(data.get("status", "")).strip().lower() == "resolved":
            msg = "to resolve an incident call `incident_close` with the resolution"
            raise ValueError(msg)
        return data


class IncidentCloseArgs(BaseModel):
    """Arguments of ``incident_close``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    incident_id: str
    resolution: str = Field(min_length=3)
    """What restored service."""
    at: str | None = None
    """ISO-8601 resolution time; default now (UTC)."""
    postmortem_required: bool | None = None
    """Override the default (required for P1 and P2)."""


def _now_or(value: str | None, name: str) -> datetime:
    return _parse_instant(value, name) if value else datetime.now(UTC)


@infra_tool(
    name="incident_create", description=INCIDENT_CREATE_DESCRIPTION, args_schema=IncidentCreateArgs
)
def incident_create(
    *,
    title: str,
    severity: Severity,
    impact: str,
    status: OpenStatus,
    current_action: str,
    eta: str,
    opened_at: str | None,
) -> ToolResult:
    """Open an incident (see ``open_incident``)."""
    record = open_incident(
        incident_store(),
        title=title,
        severity=severity,
        impact=impact,
        status=status,
        current_action=current_action,
        eta=eta,
        opened_at=_now_or(opened_at, "opened_at"),
    )
    summary = f"Opened {record.incident_id} ({record.severity}, {record.status}): {record.title}."
    return ok("incident_create", summary, _incident_data(record))


@infra_tool(
    name="incident_update", description=INCIDENT_UPDATE_DESCRIPTION, args_schema=IncidentUpdateArgs
)
def incident_update(
    *,
    incident_id: str,
    note: str,
    status: OpenStatus | None,
    severity: Severity | None,
    impact: str | None,
    current_action: str | None,
    eta: str | None,
    at: str | None,
) -> ToolResult:
    """Update an open incident (see ``update_incident``)."""
    record = update_incident(
        incident_store(),
        incident_id,
        note=note,
        at=_now_or(at, "at"),
        status=status,
        severity=severity,
        impact=impact,
        current_action=current_action,
        eta=eta,
    )
    summary = f"Updated {record.incident_id} ({record.severity}, {record.status}): {note}"
    return ok("incident_update", summary, _incident_data(record))


@infra_tool(
    name="incident_close", description=INCIDENT_CLOSE_DESCRIPTION, args_schema=IncidentCloseArgs
)
def incident_close(
    *, incident_id: str, resolution: str, at: str | None, postmortem_required: bool | None
) -> ToolResult:
    """Resolve an incident (see ``close_incident``)."""
    record = close_incident(
        incident_store(),
        incident_id,
        resolution=resolution,
        at=_now_or(at, "at"),
        postmortem_required=postmortem_required,
    )
    target = "within" if record.mttr_target_met else "over"
    summary = (
        f"Resolved {record.incident_id} after {record.time_to_recovery_minutes:g} min "
        f"({target} the 30 min target); postmortem "
        f"{'required' if record.postmortem_required else 'not required'}."
    )
    return ok("incident_close", summary, _incident_data(record))


# --------------------------------------------------------------------------- runbooks

_TEMPLATES = resources.files("infra_team.tools") / "templates"


class SymptomClass(BaseModel):
    """One symptom class of ``templates/runbook_symptoms.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    title: str
    keywords: tuple[str, ...]
    component: str
    """Component word whose owner (agents/ ``components``) takes the specialist rung."""
    steps: tuple[str, ...]


class _GeneralTriage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    steps: tuple[str, ...]


class SymptomCatalog(BaseModel):
    """The runbook's triage data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    classes: tuple[SymptomClass, ...]
    general: _GeneralTriage


@cache
def load_symptom_catalog() -> SymptomCatalog:
    """The symptom classes shipped in ``templates/runbook_symptoms.yaml``."""
    text = (_TEMPLATES / "runbook_symptoms.yaml").read_text(encoding="utf-8")
    return SymptomCatalog.model_validate(yaml.safe_load(text))


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_TEMPLATES / name).read_text(encoding="utf-8")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def classify_symptom(symptom: str, catalog: SymptomCatalog) -> list[SymptomClass]:
    """The classes whose keywords appear in ``symptom`` as whole words (any case)."""
    text = symptom.lower()
    return [
        cls
        for cls in catalog.classes
        if any(re.search(rf"(?<![\w-]){re.escape(k.lower())}(?![\w-])", text) for k in cls.keywords)
    ]


class RunbookReport(BaseModel):
    """A rendered runbook and how the symptoms were read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    service: str
    symptom_classes: tuple[str, ...]
    unclassified_symptoms: tuple[str, ...]
    owners: dict[str, RoleRef | None]
    """Symptom class -> specialist owning its component."""
    markdown: str


def _tier_rows(owner: RoleType | None) -> list[dict[str, str]]:
    rows = []
    for tier in ON_CALL_POLICY.tiers:
        start = f"{tier.from_minute:g}"
        span = f"{start}-{tier.until_minute:g} min" if tier.until_minute else f"{start}+ min"
        if tier.holder == COMPONENT_OWNER:
            who = owner or ON_CALL_POLICY.secondary
            holder = f"{display_name(who)} (component owner)"
        else:
            holder = display_name(tier.holder)
        rows.append({"span": span, "holder": holder})
    return rows


def render_runbook(service: str, symptoms: list[str]) -> RunbookReport:
    """A runbook skeleton from the shipped template and symptom catalog.

    Triage follows the classes of ``templates/runbook_symptoms.yaml`` (5xx, latency,
    saturation, errors in logs, certificate, DNS, database), each owned by the specialist
    listed for its component in agents/; escalation follows the specification's on-call
    tiers (``infra_team.oncall.ON_CALL_POLICY``) with the first matched class's owner on
    the component rung; rollback, verification and the Incident Communication block
    follow the specification's gates and protocol.
    """
    catalog = load_symptom_catalog()
    env = _environment()
    matched: list[SymptomClass] = []
    unclassified: list[str] = []
    for symptom in symptoms:
        classes = classify_symptom(symptom, catalog)
        if not classes:
            unclassified.append(symptom)
        matched += [cls for cls in classes if cls not in matched]
    owners = {cls.key: component_owner(cls.component) for cls in matched}
    sections = [
        {
            "title": cls.title,
            "owner": display_name(owner) if (owner := owners[cls.key]) else "",
            "steps": [env.from_string(step).render(service=service) for step in cls.steps],
        }
        for cls in matched
    ]
    if unclassified or not matched:
        sections.append(
            {
                "title": catalog.general.title,
                "owner": "",
                "steps": [
                    env.from_string(step).render(service=service) for step in catalog.general.steps
                ],
            }
        )
    first_owner = next((owner for owner in owners.values() if owner), None)
    markdown = env.get_template("runbook.md.j2").render(
        service=service,
        symptoms=symptoms,
        handoff=f"{ON_CALL_POLICY.handoff:%H:%M}",
        sections=sections,
        tiers=_tier_rows(first_owner),
    )
    return RunbookReport(
        service=service,
        symptom_classes=tuple(cls.key for cls in matched),
        unclassified_symptoms=tuple(unclassified),
        owners={key: _role(owner) if owner else None for key, owner in owners.items()},
        markdown=markdown,
    )


class RunbookArgs(BaseModel):
    """Arguments of ``runbook``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str = Field(min_length=1)
    """Service name, e.g. ``checkout-api``."""
    symptoms: list[str] = Field(min_length=1)
    """Observed symptoms in plain words, e.g. ``502 errors``, ``p99 latency up``."""

    @field_validator("symptoms", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


@infra_tool(name="runbook", description=RUNBOOK_DESCRIPTION, args_schema=RunbookArgs)
def runbook(*, service: str, symptoms: list[str]) -> ToolResult:
    """Write a runbook (see ``render_runbook``)."""
    report = render_runbook(service, symptoms)
    classes = ", ".join(report.symptom_classes) or "general triage only"
    summary = f"Runbook for {service}: {classes}."
    return ok("runbook", summary, report.model_dump(mode="json"))


TOOLS: tuple[BaseTool, ...] = (
    error_budget,
    burn_rate_alerts,
    oncall_now,
    incident_create,
    incident_update,
    incident_close,
    runbook,
)
