"""Intake and design answers: request or incident, and the architect's design.

The routing decisions come from ``infra_team.offline._routing``; DR, availability and
capacity figures from the architect's tools (``dr_strategy``, ``availability_budget``,
``capacity_plan``).
"""

from __future__ import annotations

from typing import Any

from infra_team.offline import _artifacts
from infra_team.offline._evidence import Evidence
from infra_team.offline._plans import objectives
from infra_team.offline._routing import (
    assign_specialists,
    change_type,
    classify_kind,
    main_component,
    monitoring_words,
)
from infra_team.offline._templates import OFFLINE_NOTE, format_number, render
from infra_team.offline._text import first_sentence
from infra_team.registry import display_name


def compose_intake(evidence: Evidence) -> dict[str, Any]:
    """``IntakeDecision``: the kind and the words that decided it."""
    decision = classify_kind(evidence.request)
    signals = ", ".join(f"`{word}`" for word in decision.because) or "none"
    if decision.value == "incident":
        reason = f"Offline engine rule: incident signals ({signals}) outnumber request verbs."
    else:
        reason = (
            f"Offline engine rule: request verbs ({signals}) are at least as many as "
            "incident signals."
        )
    return {"kind": decision.value, "reason": reason}


def _assignment_task(role: str, evidence: Evidence) -> str:
    facts = evidence.facts
    rpo, rto, _ = objectives(facts)
    assigned = assign_specialists(evidence.request)
    database = "database-administrator" in assigned
    subnets = _artifacts.subnet_names(facts, database=database)
    variables: dict[str, Any] = {
        "scope": _artifacts.scope_of(facts),
        "cidr": _artifacts.network_cidr(facts),
        "prefix": _artifacts.tier_prefix(_artifacts.network_cidr(facts), len(subnets)),
        "tiers": _artifacts.tiers(facts, database=database),
        "zones": _artifacts.zones(facts),
        "port": _artifacts.database_port(facts),
        "technology": _artifacts.product_name(facts),
        "standby": facts.standby,
        "pitr": facts.pitr,
        "rpo": rpo,
        "rto": rto,
    }
    return render(f"task_{role}.md.j2", **variables).strip()


def _risks(evidence: Evidence, kind: str) -> list[str]:
    risks: list[str] = []
    if evidence.plan.assumptions:
        risks.append(
            "Targets assumed where the request is silent (see Assumptions). Mitigation: "
            "confirm them with the requester before Change Approval."
        )
    dr = evidence.data("dr_strategy")
    if dr:
        risks.append(
            f"Recovery depends on the {dr.get('label', 'chosen')} DR strategy working when "
            "needed. Mitigation: test failover and restore before go-live (Production "
            "Readiness: DR tested)."
        )
    if kind == "Remove":
        risks.append(
            "Something may still depend on what is removed. Mitigation: check traffic and "
            "dependencies first and keep a final backup."
        )
    elif kind == "Modify":
        risks.append(
            "The change touches a running system. Mitigation: apply it in a maintenance "
            "window with the rollback plan ready."
        )
    if evidence.data("capacity_plan") is None:
        risks.append(
            "Capacity is not sized (no peak load given). Mitigation: measure the peak and "
            "run capacity_plan before launch."
        )
    return risks


_ROLLBACK = {
    "New": "Remove the new resources with the same IaC (destroy the new module); nothing existing changes.",
    "Modify": "Re-apply the previous IaC version and restore from the snapshot or backup taken before the change.",
    "Remove": "Recreate the resources from IaC and restore data from the final backup taken before removal.",
}
_IMPACT = {
    "New": "New infrastructure: no effect on running services until traffic is moved to it.",
    "Modify": "Changes a running system: a maintenance window and a brief degradation are possible.",
    "Remove": "Removes infrastructure: anything still depending on it stops working.",
}


def compose_design(evidence: Evidence) -> dict[str, Any]:
    """``ArchitectDesign``: review, design and assignment for a request."""
    request = evidence.request
    assigned = assign_specialists(request)
    kind = change_type(request)
    component = main_component(request)
    assignments = [{"role": role, "task": _assignment_task(role, evidence)} for role in assigned]
    table = [
        {
            "name": display_name(role),
            "why": ", ".join(f"`{word}`" for word in why),
            "task": next(a["task"] for a in assignments if a["role"] == role),
        }
        for role, why in assigned.items()
    ]
    dr = evidence.data("dr_strategy")
    budget = evidence.data("availability_budget")
    capacity = evidence.data("capacity_plan")
    spend = evidence.facts.monthly_spend
    rules = [
        f"Change type {kind.value}: "
        + (", ".join(f"`{w}`" for w in kind.because) or "no change or removal verb"),
        f"Main component {component}: the specialist with most keyword matches.",
        "A new database also needs hosts (Systems Administrator) and network access "
        "(Network Engineer).",
    ]
    design = render(
        "design.md.j2",
        title=first_sentence(request, 80),
        request=first_sentence(request, 300),
        assignments=table,
        budget=budget,
        dr=dr,
        capacity=capacity,
        cost=evidence.data("cost_trend"),
        spend_months=len(spend),
        spend_first=spend[0] if spend else None,
        spend_last=spend[-1] if spend else None,
        spend_change=round((spend[-1] - spend[0]) / spend[0] * 100, 1) if spend and spend[0] else 0,
        assumptions=list(evidence.plan.assumptions),
        rules=rules,
    )
    names = ", ".join(display_name(role) for role in assigned) or "no specialist"
    parts = [f"{kind.value} {component.lower()} work, assigned to {names}."]
    monitoring = monitoring_words(request)
    if not assigned and monitoring:
        words = ", ".join(f"`{word}`" for word in monitoring[:4])
        parts = [
            f"Reliability work ({words}): the Site Reliability Engineer designs the SLO, "
            "alerts and runbook at the operate stage; no specialist work."
        ]
    if dr:
        parts.append(
            f"DR: {dr.get('label')} for RPO {format_number(dr.get('rpo_minutes'))} min / "
            f"RTO {format_number(dr.get('rto_minutes'))} min."
        )
    if budget:
        parts.append(f"Availability target {format_number(budget.get('slo_percent'))} %.")
    cost = evidence.data("cost_trend")
    if cost:
        parts.append(
            f"Spend {format_number(cost.get('change_percent'))} % year over year: "
            + ("meets" if cost.get("meets_target") else "misses")
            + f" the {format_number(cost.get('target_percent'))} % target."
        )
    parts.append(OFFLINE_NOTE)
    return {
        "summary": " ".join(parts),
        "design": design,
        "assignments": assignments,
        "change_type": kind.value,
        "component": component,
        "justification": f"Requested: {first_sentence(request)}",
        "timeline": evidence.facts.timeline
        or "Not stated in the request: schedule after Change Approval in the next maintenance window.",
        "impact": _IMPACT[kind.value],
        "risks": _risks(evidence, kind.value),
        "rollback_plan": _ROLLBACK[kind.value],
    }
