"""Cross-team hand-offs: work the infrastructure team passes to another team, typed.

The specification's "Cross-Team Interactions" table names the teams the infrastructure
roles work with: Development (environment provisioning, deployment support), Security
(security hardening, incident response coordination) and QA (test environment
management, performance testing). Which team a run involves is a judgement: the role
model decides it in its structured answer (``handoffs`` on each stage output, see
``graph/_schemas.py``); the graph only records what was decided
(``graph/_artifacts.collect_handoffs``) and shows it in ``TaskResult`` and the report.
Nothing here infers a hand-off from the request's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Team = Literal["Development", "Security", "QA"]
"""Teams outside infrastructure a hand-off can go to: the specification's "Cross-Team
Interactions" table, no more."""


class HandOff(BaseModel):
    """One piece of work handed to another team, and what the team expects back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    team: Team = Field(description="The team that takes this part over.")
    reason: str = Field(description="Why that team is needed, in one sentence.")
    handed_over: str = Field(
        description="What is handed over: evidence, access, a finding, a failing release."
    )
    expected_back: str = Field(
        description="What the infrastructure team needs back, and by when if it matters."
    )


class RecordedHandOff(HandOff):
    """A hand-off as the run recorded it: with the role that decided it."""

    role: str
    """Subagent type of the role whose structured answer holds the hand-off."""
    stage: str
    """Stage at which it was decided (``design``, ``implement``, ``triage`` ...)."""


def recorded(role: str, stage: str, raw: Iterable[Any]) -> list[RecordedHandOff]:
    """The hand-offs of one stage output, validated; a malformed entry is dropped, never
    repaired (a model's unreadable hand-off is not guessed into one)."""
    out: list[RecordedHandOff] = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        try:
            handoff = HandOff.model_validate(item)
        except ValidationError:
            continue
        out.append(RecordedHandOff(**handoff.model_dump(), role=role, stage=stage))
    return out
