"""A scripted team behind the fake OpenAI-compatible server: it answers each role's stage
from what an HTTP request shows (the answer tool offered or the JSON schema asked for,
and the "You are the ..." line of the brief), in the style a test chooses."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Literal

from tests.support.openai_server import ChatRequest, Fault, Reply, ToolCallReply

Style = Literal["tool", "trailing", "text", "fenced", "prose", "unreadable_then_tool"]
"""How a role gives its answer:

- ``tool``: a call of the answer tool with JSON arguments;
- ``trailing``: the same call, its arguments a string with text after the JSON;
- ``text``: the call written as JSON text, ``{"name": tool, "arguments": {...}}``;
- ``fenced``: prose around a fenced ```json block holding the answer;
- ``prose``: prose only, every time (a model that never gives structure);
- ``unreadable_then_tool``: arguments that are not JSON, then a proper call after the
  tool error.
"""

ANSWER_TOOLS = (
    "IntakeDecision",
    "ArchitectDesign",
    "RoleReport",
    "TriageDecision",
    "EscalationStep",
)
_ROLE = re.compile(r"You are the ([A-Z][A-Za-z ]+?)(?:[.,]| on call)")


def answer_tool(request: ChatRequest) -> str | None:
    """The stage's answer tool: offered as a tool, or named by a JSON-schema response format."""
    for name in request.tool_names:
        if name in ANSWER_TOOLS:
            return name
    schema = (request.response_format or {}).get("json_schema") or {}
    return schema.get("name") if schema.get("name") in ANSWER_TOOLS else None


def role_of(request: ChatRequest) -> str:
    """The display name of the role the brief addresses (``Intake`` for classification)."""
    match = _ROLE.search(request.text("user"))
    return match[1] if match else "Intake"


def called_tools(request: ChatRequest) -> bool:
    """Whether this stage's model already asked for tools (seen even if tool results are
    dropped by the server)."""
    return any(m.get("role") == "assistant" and m.get("tool_calls") for m in request.messages)


def answer(
    tool: str, request: ChatRequest, *, assign: tuple[str, ...], resolved: bool
) -> dict[str, Any]:
    role = role_of(request)
    if tool == "IntakeDecision":
        kind = "incident" if "502" in request.text("user") else "request"
        return {"kind": kind, "reason": "scripted classification"}
    if tool == "ArchitectDesign":
        return {
            "summary": "A primary and a hot standby with PITR.",
            "design": "Two nodes, streaming replication, WAL archiving.",
            "assignments": [{"role": r, "task": f"build the {r} part"} for r in assign],
            "change_type": "New",
            "component": "Database",
            "justification": "billing growth",
            "timeline": "2 weeks",
            "impact": "none during build",
            "risks": ["replication lag: alert on lag"],
            "rollback_plan": "destroy the new cluster",
        }
    if tool == "RoleReport":
        return {
            "summary": f"{role} finished its part.",
            "findings": [f"{role} finding [from the request]"],
            "actions": [f"{role} action"],
            "deliverable": f"{role} artifact",
        }
    if tool == "TriageDecision":
        return {
            "incident": "checkout 502s",
            "severity": "P1",
            "impact": "40% of checkout requests fail",
            "current_action": "checking the load balancer",
            "eta": "30 min",
            "component": "load balancer",
            "component_owner": "network-engineer",
            "resolved": resolved,
            "summary": "triaged",
            "findings": ["5xx ratio 0.4"],
        }
    return {
        "resolved": resolved,
        "escalate_reason": "" if resolved else "needs a decision",
        "summary": f"{role} step",
        "findings": [],
        "actions": [],
    }


def team_responder(
    style: Style | Callable[[str, str], Style] = "tool",
    *,
    assign: tuple[str, ...] = ("database-administrator", "network-engineer"),
    first_tools: dict[str, list[tuple[str, dict[str, Any]]]] | None = None,
    resolved: bool = False,
) -> Callable[[ChatRequest], Reply | Fault]:
    """A responder that plays every role.

    Args:
        style: How answers are given, or a function of (role display name, answer tool).
        assign: Specialists the architect assigns.
        first_tools: Role display name -> tool calls it makes before answering.
        resolved: Whether triage and escalation rungs resolve the incident.
    """

    def respond(request: ChatRequest) -> Reply | Fault:
        tool = answer_tool(request)
        role = role_of(request)
        if tool is None:
            return Fault.http(400, f"no answer tool in the request for {role}")
        planned = (first_tools or {}).get(role, [])
        if planned and not called_tools(request):
            return Reply(
                content=None,
                tool_calls=tuple(
                    ToolCallReply(name, args, id=f"call_{i}")
                    for i, (name, args) in enumerate(planned)
                ),
            )
        chosen = style(role, tool) if callable(style) else style
        data = answer(tool, request, assign=assign, resolved=resolved)
        if request.response_format and chosen == "tool":
            return Reply(content=json.dumps(data))  # provider-native: the JSON is the content
        if chosen == "prose":
            return Reply(
                content=f"As the {role}, I reviewed the request and would proceed carefully."
            )
        if chosen == "text":
            return Reply(content=json.dumps({"name": tool, "arguments": data}))
        if chosen == "fenced":
            return Reply(content=f"Here is my answer.\n```json\n{json.dumps(data)}\n```\nDone.")
        if chosen == "trailing":
            return Reply(
                tool_calls=(ToolCallReply(tool, json.dumps(data) + " I hope this helps!"),)
            )
        if chosen == "unreadable_then_tool" and not any(
            "was not run" in str(m.get("content")) for m in request.messages
        ):
            return Reply(tool_calls=(ToolCallReply(tool, "summary: done, findings: none"),))
        return Reply(tool_calls=(ToolCallReply(tool, data),))

    return respond
