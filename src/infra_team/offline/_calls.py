"""Tool calls the engine plans: what a plan is made of."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlannedCall(BaseModel):
    """One tool call the engine makes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class Plan(BaseModel):
    """A role's tool calls at one stage and the assumptions behind their arguments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    calls: tuple[PlannedCall, ...] = ()
    assumptions: tuple[str, ...] = ()
