"""Picks a stage's agent per brief: the one bound with write tools only when asked.

A stage that may propose writes (``infra_team.stages.WRITE_STAGES``) is built twice,
once without its write tools and once with them; both are built with the graph, so no
run rebuilds an agent. The brief's request decides which one runs.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from infra_team.graph._checkpoints import mark_pausable, pausable, role_agent_config
from infra_team.graph._schemas import BRIEF_KEY
from infra_team.stages import requested_writes


def route_by_writes(variants: dict[frozenset[str], Runnable[Any, Any]]) -> Runnable[Any, Any]:
    """The only agent when there is one; else a router to the variant the request needs."""
    if len(variants) == 1:
        return next(iter(variants.values()))
    plain = variants[frozenset()]
    writing = max(variants.items(), key=lambda item: len(item[0]))[1]

    def choose(state: dict[str, Any]) -> Runnable[Any, Any]:
        return writing if requested_writes(_request(state)) else plain

    def invoke(state: dict[str, Any], config: RunnableConfig) -> Any:
        agent = choose(state)
        return agent.invoke(state, role_agent_config(config, agent))

    async def ainvoke(state: dict[str, Any], config: RunnableConfig) -> Any:
        agent = choose(state)
        return await agent.ainvoke(state, role_agent_config(config, agent))

    router = RunnableLambda(invoke, afunc=ainvoke, name="stage-agent")
    if any(pausable(agent) for agent in variants.values()):
        mark_pausable(router)  # the checkpointer reaches the router; it decides per agent
    return router


def _request(state: dict[str, Any]) -> str:
    """The request of the brief that starts the stage (its first message)."""
    messages: list[BaseMessage] = state.get("messages", [])
    if not messages:
        return ""
    brief = messages[0].additional_kwargs.get(BRIEF_KEY) or {}
    return str(brief.get("request") or messages[0].text)
