"""The infrastructure architect's calculators: capacity, disaster recovery, availability, cost.

Each tool is a thin wrapper over a pure function that computes the answer, so the numbers
can be checked on their own and the model always gets the same result for the same input.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Literal

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, ok
from infra_team.tools._limits import MAX_COUNT
from infra_team.tools.analysers._tool import analyser_tool
from infra_team.tools.analysers.cloud_services import CloudServicesArgs, map_services
from infra_team.tools.analysers.multi_region_plan import MultiRegionPlanArgs, plan_multi_region
from infra_team.tools.analysers.rightsizing import RightsizingArgs, rightsize

CAPACITY_PLAN_DESCRIPTION = (
    "Project a peak load with compound monthly growth and size capacity for a target "
    "utilisation, with an N+2 unit count when a per-unit capacity is given."
)
DR_STRATEGY_DESCRIPTION = (
    "Choose the cheapest AWS disaster-recovery strategy (backup & restore, pilot light, warm "
    "standby, multi-site active/active) that meets an RPO and RTO given in minutes."
)
AVAILABILITY_BUDGET_DESCRIPTION = (
    "Turn an availability SLO in percent into allowed downtime per day, week, 30-day month "
    "and 365-day year."
)
COST_TREND_DESCRIPTION = (
    "Compute the year-over-year change of monthly cloud spend (oldest month first) and check "
    "it against the team's -10 % YoY cost target."
)

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_ROUND = 4
_MAX_PROJECTION_MONTHS = 120
MAX_HORIZON_MONTHS = 1200
"""Longest planning horizon accepted: 100 years; compounding past it only overflows."""
MAX_QUANTITY = float(MAX_COUNT)
"""Largest peak or unit capacity accepted, in any unit."""
MAX_OBJECTIVE_MINUTES = 5_256_000
"""Longest RPO or RTO accepted: ten years, in minutes."""


# --- capacity_plan -------------------------------------------------------------------------


class UnitPlan(BaseModel):
    """How many units of a fixed size cover the projected peak with N+2 redundancy."""

    model_config = _FROZEN

    unit_capacity: float
    """Load one unit serves at 100 % utilisation, in the unit of ``peak``."""
    n: int
    """Units needed to serve the projected peak at the target utilisation."""
    n_plus_2: int
    """``n`` plus one unit in planned maintenance plus one unexpected failure."""
    utilization_all_units: float
    """Projected peak / capacity of all ``n_plus_2`` units, as a fraction."""
    utilization_two_units_down: float
    """Projected peak / capacity of ``n`` units (two units out), as a fraction."""


class CapacityPlan(BaseModel):
    """Projected peak, capacity to provision and the headroom it leaves."""

    model_config = _FROZEN

    peak: float
    """Current peak load."""
    growth_rate: float
    """Growth per month as a fraction (0.05 is 5 % a month)."""
    months: int
    """Planning horizon in months."""
    target_utilization: float
    """Highest acceptable utilisation at the projected peak, as a fraction."""
    growth_factor: float
    """``(1 + growth_rate) ** months``."""
    projected_peak: float
    """Peak load expected at the end of the horizon."""
    needed_capacity: float
    """Capacity that keeps the projected peak at the target utilisation."""
    headroom: float
    """``needed_capacity - projected_peak``: spare capacity at the projected peak."""
    headroom_percent: float
    """Headroom as a percentage of the projected peak."""
    monthly_peaks: list[float]
    """Projected peak for month 0 (today) to the horizon (shown up to 120 months)."""
    units: UnitPlan | None
    """Unit count with N+2 redundancy, when a per-unit capacity was given."""


def plan_capacity(
    peak: float,
    growth_rate: float,
    months: int,
    target_utilization: float,
    *,
    unit_capacity: float | None = None,
) -> CapacityPlan:
    """Size capacity for a peak that grows by a fixed fraction every month.

    The projection compounds monthly: ``projected = peak * (1 + growth_rate) ** months``,
    where ``growth_rate`` is a fraction per month (0.05 means 5 % a month; a negative value
    models decline). Capacity to provision is ``projected / target_utilization`` so the peak
    runs at the target utilisation, not at 100 %. With ``unit_capacity`` the result adds the
    N+2 rule of Google's SRE book (ch. 18 "Software Engineering in SRE", the Auxon case study
    of intent-based capacity planning, and ch. 2): N units carry the peak, one more may be
    down for planned maintenance and one more may fail unexpectedly, and the peak is still
    served at the target utilisation.

    Raises:
        ToolInputError: when a fraction was given as a percentage or a value is out of range.
    """
    if peak < 0:
        msg = f"`peak` must be zero or more; got {peak}."
        raise ToolInputError(msg)
    if not -1 < growth_rate <= 1:
        msg = (
            f"`growth_rate` is a fraction per month (0.05 = 5 % a month) between -1 and 1; "
            f"got {growth_rate}. Pass {growth_rate / 100:g} if you meant {growth_rate:g} %."
        )
        raise ToolInputError(msg)
    if not 0 <= months <= MAX_HORIZON_MONTHS:
        msg = f"`months` must be from 0 to {MAX_HORIZON_MONTHS} (100 years); got {months}."
        raise ToolInputError(msg)
    if not 0 < target_utilization <= 1:
        hint = (
            f" Pass {target_utilization / 100:g} if you meant {target_utilization:g} %."
            if 1 < target_utilization <= 100
            else ""
        )
        msg = (
            f"`target_utilization` is a fraction in (0, 1] (0.7 = 70 %); "
            f"got {target_utilization}.{hint}"
        )
        raise ToolInputError(msg)
    if unit_capacity is not None and unit_capacity <= 0:
        msg = f"`unit_capacity` must be greater than zero; got {unit_capacity}."
        raise ToolInputError(msg)

    try:
        factor = float(1 + growth_rate) ** months
    except OverflowError:
        factor = math.inf
    projected = peak * factor
    needed = projected / target_utilization
    if not math.isfinite(needed):
        msg = (
            f"{growth_rate * 100:g} % a month for {months} months grows the peak beyond any "
            "number this plan can show; use a shorter horizon or a lower growth rate."
        )
        raise ToolInputError(msg)
    headroom = needed - projected
    shown = min(months, _MAX_PROJECTION_MONTHS)
    monthly = [round(peak * (1 + growth_rate) ** m, _ROUND) for m in range(shown + 1)]
    units = _unit_plan(projected, needed, unit_capacity) if unit_capacity else None
    return CapacityPlan(
        peak=peak,
        growth_rate=growth_rate,
        months=months,
        target_utilization=target_utilization,
        growth_factor=round(factor, 6),
        projected_peak=round(projected, _ROUND),
        needed_capacity=round(needed, _ROUND),
        headroom=round(headroom, _ROUND),
        headroom_percent=round((1 / target_utilization - 1) * 100, 2),
        monthly_peaks=monthly,
        units=units,
    )


def _unit_plan(projected: float, needed: float, unit_capacity: float) -> UnitPlan:
    # A tiny tolerance keeps 10.000000000002 units from becoming 11.
    n = max(1, math.ceil(needed / unit_capacity - 1e-9))
    return UnitPlan(
        unit_capacity=unit_capacity,
        n=n,
        n_plus_2=n + 2,
        utilization_all_units=round(projected / ((n + 2) * unit_capacity), _ROUND),
        utilization_two_units_down=round(projected / (n * unit_capacity), _ROUND),
    )


class CapacityPlanArgs(BaseModel):
    """Arguments of ``capacity_plan``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    peak: float = Field(
        ge=0, le=MAX_QUANTITY, description="Current peak load (requests/s, GB, cores ...)."
    )
    growth_rate: float = Field(
        ge=-100,
        le=100,
        description="Growth per month as a fraction: 0.05 means 5 % a month (compounded).",
    )
    months: int = Field(ge=0, le=MAX_HORIZON_MONTHS, description="Planning horizon in months.")
    target_utilization: float = Field(
        gt=0,
        le=100,
        description="Highest acceptable utilisation at peak, as a fraction (0.7 = 70 %).",
    )
    unit_capacity: float | None = Field(
        default=None,
        gt=0,
        le=MAX_QUANTITY,
        description="Load one server/instance handles at 100 %, same unit as peak; "
        "adds an N+2 unit count.",
    )


