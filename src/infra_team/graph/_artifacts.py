"""Deterministic outputs of a run: protocol messages, gate results and the report.

No model is called here: every value comes from the stage outputs and tool results in
the state, so the same run always renders the same artifacts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import jinja2

from infra_team.gates import (
    ChangeRecord,
    ReadinessRecord,
    evaluate_change_approval,
    evaluate_production_readiness,
)
from infra_team.graph._state import TeamState
from infra_team.protocols import (
    ChangeRequest,
    IncidentCommunication,
    MaintenanceNotification,
)
from infra_team.registry import display_name

MAINTENANCE_LEAD = timedelta(hours=48)
"""A proposed window starts at the first 02:00 UTC at least this long after the run."""
MAINTENANCE_LENGTH = timedelta(hours=2)
CONTACT = "Site Reliability Engineer (primary on-call)"

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("infra_team.graph", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
)


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
    """Deletes and replacements in reviewed Terraform plans, and removals in the design."""
    actions: list[str] = []
    for review in _tool_data(state, "terraform_plan_review"):
        if review.get("destructive"):
            for key in ("deletes", "replaces"):
                actions.extend(f"{key[:-1]} {_address(item)}" for item in review.get(key, []))
    design = state.get("design") or {}
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


def change_request(state: TeamState) -> ChangeRequest | None:
    design = _structured(state.get("design"))
    if not design:
        return None
    return ChangeRequest(
        type=design["change_type"],
        component=_line(design.get("component")),
        description=_line(design.get("summary")),
        justification=_line(design.get("justification")),
        timeline=_line(design.get("timeline")),
        impact=_line(design.get("impact")),
        requester=display_name("infrastructure-architect"),
    )


def maintenance_window(state: TeamState) -> MaintenanceNotification | None:
    design = _structured(state.get("design"))
    if not design:
        return None
    started = datetime.fromisoformat(state["started_at"])
    start = (started + MAINTENANCE_LEAD).replace(hour=2, minute=0, second=0, microsecond=0)
    if start < started + MAINTENANCE_LEAD:
        start += timedelta(days=1)
    request = state.get("description", "").lower()
    if "patch" in request:
        kind = "Patching"
    elif design["change_type"] == "Remove" or "migrat" in request:
        kind = "Migration"
    else:
        kind = "Upgrade"
    return MaintenanceNotification(
        window_start=start,
        window_end=start + MAINTENANCE_LENGTH,
        affected=_line(design.get("component")),
        type=kind,
        impact=_line(design.get("impact")),
        rollback="Available" if (design.get("rollback_plan") or "").strip() else "Not Available",
        contact=CONTACT,
    )


def incident_communication(state: TeamState) -> IncidentCommunication | None:
    triage = _structured(state.get("triage"))
    if not triage:
        return None
    rungs = {step.get("rung") for step in state.get("trail", [])}
    if state.get("resolved"):
        status = "Resolved"
    elif rungs & {"architect", "human"}:
        status = "Fixing"
    elif "component owner" in rungs:
        status = "Identified"
    else:
        status = "Investigating"
    last = state.get("trail", [{}])[-1]
    return IncidentCommunication(
        incident=_line(triage.get("incident")),
        severity=triage["severity"],
        status=status,
        impact=_line(triage.get("impact")),
        current_action=_line(last.get("summary") or triage.get("current_action")),
        eta=_line(triage.get("eta")),
    )


def _approved(decisions: list[dict[str, Any]]) -> bool:
    return any(d.get("gate") == "Change Approval" and d.get("approved") for d in decisions)


def evaluate_gates(state: TeamState, decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Change Approval and Production Readiness for a request run (none for incidents)."""
    if state.get("kind") != "request":
        return []
    design = _structured(state.get("design")) or {}
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
            stakeholders_notified=_approved(decisions),
            monitoring_prepared=alerts,
        )
    )
    readiness = evaluate_production_readiness(_readiness(state, alerts=alerts, runbooks=runbooks))
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


def render_artifacts(state: TeamState) -> dict[str, str]:
    """The protocol messages this run produced, rendered exactly as the seed's templates."""
    messages = {
        "change_request": change_request(state),
        "maintenance_notification": maintenance_window(state),
        "incident_communication": incident_communication(state),
    }
    return {name: message.render() for name, message in messages.items() if message is not None}


def _artifact_titles(state: TeamState) -> dict[str, str]:
    scheduled = _approved(state.get("decisions", []))
    return {
        "change_request": "Infrastructure Change Request",
        "maintenance_notification": "Maintenance Notification"
        + ("" if scheduled else " (proposed window: schedule it at Change Approval)"),
        "incident_communication": "Incident Communication",
    }


@cache
def _report_template() -> jinja2.Template:
    return _TEMPLATES.get_template("report.md.j2")


def render_report(
    state: TeamState, artifacts: dict[str, str], *, pending: list[dict[str, Any]] | None = None
) -> str:
    """The Markdown report a user reads; ``pending`` lists the questions a paused run waits on."""
    results = {display_name(role): report for role, report in state.get("results", {}).items()}
    return (
        _report_template()
        .render(
            entry=display_name(state.get("subagent_type") or "infrastructure-team"),
            request=state.get("description", ""),
            kind=state.get("kind"),
            intake_reason=state.get("intake_reason", ""),
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
            pending=pending or [],
            model=state.get("model", "offline"),
        )
        .strip()
        + "\n"
    )
