"""Progress events (role started/finished, tool calls, scrubbed tokens) on the ``custom``
stream, delivered the same way with or without subgraph streaming.

A role agent runs as a subgraph inside its team node. LangGraph tags what a subgraph
writes with the subgraph's namespace, and a client that does not stream subgraphs
(langgraph-sdk's default, ``stream_subgraphs=False``) never receives it: it would see the
roles start and finish but none of their tool calls or tokens. While a team node runs its
role agent (``node_events``), every event the agent emits is written through the node's
own writer under the node's namespace, so ``stream_mode=["custom", ...]`` carries all of
them, exactly once, whether or not the client asks for subgraphs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from langchain_core.runnables.config import var_child_runnable_config
from langgraph.config import get_config, get_stream_writer

_NODE_WRITER: ContextVar[Callable[[Any], None] | None] = ContextVar(
    "infra_team_node_writer", default=None
)
"""The writer of the team node whose role agent is running, if any."""


@contextlib.contextmanager
def node_events() -> Iterator[None]:
    """Inside a team node: send what the role agent emits as the node's own events."""
    try:
        writer, config = get_stream_writer(), get_config()
    except RuntimeError:  # outside a graph run: nothing listens
        yield
        return
    if _does_nothing(writer):
        token = _NODE_WRITER.set(_unheard)
        try:
            yield
        finally:
            _NODE_WRITER.reset(token)
        return

    def write(event: Any) -> None:
        # LangGraph derives an event's namespace from the current config: use the node's.
        scope = var_child_runnable_config.set(config)
        try:
            writer(event)
        finally:
            var_child_runnable_config.reset(scope)

    token = _NODE_WRITER.set(write)
    try:
        yield
    finally:
        _NODE_WRITER.reset(token)


def _unheard(event: Any) -> None:
    # The node's writer when nobody streams ``custom`` events. No docstring: its code is
    # the reference of a function that does nothing (``_does_nothing``).
    pass


def _does_nothing(writer: Callable[[Any], None]) -> bool:
    """Whether a stream writer is a function whose body does nothing, compiled as
    ``_unheard`` is: the writer LangGraph gives a node when the run does not stream
    ``custom`` events (a writer it wraps, or any other, counts as listened to)."""
    code = getattr(writer, "__code__", None)
    reference = _unheard.__code__
    return (
        code is not None
        and code.co_code == reference.co_code
        and code.co_consts[:1] == reference.co_consts[:1]
    )


def listening() -> bool:
    """Whether the progress events emitted here reach anyone: false outside a graph run
    and in a run that does not stream ``custom`` events, where ``emit`` does nothing."""
    write = _NODE_WRITER.get()
    if write is not None:
        return write is not _unheard
    try:
        return not _does_nothing(get_stream_writer())
    except RuntimeError:
        return False


def emit(event: dict[str, Any]) -> None:
    """Send a progress event to ``stream_mode="custom"`` listeners (no-op otherwise)."""
    write = _NODE_WRITER.get()
    if write is not None:
        write(event)
        return
    try:
        get_stream_writer()(event)
    except RuntimeError:  # outside a streamed graph run
        return
