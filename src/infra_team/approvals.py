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

_CHECKPOINTER_KEY = "__pregel_checkpointer"  # set by LangGraph in a run with a checkpointer


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


_YES = frozenset({"approve", "approved", "yes", "y", "true", "accept", "accepted", "ok"})
_NO = frozenset({"reject", "rejected", "no", "n", "false", "decline", "declined", "deny"})


def _approval(value: Any) -> bool | None:
    """True or False for a recognised answer, None for anything else (treated as reject)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        return True if word in _YES else False if word in _NO else None
    return None


def coerce_decision(value: Any) -> Decision:
    """Accept the decision forms hosts send: a ``Decision``, a bool, a word, or a dict
    (``{"approved": ...}``, ``{"decision": ...}``, or LangChain's HITL ``{"decisions": [...]}``).

    Fails closed: anything not clearly an approval (``"false"``, ``1``, an unknown word)
    is a rejection, so a malformed answer can never approve a change.
    """
    if isinstance(value, Decision):
        return value
    comment = ""
    if isinstance(value, dict):
        comment = str(value.get("comment") or value.get("message") or "")
        decisions = value.get("decisions")
        if isinstance(decisions, list) and decisions and isinstance(decisions[0], dict):
            first = decisions[0]
            value, comment = first.get("type"), str(first.get("message") or comment)
        else:
            value = value.get("approved", value.get("decision"))
    approved = _approval(value)
    if approved is None:
        return Decision(approved=False, comment=comment or "unrecognised answer; treated as reject")
    return Decision(approved=approved, comment=comment)


def can_interrupt() -> bool:
    """True inside a checkpointed LangGraph run, where ``interrupt()`` can pause."""
    try:
        config = get_config()
    except RuntimeError:
        return False
    return config.get("configurable", {}).get(_CHECKPOINTER_KEY) is not None


def request_decision(request: ApprovalRequest) -> Decision:
    """Pause the run until a person answers; returns their decision on resume."""
    answer = interrupt(scrub_obj(request.model_dump(mode="json")))
    return coerce_decision(answer)
