"""The two operational gates as checklists evaluated against a record.

The items are the specification's checklist lines, word for word
(``seed/infrastructure-team.md``, "Operational Gates"). A gate passes only when every
item is met; the evaluation functions are pure and never raise, and a
``GateDecision`` cannot be built that passes with an open item.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from infra_team.protocols import ChangeRequest, MaintenanceNotification, RollbackAvailability

GateName = Literal["Change Approval", "Production Readiness"]

CHANGE_APPROVAL_ITEMS: tuple[str, ...] = (
    "Change request documented",
    "Risk assessment complete",
    "Rollback plan defined",
    "Maintenance window scheduled",
    "Stakeholders notified",
    "Monitoring prepared",
)
PRODUCTION_READINESS_ITEMS: tuple[str, ...] = (
    "Infrastructure provisioned",
    "Security hardening applied",
    "Monitoring configured",
    "Alerts defined",
    "Runbooks created",
    "DR tested",
)
GATE_ITEMS: dict[GateName, tuple[str, ...]] = {
    "Change Approval": CHANGE_APPROVAL_ITEMS,
    "Production Readiness": PRODUCTION_READINESS_ITEMS,
}

_VALUE = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class GateItem(BaseModel):
    """One checklist line and whether the record meets it."""

    model_config = _VALUE

    name: str
    """The checklist line, as the specification writes it."""
    met: bool
    """Whether the record satisfies the line."""
    note: str = ""
    """Why: the evidence found, or what is missing."""


class GateDecision(BaseModel):
    """A gate's verdict: every item with its state; ``passed`` only when none is open."""

    model_config = _VALUE

    gate: GateName
    """Which gate was evaluated."""
    items: tuple[GateItem, ...]
    """The gate's checklist, in the specification's order."""
    passed: bool
    """True exactly when every item is met."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        expected = GATE_ITEMS[self.gate]
        names = tuple(item.name for item in self.items)
        if names != expected:
            msg = f"{self.gate} items must be, in order: {', '.join(expected)}; got: {', '.join(names)}"
            raise ValueError(msg)
        open_names = [item.name for item in self.open_items]
        if self.passed and open_names:
            msg = f"{self.gate} cannot pass with open items: {', '.join(open_names)}"
            raise ValueError(msg)
        if not self.passed and not open_names:
            msg = f"{self.gate} has every item met, so it passes: set passed=True"
            raise ValueError(msg)
        return self

    @property
    def open_items(self) -> tuple[GateItem, ...]:
        """Items not met yet, in checklist order."""
        return tuple(item for item in self.items if not item.met)

    def render(self) -> str:
        """The checklist in the specification's Markdown form, ticked, with notes."""
        lines = [f"### {self.gate}: {'passed' if self.passed else 'not passed'}"]
        for item in self.items:
            note = f" ({item.note})" if item.note else ""
            lines.append(f"- [{'x' if item.met else ' '}] {item.name}{note}")
        return "\n".join(lines)


class ChangeRecord(BaseModel):
    """What is known about a proposed change when Change Approval is evaluated."""

    model_config = _VALUE

    change_request: ChangeRequest | None = None
    """The documented change request, if written."""
    risk_assessment: str | None = None
    """The risk assessment text, if done."""
    rollback_plan: str | None = None
    """How the change is undone, if defined."""
    maintenance_window: MaintenanceNotification | None = None
    """The scheduled maintenance notification, if any."""
    stakeholders_notified: bool = False
    """Whether affected teams were told: a notification really sent, not an approval."""
    evaluated_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    """When the gate is evaluated: a window that has already ended schedules nothing."""
    monitoring_prepared: bool = False
    """Whether dashboards and alerts for the change are ready."""


class ReadinessRecord(BaseModel):
    """What is known about a system when Production Readiness is evaluated."""

    model_config = _VALUE

    infrastructure_provisioned: bool = False
    """Servers, network and databases exist."""
    infrastructure_provisioned_evidence: str | None = None
    """Where that can be checked (plan, inventory, ticket)."""
    security_hardening_applied: bool = False
    """The hardening baseline is applied."""
    security_hardening_applied_evidence: str | None = None
    """Where that can be checked (audit report, benchmark score)."""
    monitoring_configured: bool = False
    """Metrics and dashboards are collected for the service."""
    monitoring_configured_evidence: str | None = None
    """Where that can be checked (dashboard, scrape target)."""
    alerts_defined: bool = False
    """Alerts on the service's SLOs are defined."""
    alerts_defined_evidence: str | None = None
    """Where that can be checked (alert rules file)."""
    runbooks_created: bool = False
    """Runbooks exist for the service's alerts."""
    runbooks_created_evidence: str | None = None
    """Where they are."""
    dr_tested: bool = False
    """A disaster-recovery exercise restored the service."""
    dr_tested_evidence: str | None = None
    """The exercise's date and result."""


def _filled(text: str | None) -> bool:
    return text is not None and bool(text.strip())


def _decision(gate: GateName, items: tuple[GateItem, ...]) -> GateDecision:
    return GateDecision(gate=gate, items=items, passed=all(item.met for item in items))


def _rollback_item(record: ChangeRecord) -> GateItem:
    """A plan is needed, and it must not contradict a notification saying none exists."""
    name = CHANGE_APPROVAL_ITEMS[2]
    window = record.maintenance_window
    if window is not None and window.rollback == RollbackAvailability.NOT_AVAILABLE:
        return GateItem(
            name=name,
            met=False,
            note="the maintenance notification says ROLLBACK: Not Available",
        )
    if not _filled(record.rollback_plan):
        return GateItem(name=name, met=False, note="no rollback plan")
    return GateItem(name=name, met=True, note="rollback plan given")


