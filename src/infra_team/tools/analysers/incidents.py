"""Incident records kept in the LangGraph store: open, update and close, with their timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from langgraph.config import get_store
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore
from pydantic import BaseModel, ConfigDict, ValidationError

from infra_team.protocols import IncidentCommunication
from infra_team.tools._base import ToolInputError

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