@infra_tool(
    name="capacity_plan",
    description=CAPACITY_PLAN_DESCRIPTION,
    args_schema=CapacityPlanArgs,
)
def capacity_plan(
    *,
    peak: float,
    growth_rate: float,
    months: int,
    target_utilization: float,
    unit_capacity: float | None,
) -> ToolResult:
    """Compound-growth capacity plan with N+2 (Google SRE book ch. 18)."""
    plan = plan_capacity(peak, growth_rate, months, target_utilization, unit_capacity=unit_capacity)
    summary = (
        f"Peak {plan.peak:g} growing {growth_rate * 100:g} %/month for {months} months "
        f"reaches {plan.projected_peak:g}; provision {plan.needed_capacity:g} to stay at "
        f"{target_utilization * 100:g} % utilisation (headroom {plan.headroom:g})."
    )
    if plan.units is not None:
        summary += f" N={plan.units.n}, N+2={plan.units.n_plus_2} units."
    return ok("capacity_plan", summary, plan.model_dump(mode="json"))


# --- dr_strategy ---------------------------------------------------------------------------

DrStrategyName = Literal[
    "backup_and_restore", "pilot_light", "warm_standby", "multi_site_active_active"
]


class DrTier(BaseModel):
    """One strategy of the AWS DR whitepaper and the objectives it can meet."""

    model_config = _FROZEN

    strategy: DrStrategyName
    """Strategy key."""
    label: str
    """Name used in the whitepaper."""
    achievable: str
    """RPO/RTO range the whitepaper gives for the strategy."""
    min_objective_minutes: float
    """Smallest RPO or RTO (minutes) the strategy is taken to meet."""
    relative_cost: int
    """1 (cheapest) to 4 (most expensive)."""


