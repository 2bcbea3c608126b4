"""Toil inventory: hours of manual, repetitive work per month, and what automating each saves.

Google SRE book, ch. 5 "Eliminating Toil": toil is manual, repetitive, automatable work that
scales with the service; an SRE team keeps it under 50 % of its time. A task is worth
automating when the hours it costs over a year exceed the hours to automate it (payback
under 12 months).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import MAX_ROWS, Args, Label, render

TOIL_CAP_PERCENT = 50.0
HORIZON_MONTHS = 12


class ToilTask(Args):
    """One recurring manual task."""

    name: Label
    minutes: float = Field(gt=0, le=10_000, description="Minutes each time.")
    per_month: float = Field(ge=0, le=100_000, description="Times per month.")
    automate_hours: float = Field(ge=0, le=100_000, description="Hours to automate it.")


class ToilInventoryArgs(Args):
    """Arguments of ``toil_inventory``."""

    tasks: list[ToilTask] = Field(min_length=1, max_length=MAX_ROWS)
    team_hours: float | None = Field(
        default=None, gt=0, le=10**7, description="Team hours per month."
    )


class ToilRow(BaseModel):
    name: str
    hours_per_month: float
    payback_months: float | None
    """None when the task costs no time (nothing to pay back)."""
    saved_hours_12m: float
    """Hours saved over 12 months net of the automation effort (negative: not worth it)."""
    automate: bool


class ToilInventory(BaseModel):
    rows: list[ToilRow]
    """Ranked: quickest payback first."""
    total_hours_per_month: float
    saved_hours_12m: float
    """Sum over the tasks worth automating."""
    toil_percent: float | None
    over_cap: bool | None
    markdown: str
    summary: str


def inventory_toil(args: ToilInventoryArgs) -> ToilInventory:
    """Hours/month = minutes x times / 60; payback = automation hours / hours per month;
    net saving over 12 months = 12 x hours per month - automation hours."""
    rows = []
    for task in args.tasks:
        hours = task.minutes * task.per_month / 60
        payback = task.automate_hours / hours if hours > 0 else None
        saved = HORIZON_MONTHS * hours - task.automate_hours
        rows.append(
            ToilRow(
                name=task.name,
                hours_per_month=round(hours, 2),
                payback_months=None if payback is None else round(payback, 2),
                saved_hours_12m=round(saved, 2),
                automate=payback is not None and payback <= HORIZON_MONTHS,
            )
        )
    rows.sort(key=lambda r: (r.payback_months is None, r.payback_months or 0.0))
    total = sum(r.hours_per_month for r in rows)
    saved = sum(r.saved_hours_12m for r in rows if r.automate)
    percent = None if args.team_hours is None else total / args.team_hours * 100
    over = None if percent is None else percent > TOIL_CAP_PERCENT
    markdown = render(
        "toil_inventory.md.j2",
        rows=rows,
        total=total,
        saved=saved,
        percent=percent,
        cap=TOIL_CAP_PERCENT,
    )
    share = "" if percent is None else f", {percent:.0f} % of team time (cap 50 %)"
    worth = sum(r.automate for r in rows)
    return ToilInventory(
        rows=rows,
        total_hours_per_month=round(total, 2),
        saved_hours_12m=round(saved, 2),
        toil_percent=None if percent is None else round(percent, 2),
        over_cap=over,
        markdown=markdown,
        summary=(
            f"{total:.1f} h/month of toil{share}; automating {worth} of {len(rows)} task(s) "
            f"saves {saved:.0f} h over 12 months."
        ),
    )
