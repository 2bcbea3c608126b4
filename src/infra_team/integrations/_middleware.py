"""Agent middleware that scrubs internal identifiers from every model response.

Role agents that a host builds itself (deepagents' declarative subagents) do not run
through the supervisor graph, whose report node scrubs; this middleware gives them the
same guarantee at the source: the response is scrubbed before it enters the agent's
state, so neither the host's tool message nor a checkpoint holds an identifier.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse

from infra_team.scrub import scrub_obj


class ScrubOutputMiddleware(AgentMiddleware):
    """Scrubs the messages (text, tool call arguments) and structured output of each model call."""

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        return scrub_obj(handler(request))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        return scrub_obj(await handler(request))
