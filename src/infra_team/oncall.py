"""On-call rotation and incident escalation policy as frozen values and pure functions.

Source: the specification's "On-Call Rotation" and "Escalation Path"
(``seed/infrastructure-team.md``): the Site Reliability Engineer is primary on call and
the Systems Administrator secondary, the shift hands off daily at 09:00 UTC, and an open
incident moves up four tiers (0-15, 15-30, 30-60 and 60+ minutes).

Boundaries: every tier is a half-open interval ``[from, until)``, so an incident open for
exactly 15 minutes is already the Systems Administrator's, and a timestamp at exactly
09:00 UTC belongs to the shift that starts then.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

from infra_team.registry import SPECIALISTS, RoleSpec, RoleType, registry

_VALUE = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

HUMAN = "human"
COMPONENT_OWNER: Literal["component-owner"] = "component-owner"


class EscalationTier(BaseModel):
    """Who holds an open incident during one span of its age."""

    model_config = _VALUE

    holder: RoleType | Literal["component-owner"]
    """The role holding the incident; ``component-owner`` is the failing component's specialist."""
    from_minute: float
    """Start of the span, in minutes since the incident opened (inclusive)."""
    until_minute: float | None
    """End of the span, in minutes (exclusive); None for the last, open-ended tier."""


class OnCallPolicy(BaseModel):
    """The rotation: who is on call, when the shift hands off, and the escalation tiers."""

    model_config = _VALUE

    primary: RoleType
    """First responder for every page."""
    secondary: RoleType
    """Back-up responder; also stands in as component owner when no owner is known."""
    handoff: time
    """Daily hand-off time, UTC."""
    tiers: tuple[EscalationTier, ...]
    """Escalation tiers in order, contiguous from minute 0, the last one open-ended."""

    @model_validator(mode="after")
    def _contiguous(self) -> Self:
        edges = [(tier.from_minute, tier.until_minute) for tier in self.tiers]
        starts = [0.0] + [end for _, end in edges[:-1]]
        if not edges or [start for start, _ in edges] != starts or edges[-1][1] is not None:
            msg = (
                "tiers must start at minute 0, each begin where the previous ends, and the "
                f"last have no end; got {edges}"
            )
            raise ValueError(msg)
        return self


ON_CALL_POLICY = OnCallPolicy(
    primary="site-reliability-engineer",
    secondary="systems-administrator",
    handoff=time(9, 0),
    tiers=(
        EscalationTier(holder="site-reliability-engineer", from_minute=0, until_minute=15),
        EscalationTier(holder="systems-administrator", from_minute=15, until_minute=30),
        EscalationTier(holder=COMPONENT_OWNER, from_minute=30, until_minute=60),
        EscalationTier(holder="infrastructure-architect", from_minute=60, until_minute=None),
    ),
)


class OnCallDecision(BaseModel):
    """Who is on call at a moment, and the shift that moment belongs to."""

    model_config = _VALUE

    at: datetime
    """The moment asked about, in UTC."""
    rotation_day: date
    """Date of the shift the moment belongs to (the day its 09:00 UTC hand-off happened)."""
    shift_start: datetime
    """When that shift began (UTC)."""
    next_handoff: datetime
    """When that shift ends and the next begins (UTC)."""
    primary: RoleType
    """Primary on-call role."""
    secondary: RoleType
    """Secondary on-call role."""


def evaluate_on_call(at: datetime, *, policy: OnCallPolicy = ON_CALL_POLICY) -> OnCallDecision:
    """Who is on call at ``at`` and which daily shift it falls in.

    A shift runs from one hand-off (inclusive) to the next (exclusive): with a 09:00 UTC
    hand-off, 08:59 UTC on 2 December belongs to the shift of 1 December.

    Raises:
        ValueError: ``at`` has no timezone (a naive time is ambiguous).
    """
    if at.tzinfo is None or at.utcoffset() is None:
        msg = f"`at` must be timezone-aware, e.g. `datetime.now(UTC)`; got naive `{at.isoformat()}`"
        raise ValueError(msg)
    moment = at.astimezone(UTC)
    offset = timedelta(hours=policy.handoff.hour, minutes=policy.handoff.minute)
    rotation_day = (moment - offset).date()
    shift_start = datetime.combine(rotation_day, policy.handoff, tzinfo=UTC)
    return OnCallDecision(
        at=moment,
        rotation_day=rotation_day,
        shift_start=shift_start,
        next_handoff=shift_start + timedelta(days=1),
        primary=policy.primary,
        secondary=policy.secondary,
    )


def _check_owner(owner: RoleType | None) -> None:
    if owner is not None and owner not in SPECIALISTS:
        valid = ", ".join(f"`{role}`" for role in SPECIALISTS)
        msg = f"component owner `{owner}` is not a specialist; valid owners: {valid}"
        raise ValueError(msg)


