"""Whether a run's callbacks have anyone to tell.

A callback manager with no handler (no tracer, no ``astream_events``, no ``messages``
stream, no host callbacks) is what LangGraph hands a graph's tasks when nobody listens:
tracing switched on by the environment or a tracing context is a handler the graph's run
manager already holds. Work done only for the listeners (a traced run per node and edge,
a tool run per tool call) can be skipped then.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import BaseCallbackManager


def unheard(callbacks: Any) -> bool:
    """Whether ``callbacks`` (a config's) is a manager without any handler; a list, or
    no callbacks at all, counts as heard (the environment may still add a tracer)."""
    return (
        isinstance(callbacks, BaseCallbackManager)
        and not callbacks.handlers
        and not callbacks.inheritable_handlers
    )
