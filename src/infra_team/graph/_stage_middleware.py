"""Tool progress events of the role agents, with as few thread-pool hops as possible.

``create_agent`` wraps every middleware ``wrap_*`` hook for tracing, and each wrapped
async hook moves to a worker thread twice per call, tracing on or off. So the progress
events of tool calls come from a callback handler that runs inline (``ToolEventsCallback``)
instead of a ``wrap_tool_call`` hook. (Failed model calls are retried by the provider's
client alone; the team adds no retry layer.)
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager
from langchain_core.messages import ToolMessage
from langchain_core.runnables import RunnableConfig

from infra_team.graph._middleware import tool_result
from infra_team.graph._progress import emit


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
