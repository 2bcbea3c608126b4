"""The supervisor graph's state: what flows between role nodes, and its reducers."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired, TypedDict, cast

from langchain_core.messages import AnyMessage, HumanMessage
from langgraph.graph.message import add_messages

from infra_team.scrub import remember_request, scrub_obj


def join_errors(left: str | None, right: str | None) -> str | None:
    """Reducer for failures: parallel specialists may each report one; ``None`` clears
    (a new task on the thread)."""
    if right is None:
        return None
    return " ".join(text for text in (left, right) if text) or None


def merge_dicts(left: dict[str, Any] | None, right: dict[str, Any] | None) -> dict[str, Any]:
    """Reducer for per-role outputs written by parallel nodes."""
    return {**(left or {}), **(right or {})}


def add_usage(
    left: dict[str, dict[str, int]] | None, right: dict[str, dict[str, int]] | None
) -> dict[str, dict[str, int]]:
    """Reducer for token usage: per role, input and output tokens add up across stages."""
    merged = {role: dict(counts) for role, counts in (left or {}).items()}
    for role, counts in (right or {}).items():
        current = merged.setdefault(role, {})
        for key, value in counts.items():
            current[key] = current.get(key, 0) + int(value)
    return merged


def shown_request(left: str | None, right: str) -> str:
    """Reducer of the request: checkpoints and hosts hold it scrubbed, the raw text stays
    in memory for the role models and tools (see ``infra_team.scrub``)."""
    return remember_request(right)


def shown_messages(left: list[AnyMessage] | None, right: Any) -> list[AnyMessage]:
    """``add_messages``, with every message scrubbed before it is stored; a person's
    message is kept raw in memory, like the request."""
    merged = cast(list[AnyMessage], add_messages(cast(Any, left or []), right))
    for message in merged:
        if isinstance(message, HumanMessage):
            remember_request(str(message.text))
    return scrub_obj(merged)


class TeamState(TypedDict):
    """State of one task run. Role outputs are plain dicts (stage schema dumps) so that
    checkpoints stay serialisable and readable."""

    messages: NotRequired[Annotated[list[AnyMessage], shown_messages]]
    """Host-facing conversation: the task in, the final report out (deepagents and
    LangGraph Server hosts read the last message)."""
    subagent_type: NotRequired[str]
    """Entry chosen by the caller; ``infrastructure-team`` when absent."""
    description: NotRequired[Annotated[str, shown_request]]
    """The request, scrubbed; ``infra_team.scrub.raw_request`` gives it as typed."""
    model: NotRequired[str]
    """Label of the model the run uses (``offline``, ``openai:gpt-4.1`` ...)."""
    model_spec: NotRequired[str | dict[str, str] | None]
    """What resolves to the same models again on resume; None for a model instance."""
    started_at: NotRequired[str]
    """UTC ISO-8601 time the run started; dates in artifacts derive from it."""
    opened_at: NotRequired[str | None]
    """When the incident began (UTC ISO-8601), as the caller gave it; picks the rung."""
    evidence: NotRequired[dict[str, Any] | None]
    """Production Readiness evidence the caller gave (``gates.ReadinessEvidence`` dump)."""
    on_call: NotRequired[list[dict[str, Any]]]
    """Named people on call when an incident run started (``roster.OnCallPerson`` dumps)."""
    kind: NotRequired[Literal["request", "incident"]]
    intake_reason: NotRequired[str]
    design: NotRequired[dict[str, Any]]
    """The architect's ``ArchitectDesign``."""
    assignment: NotRequired[str]
    """Set only on a specialist's ``Send`` payload: its part of the work."""
    results: NotRequired[Annotated[dict[str, Any], merge_dicts]]
    """Subagent type -> that role's ``RoleReport`` (request flow)."""
    engaged: NotRequired[Annotated[list[str], operator.add]]
    """Subagent types of the role nodes that ran, in start order."""
    tool_log: NotRequired[Annotated[list[dict[str, Any]], operator.add]]
    """Every tool a role called: role, tool, status, summary, data."""
    triage: NotRequired[dict[str, Any]]
    """The on-call SRE's ``TriageDecision``."""
    component_owner: NotRequired[str | None]
    trail: NotRequired[Annotated[list[dict[str, Any]], operator.add]]
    """Escalation trail: one entry per rung (role, outcome, summary)."""
    resolved: NotRequired[bool]
    decisions: NotRequired[Annotated[list[dict[str, Any]], operator.add]]
    """Human decisions taken at interrupts (gate, approved, comment)."""
    gates: NotRequired[list[dict[str, Any]]]
    artifacts: NotRequired[dict[str, str]]
    report: NotRequired[str]
    error: NotRequired[Annotated[str | None, join_errors]]
    usage: NotRequired[Annotated[dict[str, dict[str, int]], add_usage]]
    """Subagent type -> ``input_tokens`` and ``output_tokens`` of its model calls."""
    unstructured: NotRequired[Annotated[list[str], operator.add]]
    """Subagent types whose answer was prose only, kept as an unverified deliverable."""
