"""Incident answers: the on-call SRE's triage and each escalation rung's step.

Severity, component, owner and the resolved flags follow the rules of
``infra_team.offline._routing``. The ETA is the team's recovery target (seed "Metrics &
KPIs": mean time to recovery under 30 minutes), never a promise the engine cannot check.
"""

from __future__ import annotations

from typing import Any

from infra_team.offline._evidence import Evidence
from infra_team.offline._routing import (
    GATEWAY_CODES,
    Ownership,
    business_decision_reasons,
    component_ownership,
    is_security_incident,
    owner_decision_words,
    rung_resolved,
    severity,
    triage_resolved,
)
from infra_team.offline._templates import OFFLINE_NOTE, format_number, render_list
from infra_team.offline._text import first_sentence
from infra_team.registry import display_name

MTTR_TARGET_MINUTES = 30
"""Team KPI: mean time to recovery under 30 minutes (seed "Metrics & KPIs")."""


def _service(evidence: Evidence) -> str:
    return evidence.facts.service or "the service"


def _impact(evidence: Evidence) -> str:
    facts = evidence.facts
    codes = ", ".join(str(code) for code in facts.status_codes)
    service = _service(evidence)
    if facts.error_rate_percent is not None:
        failing = f"{format_number(facts.error_rate_percent)} % of requests to {service} failing"
        return failing + (f" with HTTP {codes}" if codes else "") + "."
    if codes:
        return f"{service} returns HTTP {codes}; share of requests affected not stated."
    return first_sentence(evidence.request)


def _component_note(ownership: Ownership) -> str:
    owner = display_name(ownership.owner)
    gateway = [word for word in ownership.because if word.isdigit() and int(word) in GATEWAY_CODES]
    if gateway:
        return (
            f"Component: load balancer. HTTP {', '.join(gateway)} is a gateway error, most often "
            f"raised at the load balancer or reverse proxy; owner {owner}."
        )
    if ownership.component == "unknown":
        return f"Component: not named in the report; {owner} (secondary on call) takes it."
    words = ", ".join(f"`{word}`" for word in ownership.because)
    return f"Component: {ownership.component} (named: {words}); owner {owner}."


def measured_sentence(evidence: Evidence) -> str:
    """What the live reads of this stage measured, tool by tool (empty when none ran), so
    a decision handed up carries the figures and not only the words of the report."""
    parts = [
        f"`{result.tool}`: {result.summary.strip().rstrip('.')}" for result in evidence.measured()
    ]
    return f"Measured live: {'; '.join(parts)}." if parts else ""


def compose_triage(evidence: Evidence) -> dict[str, Any]:
    """``TriageDecision``: severity, impact, component and owner, resolved or not."""
    facts = evidence.facts
    level = severity(evidence.request, facts)
    ownership = component_ownership(evidence.request)
    resolved = triage_resolved(facts)
    owner_name = display_name(ownership.owner)
    because = ", ".join(f"`{word}`" for word in level.because) or "no impact words (default)"
    if resolved:
        action = "Resolved: the report says the service recovered; documenting and closing."
        eta = "Resolved."
        next_step = "The report says it has recovered: documenting and closing."
    else:
        part = (
            "the component, not named in the report"
            if ownership.component == "unknown"
            else f"the {ownership.component}"
        )
        action = (
            f"Investigating: the on-call Site Reliability Engineer triaged it and hands it to "
            f"the {owner_name} for {part}."
        )
        eta = (
            "Cosmetic: scheduled with normal work."
            if level.value == "P4"
            else f"Target recovery within {MTTR_TARGET_MINUTES} min (team MTTR target); "
            "not confirmed until the cause is found."
        )
        next_step = (
            f"Escalating to the {owner_name} (component owner): the offline engine cannot "
            "confirm a fix."
        )
    measured = measured_sentence(evidence)
    summary = (
        f"{level.value} incident on {_service(evidence)}: {_impact(evidence)} "
        f"{f'{measured} ' if measured else ''}{next_step} {OFFLINE_NOTE}"
    )
    findings = [
        f"Severity {level.value}: {because}.",
        _component_note(ownership),
        *evidence.findings(),
        *(f"Assumed: {note}" for note in evidence.plan.assumptions),
    ]
    return {
        "incident": first_sentence(evidence.request, 160),
        "severity": level.value,
        "impact": _impact(evidence),
        "current_action": action,
        "eta": eta,
        "component": "load balancer" if ownership.component.isdigit() else ownership.component,
        "component_owner": None if resolved else ownership.owner,
        "resolved": resolved,
        "summary": summary,
        "findings": findings,
    }


