"""Tool calls the engine plans: what a plan is made of."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlannedCall(BaseModel):
    """One tool call the engine makes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    args: dict[str, Any] = Field(default_factory=dict)
    source: str = ""
    """Where the checked input comes from, shown beside the tool's result (``proposed
    rules``, ``lag values in the request``), so a check of the engine's own proposal never
    reads as a measurement; empty when the arguments need no such note. Not sent to the tool."""


class Plan(BaseModel):
    """A role's tool calls at one stage and the assumptions behind their arguments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    calls: tuple[PlannedCall, ...] = ()
    assumptions: tuple[str, ...] = ()

    def source_of(self, tool: str, occurrence: int) -> str:
        """The ``source`` of the ``occurrence``-th (0-based) planned call of ``tool``."""
        calls = [call for call in self.calls if call.name == tool]
        return calls[occurrence].source if occurrence < len(calls) else ""