DR_TIERS: tuple[DrTier, ...] = (
    DrTier(
        strategy="backup_and_restore",
        label="Backup & restore",
        achievable="RPO/RTO: hours",
        min_objective_minutes=60,
        relative_cost=1,
    ),
    DrTier(
        strategy="pilot_light",
        label="Pilot light",
        achievable="RPO/RTO: tens of minutes",
        min_objective_minutes=10,
        relative_cost=2,
    ),
    DrTier(
        strategy="warm_standby",
        label="Warm standby",
        achievable="RPO/RTO: minutes",
        min_objective_minutes=1,
        relative_cost=3,
    ),
    DrTier(
        strategy="multi_site_active_active",
        label="Multi-site active/active",
        achievable="RPO/RTO: near zero (real time)",
        min_objective_minutes=0,
        relative_cost=4,
    ),
)


class DrRecommendation(BaseModel):
    """The strategy to build and why."""

    model_config = _FROZEN

    rpo_minutes: float
    """Maximum acceptable data loss, in minutes."""
    rto_minutes: float
    """Maximum acceptable time to restore service, in minutes."""
    strategy: DrStrategyName
    """Cheapest strategy meeting both objectives."""
    label: str
    """Whitepaper name of the strategy."""
    driver: Literal["rpo", "rto", "both"]
    """Which objective forced the choice."""
    rpo_strategy: DrStrategyName
    """Cheapest strategy that meets the RPO alone."""
    rto_strategy: DrStrategyName
    """Cheapest strategy that meets the RTO alone."""
    reason: str
    """One paragraph a person can read."""
    tiers: list[DrTier]
    """The four strategies with the thresholds used."""


def _tier_for(objective_minutes: float) -> DrTier:
    for tier in DR_TIERS:
        if objective_minutes >= tier.min_objective_minutes:
            return tier
    return DR_TIERS[-1]


def recommend_dr_strategy(rpo_minutes: float, rto_minutes: float) -> DrRecommendation:
    """Pick the cheapest disaster-recovery strategy whose RPO and RTO meet the objectives.

    Tiers follow the AWS whitepaper "Disaster Recovery of Workloads on AWS: Recovery in the
    Cloud" (figure "Disaster recovery strategies"): backup & restore gives RPO/RTO in hours,
    pilot light in tens of minutes, warm standby in minutes, multi-site active/active near
    zero. Thresholds used: an objective of 60 minutes or more is met by backup & restore,
    10 to 59 minutes needs pilot light, 1 to 9 minutes warm standby, under a minute
    multi-site active/active. Each objective maps to a tier and the stricter tier wins.

    Raises:
        ToolInputError: when an objective is negative.
    """
    for name, value in (("rpo_minutes", rpo_minutes), ("rto_minutes", rto_minutes)):
        if value < 0 or math.isnan(value):
            msg = f"`{name}` must be zero or more minutes; got {value}."
            raise ToolInputError(msg)
    rpo_tier = _tier_for(rpo_minutes)
    rto_tier = _tier_for(rto_minutes)
    chosen = max(rpo_tier, rto_tier, key=lambda tier: tier.relative_cost)
    if rpo_tier.relative_cost == rto_tier.relative_cost:
        driver: Literal["rpo", "rto", "both"] = "both"
    elif chosen is rpo_tier:
        driver = "rpo"
    else:
        driver = "rto"
    reason = _dr_reason(rpo_minutes, rto_minutes, rpo_tier, rto_tier, chosen, driver)
    return DrRecommendation(
        rpo_minutes=rpo_minutes,
        rto_minutes=rto_minutes,
        strategy=chosen.strategy,
        label=chosen.label,
        driver=driver,
        rpo_strategy=rpo_tier.strategy,
        rto_strategy=rto_tier.strategy,
        reason=reason,
        tiers=list(DR_TIERS),
    )


