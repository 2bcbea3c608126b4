"""The team's five KPIs computed from records and compared with their targets.

Targets and measurements are the specification's "Metrics & KPIs" table
(``seed/infrastructure-team.md``):

==========================  ===========  =============================
Metric                      Target       Measurement
==========================  ===========  =============================
Availability                99.9%        Uptime percentage
Mean Time to Recovery       < 30 min     Time to restore service
Change Success Rate         > 95%        Successful changes / Total
Infrastructure as Code      100%         Resources managed via IaC
Cost Efficiency             -10% YoY     Cloud spend optimization
==========================  ===========  =============================

Comparisons are exact (rational arithmetic on integer microseconds and decimal money),
so a value sitting on a target is judged without rounding error. A KPI whose records
are missing is reported as ``no data``, never as met.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

_VALUE = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
_MICROSECOND = timedelta(microseconds=1)

KpiName = Literal[
    "Availability",
    "Mean Time to Recovery",
    "Change Success Rate",
    "Infrastructure as Code",
    "Cost Efficiency",
]
KpiStatus = Literal["met", "missed", "no data"]


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        msg = "must carry a timezone, e.g. `2026-03-01T12:00:00Z`; a time without one is ambiguous"
        raise ValueError(msg)
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware_utc)]
MAX_AMOUNT = 10**15
"""Largest count or amount accepted in a record: far above any real one."""
Money = Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, max_digits=32, allow_inf_nan=False)]


class IncidentRecord(BaseModel):
    """One incident that made the service unavailable."""

    model_config = _VALUE

    opened_at: UtcDatetime
    """When the outage began (timezone required; stored in UTC)."""
    resolved_at: UtcDatetime | None = None
    """When service was restored; None while the incident is still open."""

    @model_validator(mode="after")
    def _resolved_after_opened(self) -> Self:
        if self.resolved_at is not None and self.resolved_at < self.opened_at:
            msg = (
                f"resolved_at `{self.resolved_at.isoformat()}` is before "
                f"opened_at `{self.opened_at.isoformat()}`"
            )
            raise ValueError(msg)
        return self


class MeasurementWindow(BaseModel):
    """The period availability is measured over."""

    model_config = _VALUE

    start: UtcDatetime
    """Start of the period (inclusive; timezone required)."""
    end: UtcDatetime
    """End of the period (exclusive; timezone required), after the start."""

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            msg = f"end `{self.end.isoformat()}` must be after start `{self.start.isoformat()}`"
            raise ValueError(msg)
        return self


class ChangeOutcome(BaseModel):
    """One completed infrastructure change and whether it succeeded."""

    model_config = _VALUE

    success: bool
    """True when the change went in without causing an incident or a rollback."""


class ResourceInventory(BaseModel):
    """Counts of infrastructure resources and how many are managed as code."""

    model_config = _VALUE

    total: int = Field(ge=0, le=MAX_AMOUNT)
    """Resources in the inventory."""
    managed_by_iac: int = Field(ge=0, le=MAX_AMOUNT)
    """Of those, resources declared in Terraform, Ansible or another IaC tool."""

    @model_validator(mode="after")
    def _managed_within_total(self) -> Self:
        if self.managed_by_iac > self.total:
            msg = f"managed_by_iac ({self.managed_by_iac}) cannot exceed total ({self.total})"
            raise ValueError(msg)
        return self


class CostHistory(BaseModel):
    """Monthly cloud spend of two consecutive 12-month windows (for example two years)."""

    model_config = _VALUE

    previous: tuple[Money, ...] = Field(min_length=12, max_length=12)
    """Spend of each month of the earlier 12-month window, oldest first."""
    current: tuple[Money, ...] = Field(min_length=12, max_length=12)
    """Spend of each month of the later 12-month window, oldest first."""


class KpiResult(BaseModel):
    """One KPI: its value, its target and whether the target is met."""

    model_config = _VALUE

    name: KpiName
    """The specification's metric name."""
    value: float | None
    """Measured value in ``unit``; None when there were no records to measure."""
    unit: str
    """Unit of ``value``: ``%``, ``min`` or ``% YoY``."""
    target: str
    """The specification's target, e.g. ``< 30 min``."""
    met: bool | None
    """Whether the target is met; None when there is no data."""
    status: KpiStatus
    """``met``, ``missed`` or ``no data``."""
    measurement: str
    """The specification's measurement, e.g. ``Uptime percentage``."""
    how_measured: str
    """How the value was computed from the records given, with the counts used."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        expected: KpiStatus = "no data" if self.met is None else "met" if self.met else "missed"
        if self.status != expected or (self.value is None) != (self.met is None):
            msg = f"{self.name}: value, met and status disagree (value={self.value}, met={self.met}, status={self.status})"
            raise ValueError(msg)
        return self


class KpiReport(BaseModel):
    """The five KPIs in the specification's order."""

    model_config = _VALUE

    kpis: tuple[KpiResult, ...]
    """One result per KPI."""

    def get(self, name: KpiName) -> KpiResult:
        """The result of one KPI by its name."""
        return next(kpi for kpi in self.kpis if kpi.name == name)

    def summary(self) -> str:
        """One line: counts by status and the KPIs that missed their target."""
        counts = dict.fromkeys(("met", "missed", "no data"), 0)
        for kpi in self.kpis:
            counts[kpi.status] += 1
        line = f"KPIs: {counts['met']} met, {counts['missed']} missed, {counts['no data']} no data"
        missed = [f"{kpi.name} {_shown(kpi)}" for kpi in self.kpis if kpi.status == "missed"]
        return f"{line} (missed: {'; '.join(missed)})" if missed else line


