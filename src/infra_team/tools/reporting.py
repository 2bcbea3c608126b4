"""The team's KPI report as a tool: the five KPIs of the specification from given records."""

from __future__ import annotations

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from infra_team.kpis import (
    ChangeOutcome,
    CostHistory,
    IncidentRecord,
    MeasurementWindow,
    ResourceInventory,
    evaluate_kpis,
)
from infra_team.tools._base import ToolResult, infra_tool, no_data, ok
from infra_team.tools._limits import MAX_ITEMS, MAX_SERIES

KPI_REPORT_DESCRIPTION = (
    "Compute the team's five KPIs (availability, mean time to recovery, change success rate, "
    "IaC coverage, year-over-year cost change) from incident, change, inventory and monthly "
    "cost records, each compared with its target; a KPI without records reads `no data`."
)


class KpiReportArgs(BaseModel):
    """Arguments of ``kpi_report``: every record set is optional."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    incidents: list[IncidentRecord] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="Outages with `opened_at` and `resolved_at` (ISO 8601 with timezone, "
        "e.g. 2026-03-05T10:00:00Z; leave `resolved_at` out while open). "
        "Used for availability and MTTR.",
    )
    window: MeasurementWindow | None = Field(
        default=None,
        description="Period availability is measured over: `start` and `end` (ISO 8601 "
        "with timezone). Availability needs it.",
    )
    changes: list[ChangeOutcome] = Field(
        default_factory=list,
        max_length=MAX_SERIES,
        description='Completed changes, each `{"success": true|false}`.',
    )
    inventory: ResourceInventory | None = Field(
        default=None,
        description="Resource counts: `total` and `managed_by_iac`.",
    )
    costs: CostHistory | None = Field(
        default=None,
        description="Monthly cloud spend: `previous` and `current`, 12 months each, oldest first.",
    )


@infra_tool(name="kpi_report", description=KPI_REPORT_DESCRIPTION, args_schema=KpiReportArgs)
def kpi_report(
    *,
    incidents: list[IncidentRecord],
    window: MeasurementWindow | None,
    changes: list[ChangeOutcome],
    inventory: ResourceInventory | None,
    costs: CostHistory | None,
) -> ToolResult:
    """The five KPIs with values, targets and met/missed/no data; see ``infra_team.kpis``."""
    report = evaluate_kpis(
        incidents=incidents, window=window, changes=changes, inventory=inventory, costs=costs
    )
    data = report.model_dump(mode="json")
    if all(kpi.status == "no data" for kpi in report.kpis):
        return no_data("kpi_report", report.summary(), data)
    return ok("kpi_report", report.summary(), data)


TOOLS: tuple[BaseTool, ...] = (kpi_report,)