def _dr_reason(
    rpo: float,
    rto: float,
    rpo_tier: DrTier,
    rto_tier: DrTier,
    chosen: DrTier,
    driver: str,
) -> str:
    head = (
        f"RPO {rpo:g} min fits {rpo_tier.label.lower()} ({rpo_tier.achievable}); "
        f"RTO {rto:g} min fits {rto_tier.label.lower()} ({rto_tier.achievable})."
    )
    if driver == "both":
        why = (
            f" Both objectives lead to {chosen.label.lower()}, the cheapest strategy meeting them."
        )
    else:
        why = (
            f" The stricter {driver.upper()} decides: {chosen.label.lower()} is the cheapest "
            "strategy meeting both objectives."
        )
    cheaper = [tier.label.lower() for tier in DR_TIERS if tier.relative_cost < chosen.relative_cost]
    ruled_out = f" Ruled out as too slow: {', '.join(cheaper)}." if cheaper else ""
    return head + why + ruled_out


class DrStrategyArgs(BaseModel):
    """Arguments of ``dr_strategy``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    rpo_minutes: float = Field(
        ge=0,
        le=MAX_OBJECTIVE_MINUTES,
        description="Recovery point objective: data loss allowed, minutes.",
    )
    rto_minutes: float = Field(
        ge=0,
        le=MAX_OBJECTIVE_MINUTES,
        description="Recovery time objective: downtime allowed, minutes.",
    )


@infra_tool(name="dr_strategy", description=DR_STRATEGY_DESCRIPTION, args_schema=DrStrategyArgs)
def dr_strategy(*, rpo_minutes: float, rto_minutes: float) -> ToolResult:
    """DR strategy for an RPO/RTO (AWS whitepaper "Disaster Recovery of Workloads on AWS")."""
    rec = recommend_dr_strategy(rpo_minutes, rto_minutes)
    return ok("dr_strategy", f"{rec.label}: {rec.reason}", rec.model_dump(mode="json"))


# --- availability_budget -------------------------------------------------------------------

_WINDOWS_MINUTES: dict[str, int] = {
    "day": 24 * 60,
    "week": 7 * 24 * 60,
    "month_30d": 30 * 24 * 60,
    "year_365d": 365 * 24 * 60,
}


class DowntimeWindow(BaseModel):
    """Allowed downtime in one window."""

    model_config = _FROZEN

    window: str
    """``day``, ``week``, ``month_30d`` or ``year_365d``."""
    window_minutes: int
    """Length of the window in minutes."""
    seconds: float
    """Allowed downtime in seconds."""
    minutes: float
    """Allowed downtime in minutes."""
    hours: float
    """Allowed downtime in hours."""
    human: str
    """Allowed downtime as ``1d 2h 3m 4.5s``."""


class AvailabilityBudget(BaseModel):
    """Downtime an availability SLO allows."""

    model_config = _FROZEN

    slo_percent: float
    """The SLO, in percent."""
    error_budget_fraction: float
    """``1 - slo_percent / 100``."""
    nines: float | None
    """``-log10(error budget)``: 3.0 for 99.9 %; null for 100 %."""
    convention: str
    """How the windows are counted."""
    windows: list[DowntimeWindow]
    """Allowed downtime per day, week, 30-day month and 365-day year."""


def _human_duration(seconds: float) -> str:
    if seconds == 0:
        return "0s"
    parts: list[str] = []
    remaining = seconds
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        count = int(remaining // size)
        if count:
            parts.append(f"{count}{unit}")
            remaining -= count * size
    remaining = round(remaining, 2)
    if remaining:
        parts.append(f"{remaining:g}s")
    return " ".join(parts)


def compute_availability_budget(slo_percent: float) -> AvailabilityBudget:
    """Allowed downtime for an availability SLO.

    The error budget is ``1 - SLO`` (Google SRE book ch. 3 "Embracing Risk"; SRE Workbook
    ch. 2 "Implementing SLOs"). Windows are fixed lengths: a day of 1,440 minutes, a week of
    7 days, a month of 30 days and a year of 365 days, so 99.9 % allows 43.2 minutes a month
    and 8.76 hours a year. Decimal arithmetic keeps 99.9 from turning into 43.200000000004.

    Raises:
        ToolInputError: when the SLO is not a percentage in (0, 100], or is 1 or less
            (a fraction passed by mistake).
    """
    if math.isnan(slo_percent) or not 0 < slo_percent <= 100:
        msg = f"`slo_percent` must be a percentage in (0, 100], e.g. 99.9; got {slo_percent}."
        raise ToolInputError(msg)
    if slo_percent <= 1:
        msg = (
            f"`slo_percent` is a percentage (99.9 means 99.9 %); got {slo_percent}, which looks "
            f"like a fraction. Pass {slo_percent * 100:g} if you meant {slo_percent * 100:g} %."
        )
        raise ToolInputError(msg)
    budget = 1 - Decimal(str(slo_percent)) / 100
    windows = []
    for name, minutes in _WINDOWS_MINUTES.items():
        allowed_seconds = budget * minutes * 60
        windows.append(
            DowntimeWindow(
                window=name,
                window_minutes=minutes,
                seconds=round(float(allowed_seconds), 3),
                minutes=round(float(allowed_seconds / 60), 4),
                hours=round(float(allowed_seconds / 3600), 4),
                human=_human_duration(float(allowed_seconds)),
            )
        )
    nines = None if budget == 0 else round(-math.log10(float(budget)), 4)
    return AvailabilityBudget(
        slo_percent=slo_percent,
        error_budget_fraction=float(budget),
        nines=nines,
        convention="day = 24 h, week = 7 days, month = 30 days, year = 365 days",
        windows=windows,
    )


class AvailabilityBudgetArgs(BaseModel):
    """Arguments of ``availability_budget``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    slo_percent: float = Field(gt=0, le=100, description="Availability SLO in percent, e.g. 99.9.")


