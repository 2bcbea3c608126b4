"""The engine's next reply, decided from where the conversation stands.

1. No reply yet since the brief: call the planned tools, all in one message (parallel
   tool calls); with nothing to call, go straight to 2.
2. Tool results are in: answer with one call to the structured-output tool, its
   arguments composed from the results; without such a tool, answer in Markdown.
3. The structured output was rejected (a ToolStrategy retry): answer again once with the
   arguments refitted to the schema; rejected twice, explain in a plain message instead
   of looping.

Tool-call and message IDs are digests of the conversation, so the same conversation
always gets the same reply, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.messages.tool import ToolCall

from infra_team.offline._binding import BoundTool
from infra_team.offline._calls import PlannedCall
from infra_team.offline._compose import as_markdown, compose_output, evidence_for, fit_to
from infra_team.offline._conform import neutral_value
from infra_team.offline._conversation import Conversation, read_conversation
from infra_team.offline._plans import callable_now
from infra_team.offline._templates import OFFLINE_MARKER

MODEL_NAME = "offline"
MAX_SCHEMA_ATTEMPTS = 2
"""The first structured answer plus one deterministic retry."""


def digest(messages: Sequence[BaseMessage], bound: Sequence[BoundTool]) -> str:
    """A short fingerprint of the conversation's shape: message types, what people wrote,
    which tools were called, and the bound tools. Tool output is left out on purpose, so a
    tool that reports the current time does not change the engine's IDs."""
    hasher = hashlib.sha256()
    for message in messages:
        content = message.content if message.type in {"human", "system"} else ""
        calls = [call["name"] for call in getattr(message, "tool_calls", None) or []]
        text = content if isinstance(content, str) else json.dumps(content, default=str)
        for part in (message.type, text, ",".join(calls)):
            hasher.update(len(part).to_bytes(8, "big"))
            hasher.update(part.encode("utf-8", "surrogatepass"))
    hasher.update(",".join(t.name for t in bound).encode("utf-8"))
    return hasher.hexdigest()[:16]


def _message(
    key: str, *, content: str = "", calls: Sequence[tuple[str, dict[str, Any]]] = ()
) -> AIMessage:
    tool_calls = [
        ToolCall(name=name, args=args, id=f"call_{key}_{index}", type="tool_call")
        for index, (name, args) in enumerate(calls)
    ]
    return AIMessage(
        content=content,
        tool_calls=tool_calls,
        id=f"offline-{key}",
        response_metadata={
            "model_name": MODEL_NAME,
            "finish_reason": "tool_calls" if calls else "stop",
        },
    )


def _repaired(conversation: Conversation, args: dict[str, Any]) -> dict[str, Any]:
    """Arguments after a rejection: fitted again, and every field named in the error
    replaced by its schema's neutral value."""
    tool = conversation.schema_tool
    if tool is None:
        return args
    fitted = fit_to(tool, args)
    rejection = conversation.schema_rejections[-1] if conversation.schema_rejections else ""
    for name, schema in tool.properties.items():
        if re.search(rf"(?m)^{re.escape(name)}(?:\.\S*)?\s*$", rejection):
            fitted[name] = neutral_value(schema, tool.parameters)
    return fitted


def next_message(
    messages: Sequence[BaseMessage], bound: Sequence[BoundTool], tool_choice: object = None
) -> AIMessage:
    """The engine's reply to ``messages`` (see the module docstring)."""
    conversation = read_conversation(messages, bound, tool_choice)
    key = digest(messages, bound)
    schema = conversation.schema_tool
    if conversation.schema_accepted:
        return _message(key, content=f"The structured answer was accepted.\n\n{OFFLINE_MARKER}")
    if conversation.replies == 0:
        plan = evidence_for(conversation).plan
        calls: tuple[PlannedCall, ...] = callable_now(plan, bound)
        if calls:
            return _message(key, calls=[(call.name, call.args) for call in calls])
    output = compose_output(conversation)
    if schema is None:
        return _message(key, content=as_markdown(conversation, output))
    attempts = len(conversation.schema_rejections)
    if attempts >= MAX_SCHEMA_ATTEMPTS:
        reason = conversation.schema_rejections[-1].strip()[:500]
        text = (
            f"The offline engine could not produce a valid `{schema.name}` after "
            f"{attempts} attempts. Last error: {reason}\n\n{OFFLINE_MARKER}"
        )
        return _message(key, content=text)
    args = _repaired(conversation, output) if attempts else fit_to(schema, output)
    return _message(key, calls=[(schema.name, args)])
