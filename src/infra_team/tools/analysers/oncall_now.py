"""Who holds the pager at a moment, and who holds an open incident on the escalation ladder."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra_team.oncall import (
    ON_CALL_POLICY,
    component_owner,
    escalation_ladder,
    evaluate_on_call,
    incident_holder,
)
from infra_team.registry import SPECIALISTS, RoleType, display_name
from infra_team.tools._base import ToolInputError


class RoleRef(BaseModel):
    """A role by type and by the name users see."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    name: str


def role_ref(role: str) -> RoleRef:
    """The role by its type and by the name users see."""
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
            component_owner=role_ref(owner) if owner else None,
            holder=role_ref(holder),
            next_escalation_in_minutes=round(upcoming[0] - minutes, 2) if upcoming else None,
            ladder=tuple(role_ref(role) for role in escalation_ladder(owner)),
        )
    return OnCallReport(
        at=decision.at,
        rotation_day=decision.rotation_day.isoformat(),
        shift_start=decision.shift_start,
        next_handoff=decision.next_handoff,
        minutes_to_handoff=round((decision.next_handoff - decision.at).total_seconds() / 60, 2),
        primary=role_ref(decision.primary),
        secondary=role_ref(decision.secondary),
        incident=incident,
    )