@infra_tool(
    name="availability_budget",
    description=AVAILABILITY_BUDGET_DESCRIPTION,
    args_schema=AvailabilityBudgetArgs,
)
def availability_budget(*, slo_percent: float) -> ToolResult:
    """Allowed downtime for an SLO (Google SRE book ch. 3, error budgets)."""
    budget = compute_availability_budget(slo_percent)
    by_name = {window.window: window for window in budget.windows}
    summary = (
        f"{slo_percent:g} % allows {by_name['month_30d'].human} per 30-day month, "
        f"{by_name['year_365d'].human} per 365-day year, {by_name['week'].human} per week and "
        f"{by_name['day'].human} per day."
    )
    return ok("availability_budget", summary, budget.model_dump(mode="json"))


# --- cost_trend ----------------------------------------------------------------------------

COST_TARGET_PERCENT = -10.0


class CostTrend(BaseModel):
    """Year-over-year change of spend against the cost target."""

    model_config = _FROZEN

    method: Literal["trailing_12_months", "same_month_last_year"]
    """``trailing_12_months``: sum of the last 12 months vs the 12 before (24+ values);
    ``same_month_last_year``: last month vs the month 12 earlier (13 to 23 values)."""
    months_given: int
    """Number of monthly values received."""
    current: float
    """Spend of the current period."""
    previous: float
    """Spend of the same period a year earlier."""
    change: float
    """``current - previous``."""
    change_percent: float
    """Change relative to the previous period, in percent."""
    target_percent: float
    """The YoY target (negative: spend must fall)."""
    meets_target: bool
    """Whether ``change_percent <= target_percent``."""
    target_spend: float
    """Highest current spend that meets the target."""
    savings_needed: float
    """How much the current period is above ``target_spend`` (0 when met)."""


