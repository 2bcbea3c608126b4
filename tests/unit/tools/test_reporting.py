"""The ``kpi_report`` tool: the KPI report as data, one summary line, errors as results."""

from __future__ import annotations

from typing import Any

import pytest

from infra_team.tools import TOOL_CATALOG, parse_tool_output, writes
from infra_team.tools.reporting import TOOLS, kpi_report


def test_tool_is_registered_read_only() -> None:
    assert (kpi_report,) == TOOLS
    assert kpi_report.name == "kpi_report"
    assert TOOL_CATALOG["kpi_report"] is kpi_report
    assert writes(kpi_report) is False


def test_report_from_all_records() -> None:
    result = parse_tool_output(
        kpi_report.invoke(
            {
                "incidents": [
                    {"opened_at": "2026-03-05T10:00:00Z", "resolved_at": "2026-03-05T10:20:00Z"},
                    {
                        "opened_at": "2026-03-12T05:00:00+01:00",
                        "resolved_at": "2026-03-12T04:23:12Z",
                    },
                    {"opened_at": "2026-03-30T12:00:00Z"},
                ],
                "window": {"start": "2026-03-01T00:00:00Z", "end": "2026-03-31T00:00:00Z"},
                "changes": [{"success": True}] * 24 + [{"success": False}],
                "inventory": {"total": 120, "managed_by_iac": 120},
                "costs": {"previous": [1500] * 12, "current": [1380] * 12},
            }
        )
    )
    assert result.status == "success"
    assert result.tool == "kpi_report"
    kpis = {kpi["name"]: kpi for kpi in result.data["kpis"]}
    # Down 20 + 23.2 min resolved + 720 min still open = 763.2 min of 43,200.
    assert kpis["Availability"]["value"] == pytest.approx(98.23333333333333)
    assert kpis["Availability"]["status"] == "missed"
    assert kpis["Mean Time to Recovery"]["value"] == pytest.approx(21.6)
    assert kpis["Mean Time to Recovery"]["status"] == "met"
    assert kpis["Change Success Rate"] == {
        "name": "Change Success Rate",
        "value": 96.0,
        "unit": "%",
        "target": "> 95%",
        "met": True,
        "status": "met",
        "measurement": "Successful changes / Total",
        "how_measured": "24 successful of 25 change(s)",
    }
    assert kpis["Infrastructure as Code"]["value"] == 100.0
    assert kpis["Cost Efficiency"]["value"] == -8.0
    assert kpis["Cost Efficiency"]["status"] == "missed"
    assert result.summary == (
        "KPIs: 3 met, 2 missed, 0 no data (missed: Availability 98.2333% vs 99.9%; "
        "Cost Efficiency -8% YoY vs -10% YoY)"
    )


def test_partial_records_leave_the_rest_as_no_data() -> None:
    result = parse_tool_output(kpi_report.invoke({"changes": [{"success": True}] * 3}))
    assert result.status == "success"
    assert [kpi["status"] for kpi in result.data["kpis"]] == [
        "no data",
        "no data",
        "met",
        "no data",
        "no data",
    ]
    assert result.summary == "KPIs: 1 met, 0 missed, 4 no data"


def test_no_records_is_no_data() -> None:
    result = parse_tool_output(kpi_report.invoke({}))
    assert result.status == "no_data"
    assert result.summary == "KPIs: 0 met, 0 missed, 5 no data"
    assert len(result.data["kpis"]) == 5


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (
            {"inventory": {"total": 10, "managed_by_iac": 11}},
            "`inventory`: Value error, managed_by_iac (11) cannot exceed total (10)",
        ),
        (
            {"incidents": [{"opened_at": "2026-03-05T10:00:00"}]},
            "`incidents.0.opened_at`: Value error, must carry a timezone",
        ),
        (
            {"costs": {"previous": [1] * 11, "current": [1] * 12}},
            "`costs.previous`: Tuple should have at least 12 items after validation, not 11",
        ),
        (
            {"window": {"start": "2026-03-31T00:00:00Z", "end": "2026-03-01T00:00:00Z"}},
            "`window`: Value error, end `2026-03-01T00:00:00+00:00` must be after start",
        ),
        ({"incident_list": []}, "`incident_list`: Extra inputs are not permitted"),
    ],
)
def test_bad_arguments_return_an_error(arguments: dict[str, Any], problem: str) -> None:
    result = parse_tool_output(kpi_report.invoke(arguments))
    assert result.status == "error"
    assert result.code == "invalid_arguments"
    assert result.error is not None
    assert result.error.startswith("invalid arguments for `kpi_report`: ")
    assert problem in result.error
