"""Picks a stage's agent per brief: the one bound with the tools the request asks for.

A stage binds write tools (``infra_team.stages.WRITE_STAGES``) and capability tools
(``infra_team.stages.CAPABILITY_REQUESTS``) only when the request asks for them. The
agent without them is built with the graph; an agent for a set of asked tools is built
the first time a request asks for that set and kept for the graph's life (the sets are
few: a stage lists a handful of such tools and binds at most a few at once). The brief's
request decides which one runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from infra_team.graph._checkpoints import mark_pausable, pausable, role_agent_config
from infra_team.graph._schemas import BRIEF_KEY
from infra_team.stages import on_request_tools, request_key, write_variants

RequestKey = tuple[frozenset[str], tuple[str, ...]]
"""The write tools and capability tools a request asks for at one stage."""


def route_by_request(
    role: str, stage: str, build: Callable[[frozenset[str], tuple[str, ...]], Runnable[Any, Any]]
) -> Runnable[Any, Any]:
    """The only agent when the stage binds nothing on request; else a router to the agent
    bound with what the request asks for, built by ``build(writes, asked)`` once per key."""
    plain = build(frozenset(), ())
    may_write = any(write_variants(role, stage))
    if not may_write and not on_request_tools(role, stage):
        return plain
    agents: dict[RequestKey, Runnable[Any, Any]] = {(frozenset(), ()): plain}
    lock = threading.Lock()

    def choose(state: dict[str, Any]) -> Runnable[Any, Any]:
        key = request_key(role, stage, _request(state))
        agent = agents.get(key)
        if agent is None:
            with lock:
                agent = agents.get(key)
                if agent is None:
                    agent = agents[key] = build(*key)
        return agent

    def invoke(state: dict[str, Any], config: RunnableConfig) -> Any:
        agent = choose(state)
        return agent.invoke(state, role_agent_config(config, agent))

    async def ainvoke(state: dict[str, Any], config: RunnableConfig) -> Any:
        agent = choose(state)
        return await agent.ainvoke(state, role_agent_config(config, agent))

    router = RunnableLambda(invoke, afunc=ainvoke, name="stage-agent")
    if may_write or pausable(plain):
        mark_pausable(router)  # the checkpointer reaches the router; it decides per agent
    return router


def _request(state: dict[str, Any]) -> str:
    """The request of the brief that starts the stage (its first message)."""
    messages: list[BaseMessage] = state.get("messages", [])
    if not messages:
        return ""
    brief = messages[0].additional_kwargs.get(BRIEF_KEY) or {}
    return str(brief.get("request") or messages[0].text)
