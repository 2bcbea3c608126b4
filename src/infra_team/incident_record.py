"""What an incident run leaves behind once the team is done with it: an entry in the
incident log (timeline, time to recovery), its postmortem draft for P1 and P2, and so the
figures ``infra-team kpi`` reports.

The incident log is the one the SRE's ``incident_create``/``incident_update``/
``incident_close`` tools keep (``tools.analysers.incidents``, the run's LangGraph store: the SQLite
file beside the checkpoints, or this process's memory). A run writes one record, when its
report is rendered: opened at the incident's start (``opened_at`` when the caller gave it,
else when the team received it), one timeline entry per rung, and closed at the rung that
resolved it. An incident handed to a person stays open in the log: the team does not know
when that person restored service, so it never invents a recovery time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

from langgraph.store.base import BaseStore
from pydantic import BaseModel, ConfigDict

from infra_team.graph._state import TeamState
from infra_team.kpis import IncidentRecord, KpiReport, MeasurementWindow, evaluate_kpis
from infra_team.protocols import IncidentCommunication
from infra_team.tools.analysers.incidents import (
    INCIDENT_NAMESPACE,
    IncidentLogRecord,
    close_incident,
    open_incident,
    update_incident,
)
from infra_team.tools.analysers.incidents import (
    Severity as IncidentSeverity,
)

RUNS_NAMESPACE = ("infra_team", "incident_runs")
"""Run start time -> incident ID: a report rendered twice (a resumed run) records once."""
POSTMORTEM_NAMESPACE = ("infra_team", "postmortems")
"""Incident ID -> the postmortem draft (Markdown) of a P1 or P2 incident."""
_PAGE = 100


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).astimezone(UTC)


def record_incident(
    store: BaseStore,
    state: TeamState,
    communication: IncidentCommunication | None,
    postmortem: str | None,
) -> IncidentLogRecord | None:
    """Store the incident record of a finished incident run and its postmortem draft.

    Nothing is stored for a request, for a run whose triage gave no structured result (no
    severity to record), or before the team is done (not resolved and no person took it).
    Returns the stored record (the existing one when this run was recorded already).
    """
    trail = state.get("trail", [])
    started = state.get("started_at")
    if state.get("kind") != "incident" or communication is None or not trail or not started:
        return None
    last = trail[-1]
    resolved = bool(state.get("resolved")) and bool(last.get("at"))
    if not (resolved or last.get("rung") == "human"):
        return None
    known = store.get(RUNS_NAMESPACE, started)
    if known is not None:
        item = store.get(INCIDENT_NAMESPACE, str(known.value.get("incident_id")))
        return IncidentLogRecord.model_validate(item.value) if item else None
    opened = _moment(state.get("opened_at") or started)
    record = _opened_by_the_run(store, state, opened)
    if record is None:
        record = open_incident(
            store,
            title=communication.incident,
            severity=cast(IncidentSeverity, str(communication.severity)),
            impact=communication.impact,
            status="Investigating",
            current_action=communication.current_action,
            eta=communication.eta,
            opened_at=opened,
        )
    if record.status == "Resolved":  # the SRE closed it with its own tool
        store.put(RUNS_NAMESPACE, started, {"incident_id": record.incident_id}, index=False)
        _keep_postmortem(store, record.incident_id, postmortem)
        return record
    moment = record.updated_at
    people = "; ".join(
        f"{p.get('role_name')}: {p.get('name')} ({p.get('source')})"
        for p in state.get("on_call") or []
    )
    if people:
        record = update_incident(
            store,
            record.incident_id,
            note=f"On call: {people}"[:500],
            at=moment,
            status="Investigating",
        )
    for step in trail:
        at = max(_moment(step["at"]), moment) if step.get("at") else moment
        note = f"{step.get('role_name', '')} ({step.get('rung', '')}): {step.get('outcome', '')}"
        detail = str(step.get("reason") or step.get("summary") or "").strip()
        if detail:
            note += f": {detail}"
        if resolved and step is last:
            record = close_incident(store, record.incident_id, resolution=note[:500], at=at)
        else:
            record = update_incident(
                store, record.incident_id, note=note[:500], at=at, status="Identified"
            )
        moment = at
    store.put(RUNS_NAMESPACE, started, {"incident_id": record.incident_id}, index=False)
    _keep_postmortem(store, record.incident_id, postmortem)
    return record


def _keep_postmortem(store: BaseStore, incident_id: str, postmortem: str | None) -> None:
    if postmortem:
        store.put(
            POSTMORTEM_NAMESPACE,
            incident_id,
            {"incident_id": incident_id, "markdown": postmortem},
            index=False,
        )


_INCIDENT_TOOLS = frozenset({"incident_create", "incident_update", "incident_close"})


def _opened_by_the_run(
    store: BaseStore, state: TeamState, opened: datetime
) -> IncidentLogRecord | None:
    """The record the run's own SRE opened with ``incident_create`` (the last one its
    incident tools touched), so the run continues it instead of logging the incident
    twice. When the caller's start time is earlier than the record's, the record takes it:
    the incident began then, and recovery time counts from it."""
    incident_id = next(
        (
            str(entry["data"]["incident_id"])
            for entry in reversed(state.get("tool_log", []))
            if entry.get("tool") in _INCIDENT_TOOLS
            and entry.get("status") == "success"
            and isinstance(entry.get("data"), dict)
            and entry["data"].get("incident_id")
        ),
        None,
    )
    item = store.get(INCIDENT_NAMESPACE, incident_id) if incident_id else None
    if item is None:
        return None
    record = IncidentLogRecord.model_validate(item.value)
    if record.status != "Resolved" and opened < record.opened_at:
        first = record.timeline[0].model_copy(update={"at": opened})
        record = IncidentLogRecord.model_validate(
            record.model_copy(
                update={"opened_at": opened, "timeline": (first, *record.timeline[1:])}
            ).model_dump()
        )
        store.put(INCIDENT_NAMESPACE, record.incident_id, record.model_dump(mode="json"))
    return record


def stored_incidents(store: BaseStore) -> Iterator[IncidentLogRecord]:
    """Every record in the incident log, oldest first by opening time."""
    records: list[IncidentLogRecord] = []
    offset = 0
    while True:
        page = store.search(INCIDENT_NAMESPACE, limit=_PAGE, offset=offset)
        records.extend(IncidentLogRecord.model_validate(item.value) for item in page)
        if len(page) < _PAGE:
            break
        offset += _PAGE
    yield from sorted(records, key=lambda record: record.opened_at)


def stored_postmortem(store: BaseStore, incident_id: str) -> str | None:
    """The postmortem draft stored with an incident, if it has one."""
    item = store.get(POSTMORTEM_NAMESPACE, incident_id)
    return str(item.value.get("markdown")) if item else None


class KpiFigures(BaseModel):
    """The KPI report over the incident log, with what it was computed from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window: MeasurementWindow
    incidents: int
    """Incidents in the log that overlap the window."""
    resolved: int
    report: KpiReport


def kpi_figures(store: BaseStore, window: MeasurementWindow) -> KpiFigures:
    """Availability and MTTR from the incidents in the log that overlap ``window``
    (``kpis.evaluate_kpis``); the KPIs that need change, inventory or cost records read
    ``no data``, as the log holds none."""
    incidents = [
        IncidentRecord(opened_at=r.opened_at, resolved_at=r.resolved_at)
        for r in stored_incidents(store)
        if r.opened_at < window.end and (r.resolved_at is None or r.resolved_at >= window.start)
    ]
    report = evaluate_kpis(incidents=incidents, window=window)
    return KpiFigures(
        window=window,
        incidents=len(incidents),
        resolved=sum(1 for i in incidents if i.resolved_at is not None),
        report=report,
    )


def kpi_json(figures: KpiFigures) -> dict[str, Any]:
    """The figures as JSON-ready data."""
    return figures.model_dump(mode="json")
