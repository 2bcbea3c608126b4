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

from infra_team.scrub import scrub_obj
from infra_team.tools import ToolResult, parse_tool_output


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


def tool_result(message: ToolMessage) -> dict[str, Any]:
    """A tool message's result as a dict: from its artifact, the ``ToolResult`` whose JSON
    is the message's content, when the tool returned one; else read from the content."""
    if isinstance(message.artifact, ToolResult):
        return message.artifact.model_dump(mode="json")
    try:
        return parse_tool_output(message.content).model_dump(mode="json")
    except ValueError:
        return {"tool": message.name or "", "status": message.status, "summary": ""}