def compute_cost_trend(
    monthly_costs: list[float], *, target_percent: float = COST_TARGET_PERCENT
) -> CostTrend:
    """Year-over-year change of monthly spend, oldest month first.

    With 24 or more values the last 12 months are summed and compared with the 12 months
    before them (a trailing-twelve-months comparison, which smooths seasonality). With 13 to
    23 values the last month is compared with the same month a year earlier. The target is
    the team's "Cost Efficiency: -10 % YoY" KPI (Metrics & KPIs of the team specification);
    it is met when the change is at or below the target.

    Raises:
        ToolInputError: with fewer than 13 values, a negative cost, or a zero base period.
    """
    count = len(monthly_costs)
    if count < 13:
        msg = (
            f"`monthly_costs` needs at least 13 monthly values, oldest first (24+ for a "
            f"trailing-12-month comparison); got {count}."
        )
        raise ToolInputError(msg)
    bad = [(i, cost) for i, cost in enumerate(monthly_costs) if cost < 0 or math.isnan(cost)]
    if bad:
        index, cost = bad[0]
        msg = f"`monthly_costs[{index}]` is {cost}; costs must be zero or more."
        raise ToolInputError(msg)
    if count >= 24:
        method: Literal["trailing_12_months", "same_month_last_year"] = "trailing_12_months"
        current = math.fsum(monthly_costs[-12:])
        previous = math.fsum(monthly_costs[-24:-12])
    else:
        method = "same_month_last_year"
        current = monthly_costs[-1]
        previous = monthly_costs[-13]
    if previous == 0:
        msg = "the spend a year earlier is 0, so a percentage change is undefined."
        raise ToolInputError(msg)
    change_percent = (current - previous) / previous * 100
    target_spend = previous * (1 + target_percent / 100)
    return CostTrend(
        method=method,
        months_given=count,
        current=round(current, 2),
        previous=round(previous, 2),
        change=round(current - previous, 2),
        change_percent=round(change_percent, 2),
        target_percent=target_percent,
        meets_target=change_percent <= target_percent + 1e-9,
        target_spend=round(target_spend, 2),
        savings_needed=round(max(0.0, current - target_spend), 2),
    )


class CostTrendArgs(BaseModel):
    """Arguments of ``cost_trend``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    monthly_costs: list[Annotated[float, Field(le=MAX_COUNT)]] = Field(
        max_length=MAX_HORIZON_MONTHS,
        description="Monthly spend, oldest month first; 24+ values compare the last 12 months "
        "with the 12 before, 13-23 compare the last month with the same month a year earlier.",
    )


@infra_tool(name="cost_trend", description=COST_TREND_DESCRIPTION, args_schema=CostTrendArgs)
def cost_trend(*, monthly_costs: list[float]) -> ToolResult:
    """YoY spend change against the -10 % YoY target of the team's KPIs."""
    trend = compute_cost_trend(monthly_costs)
    verdict = "meets" if trend.meets_target else "misses"
    period = "last 12 months" if trend.method == "trailing_12_months" else "last month"
    summary = (
        f"Spend over the {period} changed {trend.change_percent:+g} % year over year "
        f"({trend.previous:g} -> {trend.current:g}); {verdict} the {trend.target_percent:g} % "
        "target" + (f", {trend.savings_needed:g} above it." if not trend.meets_target else ".")
    )
    return ok("cost_trend", summary, trend.model_dump(mode="json"))


# --------------------------------------------------------------------------- capabilities

CLOUD_SERVICES_DESCRIPTION = (
    "AWS, GCP and Azure service for each design component (vm, postgres, l7_lb, dns, ...)."
)
cloud_services = analyser_tool(
    "cloud_services", CLOUD_SERVICES_DESCRIPTION, CloudServicesArgs, map_services
)

MULTI_REGION_PLAN_DESCRIPTION = (
    "Multi-region or hybrid design: availability, RPO, RTO, sync write latency, capacity per site."
)
multi_region_plan = analyser_tool(
    "multi_region_plan", MULTI_REGION_PLAN_DESCRIPTION, MultiRegionPlanArgs, plan_multi_region
)

RIGHTSIZING_DESCRIPTION = (
    "Right-size instances from p95 CPU/memory (percent) to a target; monthly saving."
)
rightsizing = analyser_tool("rightsizing", RIGHTSIZING_DESCRIPTION, RightsizingArgs, rightsize)


TOOLS: tuple[BaseTool, ...] = (
    capacity_plan,
    dr_strategy,
    availability_budget,
    cost_trend,
    cloud_services,
    multi_region_plan,
    rightsizing,
)
