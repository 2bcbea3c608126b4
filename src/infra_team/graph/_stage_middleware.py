"""The role agents' model and tool hooks with as few thread-pool hops as possible.

``create_agent`` wraps every middleware ``wrap_*`` hook for tracing, and each wrapped
async hook moves to a worker thread twice per call, tracing on or off. So the retry and
the scrubbing of a model response are one hook (``RetryScrubMiddleware``), and the
progress events of tool calls come from a callback handler that runs inline
(``ToolEventsCallback``) instead of a ``wrap_tool_call`` hook.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from langchain.agents.middleware import ModelRequest, ModelResponse, ModelRetryMiddleware
from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig

from infra_team.graph._middleware import ScrubOutputMiddleware, emit, tool_result


class RetryScrubMiddleware(ModelRetryMiddleware):
    """``ModelRetryMiddleware`` around ``ScrubOutputMiddleware``, as one hook: each try
    is scrubbed (and its tokens streamed scrubbed) before the response enters the state."""

    def __init__(self, role: str, *, max_retries: int) -> None:
        super().__init__(max_retries=max_retries, on_failure="error")
        self.scrub = ScrubOutputMiddleware(role)

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any] | AIMessage:
        def scrubbed(inner: ModelRequest[Any]) -> ModelResponse[Any]:
            return self.scrub.wrap_model_call(inner, handler)

        return super().wrap_model_call(request, scrubbed)

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any] | AIMessage:
        async def scrubbed(inner: ModelRequest[Any]) -> ModelResponse[Any]:
            return await self.scrub.awrap_model_call(inner, handler)

        return await super().awrap_model_call(request, scrubbed)


class ToolEventsCallback(BaseCallbackHandler):
    """Reports each tool call of one role and its outcome as progress events."""

    run_inline = True  # in the tool's own context, where the stream writer lives

    def __init__(self, role: str) -> None:
        self.role = role
        self._names: dict[UUID, str] = {}

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = str((serialized or {}).get("name") or kwargs.get("name") or "")
        self._names[run_id] = name
        emit({"type": "tool_called", "role": self.role, "tool": name, "args": inputs or {}})

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        name = self._names.pop(run_id, "")
        if isinstance(output, ToolMessage):
            result = tool_result(output)
            emit(
                {
                    "type": "tool_result",
                    "role": self.role,
                    "tool": output.name or name,
                    "status": result.get("status", output.status),
                    "text": result.get("summary", ""),
                }
            )

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._names.pop(run_id, None)


def with_tool_events(config: RunnableConfig, role: str) -> RunnableConfig:
    """``config`` with a ``ToolEventsCallback`` for ``role`` added to its callbacks."""
    handler = ToolEventsCallback(role)
    callbacks = config.get("callbacks")
    if isinstance(callbacks, BaseCallbackManager):
        manager = callbacks.copy()
        manager.add_handler(handler, inherit=True)
        return {**config, "callbacks": manager}
    return {**config, "callbacks": [*(callbacks or []), handler]}