def _triage_severity(evidence: Evidence) -> str:
    triage = evidence.context("triage")
    value = triage.get("severity")
    return (
        str(value)
        if value in {"P1", "P2", "P3", "P4"}
        else severity(evidence.request, evidence.facts).value
    )


UNVERIFIED_REASON = "The offline engine cannot confirm a fix; the next rung ({rung}) decides."
"""Why a rung with no decision to hand up still escalates: nothing offline can observe the
service, so only the request's own word that it recovered closes an incident."""


def _next_rung(evidence: Evidence) -> str:
    """The rung above this one: from the brief's context, else by the ladder (component
    owner -> architect -> human escalation)."""
    given = evidence.brief.context.get("next_rung")
    if isinstance(given, str) and given:
        return given
    return "human escalation" if evidence.brief.role == "infrastructure-architect" else "architect"


def _decision_reason(evidence: Evidence, level: str) -> tuple[str, str]:
    """The decision this rung must hand up, if any, and the rung's remit in words."""
    if evidence.brief.role == "infrastructure-architect":
        reasons = business_decision_reasons(evidence.request, evidence.facts, level)
        reason = (
            "Business decision needed: " + "; ".join(reasons) + ". A person must decide."
            if reasons
            else ""
        )
        return reason, (
            "no data loss, customer communication, SLA credits or P1 outage over 60 min mentioned"
        )
    words = owner_decision_words(evidence.request)
    reason = (
        "Architecture decision needed: the incident mentions "
        + ", ".join(f"`{word}`" for word in words)
        + "."
        if words
        else ""
    )
    return reason, "no architecture, capacity, region or vendor decision and no data loss mentioned"


def compose_escalation(evidence: Evidence) -> dict[str, Any]:
    """``EscalationStep``: what this rung found and proposes; resolved only when the
    request reports the recovery and no decision is left for a higher rung."""
    role = evidence.brief.role
    ownership = component_ownership(evidence.request)
    level = _triage_severity(evidence)
    name = display_name(role)
    decision, remit = _decision_reason(evidence, level)
    resolved = rung_resolved(evidence.facts, (decision,) if decision else ())
    reason = "" if resolved else decision or UNVERIFIED_REASON.format(rung=_next_rung(evidence))
    measured = measured_sentence(evidence)
    if reason and measured:
        reason = f"{measured} {reason}"
    target = (
        "the incident"
        if role == "infrastructure-architect" or ownership.component == "unknown"
        else f"the {ownership.component}"
    )
    if resolved:
        summary = (
            f"The request reports that the service recovered and the {name} sees nothing left "
            f"to decide ({remit}): closed at this rung; its actions confirm and document the "
            f"fix. {OFFLINE_NOTE}"
        )
    else:
        summary = (
            f"The {name} proposes checks and remediation for {target} (see its actions) but "
            f"does not close the incident at this rung. {reason} {OFFLINE_NOTE}"
        )
    findings = [
        f"Severity {level} (from triage).",
        _component_note(ownership),
        *evidence.findings(),
        *(f"Assumed: {note}" for note in evidence.plan.assumptions),
    ]
    budget = evidence.data("availability_budget")
    duration = evidence.facts.duration_minutes
    if budget and duration is not None:
        month = next((w for w in budget.get("windows", []) if w.get("window") == "month_30d"), None)
        if month:
            findings.append(
                f"`availability_budget`: the {format_number(duration)}-minute incident against "
                f"{month.get('human')} of allowed downtime per 30-day month at "
                f"{format_number(budget.get('slo_percent'))} %."
            )
    actions = render_list(
        "actions_escalation.md.j2",
        role=role,
        component=ownership.component,
        resolved=resolved,
        service=_service(evidence),
        security=is_security_incident(evidence.request),
    )
    return {
        "resolved": resolved,
        "escalate_reason": reason,
        "summary": summary,
        "findings": findings,
        "actions": actions,
    }
