"""Agent middleware of the role agents: scrubbing at the source, and progress events.

``ScrubOutputMiddleware`` scrubs internal identifiers from every model response.

Role agents that a host builds itself (deepagents' declarative subagents) do not run
through the supervisor graph, whose report node scrubs; this middleware gives them the
same guarantee at the source: the response is scrubbed before it enters the agent's
state, so neither the host's tool message nor a checkpoint holds an identifier.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import Token
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ensure_config, var_child_runnable_config
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command

from infra_team.graph._progress import emit
from infra_team.scrub import scrub_obj
from infra_team.tools import parse_tool_output


class ScrubOutputMiddleware(AgentMiddleware[Any, Any, Any]):
    """Scrubs the messages (text, tool call arguments) and structured output of each model call.

    With ``role`` set it also keeps the model's raw tokens off the host's ``messages``
    stream and passes them on scrubbed as ``custom`` token events: for role agents that a
    host runs itself (deepagents' declarative subagents), outside the supervisor graph.
    """

    def __init__(self, role: str | None = None) -> None:
        super().__init__()
        self.role = role

    def _scoped(self) -> Token[RunnableConfig | None] | None:
        if self.role is None:
            return None
        from infra_team.graph._tokens import with_scrubbed_tokens

        return var_child_runnable_config.set(with_scrubbed_tokens(ensure_config(), self.role))

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        token = self._scoped()
        try:
            return scrub_obj(handler(request))
        finally:
            if token is not None:
                var_child_runnable_config.reset(token)

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        token = self._scoped()
        try:
            return scrub_obj(await handler(request))
        finally:
            if token is not None:
                var_child_runnable_config.reset(token)


class ToolEventsMiddleware(AgentMiddleware[Any, Any, Any]):
    """Reports each tool call and its outcome as progress events."""

    def __init__(self, role: str) -> None:
        super().__init__()
        self.role = role

    def _called(self, request: ToolCallRequest) -> None:
        call = request.tool_call
        emit({"type": "tool_called", "role": self.role, "tool": call["name"], "args": call["args"]})

    def _finished(self, response: ToolMessage | Command[Any]) -> None:
        if isinstance(response, ToolMessage):
            result = tool_result(response)
            emit(
                {
                    "type": "tool_result",
                    "role": self.role,
                    "tool": response.name or "",
                    "status": result.get("status", response.status),
                    "text": result.get("summary", ""),
                }
            )

    def wrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]],
    ) -> ToolMessage | Command[Any]:
        self._called(request)
        response = handler(request)
        self._finished(response)
        return response

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        self._called(request)
        response = await handler(request)
        self._finished(response)
        return response


def tool_result(message: ToolMessage) -> dict[str, Any]:
    try:
        return parse_tool_output(message.content).model_dump(mode="json")
    except ValueError:
        return {"tool": message.name or "", "status": message.status, "summary": ""}
