"""What the engine knows when it writes an answer: brief, facts, plan and tool results.

Every number the engine writes comes from here: from the request (``facts``), from a
stated assumption (``plan.assumptions``) or from a tool's ``ToolResult.data``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra_team.graph._schemas import StageBrief
from infra_team.offline._burn import compare_burn_rate, describe_burn
from infra_team.offline._calls import Plan
from infra_team.offline._extract import RequestFacts
from infra_team.offline._live import MEASURED, measured_note
from infra_team.offline._templates import format_number
from infra_team.tools import ToolResult


@dataclass(frozen=True)
class Evidence:
    """Inputs of one composed answer."""

    brief: StageBrief
    facts: RequestFacts
    plan: Plan
    results: tuple[ToolResult, ...]

    @property
    def request(self) -> str:
        return self.brief.request

    def data(self, tool: str) -> dict[str, Any] | None:
        """``data`` of the first successful result of ``tool``, or None."""
        for result in self.results:
            if result.tool == tool and result.status == "success":
                return result.data
        return None

    def all_data(self, tool: str) -> list[dict[str, Any]]:
        """``data`` of every successful result of ``tool``, in call order."""
        return [r.data for r in self.results if r.tool == tool and r.status == "success"]

    def findings(self) -> list[str]:
        """One line per tool result, naming the tool and, for a check of the engine's own
        proposal or of values quoted from the request, where its input came from."""
        seen: dict[str, int] = {}
        lines: list[str] = []
        for result in self.results:
            occurrence = seen.get(result.tool, 0)
            seen[result.tool] = occurrence + 1
            source = self.plan.source_of(result.tool, occurrence)
            if source == MEASURED:
                if result.status == "not_configured":
                    continue
                source = measured_note(result.tool, result.data)
            lines.append(finding_line(result, self.facts, source=source))
        return lines

    def measured(self) -> list[ToolResult]:
        """Successful results of the live reads the plan made (``_live``), in call order."""
        seen: dict[str, int] = {}
        found: list[ToolResult] = []
        for result in self.results:
            occurrence = seen.get(result.tool, 0)
            seen[result.tool] = occurrence + 1
            if (
                result.status == "success"
                and self.plan.source_of(result.tool, occurrence) == MEASURED
            ):
                found.append(result)
        return found

    def context(self, key: str) -> dict[str, Any]:
        """A mapping from the brief's context (empty when absent or not a mapping)."""
        value = self.brief.context.get(key)
        return dict(value) if isinstance(value, dict) else {}


def _oncall(data: dict[str, Any], facts: RequestFacts) -> str:
    """``oncall_now`` without its clock: who is primary and secondary, and who holds the
    incident (the summary also states the current time, which would make the answer
    differ from run to run)."""
    primary = (data.get("primary") or {}).get("name", "unknown")
    secondary = (data.get("secondary") or {}).get("name", "unknown")
    line = f"primary on call {primary}, secondary {secondary}."
    owner = ((data.get("incident") or {}).get("component_owner") or {}).get("name")
    return line + (f" Component owner: {owner}." if owner else "")


def _error_budget(data: dict[str, Any], facts: RequestFacts) -> str:
    """``error_budget`` on the counts the request states: the ratio, the burn rate and how
    much of the budget those events allow they used (the counts may cover less than the
    SLO window, so this is not the window's whole budget)."""
    bad, total = int(data.get("bad_events", 0)), int(data.get("total_events", 0))
    rate = format_number(round(float(data.get("error_rate", 0.0)) * 100, 4))
    used = format_number(round(float(data.get("consumed_fraction", 0.0)) * 100, 2))
    allowed = format_number(data.get("allowed_bad_events"))
    return (
        f"{bad:,} bad of {total:,} events ({rate} %) burn the "
        f"{format_number(data.get('slo_percent'))} % SLO's error budget at "
        f"{format_number(data.get('burn_rate'))}x; they used {used} % of the {allowed} bad "
        "events their own budget allows."
    )


def _burn_rate_alerts(data: dict[str, Any], facts: RequestFacts) -> str | None:
    """With a stated failure share, the share against the alert thresholds."""
    if facts.error_rate_percent is None:
        return None
    return describe_burn(
        compare_burn_rate(data, facts.error_rate_percent / 100), facts.error_rate_percent
    )


_LINE_WRITERS: dict[str, Callable[[dict[str, Any], RequestFacts], str | None]] = {
    "oncall_now": _oncall,
    "error_budget": _error_budget,
    "burn_rate_alerts": _burn_rate_alerts,
}


def finding_line(result: ToolResult, facts: RequestFacts, *, source: str = "") -> str:
    """A tool result as one line a person can read, naming the tool and the ``source`` of
    its input when the plan gave one."""
    name = f"`{result.tool}` ({source})" if source else f"`{result.tool}`"
    summary = result.summary.strip() or (result.error or "").strip()
    if result.status == "success":
        writer = _LINE_WRITERS.get(result.tool)
        line = writer(result.data, facts) if writer else None
        return f"{name}: {line or summary}"
    if result.status == "approval_required":
        return f"{name} did not run: it changes an external system and needs Change Approval."
    if result.status == "rejected":
        return f"{name} did not run: Change Approval rejected it."
    if result.status == "error":
        return f"{name} returned an error: {summary}"
    return f"{name} ({result.status.replace('_', ' ')}): {summary}"
