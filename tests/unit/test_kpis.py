"""The five KPIs: exact known values, targets at their boundaries, and ``no data``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from infra_team.kpis import (
    ChangeOutcome,
    CostHistory,
    IncidentRecord,
    KpiReport,
    MeasurementWindow,
    ResourceInventory,
    evaluate_availability,
    evaluate_change_success,
    evaluate_cost_change,
    evaluate_iac_coverage,
    evaluate_kpis,
    evaluate_mttr,
)

MARCH = MeasurementWindow(
    start=datetime(2026, 3, 1, tzinfo=UTC), end=datetime(2026, 3, 31, tzinfo=UTC)
)  # 30 days = 43,200 minutes; 99.9 % allows exactly 43.2 minutes of downtime.


def _incident(start: str, minutes: float | None) -> IncidentRecord:
    opened = datetime.fromisoformat(start)
    resolved = None if minutes is None else opened + timedelta(minutes=minutes)
    return IncidentRecord(opened_at=opened, resolved_at=resolved)


# --- availability ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incidents", "value", "met"),
    [
        ([], 100.0, True),
        # 43.2 min down in 30 days: exactly 99.9 %, which meets the target.
        ([_incident("2026-03-05T10:00:00+00:00", 43.2)], 99.9, True),
        # 43.2 min plus one second: just below.
        ([_incident("2026-03-05T10:00:00+00:00", 43.2 + 1 / 60)], 99.89996141975308, False),
        # Overlapping incidents count once: 10:00-10:20 and 10:10-10:43:12 = 43.2 min.
        (
            [
                _incident("2026-03-05T10:00:00+00:00", 20),
                _incident("2026-03-05T10:10:00+00:00", 33.2),
            ],
            99.9,
            True,
        ),
        # Clipped to the window: only the 60 minutes after 2026-03-01T00:00Z count.
        ([_incident("2026-02-28T23:00:00+00:00", 120)], 99.86111111111111, False),
        # Still open: down from 2026-03-30T00:00Z to the window's end (1,440 minutes).
        ([_incident("2026-03-30T00:00:00+00:00", None)], 96.66666666666667, False),
        # Entirely outside the window.
        ([_incident("2026-04-02T00:00:00+00:00", 600)], 100.0, True),
    ],
)
def test_availability(incidents: list[IncidentRecord], value: float, met: bool) -> None:
    result = evaluate_availability(incidents, MARCH)
    assert result.value == value
    assert result.met is met
    assert result.status == ("met" if met else "missed")
    assert result.unit == "%"
    assert result.target == "99.9%"


def test_availability_describes_its_measurement() -> None:
    result = evaluate_availability([_incident("2026-03-05T10:00:00+00:00", 43.2)], MARCH)
    assert result.how_measured == (
        "43.2 min of downtime from 1 incident(s) in 43200 min "
        "(2026-03-01T00:00:00+00:00 to 2026-03-31T00:00:00+00:00)"
    )
    assert result.measurement == "Uptime percentage"


def test_availability_without_a_window_is_no_data() -> None:
    result = evaluate_availability([_incident("2026-03-05T10:00:00+00:00", 5)], None)
    assert (result.value, result.met, result.status) == (None, None, "no data")


# --- MTTR ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("durations", "value", "met"),
    [
        ([10, 20], 15.0, True),
        ([29.5, 30.5], 30.0, False),  # the target is strictly under 30 minutes
        ([20, 39.9], 29.95, True),
        ([45], 45.0, False),
    ],
)
def test_mttr(durations: list[float], value: float, met: bool) -> None:
    incidents = [_incident("2026-03-05T10:00:00+00:00", minutes) for minutes in durations]
    result = evaluate_mttr(incidents)
    assert result.value == pytest.approx(value, abs=1e-9)
    assert result.met is met
    assert result.unit == "min"
    assert result.target == "< 30 min"


def test_mttr_leaves_open_incidents_out() -> None:
    incidents = [
        _incident("2026-03-05T10:00:00+00:00", 12),
        _incident("2026-03-06T10:00:00+00:00", None),
    ]
    result = evaluate_mttr(incidents)
    assert result.value == 12.0
    assert result.how_measured == "mean over 1 resolved incident(s); 1 still open left out"


@pytest.mark.parametrize(
    "incidents", [[], [_incident("2026-03-06T10:00:00+00:00", None)]], ids=["none", "open only"]
)
def test_mttr_without_resolved_incidents_is_no_data(incidents: list[IncidentRecord]) -> None:
    result = evaluate_mttr(incidents)
    assert (result.value, result.met, result.status) == (None, None, "no data")


# --- change success --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("succeeded", "failed", "value", "met"),
    [
        (20, 0, 100.0, True),
        (96, 4, 96.0, True),
        (19, 1, 95.0, False),  # the target is strictly above 95 %
        (191, 9, 95.5, True),
        (0, 3, 0.0, False),
    ],
)
def test_change_success(succeeded: int, failed: int, value: float, met: bool) -> None:
    changes = [ChangeOutcome(success=True)] * succeeded + [ChangeOutcome(success=False)] * failed
    result = evaluate_change_success(changes)
    assert result.value == value
    assert result.met is met
    assert result.how_measured == f"{succeeded} successful of {succeeded + failed} change(s)"


def test_change_success_without_changes_is_no_data() -> None:
    assert evaluate_change_success([]).status == "no data"


# --- IaC coverage ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("managed", "total", "value", "met"),
    [(250, 250, 100.0, True), (249, 250, 99.6, False), (0, 8, 0.0, False)],
)
def test_iac_coverage(managed: int, total: int, value: float, met: bool) -> None:
    result = evaluate_iac_coverage(ResourceInventory(total=total, managed_by_iac=managed))
    assert result.value == value
    assert result.met is met
    assert result.target == "100%"


@pytest.mark.parametrize("inventory", [None, ResourceInventory(total=0, managed_by_iac=0)])
def test_iac_coverage_without_resources_is_no_data(inventory: ResourceInventory | None) -> None:
    assert evaluate_iac_coverage(inventory).status == "no data"


def test_inventory_cannot_manage_more_than_it_holds() -> None:
    with pytest.raises(ValidationError, match=r"managed_by_iac \(11\) cannot exceed total \(10\)"):
        ResourceInventory(total=10, managed_by_iac=11)


# --- cost change -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "current", "value", "met"),
    [
        ([1000] * 12, [900] * 12, -10.0, True),  # exactly the target
        ([1000] * 12, [901] * 12, -9.9, False),
        ([1000] * 12, [750] * 12, -25.0, True),
        ([1000] * 12, [1100] * 12, 10.0, False),
        # Uneven months: 12,000 then 10,740 -> -10.5 %.
        ([1000] * 12, [950] * 6 + [840] * 6, -10.5, True),
    ],
)
def test_cost_change(previous: list[int], current: list[int], value: float, met: bool) -> None:
    result = evaluate_cost_change(CostHistory(previous=previous, current=current))
    assert result.value == value
    assert result.met is met
    assert result.unit == "% YoY"
    assert result.target == "-10% YoY"


def test_cost_change_uses_exact_decimal_money() -> None:
    history = CostHistory(previous=["1000.10"] * 12, current=["900.09"] * 12)
    assert history.current[0] == Decimal("900.09")
    result = evaluate_cost_change(history)
    assert result.value == -10.0
    assert result.met is True
    assert result.how_measured == "12-month spend 10801.08 vs 12001.20 the 12 months before"


@pytest.mark.parametrize(
    "history", [None, CostHistory(previous=[0] * 12, current=[5] * 12)], ids=["none", "zero"]
)
def test_cost_change_without_a_baseline_is_no_data(history: CostHistory | None) -> None:
    assert evaluate_cost_change(history).status == "no data"


@pytest.mark.parametrize(
    ("previous", "current", "message"),
    [
        ([1] * 11, [1] * 12, "at least 12 items"),
        ([1] * 12, [1] * 13, "at most 12 items"),
        ([1] * 12, [-1] + [1] * 11, "greater than or equal to 0"),
    ],
)
def test_cost_history_shape(previous: list[int], current: list[int], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CostHistory(previous=previous, current=current)


# --- records and the report ------------------------------------------------------------------


def test_records_require_timezones_and_order() -> None:
    with pytest.raises(ValidationError, match="must carry a timezone"):
        IncidentRecord(opened_at=datetime(2026, 3, 5, 10))
    with pytest.raises(ValidationError, match="is before opened_at"):
        IncidentRecord(
            opened_at=datetime(2026, 3, 5, 10, tzinfo=UTC),
            resolved_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
        )
    with pytest.raises(ValidationError, match="must be after start"):
        MeasurementWindow(start=MARCH.end, end=MARCH.start)


def test_report_of_nothing_is_all_no_data() -> None:
    report = evaluate_kpis()
    assert [kpi.name for kpi in report.kpis] == [
        "Availability",
        "Mean Time to Recovery",
        "Change Success Rate",
        "Infrastructure as Code",
        "Cost Efficiency",
    ]
    assert {kpi.status for kpi in report.kpis} == {"no data"}
    assert all(kpi.met is None for kpi in report.kpis)
    assert report.summary() == "KPIs: 0 met, 0 missed, 5 no data"


def test_full_report() -> None:
    report = evaluate_kpis(
        incidents=[
            _incident("2026-03-05T10:00:00+00:00", 20),
            _incident("2026-03-12T04:00:00+00:00", 50),
        ],
        window=MARCH,
        changes=[ChangeOutcome(success=True)] * 49 + [ChangeOutcome(success=False)],
        inventory=ResourceInventory(total=400, managed_by_iac=380),
        costs=CostHistory(previous=[2000] * 12, current=[1700] * 12),
    )
    assert [(kpi.name, kpi.value, kpi.status) for kpi in report.kpis] == [
        ("Availability", pytest.approx(99.83796296296296), "missed"),
        ("Mean Time to Recovery", 35.0, "missed"),
        ("Change Success Rate", 98.0, "met"),
        ("Infrastructure as Code", 95.0, "missed"),
        ("Cost Efficiency", -15.0, "met"),
    ]
    assert report.get("Mean Time to Recovery").value == 35.0
    assert report.summary() == (
        "KPIs: 2 met, 3 missed, 0 no data (missed: Availability 99.838% vs 99.9%; "
        "Mean Time to Recovery 35 min vs < 30 min; Infrastructure as Code 95% vs 100%)"
    )
    assert KpiReport.model_validate_json(report.model_dump_json()) == report


def test_result_cannot_claim_met_without_data() -> None:
    result = evaluate_change_success([])
    with pytest.raises(ValidationError, match="value, met and status disagree"):
        type(result).model_validate({**result.model_dump(), "met": True, "status": "met"})
