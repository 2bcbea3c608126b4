"""Site Reliability Engineer tools: error budgets, burn-rate alerts, on-call, incidents, runbooks.

Live, read-only: Kubernetes (``live.kubernetes``) and Loki logs (``live.loki``).

Each tool has a pure function that computes the answer (``compute_error_budget`` and
``build_burn_rate_alerts`` in ``_slo``, ``evaluate_oncall_now`` in ``_oncall_now``,
``open_incident``/``update_incident``/``close_incident`` in ``_incidents``, ``render_runbook``
in ``_runbook``) and a thin ``@infra_tool`` wrapper.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from infra_team.tools._base import ToolResult, infra_tool, no_data, ok
from infra_team.tools._limits import MAX_COUNT, Instant, Line, Name, Text
from infra_team.tools.analysers._tool import analyser_tool
from infra_team.tools.analysers.capacity_forecast import CapacityForecastArgs, forecast_capacity
from infra_team.tools.analysers.chaos_experiment import ChaosExperimentArgs, plan_chaos_experiment
from infra_team.tools.analysers.incidents import (
    IncidentLogRecord,
    OpenStatus,
    Severity,
    close_incident,
    incident_store,
    open_incident,
    update_incident,
)
from infra_team.tools.analysers.oncall_now import evaluate_oncall_now
from infra_team.tools.analysers.runbook import render_runbook
from infra_team.tools.analysers.slo import (
    DEFAULT_METRIC,
    build_burn_rate_alerts,
    compute_error_budget,
)
from infra_team.tools.analysers.timestamps import parse_instant
from infra_team.tools.live import kubernetes, loki

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


_ARGS = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
MAX_WINDOW_DAYS = 3660
"""Longest SLO window accepted: ten years."""


class _SloArgs(BaseModel):
    model_config = _ARGS

    slo_percent: float = Field(gt=0, lt=100)
    """SLO target in percent, e.g. 99.9."""


class ErrorBudgetArgs(_SloArgs):
    """Arguments of ``error_budget``."""

    window_days: float = Field(gt=0, le=MAX_WINDOW_DAYS)
    """SLO window in days, e.g. 30 or 28."""
    good_events: int = Field(ge=0, le=MAX_COUNT)
    total_events: int = Field(ge=0, le=MAX_COUNT)


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


class BurnRateAlertsArgs(_SloArgs):
    """Arguments of ``burn_rate_alerts``."""

    metric: Name = DEFAULT_METRIC
    """Error-ratio recording rule name with ``{window}``, e.g. the default."""
    selector: Line = ""
    """Label matchers added to every series, e.g. ``job="api"``."""
    service: Name = ""
    """Service name for alert names, the group name and a ``service`` label."""
    window_days: float = Field(default=30, gt=0, le=MAX_WINDOW_DAYS)
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


class OnCallNowArgs(BaseModel):
    """Arguments of ``oncall_now``."""

    model_config = _ARGS

    at: Instant | None = None
    """ISO-8601 time to ask about; default now (UTC). No offset = UTC."""
    incident_opened_at: Instant | None = None
    """ISO-8601 time an incident opened, to also get its current holder."""
    component: Name | None = None
    """Failing component (``postgres``, ``dns``) or specialist role, for the owner rung."""


@infra_tool(name="oncall_now", description=ONCALL_NOW_DESCRIPTION, args_schema=OnCallNowArgs)
def oncall_now(
    *, at: str | None, incident_opened_at: str | None, component: str | None
) -> ToolResult:
    """Who is on call (see ``evaluate_oncall_now``)."""
    moment = parse_instant(at, "at") if at else datetime.now(UTC)
    opened = parse_instant(incident_opened_at, "incident_opened_at") if incident_opened_at else None
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


def _incident_data(record: IncidentLogRecord) -> dict[str, Any]:
    return {**record.model_dump(mode="json"), "communication": record.communication()}


class _IncidentArgs(BaseModel):
    model_config = _ARGS

    @field_validator("severity", "status", mode="before", check_fields=False)
    @classmethod
    def _canonical_case(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            return text.upper() if re.fullmatch(r"[pP][1-4]", text) else text.capitalize()
        return value


class IncidentCreateArgs(_IncidentArgs):
    """Arguments of ``incident_create``."""

    title: Line = Field(min_length=3)
    """Brief description, e.g. ``Checkout API returning 502``."""
    severity: Severity
    impact: Text = Field(min_length=3)
    """What is affected, for whom."""
    status: OpenStatus = "Investigating"
    current_action: Line = "Investigating the cause"
    eta: Line = "unknown"
    opened_at: Instant | None = None
    """ISO-8601 opening time; default now (UTC)."""


class IncidentUpdateArgs(_IncidentArgs):
    """Arguments of ``incident_update``; a status of Resolved goes through ``incident_close``."""

    incident_id: Name
    note: Text = Field(min_length=3)
    """What happened or was found, for the timeline."""
    status: OpenStatus | None = None
    severity: Severity | None = None
    impact: Text | None = None
    current_action: Line | None = None
    eta: Line | None = None
    at: Instant | None = None
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

    model_config = _ARGS

    incident_id: Name
    resolution: Text = Field(min_length=3)
    """What restored service."""
    at: Instant | None = None
    """ISO-8601 resolution time; default now (UTC)."""
    postmortem_required: bool | None = None
    """Override the default (required for P1 and P2)."""


MAX_SYMPTOMS = 100


def _now_or(value: str | None, name: str) -> datetime:
    return parse_instant(value, name) if value else datetime.now(UTC)


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


class RunbookArgs(BaseModel):
    """Arguments of ``runbook``."""

    model_config = _ARGS

    service: Name = Field(min_length=1)
    """Service name, e.g. ``checkout-api``."""
    symptoms: list[Line] = Field(min_length=1, max_length=MAX_SYMPTOMS)
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


# --------------------------------------------------------------------------- capabilities

CAPACITY_FORECAST_DESCRIPTION = "Fit a linear or exponential trend to usage samples and give the days until it crosses a threshold."
capacity_forecast = analyser_tool(
    "capacity_forecast", CAPACITY_FORECAST_DESCRIPTION, CapacityForecastArgs, forecast_capacity
)

CHAOS_EXPERIMENT_DESCRIPTION = "Plan a chaos experiment: hypothesis, blast radius, error-budget cost, abort threshold, go/no-go, as Markdown."
chaos_experiment = analyser_tool(
    "chaos_experiment", CHAOS_EXPERIMENT_DESCRIPTION, ChaosExperimentArgs, plan_chaos_experiment
)


TOOLS: tuple[BaseTool, ...] = (
    error_budget,
    burn_rate_alerts,
    oncall_now,
    incident_create,
    incident_update,
    incident_close,
    runbook,
    capacity_forecast,
    chaos_experiment,
    *kubernetes.TOOLS,
    *loki.TOOLS,
)
