"""Patch rollout plan: canary first, then waves, each with a soak, inside a UTC window, and
the remediation deadline for the severity.

NIST SP 800-40 Rev. 4, "Guide to Enterprise Patch Management Planning": deploy to a small
group first, watch, then widen in stages, with a maintenance plan and rollback. Deadlines
from CISA Binding Operational Directive 19-02: critical vulnerabilities remediated within
15 days of detection, high within 30 (medium 90 and low 180 are common policy, not BOD).
"""

from __future__ import annotations

import math
from datetime import UTC, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from infra_team.tools.analysers._common import MAX_ROWS, Args, Ident

DEADLINE_DAYS = {"critical": 15, "high": 30, "medium": 90, "low": 180}


class PatchHost(Args):
    name: Ident
    security_updates: int = Field(default=0, ge=0, le=100_000)
    canary: bool = False


class PatchPlanArgs(Args):
    """Arguments of ``patch_plan``."""

    hosts: list[PatchHost] = Field(min_length=1, max_length=MAX_ROWS)
    window_start: AwareDatetime
    window_minutes: float = Field(default=240, gt=0, le=10_080)
    minutes_per_wave: float = Field(default=20, gt=0, le=1440, description="Patch and reboot.")
    soak_minutes: float = Field(default=30, ge=0, le=1440)
    wave_percent: float = Field(default=25, gt=0, le=100)
    severity: Literal["critical", "high", "medium", "low"] = "high"
    detected: AwareDatetime | None = None


class Wave(BaseModel):
    number: int
    start: str
    end: str
    hosts: list[str]


class PatchPlan(BaseModel):
    waves: list[Wave]
    finishes: str
    fits_window: bool
    deadline: str | None
    meets_deadline: bool | None
    summary: str


def _fmt(moment: object) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def plan_patching(args: PatchPlanArgs) -> PatchPlan:
    """Wave 1 = the canaries (or the host with the fewest security updates); the rest, most
    security updates first, in waves of ceil(n x wave_percent); waves run one after another,
    each followed by its soak."""
    canaries = [h for h in args.hosts if h.canary] or [
        min(args.hosts, key=lambda h: (h.security_updates, h.name))
    ]
    rest = sorted(
        (h for h in args.hosts if h not in canaries), key=lambda h: (-h.security_updates, h.name)
    )
    size = max(1, math.ceil(len(args.hosts) * args.wave_percent / 100))
    groups = [canaries] + [rest[i : i + size] for i in range(0, len(rest), size)]
    start = args.window_start.astimezone(UTC)
    waves = []
    cursor = start
    for number, group in enumerate(groups, 1):
        end = cursor + timedelta(minutes=args.minutes_per_wave)
        waves.append(
            Wave(number=number, start=_fmt(cursor), end=_fmt(end), hosts=[h.name for h in group])
        )
        cursor = end + timedelta(minutes=args.soak_minutes)
    finish = cursor - timedelta(minutes=args.soak_minutes)
    fits = finish <= start + timedelta(minutes=args.window_minutes)
    deadline = meets = None
    if args.detected is not None:
        due = args.detected.astimezone(UTC) + timedelta(days=DEADLINE_DAYS[args.severity])
        deadline, meets = _fmt(due), finish <= due
    tail = (
        ""
        if deadline is None
        else f"; {args.severity} deadline {deadline} {'met' if meets else 'MISSED'}"
    )
    return PatchPlan(
        waves=waves,
        finishes=_fmt(finish),
        fits_window=fits,
        deadline=deadline,
        meets_deadline=meets,
        summary=(
            f"{len(args.hosts)} host(s) in {len(waves)} wave(s), done {_fmt(finish)} "
            f"({'within' if fits else 'OUTSIDE'} the window){tail}."
        ),
    )