def _shown(kpi: KpiResult) -> str:
    """``value unit vs target``, e.g. ``42.5 min vs < 30 min``."""
    unit = kpi.unit if kpi.unit.startswith("%") else f" {kpi.unit}"
    return f"{kpi.value:g}{unit} vs {kpi.target}"


_SPEC: dict[KpiName, tuple[str, str, str]] = {
    # name: (unit, target, measurement), from the specification's table
    "Availability": ("%", "99.9%", "Uptime percentage"),
    "Mean Time to Recovery": ("min", "< 30 min", "Time to restore service"),
    "Change Success Rate": ("%", "> 95%", "Successful changes / Total"),
    "Infrastructure as Code": ("%", "100%", "Resources managed via IaC"),
    "Cost Efficiency": ("% YoY", "-10% YoY", "Cloud spend optimization"),
}


def _result(name: KpiName, value: Fraction | None, met: bool | None, how: str) -> KpiResult:
    unit, target, measurement = _SPEC[name]
    status: KpiStatus = "no data" if met is None else "met" if met else "missed"
    return KpiResult(
        name=name,
        value=None if value is None else float(value),
        unit=unit,
        target=target,
        met=met,
        status=status,
        measurement=measurement,
        how_measured=how,
    )


def _micros(delta: timedelta) -> int:
    return delta // _MICROSECOND


def evaluate_availability(
    incidents: Sequence[IncidentRecord], window: MeasurementWindow | None
) -> KpiResult:
    """Time-based availability over ``window``: uptime / (uptime + downtime), in percent.

    Source: Beyer et al., *Site Reliability Engineering* (O'Reilly, 2016), chapter 3
    "Embracing Risk", "Measuring Service Risk": time-based availability. Downtime is the
    union of the incidents' outage intervals clipped to the window (overlapping incidents
    count once); an incident still open counts until the window's end. Target: at least
    99.9%.
    """
    name: KpiName = "Availability"
    if window is None:
        return _result(name, None, None, "no measurement window given")
    intervals = sorted(
        (max(incident.opened_at, window.start), min(incident.resolved_at or window.end, window.end))
        for incident in incidents
    )
    downtime = 0
    covered_until = window.start
    for start, end in intervals:
        start = max(start, covered_until)
        if end > start:
            downtime += _micros(end - start)
            covered_until = end
    period = _micros(window.end - window.start)
    value = Fraction(period - downtime, period) * 100
    how = (
        f"{downtime / 60e6:g} min of downtime from {len(incidents)} incident(s) in "
        f"{period / 60e6:g} min ({window.start.isoformat()} to {window.end.isoformat()})"
    )
    return _result(name, value, value >= Fraction(999, 10), how)


