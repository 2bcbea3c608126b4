"""Read where a role's conversation stands: the brief, the tool results, the last reply.

The role node sends one brief message whose ``additional_kwargs`` carry a ``StageBrief``
(``infra_team.graph._schemas``); the engine reads that instead of parsing prose. Used as a
plain chat model (no brief), the last human message is the request and the stage and role
are inferred: the stage from the structured-output tool's name, the role from the bound
tools (the roster entry whose toolset they cover best).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, ConfigDict, ValidationError

from infra_team.graph._schemas import BRIEF_KEY, STAGE_SCHEMAS, Stage, StageBrief
from infra_team.offline._binding import BoundTool
from infra_team.offline._routing import assign_specialists, classify_kind
from infra_team.registry import ROLE_TYPES, TEAM, RoleSpec, registry
from infra_team.tools import TOOL_CATALOG, ToolResult, parse_tool_output

SCHEMA_STAGES: dict[str, Stage] = {
    schema.__name__: cast(Stage, stage) for stage, schema in reversed(list(STAGE_SCHEMAS.items()))
}
"""Structured-output tool name -> the stage it belongs to (``RoleReport`` -> ``implement``)."""
ACCEPTED_PREFIX = "Returning structured response"
"""How ``create_agent`` acknowledges a structured output it could parse."""
_DEFAULT_STAGE: dict[str, tuple[Stage, Stage]] = {
    "infrastructure-architect": ("design", "escalation"),
    "systems-administrator": ("implement", "escalation"),
    "network-engineer": ("implement", "escalation"),
    "database-administrator": ("implement", "escalation"),
    "automation-engineer": ("codify", "codify"),
    "site-reliability-engineer": ("operate", "triage"),
}
"""Role -> (stage for a request, stage for an incident) when no brief says which."""
_TEAM_STAGE_ROLE: dict[str, str] = {
    "design": "infrastructure-architect",
    "escalation": "infrastructure-architect",
    "codify": "automation-engineer",
    "operate": "site-reliability-engineer",
    "triage": "site-reliability-engineer",
}
"""Stage -> the role that acts at it, when the whole team's tools are bound."""


class Conversation(BaseModel):
    """The state of one role's exchange with the engine."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    brief: StageBrief
    briefed: bool
    """The brief came from the role node (False: inferred from a plain message)."""
    schema_tool: BoundTool | None
    """The structured-output tool to answer with, if one is bound."""
    replies: int
    """Engine replies (AI messages) since the brief."""
    results: tuple[ToolResult, ...]
    """Results of the role's tool calls since the brief, in order."""
    schema_rejections: tuple[str, ...]
    """Error texts returned for the engine's structured outputs (ToolStrategy retries)."""
    schema_accepted: bool
    """The structured output was acknowledged: nothing is left to do."""


def _text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.content)


def find_schema_tool(bound: Sequence[BoundTool], tool_choice: object) -> BoundTool | None:
    """The structured-output tool: a stage schema by name, else (when ``create_agent``
    forces a tool with ``tool_choice="any"``) the last bound tool that is not a team tool."""
    for tool in bound:
        if tool.name in SCHEMA_STAGES:
            return tool
    if tool_choice in {"any", "required"}:
        foreign = [tool for tool in bound if tool.name not in TOOL_CATALOG]
        if foreign:
            return foreign[-1]
    return None


def _tool_result(message: ToolMessage) -> ToolResult:
    try:
        return parse_tool_output(message.content)
    except ValidationError:
        text = _text(message).strip().splitlines()
        first = text[0][:300] if text else "no output"
        return ToolResult(
            tool=message.name or "tool",
            status="error",
            code="unreadable",
            summary=first,
            error=first,
        )


def infer_role(bound: Sequence[BoundTool], specs: Mapping[str, RoleSpec] | None = None) -> str:
    """The roster entry whose toolset the bound tools cover best (the team when none)."""
    names = {tool.name for tool in bound}
    roster = registry() if specs is None else specs
    best, best_key = TEAM, (0, 0)
    for role in (*ROLE_TYPES, TEAM):
        spec = roster.get(role)
        if spec is None:
            continue
        key = (len(names & set(spec.tools)), -len(spec.tools))
        if key[0] and key > best_key:
            best, best_key = role, key
    return best


def _infer_brief(
    messages: Sequence[BaseMessage], bound: Sequence[BoundTool], schema: BoundTool | None
) -> StageBrief:
    humans = [m for m in messages if isinstance(m, HumanMessage)]
    request = _text(humans[-1]) if humans else ""
    role = infer_role(bound)
    incident = classify_kind(request).value == "incident" if request else False
    stage: Stage
    if schema is not None and schema.name in SCHEMA_STAGES:
        stage = SCHEMA_STAGES[schema.name]
        if role == TEAM and stage == "implement":
            role = next(iter(assign_specialists(request)), "systems-administrator")
        elif role == TEAM:
            role = _TEAM_STAGE_ROLE.get(stage, TEAM)
        if stage == "implement" and role in _DEFAULT_STAGE:
            stage = _DEFAULT_STAGE[role][0]
    elif role == TEAM:
        stage, role = (
            ("triage", "site-reliability-engineer")
            if incident
            else ("design", "infrastructure-architect")
        )
    else:
        stage = _DEFAULT_STAGE[role][1 if incident else 0]
    return StageBrief(stage=stage, role=role, request=request)


def read_conversation(
    messages: Sequence[BaseMessage], bound: Sequence[BoundTool], tool_choice: object = None
) -> Conversation:
    """Where the exchange stands, from the messages the engine was given."""
    schema = find_schema_tool(bound, tool_choice)
    start = -1
    brief: StageBrief | None = None
    for index, message in enumerate(messages):
        raw = (
            message.additional_kwargs.get(BRIEF_KEY) if isinstance(message, HumanMessage) else None
        )
        if isinstance(raw, Mapping):
            try:
                brief = StageBrief.model_validate(raw)
            except ValidationError:
                continue
            start = index
    briefed = brief is not None
    if brief is None:
        brief = _infer_brief(messages, bound, schema)
        humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
        start = humans[-1] if humans else -1
    after = list(messages[start + 1 :])
    schema_ids = {
        str(call["id"])
        for message in after
        if isinstance(message, AIMessage)
        for call in message.tool_calls
        if schema is not None and call["name"] == schema.name
    }
    results: list[ToolResult] = []
    rejections: list[str] = []
    accepted = False
    for message in after:
        if not isinstance(message, ToolMessage):
            continue
        if message.tool_call_id in schema_ids or (schema and message.name == schema.name):
            text = _text(message)
            if text.startswith(ACCEPTED_PREFIX):
                accepted = True
            else:
                rejections.append(text)
            continue
        results.append(_tool_result(message))
    return Conversation(
        brief=brief,
        briefed=briefed,
        schema_tool=schema,
        replies=sum(1 for message in after if isinstance(message, AIMessage)),
        results=tuple(results),
        schema_rejections=tuple(rejections),
        schema_accepted=accepted,
    )
