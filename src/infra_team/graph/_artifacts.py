"""Deterministic outputs of a run: protocol messages, gate results and the report.

No model is called here: every value comes from the stage outputs and tool results in
the state, so the same run always renders the same artifacts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import jinja2

from infra_team.gates import (
    ChangeRecord,
    Evidence,
    ReadinessEvidence,
    ReadinessRecord,
    apply_evidence,
    evaluate_change_approval,
    evaluate_production_readiness,
)
from infra_team.graph._state import TeamState
from infra_team.handoffs import RecordedHandOff, recorded
from infra_team.oncall import minutes_open
from infra_team.protocols import (
    ChangeRequest,
    IncidentCommunication,
    MaintenanceNotification,
)
from infra_team.provenance import OFFLINE_NOTE, without_offline_stamp
from infra_team.registry import display_name

MAINTENANCE_LEAD = timedelta(hours=48)
"""A proposed window starts at the first 02:00 UTC at least this long after the run."""
MAINTENANCE_LENGTH = timedelta(hours=2)
_STATED_WINDOW = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})[ T](?P<start>\d{1,2}:\d{2})\s*(?:-|\u2013|to)\s*"
    r"(?:(?P<end_day>\d{4}-\d{2}-\d{2})[ T])?(?P<end>\d{1,2}:\d{2})\s*(?:UTC|Z)\b",
    re.IGNORECASE,
)
CONTACT = "Site Reliability Engineer (primary on-call)"
NOTIFICATION_TOOL = "create_statuspage_incident"
"""The write tool whose successful, approved call tells stakeholders about a change."""

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("infra_team.graph", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters["unstamped"] = lambda text: without_offline_stamp(str(text or ""))


def _line(text: object) -> str:
    """Protocol fields are single lines."""
    return re.sub(r"\s+", " ", str(text or "")).strip() or "Not stated"


def _tool_data(state: TeamState, tool: str) -> list[dict[str, Any]]:
    return [
        entry.get("data", {})
        for entry in state.get("tool_log", [])
        if entry.get("tool") == tool and entry.get("status") == "success"
    ]


def destructive_actions(state: TeamState) -> list[str]:
    """Deletes and replacements in reviewed Terraform plans, and removals in the change
    (the design, or a single role's proposal)."""
    actions: list[str] = []
    for review in _tool_data(state, "terraform_plan_review"):
        if review.get("destructive"):
            for key in ("deletes", "replaces"):
                actions.extend(f"{key[:-1]} {_address(item)}" for item in review.get(key, []))
    design = (_change(state) or ({}, ""))[0]
    if design.get("change_type") == "Remove":
        actions.append(f"remove {_line(design.get('component'))}")
    return actions


def _address(item: object) -> str:
    return str(item.get("address", item)) if isinstance(item, dict) else str(item)


def _structured(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stage output that can serve as evidence: present and not unstructured prose."""
    if not value or value.get("unstructured"):
        return None
    return value


SOLO_CHANGE_ROLES = frozenset(
    {"systems-administrator", "network-engineer", "database-administrator", "automation-engineer"}
)
"""Roles whose prompt promises an Infrastructure Change Request when they work alone."""
SOLO_WINDOW_ROLES = frozenset(
    {"systems-administrator", "network-engineer", "database-administrator"}
)
"""Roles whose prompt also promises a Maintenance Notification for the change's window."""


def _change(state: TeamState) -> tuple[dict[str, Any], str] | None:
    """The change this run proposes and who requests it: the architect's design; or, in a
    single-role run, the ``change`` the role's structured report proposes (the model
    decides whether there is one; nothing is inferred from its prose)."""
    design = _structured(state.get("design"))
    if design:
        return design, "infrastructure-architect"
    entry = state.get("subagent_type") or ""
    if entry not in SOLO_CHANGE_ROLES:
        return None
    report = _structured((state.get("results") or {}).get(entry))
    proposal = (report or {}).get("change")
    if not isinstance(proposal, dict) or not proposal.get("change_type"):
        return None
    return {**proposal, "summary": (report or {}).get("summary", "")}, entry


def change_request(state: TeamState) -> ChangeRequest | None:
    found = _change(state)
    if not found:
        return None
    design, requester = found
    return ChangeRequest(
        type=design["change_type"],
        component=_line(design.get("component")),
        description=_line(without_offline_stamp(str(design.get("summary") or ""))),
        justification=_line(design.get("justification")),
        timeline=_line(design.get("timeline")),
        impact=_line(design.get("impact")),
        requester=display_name(requester),
    )


def maintenance_window(state: TeamState) -> MaintenanceNotification | None:
    found = _change(state)
    if not found:
        return None
    design, requester = found
    if requester != "infrastructure-architect" and requester not in SOLO_WINDOW_ROLES:
        return None
    request = state.get("description", "")
    start, end = stated_window(request) or proposed_window(
        datetime.fromisoformat(state["started_at"])
    )
    request = request.lower()
    if "patch" in request:
        kind = "Patching"
    elif design["change_type"] == "Remove" or "migrat" in request:
        kind = "Migration"
    else:
        kind = "Upgrade"
    return MaintenanceNotification(
        window_start=start,
        window_end=end,
        affected=_line(design.get("component")),
        type=kind,
        impact=_line(design.get("impact")),
        rollback="Available" if (design.get("rollback_plan") or "").strip() else "Not Available",
        contact=CONTACT,
    )


def stated_window(request: str) -> tuple[datetime, datetime] | None:
    """The maintenance window the requester gave, in UTC: the first
    ``YYYY-MM-DD HH:MM-HH:MM UTC`` (or ``... - YYYY-MM-DD HH:MM UTC``) in the request. The
    notification carries the requester's window as given, even one that has passed: the
    Change Approval gate then says so, instead of the team moving a window that
    stakeholders were told about. An end at or before the start on the same day ends the
    next day (``23:00-01:00``). None when no window is stated in UTC."""
    for found in _STATED_WINDOW.finditer(request):
        try:
            start = datetime.fromisoformat(f"{found['day']}T{found['start']:0>5}+00:00")
            end_day = found["end_day"] or found["day"]
            end = datetime.fromisoformat(f"{end_day}T{found['end']:0>5}+00:00")
        except ValueError:
            continue  # not a real date or time (2026-13-01, 25:00): look on
        if end <= start and found["end_day"] is None:
            end += timedelta(days=1)
        if end > start:
            return start.astimezone(UTC), end.astimezone(UTC)
    return None


def proposed_window(started: datetime) -> tuple[datetime, datetime]:
    """The team's window when the requester gave none: the first 02:00 UTC at least
    ``MAINTENANCE_LEAD`` after the run started, for ``MAINTENANCE_LENGTH``."""
    start = (started + MAINTENANCE_LEAD).replace(hour=2, minute=0, second=0, microsecond=0)
    if start < started + MAINTENANCE_LEAD:
        start += timedelta(days=1)
    return start, start + MAINTENANCE_LENGTH


def incident_communication(state: TeamState) -> IncidentCommunication | None:
    """The Incident Communication as the trail leaves it.

    STATUS says what is known: ``Resolved`` when a rung closed it; ``Identified`` once the
    failing component has an owner or the incident is with a person (waiting for one, or taken
    over); ``Investigating`` before that. The team proposes remediation and applies nothing
    itself, so it never claims ``Fixing``: the person who applies the fix sends that update.
    """
    triage = _structured(state.get("triage"))
    if not triage:
        return None
    trail = state.get("trail", [])
    last = trail[-1] if trail else {}
    identified = any(step.get("rung") != "on-call" for step in trail) or str(
        triage.get("component") or "unknown"
    ).lower() not in {"", "unknown"}
    if state.get("resolved"):
        status = "Resolved"
    elif identified:
        status = "Identified"
    else:
        status = "Investigating"
    if last.get("rung") == "human":
        verdict = "took over" if last.get("outcome") == "taken over" else "declined to take over"
        comment = f": {last['summary']}" if last.get("summary") else ""
        action = f"A person {verdict} as incident commander{comment}"
    elif last.get("actions"):
        action = f"{last['role_name']}: " + "; ".join(last["actions"][:2])
    else:
        action = str(last.get("summary") or triage.get("current_action") or "")
    return IncidentCommunication(
        incident=_line(triage.get("incident")),
        severity=triage["severity"],
        status=status,
        impact=_line(triage.get("impact")),
        current_action=_line(without_offline_stamp(str(action or ""))),
        eta=_line(triage.get("eta")),
    )


POSTMORTEM_SEVERITIES = frozenset({"P1", "P2"})
"""Incidents that get a postmortem (the SRE prompt: "hold a postmortem for P1 and P2")."""
MTTR_TARGET_MINUTES = 30
"""The team's Mean Time to Recovery target (seed "Metrics & KPIs": < 30 min)."""


def _minutes(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 60


def _clock(stamp: str) -> str:
    return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M")


def minutes_open_at_start(state: TeamState) -> float | None:
    """How long the incident had been open when the team received it, in minutes; None
    when the caller gave no start time (``opened_at``)."""
    opened, started = state.get("opened_at"), state.get("started_at")
    if not opened or not started:
        return None
    return minutes_open(datetime.fromisoformat(opened), datetime.fromisoformat(started))


def postmortem(state: TeamState) -> str | None:
    """A blameless postmortem draft for a P1 or P2 incident whose run is over for the team:
    resolved at a rung, or handed to a person. The timeline is the trail's own timestamps
    from the moment the team received the incident; recovery time is measured only when a
    rung resolved it, and never guessed."""
    triage = _structured(state.get("triage"))
    trail = state.get("trail", [])
    if not triage or triage.get("severity") not in POSTMORTEM_SEVERITIES or not trail:
        return None
    last = trail[-1]
    if not (state.get("resolved") or last.get("rung") == "human"):
        return None
    started = state["started_at"]
    timeline = [
        {
            "time": _clock(step["at"]) if step.get("at") else "",
            "role_name": step["role_name"],
            "what": _line(
                f"{step['outcome']}: "
                + without_offline_stamp(str(step.get("reason") or step.get("summary") or ""))
            ).replace("|", "/"),
        }
        for step in trail
    ]
    opened = state.get("opened_at")
    if state.get("resolved") and last.get("at") and opened:
        minutes = _minutes(opened, last["at"])
        met = "met" if minutes < MTTR_TARGET_MINUTES else "missed"
        recovery = (
            f"{minutes:.1f} min from the incident's start ({_clock(opened)} UTC) to "
            f"resolution: target under {MTTR_TARGET_MINUTES} min {met}"
        )
        outcome = f"Resolved by the {last['role_name']}."
    elif state.get("resolved") and last.get("at"):
        minutes = _minutes(started, last["at"])
        recovery = (
            f"resolved {minutes:.1f} min after the team received it; the time to recovery "
            f"(target under {MTTR_TARGET_MINUTES} min) counts from the incident's start, "
            "which the run was not given (pass `opened_at`)"
        )
        outcome = f"Resolved by the {last['role_name']}."
    else:
        recovery = "not measured: the team handed the incident to a person before recovery"
        outcome = f"Handed to a person ({last['outcome']})."
    owner = state.get("component_owner")
    return (
        _TEMPLATES.get_template("postmortem.md.j2")
        .render(
            incident=_line(triage.get("incident")),
            severity=triage["severity"],
            component=triage.get("component") or "unknown",
            owner=display_name(owner) if owner else "",
            impact=_line(triage.get("impact")),
            outcome=outcome,
            started=_clock(started),
            timeline=timeline,
            recovery=recovery,
            findings=list(triage.get("findings", [])),
            actions=[a for step in trail for a in step.get("actions", [])],
        )
        .strip()
    )


_REPORT_STAGES = {"automation-engineer": "codify", "site-reliability-engineer": "operate"}


def collect_handoffs(state: TeamState) -> list[RecordedHandOff]:
    """Every cross-team hand-off the roles decided, in run order: the architect's design,
    each role's report, then each escalation rung (triage included). The graph decides
    none itself; an unstructured answer hands nothing over."""
    found: list[RecordedHandOff] = []
    design = _structured(state.get("design"))
    if design:
        found += recorded("infrastructure-architect", "design", design.get("handoffs", []))
    for role, report in (state.get("results") or {}).items():
        if _structured(report):
            stage = _REPORT_STAGES.get(role, "implement")
            found += recorded(role, stage, report.get("handoffs", []))
    for step in state.get("trail", []):
        stage = "triage" if step.get("rung") == "on-call" else "escalation"
        found += recorded(str(step.get("role", "")), stage, step.get("handoffs", []))
    return found


def _approved(decisions: list[dict[str, Any]]) -> bool:
    return any(d.get("gate") == "Change Approval" and d.get("approved") for d in decisions)


def evaluate_gates(state: TeamState, decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Change Approval and Production Readiness for a request run (none for incidents)."""
    if state.get("kind") != "request":
        return []
    design = (_change(state) or ({}, ""))[0]
    reviews = _tool_data(state, "terraform_plan_review")
    risks = [*design.get("risks", []), *(str(r.get("risk", "")) for r in reviews)]
    alerts = bool(_tool_data(state, "burn_rate_alerts"))
    runbooks = bool(_tool_data(state, "runbook"))
    change = evaluate_change_approval(
        ChangeRecord(
            change_request=change_request(state),
            risk_assessment="; ".join(r for r in risks if r) or None,
            rollback_plan=(design.get("rollback_plan") or "").strip() or None,
            # The team proposes a window; it counts as scheduled once a person approved it.
            maintenance_window=maintenance_window(state) if _approved(decisions) else None,
            # Approving a change tells nobody: only a notification really sent counts.
            stakeholders_notified=bool(_tool_data(state, NOTIFICATION_TOOL)),
            monitoring_prepared=alerts,
        )
    )
    readiness = evaluate_production_readiness(
        apply_evidence(
            apply_evidence(_readiness(state, alerts=alerts, runbooks=runbooks), _given(state)),
            live_readiness(state),
        )
    )
    unverified = [display_name(role) for role in state.get("unstructured", [])]
    return [
        {
            "gate": decision.gate,
            "passed": decision.passed,
            "items": [item.model_dump(mode="json") for item in decision.items],
            "open_items": [item.name for item in decision.open_items],
            "unverified": unverified,
        }
        for decision in (change, readiness)
    ]


APPROVAL_ITEM = "Maintenance window scheduled"
"""The Change Approval item only a person's approval closes (it schedules the window)."""


def awaiting_approval(change_gate: dict[str, Any]) -> bool:
    """True when a Change Approval result is open on the approval alone: every other item
    (request, risks, rollback, stakeholders notified, monitoring) is met and no role's
    answer was unstructured. Asking a person earlier would approve a change that still
    cannot pass; asking then lets the gate close."""
    return change_gate.get("open_items") == [APPROVAL_ITEM] and not change_gate.get("unverified")


def _readiness(state: TeamState, *, alerts: bool, runbooks: bool) -> ReadinessRecord:
    """What the run can show for Production Readiness. The team plans, codes and checks;
    it applies nothing, so provisioning, hardening, monitoring and DR stay open with a
    note of what was prepared for them. A role's unstructured answer is no evidence."""
    roles = set(state.get("results", {})) - set(state.get("unstructured", []))
    audits = _tool_data(state, "audit_sshd_config")
    dr = _tool_data(state, "dr_strategy")
    return ReadinessRecord(
        infrastructure_provisioned=False,
        infrastructure_provisioned_evidence=(
            "plan and code prepared; provision after Change Approval"
            if "automation-engineer" in roles
            else "nothing provisioned"
        ),
        security_hardening_applied=False,
        security_hardening_applied_evidence=(
            "hardening baseline audited (audit_sshd_config); apply it to the hosts"
            if audits
            else "no hardening baseline audited"
        ),
        monitoring_configured=False,
        monitoring_configured_evidence=(
            "SLO and alert rules written; deploy them to the monitoring stack"
            if alerts
            else "no monitoring prepared"
        ),
        alerts_defined=alerts,
        alerts_defined_evidence="multiwindow burn-rate rules (burn_rate_alerts)"
        if alerts
        else None,
        runbooks_created=runbooks,
        runbooks_created_evidence="runbook skeleton (runbook)" if runbooks else None,
        dr_tested=False,
        dr_tested_evidence=(
            "DR strategy chosen (dr_strategy); run a restore exercise"
            if dr
            else "no DR exercise recorded"
        ),
    )


_UP_QUERY = re.compile(r"^\s*up\s*(\{[^}]*\})?\s*$")
"""A Prometheus query of the ``up`` series alone, optionally with label matchers."""


def _given(state: TeamState) -> ReadinessEvidence | None:
    """The Production Readiness evidence the caller passed in with the task."""
    raw = state.get("evidence")
    return ReadinessEvidence.model_validate(raw) if raw else None


def live_readiness(state: TeamState) -> ReadinessEvidence | None:
    """Production Readiness evidence from this run's live checks.

    Monitoring is configured when a live ``query_prometheus`` of ``up`` returned series,
    each a target Prometheus scrapes; every target at 1 passes, any at 0 fails (Prometheus
    docs, "Jobs and instances": ``up`` is 1 when the scrape succeeded, 0 when it failed).
    The last such query of the run counts; a truncated answer (more targets than the tool
    returns) gives no verdict. No other item has a live check yet.
    """
    monitoring: Evidence | None = None
    for data in _tool_data(state, "query_prometheus"):
        if not _UP_QUERY.match(str(data.get("query", ""))) or not data.get("series"):
            continue
        if data.get("truncated"):
            continue  # targets beyond the bounded output are unseen: no verdict
        values = [row.get("value") for row in data["series"]]
        down = [row.get("series", "") for row in data["series"] if row.get("value") != 1]
        total = int(data.get("series_count") or len(values))
        monitoring = Evidence(
            source=(
                f"Prometheus scrapes {total} target(s) for `{data['query']}`, all up "
                "(query_prometheus)"
                if not down
                else f"{len(down)} of {total} target(s) down for `{data['query']}`: "
                + ", ".join(str(d) for d in down[:5])
                + " (query_prometheus)"
            ),
            passed=not down,
        )
    return ReadinessEvidence(monitoring_configured=monitoring) if monitoring else None


def render_artifacts(state: TeamState) -> dict[str, str]:
    """The protocol messages this run produced, rendered exactly as the seed's templates,
    and the postmortem draft of a P1 or P2 incident (Markdown)."""
    messages = {
        "change_request": change_request(state),
        "maintenance_notification": maintenance_window(state),
        "incident_communication": incident_communication(state),
    }
    rendered = {name: m.render() for name, m in messages.items() if m is not None}
    review = postmortem(state)
    if review:
        rendered["postmortem"] = review
    return rendered


def _artifact_titles(state: TeamState) -> dict[str, str]:
    scheduled = _approved(state.get("decisions", []))
    return {
        "change_request": "Infrastructure Change Request",
        "maintenance_notification": "Maintenance Notification"
        + ("" if scheduled else " (proposed window: schedule it at Change Approval)"),
        "incident_communication": "Incident Communication",
        "postmortem": "Postmortem (draft)",
    }


@cache
def _report_template() -> jinja2.Template:
    return _TEMPLATES.get_template("report.md.j2")


NEXT_ACTIONS_SHOWN = 10
"""The first screen lists at most this many next actions; the evidence below has the rest."""


def _status_line(state: TeamState, pending: list[dict[str, Any]]) -> str:
    if state.get("error"):
        return "Stopped before the end (see below); what was done so far is reported."
    if pending:
        return "Waiting for a human decision."
    if state.get("kind") == "incident":
        return "Resolved." if state.get("resolved") else "Not resolved by the team."
    return "Completed."


def _decision(state: TeamState, results: dict[str, dict[str, Any]]) -> str:
    """One paragraph: what the team decided, before any evidence."""
    design = state.get("design")
    if design:
        return without_offline_stamp(str(design.get("summary", "")))
    triage = state.get("triage")
    if triage:
        last = (state.get("trail") or [{}])[-1]
        if last.get("rung") == "human":
            where = f"{last['outcome']} by a person"
        elif state.get("resolved"):
            where = f"resolved by the {last.get('role_name')}"
        else:
            where = f"escalated by the {last.get('role_name')}"
        owner = state.get("component_owner")
        age = minutes_open_at_start(state)
        ladder = (
            ""
            if age is None
            else f" Open {age:.0f} min when the team received it "
            "(escalation ladder: 15, 30 and 60 minutes)."
        )
        return (
            f"{triage.get('severity') or 'Unrated'} incident, component "
            f"{triage.get('component') or 'unknown'}"
            + (f" (owner {display_name(owner)})" if owner else "")
            + f"; {where}."
            + ladder
        )
    summaries = [without_offline_stamp(str(r.get("summary", ""))) for r in results.values()]
    return " ".join(s for s in summaries if s)


def _next_actions(
    state: TeamState, results: dict[str, dict[str, Any]], pending: list[dict[str, Any]]
) -> list[str]:
    """Decisions first, then what keeps a gate open, then each role's first proposals."""
    actions = [
        f"Decide at {q['gate']}: approve or reject (the question is below)." for q in pending
    ]
    for d in state.get("decisions", []):
        if d.get("gate") == "Change Approval" and not d.get("approved"):
            actions.append("Do not execute the change: it was rejected at Change Approval.")
    actions.extend(
        f"Close {gate['gate']}: {', '.join(gate['open_items'])}."
        for gate in state.get("gates", [])
        if gate.get("open_items")
    )
    for step in state.get("trail", []):
        actions.extend(f"{step['role_name']}: {a}" for a in step.get("actions", [])[:2])
    for role_name, report in results.items():
        actions.extend(f"{role_name}: {a}" for a in report.get("actions", [])[:2])
    return actions[:NEXT_ACTIONS_SHOWN]


def render_report(
    state: TeamState, artifacts: dict[str, str], *, pending: list[dict[str, Any]] | None = None
) -> str:
    """The Markdown report a user reads; ``pending`` lists the questions a paused run waits on.

    The first screen holds the status, the decision and the next actions; the evidence
    (design, each role's findings and deliverables, the trail, gates, messages, tool results)
    follows. The offline engine's stamp is stated once at the top instead of per section.
    """
    pending = pending or []
    results = {display_name(role): report for role, report in state.get("results", {}).items()}
    model = state.get("model", "offline")
    return (
        _report_template()
        .render(
            entry=display_name(state.get("subagent_type") or "infrastructure-team"),
            request=state.get("description", ""),
            kind=state.get("kind"),
            intake_reason=state.get("intake_reason", ""),
            status_line=_status_line(state, pending),
            decision=_decision(state, results),
            next_actions=_next_actions(state, results, pending),
            on_call=state.get("on_call") or [],
            handoffs=[
                {**h.model_dump(), "role_name": display_name(h.role)}
                for h in collect_handoffs(state)
            ],
            engaged=[display_name(role) for role in state.get("engaged", [])],
            design=state.get("design"),
            results=results,
            triage=state.get("triage"),
            trail=state.get("trail", []),
            gates=state.get("gates", []),
            decisions=state.get("decisions", []),
            artifacts=artifacts,
            titles=_artifact_titles(state),
            unstructured=[display_name(role) for role in state.get("unstructured", [])],
            tool_log=[
                {**entry, "role_name": display_name(entry["role"])}
                for entry in state.get("tool_log", [])
            ],
            error=state.get("error"),
            pending=pending,
            model=model,
            offline_note=OFFLINE_NOTE if model == "offline" else "",
        )
        .strip()
        + "\n"
    )
