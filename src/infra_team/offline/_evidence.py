"""What the engine knows when it writes an answer: brief, facts, plan and tool results.

Every number the engine writes comes from here: from the request (``facts``), from a
stated assumption (``plan.assumptions``) or from a tool's ``ToolResult.data``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra_team.graph._schemas import StageBrief
from infra_team.offline._calls import Plan
from infra_team.offline._extract import RequestFacts
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
        """One line per tool result, naming the tool."""
        return [finding_line(result) for result in self.results]

    def context(self, key: str) -> dict[str, Any]:
        """A mapping from the brief's context (empty when absent or not a mapping)."""
        value = self.brief.context.get(key)
        return dict(value) if isinstance(value, dict) else {}


def _oncall_line(data: dict[str, Any]) -> str:
    """``oncall_now`` without its clock: who is primary and secondary, and who holds the
    incident (the summary also states the current time, which would make the answer
    differ from run to run)."""
    primary = (data.get("primary") or {}).get("name", "unknown")
    secondary = (data.get("secondary") or {}).get("name", "unknown")
    line = f"`oncall_now`: primary on call {primary}, secondary {secondary}."
    owner = ((data.get("incident") or {}).get("component_owner") or {}).get("name")
    return line + (f" Component owner: {owner}." if owner else "")


def _error_budget_line(data: dict[str, Any]) -> str:
    """``error_budget`` as rates: the engine runs it on a stated share, not on counts."""
    rate = format_number(round(float(data.get("error_rate", 0.0)) * 100, 4))
    burn = format_number(data.get("burn_rate"))
    state = "exhausted" if data.get("exhausted") else "not yet exhausted"
    return (
        f"`error_budget`: {rate} % of requests failing burns the {format_number(data.get('slo_percent'))} % "
        f"SLO's error budget {burn}x faster than allowed "
        f"({format_number(data.get('window_days'))}-day budget {state})."
    )


_LINE_WRITERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "oncall_now": _oncall_line,
    "error_budget": _error_budget_line,
}


def finding_line(result: ToolResult) -> str:
    """A tool result as one line a person can read, naming the tool."""
    summary = result.summary.strip() or (result.error or "").strip()
    if result.status == "success" and result.tool in _LINE_WRITERS:
        return _LINE_WRITERS[result.tool](result.data)
    if result.status == "success":
        return f"`{result.tool}`: {summary}"
    if result.status == "approval_required":
        return (
            f"`{result.tool}` did not run: it changes an external system and needs Change Approval."
        )
    if result.status == "rejected":
        return f"`{result.tool}` did not run: Change Approval rejected it."
    if result.status == "error":
        return f"`{result.tool}` returned an error: {summary}"
    return f"`{result.tool}` ({result.status.replace('_', ' ')}): {summary}"
