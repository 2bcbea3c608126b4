"""Graph nodes and edges that open a traced run only when someone hears it.

LangGraph traces each conditional edge, and a node wrapped as a traced ``RunnableCallable``,
as a run of its own: a callback manager, a chain start and end, and an asyncio task to run
the function in the run's context. With no callback handler on the run (no tracer, no
``astream_events``, no ``messages`` stream, no host callbacks) nobody sees that run, and at
zero model latency the fifteen such runs of a team request were a tenth of its time.
``heard_callable`` runs the function directly then; with any handler it runs exactly as
LangGraph's own traced callable does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph._internal._runnable import RunnableCallable

from infra_team._listeners import unheard


class _HeardCallable(RunnableCallable):
    """A traced ``RunnableCallable`` that runs untraced while no handler listens."""

    def __init__(
        self,
        func: Callable[..., Any],
        afunc: Callable[..., Awaitable[Any]],
        *,
        name: str,
    ) -> None:
        super().__init__(func, afunc, name=name, trace=True)
        self._untraced = RunnableCallable(func, afunc, name=name, trace=False)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        if _unheard(config):
            return self._untraced.invoke(input, config, **kwargs)
        return super().invoke(input, config, **kwargs)

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        if _unheard(config):
            return await self._untraced.ainvoke(input, config, **kwargs)
        return await super().ainvoke(input, config, **kwargs)


def _unheard(config: RunnableConfig | None) -> bool:
    """Whether a graph task's config carries a callback manager with no handler at all
    (``infra_team._listeners``). The run id a traced run would take is dropped all the
    same, so that no later run takes it."""
    if config is None or not unheard(config.get("callbacks")):
        return False
    config.pop("run_id", None)
    return True


def heard_callable(
    func: Callable[..., Any], afunc: Callable[..., Awaitable[Any]], *, name: str
) -> RunnableCallable:
    """A node or edge of ``func`` (sync) and ``afunc`` (async), traced when heard."""
    return _HeardCallable(func, afunc, name=name)