def evaluate_mttr(incidents: Sequence[IncidentRecord]) -> KpiResult:
    """Mean time to recovery: mean of (resolved - opened) over resolved incidents, in minutes.

    Source: *Site Reliability Engineering* (O'Reilly, 2016), chapter 1 "Introduction"
    (mean time to repair, MTTR, as the measure of emergency response), and the DORA
    "time to restore service" metric. Open incidents are left out and counted in
    ``how_measured``. Target: under 30 minutes.
    """
    name: KpiName = "Mean Time to Recovery"
    resolved = [incident for incident in incidents if incident.resolved_at is not None]
    still_open = len(incidents) - len(resolved)
    if not resolved:
        return _result(name, None, None, f"no resolved incidents ({still_open} still open)")
    total = sum(
        _micros(incident.resolved_at - incident.opened_at)
        for incident in resolved
        if incident.resolved_at is not None
    )
    minutes = Fraction(total, len(resolved) * 60_000_000)
    how = f"mean over {len(resolved)} resolved incident(s); {still_open} still open left out"
    return _result(name, minutes, minutes < 30, how)


def evaluate_change_success(changes: Sequence[ChangeOutcome]) -> KpiResult:
    """Change success rate: successful changes / total changes, in percent.

    Source: the specification's table; the complement of the DORA "change failure
    rate" (Forsgren, Humble, Kim, *Accelerate*, 2018). Target: above 95%.
    """
    name: KpiName = "Change Success Rate"
    if not changes:
        return _result(name, None, None, "no change records")
    succeeded = sum(change.success for change in changes)
    value = Fraction(succeeded, len(changes)) * 100
    how = f"{succeeded} successful of {len(changes)} change(s)"
    return _result(name, value, value > 95, how)


def evaluate_iac_coverage(inventory: ResourceInventory | None) -> KpiResult:
    """Infrastructure as Code coverage: resources managed via IaC / all resources, in percent.

    Source: the specification's table. Target: 100% (every resource managed as code).
    """
    name: KpiName = "Infrastructure as Code"
    if inventory is None or inventory.total == 0:
        return _result(name, None, None, "no resource inventory")
    value = Fraction(inventory.managed_by_iac, inventory.total) * 100
    how = f"{inventory.managed_by_iac} of {inventory.total} resource(s) managed via IaC"
    return _result(name, value, inventory.managed_by_iac == inventory.total, how)


def evaluate_cost_change(costs: CostHistory | None) -> KpiResult:
    """Year-over-year cost change: (current 12 months - previous 12) / previous 12, in percent.

    Source: the specification's table ("Cost Efficiency: -10% YoY"). Met when spend fell by
    at least 10% (change <= -10%). A previous window with no spend gives no data.
    """
    name: KpiName = "Cost Efficiency"
    if costs is None:
        return _result(name, None, None, "no monthly cost history")
    previous, current = sum(costs.previous, Decimal(0)), sum(costs.current, Decimal(0))
    if previous == 0:
        return _result(name, None, None, "previous 12 months have no spend to compare with")
    value = (Fraction(current) - Fraction(previous)) / Fraction(previous) * 100
    how = f"12-month spend {current} vs {previous} the 12 months before"
    return _result(name, value, value <= -10, how)


def evaluate_kpis(
    *,
    incidents: Sequence[IncidentRecord] = (),
    window: MeasurementWindow | None = None,
    changes: Sequence[ChangeOutcome] = (),
    inventory: ResourceInventory | None = None,
    costs: CostHistory | None = None,
) -> KpiReport:
    """All five KPIs from whatever records are given; missing records give ``no data``."""
    return KpiReport(
        kpis=(
            evaluate_availability(incidents, window),
            evaluate_mttr(incidents),
            evaluate_change_success(changes),
            evaluate_iac_coverage(inventory),
            evaluate_cost_change(costs),
        )
    )
