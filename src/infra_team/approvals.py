"""Human decisions: the interrupt payloads the graph raises and the answers it accepts.

One mechanism serves every pause: a write tool waiting for Change Approval, the
Change Approval gate on a destructive plan, and the human rung of the escalation ladder.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.config import get_config
from langgraph.types import interrupt
from pydantic import BaseModel, ConfigDict, Field

from infra_team.scrub import scrub_obj

_SCRATCHPAD_KEY = "__pregel_scratchpad"  # set by LangGraph only inside a checkpointed run


class ApprovalRequest(BaseModel):
    """What a paused run asks a person. Shown to users, so it is scrubbed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["change_approval", "human_escalation"]
    """Which pause this is."""
    gate: str
    """Gate or rung that paused the run, e.g. ``Change Approval``."""
    question: str
    """The decision wanted, in one or two sentences."""
    details: dict[str, Any] = Field(default_factory=dict)
    """Facts behind the question (tool and arguments, open items, escalation trail)."""
    options: tuple[str, ...] = ("approve", "reject")


class Decision(BaseModel):
    """A person's answer to an ``ApprovalRequest``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    approved: bool
    comment: str = ""


def coerce_decision(value: Any) -> Decision:
    """Accept the decision forms hosts send: a ``Decision``, a dict, a bool or a word."""
    if isinstance(value, Decision):
        return value
    if isinstance(value, bool):
        return Decision(approved=value)
    if isinstance(value, str):
        return Decision(approved=value.strip().lower() in {"approve", "approved", "yes", "y"})
    if isinstance(value, dict):
        if "approved" in value:
            return Decision(approved=bool(value["approved"]), comment=str(value.get("comment", "")))
        decisions = value.get("decisions")
        if isinstance(decisions, list) and decisions:  # langchain HITL middleware shape
            first = decisions[0]
            return Decision(
                approved=first.get("type") == "approve", comment=str(first.get("message", ""))
            )
        if "decision" in value:
            decision = coerce_decision(value["decision"])
            return Decision(approved=decision.approved, comment=str(value.get("comment", "")))
    return Decision(approved=False, comment="unrecognised decision; treated as reject")


def can_interrupt() -> bool:
    """True inside a checkpointed LangGraph run, where ``interrupt()`` can pause."""
    try:
        config = get_config()
    except RuntimeError:
        return False
    return _SCRATCHPAD_KEY in config.get("configurable", {})


def request_decision(request: ApprovalRequest) -> Decision:
    """Pause the run until a person answers; returns their decision on resume."""
    answer = interrupt(scrub_obj(request.model_dump(mode="json")))
    return coerce_decision(answer)
