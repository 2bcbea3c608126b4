"""Known answers for the architect's calculators, directly and through the tool wrapper."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.tools import BaseTool

from infra_team.tools._base import ToolInputError, ToolResult, parse_tool_output
from infra_team.tools.infrastructure_architect import (
    AVAILABILITY_BUDGET_DESCRIPTION,
    CAPACITY_PLAN_DESCRIPTION,
    COST_TREND_DESCRIPTION,
    DR_STRATEGY_DESCRIPTION,
    TOOLS,
    availability_budget,
    capacity_plan,
    compute_availability_budget,
    compute_cost_trend,
    cost_trend,
    dr_strategy,
    plan_capacity,
    recommend_dr_strategy,
)
from tests.test_agent_files import MODULE_TOOLS


def call(tool: BaseTool, args: dict[str, Any]) -> ToolResult:
    return parse_tool_output(tool.invoke(args))


def test_tools_tuple_names_and_descriptions() -> None:
    assert [tool.name for tool in TOOLS] == list(MODULE_TOOLS["infrastructure_architect"])
    assert [tool.description for tool in TOOLS[:4]] == [
        CAPACITY_PLAN_DESCRIPTION,
        DR_STRATEGY_DESCRIPTION,
        AVAILABILITY_BUDGET_DESCRIPTION,
        COST_TREND_DESCRIPTION,
    ]
    assert all("\n" not in tool.description for tool in TOOLS)
    assert all(not (tool.metadata or {}).get("writes") for tool in TOOLS)


# --- capacity_plan ---------------------------------------------------------------------------


def test_capacity_plan_compounds_monthly_and_sizes_for_target_utilisation() -> None:
    plan = plan_capacity(1000, 0.05, 12, 0.7)
    # 1000 * 1.05 ** 12 = 1795.856326...
    assert plan.projected_peak == pytest.approx(1795.8563, abs=1e-4)
    assert plan.needed_capacity == pytest.approx(1795.856326 / 0.7, abs=1e-3)
    assert plan.headroom == pytest.approx(2565.5090 - 1795.8563, abs=1e-3)
    assert plan.headroom_percent == pytest.approx(42.86)
    assert plan.monthly_peaks[:3] == [1000.0, 1050.0, 1102.5]
    assert len(plan.monthly_peaks) == 13
    assert plan.units is None


def test_capacity_plan_n_plus_two_units() -> None:
    plan = plan_capacity(1000, 0.05, 12, 0.7, unit_capacity=200)
    assert plan.units is not None
    # 2565.509 / 200 = 12.83 -> 13 units carry the peak at 70 %; N+2 = 15.
    assert (plan.units.n, plan.units.n_plus_2) == (13, 15)
    assert plan.units.utilization_two_units_down == pytest.approx(1795.8563 / 2600, abs=1e-4)
    assert plan.units.utilization_all_units == pytest.approx(1795.8563 / 3000, abs=1e-4)


def test_capacity_plan_exact_unit_fit_does_not_round_up() -> None:
    plan = plan_capacity(700, 0.0, 6, 0.7, unit_capacity=100)
    assert plan.projected_peak == 700
    assert plan.needed_capacity == pytest.approx(1000)
    assert plan.units is not None
    assert (plan.units.n, plan.units.n_plus_2) == (10, 12)


def test_capacity_plan_negative_growth_models_decline() -> None:
    plan = plan_capacity(1000, -0.1, 2, 1.0)
    assert plan.projected_peak == pytest.approx(810.0)
    assert plan.headroom == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"growth_rate": 5}, "Pass 0.05 if you meant 5 %"),
        ({"target_utilization": 70}, "Pass 0.7 if you meant 70 %"),
        ({"target_utilization": 0}, "`target_utilization`: Input should be greater than 0"),
        ({"peak": -1}, "`peak`: Input should be greater than or equal to 0"),
        ({"months": -3}, "`months`: Input should be greater than or equal to 0"),
        ({"unit_capacity": 0}, "`unit_capacity`: Input should be greater than 0"),
    ],
)
def test_capacity_plan_rejects_bad_values(args: dict[str, Any], fragment: str) -> None:
    base = {"peak": 100, "growth_rate": 0.05, "months": 12, "target_utilization": 0.7}
    result = call(capacity_plan, base | args)
    assert result.status == "error"
    assert result.code == "invalid_arguments"
    assert fragment in (result.error or "")


def test_capacity_plan_tool_round_trip() -> None:
    result = call(
        capacity_plan,
        {
            "peak": 1000,
            "growth_rate": 0.05,
            "months": 12,
            "target_utilization": 0.7,
            "unit_capacity": 200,
        },
    )
    assert result.status == "success"
    assert result.data["projected_peak"] == pytest.approx(1795.8563, abs=1e-4)
    assert result.data["units"]["n_plus_2"] == 15
    assert "N=13, N+2=15 units" in result.summary


def test_capacity_plan_wrong_type_is_an_error_result() -> None:
    result = call(
        capacity_plan,
        {"peak": "lots", "growth_rate": 0.05, "months": 12, "target_utilization": 0.7},
    )
    assert result.status == "error"
    assert "`peak`" in (result.error or "")


# --- dr_strategy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rpo", "rto", "strategy", "driver"),
    [
        (240, 480, "backup_and_restore", "both"),
        (60, 60, "backup_and_restore", "both"),
        (240, 15, "pilot_light", "rto"),
        (30, 240, "pilot_light", "rpo"),
        (59, 600, "pilot_light", "rpo"),
        (5, 30, "warm_standby", "rpo"),
        (1, 1, "warm_standby", "both"),
        (0, 30, "multi_site_active_active", "rpo"),
        (0.5, 0.5, "multi_site_active_active", "both"),
    ],
)
def test_dr_strategy_tiers(rpo: float, rto: float, strategy: str, driver: str) -> None:
    rec = recommend_dr_strategy(rpo, rto)
    assert rec.strategy == strategy
    assert rec.driver == driver


def test_dr_strategy_reason_names_the_deciding_objective() -> None:
    rec = recommend_dr_strategy(240, 15)
    assert rec.rpo_strategy == "backup_and_restore"
    assert rec.rto_strategy == "pilot_light"
    assert "The stricter RTO decides" in rec.reason
    assert "Ruled out as too slow: backup & restore." in rec.reason


def test_dr_strategy_tool_and_negative_input() -> None:
    result = call(dr_strategy, {"rpo_minutes": 5, "rto_minutes": 30})
    assert result.status == "success"
    assert result.data["strategy"] == "warm_standby"
    assert [tier["min_objective_minutes"] for tier in result.data["tiers"]] == [60, 10, 1, 0]
    bad = call(dr_strategy, {"rpo_minutes": -1, "rto_minutes": 30})
    assert bad.status == "error"
    assert "`rpo_minutes`: Input should be greater than or equal to 0" in (bad.error or "")


def test_dr_strategy_rejects_missing_argument() -> None:
    result = call(dr_strategy, {"rpo_minutes": 5})
    assert result.status == "error"
    assert "rto_minutes" in (result.error or "")


# --- availability_budget ---------------------------------------------------------------------


def _windows(slo: float) -> dict[str, dict[str, Any]]:
    budget = compute_availability_budget(slo)
    return {w.window: w.model_dump() for w in budget.windows}


def test_availability_budget_three_nines() -> None:
    windows = _windows(99.9)
    assert windows["month_30d"]["minutes"] == 43.2
    assert windows["month_30d"]["human"] == "43m 12s"
    assert windows["year_365d"]["hours"] == 8.76
    assert windows["week"]["minutes"] == 10.08
    assert windows["day"]["seconds"] == 86.4
    assert compute_availability_budget(99.9).nines == 3.0


@pytest.mark.parametrize(
    ("slo", "month_minutes", "year_hours"),
    [(99.0, 432.0, 87.6), (99.5, 216.0, 43.8), (99.95, 21.6, 4.38), (99.99, 4.32, 0.876)],
)
def test_availability_budget_table(slo: float, month_minutes: float, year_hours: float) -> None:
    windows = _windows(slo)
    assert windows["month_30d"]["minutes"] == month_minutes
    assert windows["year_365d"]["hours"] == year_hours


def test_availability_budget_hundred_percent_allows_nothing() -> None:
    budget = compute_availability_budget(100)
    assert budget.nines is None
    assert all(w.seconds == 0 and w.human == "0s" for w in budget.windows)


@pytest.mark.parametrize(
    ("slo", "fragment"),
    [
        (0.999, "looks like a fraction"),
        (100.5, "`slo_percent`: Input should be less than or equal to 100"),
    ],
)
def test_availability_budget_rejects_bad_slo(slo: float, fragment: str) -> None:
    result = call(availability_budget, {"slo_percent": slo})
    assert result.status == "error"
    assert fragment in (result.error or "")
    with pytest.raises(ToolInputError):
        compute_availability_budget(slo)


def test_availability_budget_tool_summary() -> None:
    result = call(availability_budget, {"slo_percent": 99.9})
    assert result.status == "success"
    assert result.summary.startswith("99.9 % allows 43m 12s per 30-day month, 8h 45m 36s")
    assert (
        result.data["convention"] == "day = 24 h, week = 7 days, month = 30 days, year = 365 days"
    )


# --- cost_trend ------------------------------------------------------------------------------


def test_cost_trend_trailing_twelve_months_meets_target() -> None:
    trend = compute_cost_trend([100.0] * 12 + [85.0] * 12)
    assert trend.method == "trailing_12_months"
    assert (trend.previous, trend.current) == (1200.0, 1020.0)
    assert trend.change_percent == -15.0
    assert trend.meets_target is True
    assert trend.target_spend == 1080.0
    assert trend.savings_needed == 0.0


def test_cost_trend_uses_only_the_last_24_months() -> None:
    trend = compute_cost_trend([999.0] * 6 + [100.0] * 12 + [95.0] * 12)
    assert (trend.previous, trend.current) == (1200.0, 1140.0)
    assert trend.change_percent == -5.0
    assert trend.meets_target is False
    assert trend.savings_needed == 60.0


def test_cost_trend_same_month_last_year_with_13_values() -> None:
    costs = [200.0] + [150.0] * 11 + [170.0]
    trend = compute_cost_trend(costs)
    assert trend.method == "same_month_last_year"
    assert (trend.previous, trend.current) == (200.0, 170.0)
    assert trend.change_percent == -15.0
    assert trend.meets_target is True


def test_cost_trend_exactly_on_target_meets_it() -> None:
    trend = compute_cost_trend([100.0] + [0.0] * 11 + [90.0])
    assert trend.change_percent == -10.0
    assert trend.meets_target is True


@pytest.mark.parametrize(
    ("costs", "fragment"),
    [
        ([100.0] * 12, "needs at least 13 monthly values"),
        ([100.0] * 12 + [-5.0], "`monthly_costs[12]` is -5.0"),
        ([0.0] + [10.0] * 12, "a year earlier is 0"),
    ],
)
def test_cost_trend_rejects_bad_series(costs: list[float], fragment: str) -> None:
    result = call(cost_trend, {"monthly_costs": costs})
    assert result.status == "error"
    assert fragment in (result.error or "")


def test_cost_trend_tool_summary_and_wrong_type() -> None:
    result = call(cost_trend, {"monthly_costs": [100.0] * 12 + [95.0] * 12})
    assert result.status == "success"
    assert "changed -5 % year over year" in result.summary
    assert "misses the -10 % target, 60 above it." in result.summary
    wrong = call(cost_trend, {"monthly_costs": "100,95"})
    assert wrong.status == "error"
    assert "`monthly_costs`" in (wrong.error or "")


@pytest.mark.parametrize(
    "args",
    [
        {"months": 1e9},
        {"months": 10**18},
        {"growth_rate": 1.0, "months": 1200, "peak": 1e15},
        {"peak": 1e300},
    ],
)
def test_capacity_plan_huge_inputs_are_argument_errors(args: dict[str, Any]) -> None:
    call = {"peak": 100, "growth_rate": 0.05, "months": 12, "target_utilization": 0.7, **args}
    result = parse_tool_output(capacity_plan.invoke(call))
    assert result.status == "error"
    assert result.code == "invalid_arguments"


def test_plan_capacity_overflow_is_an_input_error() -> None:
    with pytest.raises(ToolInputError, match="beyond any number"):
        plan_capacity(10, 1, 1200, 0.7)
    with pytest.raises(ToolInputError, match="`months` must be from 0 to 1200"):
        plan_capacity(10, 0.05, 10**9, 0.7)
