"""Tool progress events of the role agents, with as few thread-pool hops as possible.

``create_agent`` wraps every middleware ``wrap_*`` hook for tracing, and each wrapped
async hook moves to a worker thread twice per call, tracing on or off. So the progress
events of tool calls come from a callback handler that runs inline (``ToolEventsCallback``)
instead of a ``wrap_tool_call`` hook, and the role agents' wrap hooks are composed into one
middleware (``ComposedCallMiddleware``) whose two hops per call stay on the event loop's
thread while tracing is off (``inline_hooks``). (Failed model calls are retried by the provider's
client alone; the team adds no retry layer.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import Context, ContextVar
from functools import partial
from typing import Any
from uuid import UUID

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager
from langchain_core.messages import ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from langsmith.utils import tracing_is_enabled

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


class ComposedCallMiddleware(AgentMiddleware[Any, Any, Any]):
    """Several middlewares' ``wrap_model_call`` and ``wrap_tool_call`` hooks as one.

    ``create_agent`` wraps each middleware's ``wrap_*`` hook in a LangSmith ``traceable``,
    whose async form moves to a worker thread twice per call, tracing on or off: three
    model-call middlewares cost six thread-pool hops per model call. Composed here, in
    the order given (the first outermost, as in ``create_agent``'s list), they cost two.
    Only the wrap hooks are composed; the parts must define no node hooks, state or tools.
    """

    def __init__(self, *parts: AgentMiddleware[Any, Any, Any]) -> None:
        super().__init__()
        for part in parts:
            if _node_hooks(part) or getattr(part, "tools", None):
                msg = f"{type(part).__name__} has node hooks or tools; add it on its own"
                raise ValueError(msg)
        self.parts = parts
        self._model = [p for p in parts if _overrides(p, "wrap_model_call", "awrap_model_call")]
        self._tool = [p for p in parts if _overrides(p, "wrap_tool_call", "awrap_tool_call")]

    @property
    def name(self) -> str:
        return "+".join(type(part).__name__ for part in self.parts)

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        for part in reversed(self._model):
            handler = partial(part.wrap_model_call, handler=handler)
        return handler(request)

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        for part in reversed(self._model):
            handler = partial(part.awrap_model_call, handler=handler)
        return await handler(request)

    def wrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], ToolMessage | Command[Any]],
    ) -> ToolMessage | Command[Any]:
        for part in reversed(self._tool):
            handler = partial(part.wrap_tool_call, handler=handler)
        return handler(request)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        for part in reversed(self._tool):
            handler = partial(part.awrap_tool_call, handler=handler)
        return await handler(request)


_NODE_HOOKS = ("before_agent", "before_model", "after_model", "after_agent")


def _overrides(part: AgentMiddleware[Any, Any, Any], *hooks: str) -> bool:
    return any(getattr(type(part), hook) is not getattr(AgentMiddleware, hook) for hook in hooks)


def _node_hooks(part: AgentMiddleware[Any, Any, Any]) -> bool:
    return any(_overrides(part, hook, f"a{hook}") for hook in _NODE_HOOKS)


# --- the two hops that remain ----------------------------------------------------------

_INLINE_HOOKS: ContextVar[bool] = ContextVar("infra_team_inline_hooks", default=False)
"""Set while a role agent of the team graph runs (``inline_hooks``)."""


async def _aio_to_thread(
    default: Callable[..., Awaitable[Any]],
    ctx: Context,
    func: Callable[..., Any],
    /,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """LangSmith's bookkeeping around a traced call, run inline instead of in a worker
    thread while a role agent runs and tracing is off (it then only checks that tracing is
    off); in any other case LangSmith's own implementation, unchanged."""
    if _INLINE_HOOKS.get() and not tracing_is_enabled():
        return ctx.run(func, *args, **kwargs)
    return await default(ctx, func, *args, **kwargs)


def install_inline_hooks() -> None:
    """Install ``_aio_to_thread`` as LangSmith's ``aio_to_thread`` runtime override
    (``langsmith.set_runtime_overrides``), unless the host installed its own."""
    try:
        from langsmith._runtime_overrides import get_runtime_overrides, set_runtime_overrides
    except ImportError:  # a LangSmith without runtime overrides: the hops stay
        return
    current = get_runtime_overrides().aio_to_thread
    if current is None:
        set_runtime_overrides(aio_to_thread=_aio_to_thread)


@contextmanager
def inline_hooks() -> Iterator[None]:
    """Within this block (a role agent's run), untraced middleware bookkeeping stays on
    the event loop's thread."""
    token = _INLINE_HOOKS.set(True)
    try:
        yield
    finally:
        _INLINE_HOOKS.reset(token)