def incident_holder(
    minutes_since_open: float,
    component_owner: RoleType | None,
    *,
    policy: OnCallPolicy = ON_CALL_POLICY,
) -> RoleType:
    """The role holding an incident open for ``minutes_since_open`` minutes.

    Tiers are ``[0, 15)`` SRE, ``[15, 30)`` Systems Administrator, ``[30, 60)`` the
    component owner (the secondary, Systems Administrator, when none is known) and
    ``[60, inf)`` Infrastructure Architect.

    Raises:
        ValueError: the age is negative or not a number, or the owner is not a specialist.
    """
    if math.isnan(minutes_since_open) or minutes_since_open < 0:
        msg = f"`minutes_since_open` must be a number >= 0; got `{minutes_since_open}`"
        raise ValueError(msg)
    _check_owner(component_owner)
    tier = next(
        tier
        for tier in policy.tiers
        if tier.from_minute <= minutes_since_open
        and (tier.until_minute is None or minutes_since_open < tier.until_minute)
    )
    if tier.holder == COMPONENT_OWNER:
        return component_owner or policy.secondary
    return tier.holder


def _words(text: str) -> str:
    """Lower-case words separated by single spaces (``Load-Balancer`` -> ``load balancer``)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def component_owner(
    component: str, *, specs: Mapping[str, RoleSpec] | None = None
) -> RoleType | None:
    """The specialist owning ``component``, from the ``components`` lists in agents/.

    A listed component matches when it appears in ``component`` as whole words (case,
    hyphens and a plural ``s``/``es`` ignored). An exact match wins; otherwise the
    longest matching component, then the order Systems Administrator, Network Engineer,
    Database Administrator.

    Args:
        component: A component word or phrase, e.g. ``postgres`` or ``edge load balancer``.
        specs: The roster to read; the packaged agents/ files when omitted.
    """
    wanted = _words(component)
    if not wanted:
        return None
    roster = registry() if specs is None else specs
    best: tuple[bool, int, int] | None = None
    owner: RoleType | None = None
    for rank, role in enumerate(SPECIALISTS):
        spec = roster.get(role)
        for listed in spec.components if spec else ():
            phrase = _words(listed)
            if phrase and re.search(rf"\b{re.escape(phrase)}(?:s|es)?\b", wanted):
                score = (phrase == wanted, len(phrase), -rank)
                if best is None or score > best:
                    best, owner = score, role
    return owner


def escalation_ladder(
    owner: RoleType | None, *, policy: OnCallPolicy = ON_CALL_POLICY
) -> tuple[str, ...]:
    """The escalation path: SRE on call, component owner, Infrastructure Architect, human.

    Without a known owner the secondary on call (Systems Administrator) takes that rung,
    as in ``incident_holder``.

    Raises:
        ValueError: ``owner`` is not a specialist.
    """
    _check_owner(owner)
    return (policy.primary, owner or policy.secondary, "infrastructure-architect", HUMAN)


def minutes_open(opened_at: datetime, at: datetime) -> float:
    """Whole-run arithmetic for the ladder: minutes from ``opened_at`` to ``at`` (both aware).

    Raises:
        ValueError: a time has no timezone, or ``opened_at`` is after ``at``.
    """
    for name, value in (("opened_at", opened_at), ("at", at)):
        if value.tzinfo is None or value.utcoffset() is None:
            msg = f"`{name}` must be timezone-aware, e.g. 2026-03-01T12:00:00Z"
            raise ValueError(msg)
    minutes = (at - opened_at).total_seconds() / 60
    if minutes < 0:
        msg = (
            f"the incident's start `{opened_at.isoformat()}` is after `{at.isoformat()}`; "
            "give the time the incident began"
        )
        raise ValueError(msg)
    return minutes


def rung_after_triage(
    minutes_since_open: float | None,
    owner: RoleType | None,
    *,
    policy: OnCallPolicy = ON_CALL_POLICY,
) -> RoleType:
    """Who takes an incident the on-call SRE's triage did not resolve, by its age.

    The team's ladder runs SRE -> component owner -> Infrastructure Architect -> human
    (``escalation_ladder``); the 15/30/60-minute tiers say which rung holds the incident
    at its age (``incident_holder``). A run walks the rungs in seconds, so the age when the
    team receives the incident picks where escalation starts: from minute 60 the
    component owner's span is over and the architect takes it; before that the component
    owner does (the secondary on call when no owner is known, as in ``incident_holder``;
    the secondary's own 15-30 span is not a separate rung, so the owner is never skipped).
    ``None`` (start time not given) is treated as a fresh incident.
    """
    owner_rung = owner or policy.secondary
    if minutes_since_open is None:
        return owner_rung
    holder = incident_holder(minutes_since_open, owner, policy=policy)
    return "infrastructure-architect" if holder == "infrastructure-architect" else owner_rung
