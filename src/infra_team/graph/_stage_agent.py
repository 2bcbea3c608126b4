"""Picks a stage's agent per brief: the one bound with the tools the request asks for.

A stage binds write tools (``infra_team.stages.WRITE_STAGES``) and capability tools
(``infra_team.stages.CAPABILITY_REQUESTS``) only when the request asks for them, and its
live tools only when their system is configured (``infra_team.stages.request_key``). The
agent without them is built with the graph; an agent for another set is built the first
time a run needs that set and kept for the graph's life (the sets are few: a stage lists
a handful of such tools). The brief's request and the settings decide which one runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from infra_team.stages import on_request_tools, request_key, write_variants

RequestKey = tuple[frozenset[str], tuple[str, ...]]
"""The write tools a request asks for at one stage; the capability tools it asks for and
the configured live tools."""

AgentT = TypeVar("AgentT")


class StageAgents(Generic[AgentT]):
    """The agents of one role at one stage, one per set of tools a request asks for,
    each built by ``build(writes, asked)`` the first time it is picked."""

    def __init__(
        self, role: str, stage: str, build: Callable[[frozenset[str], tuple[str, ...]], AgentT]
    ) -> None:
        self.role, self.stage, self._build = role, stage, build
        self.plain = build(frozenset(), ())
        self._routed = any(write_variants(role, stage)) or bool(on_request_tools(role, stage))
        self._agents: dict[RequestKey, AgentT] = {(frozenset(), ()): self.plain}
        self._lock = threading.Lock()

    def pick(self, request: str) -> AgentT:
        """The agent bound with what ``request`` (scrubbed, as the state holds it) asks for."""
        if not self._routed:
            return self.plain
        key = request_key(self.role, self.stage, request)
        agent = self._agents.get(key)
        if agent is None:
            with self._lock:
                agent = self._agents.get(key)
                if agent is None:
                    agent = self._agents[key] = self._build(*key)
        return agent
