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

from infra_team.graph._schemas import SOLO_SCHEMAS
from infra_team.stages import on_request_tools, request_key, write_variants

RequestKey = tuple[frozenset[str], tuple[str, ...], bool]
"""The write tools a request asks for at one stage; the capability tools it asks for and
the configured live tools; whether the role works alone (its answer schema may differ)."""

AgentT = TypeVar("AgentT")


class StageAgents(Generic[AgentT]):
    """The agents of one role at one stage, one per set of tools a request asks for and
    per flow (alone or in the team), each built by ``build(writes, asked, solo)`` the
    first time it is picked."""

    def __init__(
        self,
        role: str,
        stage: str,
        build: Callable[[frozenset[str], tuple[str, ...], bool], AgentT],
    ) -> None:
        self.role, self.stage, self._build = role, stage, build
        self.plain = build(frozenset(), (), False)
        self._routed = any(write_variants(role, stage)) or bool(on_request_tools(role, stage))
        self._solo = stage in SOLO_SCHEMAS
        self._agents: dict[RequestKey, AgentT] = {(frozenset(), (), False): self.plain}
        self._lock = threading.Lock()

    def pick(self, request: str, solo: bool = False) -> AgentT:
        """The agent bound with what ``request`` (scrubbed, as the state holds it) asks
        for, answering in the schema of its flow (``solo``: no architect's design)."""
        solo = solo and self._solo
        if not self._routed and not solo:
            return self.plain
        writes, asked = (
            request_key(self.role, self.stage, request) if self._routed else (frozenset(), ())
        )
        key = (writes, asked, solo)
        agent = self._agents.get(key)
        if agent is None:
            with self._lock:
                agent = self._agents.get(key)
                if agent is None:
                    agent = self._agents[key] = self._build(*key)
        return agent
