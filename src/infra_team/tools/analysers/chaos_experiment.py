"""A chaos experiment plan: hypothesis, blast radius, error-budget cost and abort conditions.

Method of the Principles of Chaos Engineering (https://principlesofchaos.org): state a
steady state as a measurable output, hypothesise it holds under the fault, inject the fault
on the smallest blast radius, and stop when it does not hold. Cost and abort thresholds use
the error budget of the Google SRE workbook (ch. 2 "Implementing SLOs", ch. 5 "Alerting on
SLOs": a 30-day budget, and 14.4 x the budget rate as the fast-burn page threshold).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import Args, Label, render

WINDOW_MINUTES = 30 * 24 * 60
FAST_BURN = 14.4


class ChaosExperimentArgs(Args):
    """Arguments of ``chaos_experiment``."""

    service: Label
    hypothesis: Label = Field(description="Steady state expected to hold, e.g. 'p99 < 300 ms'.")
    fault: Label = Field(description="What is injected, e.g. 'kill one api pod'.")
    fleet_size: int = Field(ge=1, le=1_000_000, description="Instances serving traffic.")
    blast_percent: float = Field(gt=0, le=100, description="Share of the fleet faulted.")
    duration_minutes: float = Field(gt=0, le=1440)
    slo_percent: float = Field(gt=0, lt=100)
    budget_remaining_percent: float = Field(ge=0, le=100, description="Of the 30-day budget.")


class ChaosExperiment(BaseModel):
    """The plan, with the figures computed from the arguments."""

    affected_instances: int
    affected_share_percent: float
    worst_case_budget_percent: float
    """Budget spent if every request to the affected instances fails for the whole run."""
    abort_error_rate_percent: float
    """Abort when the service-wide error rate exceeds this."""
    go: bool
    reasons: list[str]
    markdown: str
    summary: str


def plan_chaos_experiment(args: ChaosExperimentArgs) -> ChaosExperiment:
    """Blast radius = ceil(fleet x share); worst case = that share of requests failing for
    the whole run, as a share of the 30-day budget; abort at the lower of the fast-burn rate
    and the rate that would spend the remaining budget before the run ends."""
    affected = max(1, math.ceil(args.fleet_size * args.blast_percent / 100))
    share = affected / args.fleet_size
    budget_fraction = 1 - args.slo_percent / 100
    budget_minutes = budget_fraction * WINDOW_MINUTES
    worst = share * args.duration_minutes / budget_minutes * 100
    remaining_minutes = args.budget_remaining_percent / 100 * budget_minutes
    spend_rate = remaining_minutes / args.duration_minutes  # error fraction that spends it all
    abort = min(FAST_BURN * budget_fraction, spend_rate, 1.0) * 100
    reasons = []
    if args.budget_remaining_percent <= 0:
        reasons.append("the error budget is exhausted: no experiment until it recovers")
    elif worst > args.budget_remaining_percent:
        reasons.append(
            f"the worst case spends {worst:.1f} % of the budget, more than the "
            f"{args.budget_remaining_percent:g} % left: shrink the blast radius or the duration"
        )
    if affected == args.fleet_size:
        reasons.append("the whole fleet is faulted: no healthy instance to compare against")
    go = not reasons
    markdown = render(
        "chaos_experiment.md.j2",
        a=args,
        affected=affected,
        share=share * 100,
        worst=worst,
        abort=abort,
        fast_burn=FAST_BURN * budget_fraction * 100,
        go=go,
        reasons=reasons,
    )
    verdict = "go" if go else "no go"
    return ChaosExperiment(
        affected_instances=affected,
        affected_share_percent=round(share * 100, 4),
        worst_case_budget_percent=round(worst, 4),
        abort_error_rate_percent=round(abort, 4),
        go=go,
        reasons=reasons,
        markdown=markdown,
        summary=(
            f"{affected}/{args.fleet_size} instances for {args.duration_minutes:g} min: worst case "
            f"{worst:.1f} % of the error budget ({args.budget_remaining_percent:g} % left); abort "
            f"above {abort:.3g} % errors; {verdict}."
        ),
    )