def _window_item(window: MaintenanceNotification | None, now: datetime) -> GateItem:
    """A window is scheduled when one is attached and it has not already ended."""
    name = CHANGE_APPROVAL_ITEMS[3]
    if window is None:
        return GateItem(name=name, met=False, note="no maintenance window")
    if window.window_end <= now:
        return GateItem(name=name, met=False, note=f"WINDOW {window.window_text} has passed")
    return GateItem(name=name, met=True, note=f"WINDOW: {window.window_text}")


def evaluate_change_approval(record: ChangeRecord) -> GateDecision:
    """Evaluate the Change Approval checklist.

    Rules: a change request is documented when a valid ``ChangeRequest`` is attached (its
    validation already requires every template field); risk assessment and rollback plan
    need non-blank text, and the rollback plan item stays open when the maintenance
    notification declares rollback Not Available; the window is scheduled when a
    ``MaintenanceNotification`` is attached whose window has not ended at ``evaluated_at``;
    the last two items are the record's flags.
    """
    request = record.change_request
    window = record.maintenance_window
    items = (
        GateItem(
            name=CHANGE_APPROVAL_ITEMS[0],
            met=request is not None,
            note=f"{request.type}: {request.component}" if request else "no change request",
        ),
        GateItem(
            name=CHANGE_APPROVAL_ITEMS[1],
            met=_filled(record.risk_assessment),
            note="risk assessment given"
            if _filled(record.risk_assessment)
            else "no risk assessment",
        ),
        _rollback_item(record),
        _window_item(window, record.evaluated_at),
        GateItem(
            name=CHANGE_APPROVAL_ITEMS[4],
            met=record.stakeholders_notified,
            note="" if record.stakeholders_notified else "stakeholders not notified",
        ),
        GateItem(
            name=CHANGE_APPROVAL_ITEMS[5],
            met=record.monitoring_prepared,
            note="" if record.monitoring_prepared else "monitoring not prepared",
        ),
    )
    return _decision("Change Approval", items)


_READINESS_FIELDS = (
    "infrastructure_provisioned",
    "security_hardening_applied",
    "monitoring_configured",
    "alerts_defined",
    "runbooks_created",
    "dr_tested",
)


def evaluate_production_readiness(record: ReadinessRecord) -> GateDecision:
    """Evaluate the Production Readiness checklist: each item is met when its flag is set.

    Evidence is optional and, when given, becomes the item's note.
    """
    items = []
    for name, field in zip(PRODUCTION_READINESS_ITEMS, _READINESS_FIELDS, strict=True):
        met = bool(getattr(record, field))
        evidence = getattr(record, f"{field}_evidence")
        default = "no evidence given" if met else "not done"
        note = evidence.strip() if _filled(evidence) else default
        items.append(GateItem(name=name, met=met, note=note))
    return _decision("Production Readiness", tuple(items))


class Evidence(BaseModel):
    """One fact that closes a Production Readiness item: where it can be checked and whether
    the check passed. A failed check is evidence too: it keeps the item open."""

    model_config = _VALUE

    source: str = Field(min_length=1, max_length=500)
    """Where it can be checked: a live check's result, an inventory, a scan, a DR report."""
    passed: bool = True
    """Whether the check found the item done; False keeps the item open with this note."""
    checked_at: AwareDatetime | None = None
    """When it was checked (timezone required), if known."""

    @model_validator(mode="after")
    def _source_not_blank(self) -> Self:
        if not self.source.strip():
            msg = "evidence `source` is blank: say where the fact can be checked"
            raise ValueError(msg)
        return self


class ReadinessEvidence(BaseModel):
    """Evidence a caller passes in for Production Readiness (API ``evidence=``, CLI
    ``--evidence FILE.json``): one optional ``Evidence`` per checklist item. Items the run
    itself shows (alerts, runbooks) may be given too; an item without evidence stays open
    unless the run shows it."""

    model_config = _VALUE

    infrastructure_provisioned: Evidence | None = None
    """Servers, network and databases exist (inventory, ``terraform state list``)."""
    security_hardening_applied: Evidence | None = None
    """The hardening baseline is applied (audit report, benchmark score)."""
    monitoring_configured: Evidence | None = None
    """Metrics are collected (a scrape target that is up, a dashboard)."""
    alerts_defined: Evidence | None = None
    """Alert rules on the service's SLOs exist."""
    runbooks_created: Evidence | None = None
    """Runbooks exist for the alerts."""
    dr_tested: Evidence | None = None
    """A disaster-recovery exercise restored the service (date and result)."""


def apply_evidence(record: ReadinessRecord, evidence: ReadinessEvidence | None) -> ReadinessRecord:
    """``record`` with each item the ``evidence`` covers set from it: a passed check meets
    the item and becomes its note; a failed check leaves it open and says so. Items the
    evidence does not cover keep the record's own value and note."""
    if evidence is None:
        return record
    changes: dict[str, object] = {}
    for field in _READINESS_FIELDS:
        item: Evidence | None = getattr(evidence, field)
        if item is None:
            continue
        when = f", {item.checked_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if item.checked_at else ""
        changes[field] = item.passed
        changes[f"{field}_evidence"] = (
            f"{item.source.strip()}{when}"
            if item.passed
            else f"check failed: {item.source.strip()}{when}"
        )
    return record.model_copy(update=changes)
