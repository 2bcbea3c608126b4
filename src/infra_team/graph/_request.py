"""The request as typed for a role's model and tools, scrubbed everywhere else.

A role agent's state (its messages, checkpointed under the role's namespace and shown by
subgraph streams) holds the brief scrubbed (:func:`shown_brief`). ``TypedRequestMiddleware``
sits innermost around the model and the tools: it gives the model the brief as the user
typed it, remembers the model's raw tool-call arguments before the response is scrubbed
on its way into the state, and gives the tool those raw arguments. So a DNS check of the
user's host checks that host, while every message, event and checkpoint shows the
scrubbed text. The raw texts live only in this process's memory (see ``infra_team.scrub``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command

from infra_team.scrub import raw_request, remember_request, scrub, scrub_obj

_RAW_ARGS: OrderedDict[str, dict[str, Any]] = OrderedDict()
_RAW_ARGS_LIMIT = 4096
_LOCK = threading.Lock()


def _remembered(value: Any) -> Any:
    """``value`` scrubbed as ``scrub_obj`` scrubs it, each string value remembered as typed
    (``remember_request`` scrubs it once for both)."""
    if isinstance(value, str):
        return remember_request(value)
    if isinstance(value, dict):
        return {
            scrub(key) if isinstance(key, str) else key: _remembered(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_remembered(item) for item in value)
    return scrub_obj(value)


def _typed(value: Any) -> Any:
    """Every string that :func:`remember_request` saw scrubbed, back as typed."""
    if isinstance(value, str):
        return raw_request(value)
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return value


def shown_brief(message: HumanMessage) -> HumanMessage:
    """The brief as the role agent's state holds it: scrubbed, the typed text remembered.
    A brief is its content and its typed form (``additional_kwargs``); any other field is
    scrubbed as it is."""
    shown = scrub_obj(
        message.model_copy(update={"content": "", "additional_kwargs": {}}, deep=False)
    )
    return shown.model_copy(
        update={
            "content": _remembered(message.content),
            "additional_kwargs": _remembered(message.additional_kwargs),
        }
    )


def _typed_message(message: AnyMessage) -> AnyMessage:
    if not isinstance(message, HumanMessage):
        return message
    return message.model_copy(
        update={
            "content": _typed(message.content),
            "additional_kwargs": _typed(message.additional_kwargs),
        }
    )


def _remember_args(response: ModelResponse[Any]) -> None:
    with _LOCK:
        for message in response.result:
            if isinstance(message, AIMessage):
                for call in message.tool_calls:
                    if call.get("id"):
                        _RAW_ARGS[str(call["id"])] = dict(call["args"])
                        _RAW_ARGS.move_to_end(str(call["id"]))
        while len(_RAW_ARGS) > _RAW_ARGS_LIMIT:
            _RAW_ARGS.popitem(last=False)


def _with_raw_args(request: ToolCallRequest) -> ToolCallRequest:
    call_id = str(request.tool_call.get("id") or "")
    with _LOCK:
        raw = _RAW_ARGS.pop(call_id, None)
    if raw is None:
        return request
    return request.override(tool_call={**request.tool_call, "args": raw})


class TypedRequestMiddleware(AgentMiddleware[Any, Any, Any]):
    """Innermost middleware of a role agent: the model and the tools work on what the
    user typed; what the state keeps is scrubbed by the middleware around it."""

    @staticmethod
    def _typed(request: ModelRequest[Any]) -> ModelRequest[Any]:
        return request.override(messages=[_typed_message(m) for m in request.messages])

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        response = handler(self._typed(request))
        _remember_args(response)
        return response

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        response = await handler(self._typed(request))
        _remember_args(response)
        return response

    def wrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]],
    ) -> ToolMessage | Command[Any]:
        return handler(_with_raw_args(request))

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        return await handler(_with_raw_args(request))
