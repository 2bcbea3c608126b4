"""The four patterns of the side-by-side benchmark, each run on the scripted model.

- ``floor``: the documented flow hand-built as a plain ``StateGraph``. Each role runs its
  one tool in code and makes one model call with a short prompt; no tool schemas are sent.
- ``create_supervisor``: langgraph-supervisor's supervisor, handing off to six
  ``create_agent`` role agents one at a time.
- ``deepagents``: a ``create_deep_agent`` host delegating to six role subagents with
  ``task`` (the specialists in one parallel turn).
- ``infra-team``: this package's team graph, as ``atask`` runs it.

The references give each role its own one tool and, as its prompt, the Purpose section
of its agents/ file: the least a role needs. infra-team sends its stage prompts.
"""

from __future__ import annotations

import re
import uuid
import warnings
from collections.abc import Awaitable, Callable
from functools import cache
from operator import add
from typing import Annotated, Any, TypedDict

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from bench._scripted import (
    ARCHITECT,
    AUTOMATION,
    ROLES,
    SPECIALISTS,
    SRE,
    TOOL_CALLS,
    ScriptedChatModel,
)

REQUEST = "New PostgreSQL cluster for billing with a hot standby and PITR"
INCIDENT = "checkout returns 502 for 40% of requests"
RECURSION_LIMIT = 100

Runner = Callable[[BaseCheckpointSaver[Any] | None], Awaitable[object]]
"""Runs one team request, with a checkpointer or without."""


@cache
def purpose(role: str) -> str:
    """The Purpose section of a role's agents/ file: the references' role prompt."""
    from infra_team.registry import registry

    body = registry()[role].body
    match = re.search(r"## Purpose\s*\n(.*?)(?=\n## )", body, re.DOTALL)
    return match[1].strip() if match else body[:600]


def _tool(role: str) -> Any:
    from infra_team.tools import TOOL_CATALOG

    return TOOL_CATALOG[TOOL_CALLS[role][0][0]]


def _config(checkpointer: BaseCheckpointSaver[Any] | None) -> dict[str, Any]:
    config: dict[str, Any] = {"recursion_limit": RECURSION_LIMIT}
    if checkpointer is not None:
        config["configurable"] = {"thread_id": uuid.uuid4().hex}
    return config


# --- floor --------------------------------------------------------------------------------


class _FloorState(TypedDict, total=False):
    request: str
    role: str
    reports: Annotated[list[str], add]


def _floor_graph(model: ScriptedChatModel, checkpointer: BaseCheckpointSaver[Any] | None) -> Any:
    def node(role: str) -> Callable[[_FloorState], Awaitable[dict[str, Any]]]:
        async def run(state: _FloorState) -> dict[str, Any]:
            _, args = TOOL_CALLS[role][0]
            result = await _tool(role).ainvoke(args)
            brief = "\n\n".join([state["request"], *state.get("reports", []), str(result)])
            messages = [SystemMessage(purpose(role)), HumanMessage(brief)]
            answer = await model.ainvoke(messages, {"metadata": {"lc_agent_name": role}})
            return {"reports": [str(answer.content)]}

        return run

    builder = StateGraph(_FloorState)
    for role in ROLES:
        builder.add_node(role, node(role))
    builder.add_edge(START, ARCHITECT)
    builder.add_conditional_edges(
        ARCHITECT, lambda s: [Send(r, s) for r in SPECIALISTS], list(SPECIALISTS)
    )
    builder.add_edge(list(SPECIALISTS), AUTOMATION)
    builder.add_edge(AUTOMATION, SRE)
    builder.add_edge(SRE, END)
    return builder.compile(checkpointer=checkpointer)


# --- langgraph-supervisor -------------------------------------------------------------------


def _supervisor_graph(
    model: ScriptedChatModel, checkpointer: BaseCheckpointSaver[Any] | None
) -> Any:
    from langchain.agents import create_agent
    from langgraph_supervisor import create_supervisor

    agents = [create_agent(model, [_tool(r)], system_prompt=purpose(r), name=r) for r in ROLES]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workflow = create_supervisor(
            agents,
            model=model,
            prompt="You lead the Infrastructure & Operations team. Hand the request to the "
            "architect, then each specialist, the automation engineer and the site "
            "reliability engineer, in that order.",
        )
    return workflow.compile(checkpointer=checkpointer)


# --- deepagents ---------------------------------------------------------------------------


def _deepagents_graph(
    model: ScriptedChatModel, checkpointer: BaseCheckpointSaver[Any] | None
) -> Any:
    from deepagents import create_deep_agent

    subagents = [
        {
            "name": role,
            "description": purpose(role).split(". ")[0] + ".",
            "system_prompt": purpose(role),
            "tools": [_tool(role)],
        }
        for role in ROLES
    ]
    return create_deep_agent(
        model,
        [],
        system_prompt="You lead the Infrastructure & Operations team. Delegate each part "
        "of the request to the role that owns it.",
        subagents=subagents,  # type: ignore[arg-type]
        checkpointer=checkpointer,
    )


# --- runners --------------------------------------------------------------------------------


def _graph_runner(
    build: Callable[[ScriptedChatModel, BaseCheckpointSaver[Any] | None], Any],
    model: ScriptedChatModel,
    key: str,
) -> Runner:
    graphs: dict[int, Any] = {}

    async def run(checkpointer: BaseCheckpointSaver[Any] | None) -> object:
        graph = graphs.get(id(checkpointer))
        if graph is None:
            graph = graphs[id(checkpointer)] = build(model, checkpointer)
        return await graph.ainvoke({key: _input(key)}, _config(checkpointer))

    return run


def _input(key: str) -> Any:
    return REQUEST if key == "request" else [HumanMessage(REQUEST)]


def infra_team_runner(model: ScriptedChatModel, request: str = REQUEST) -> Runner:
    """infra-team as a host calls it: ``atask`` (its own in-memory checkpointer when
    none is given is replaced here by no checkpointer at all, to time the graph alone)."""
    from infra_team import atask
    from infra_team.graph.team import build_team_graph

    models = dict.fromkeys(("infrastructure-team", *ROLES), model)
    graph = build_team_graph(models)

    async def run(checkpointer: BaseCheckpointSaver[Any] | None) -> object:
        if checkpointer is None:
            state = {"subagent_type": "infrastructure-team", "description": request}
            result = await graph.ainvoke(state, {"recursion_limit": RECURSION_LIMIT})
            if not result.get("report") or result.get("error"):
                msg = f"infra-team run failed: {result.get('error')}"
                raise RuntimeError(msg)
            return result
        result = await atask(
            "infrastructure-team", request, model=models, checkpointer=checkpointer
        )
        if result.status not in ("completed", "interrupted"):
            msg = f"infra-team run ended {result.status}"
            raise RuntimeError(msg)
        return result

    return run


def runners(latency: float) -> dict[str, Runner]:
    """Every pattern on one scripted model with ``latency`` seconds per call."""
    model = ScriptedChatModel(latency=latency)
    return {
        "floor": _graph_runner(_floor_graph, model, "request"),
        "create_supervisor": _graph_runner(_supervisor_graph, model, "messages"),
        "deepagents": _graph_runner(_deepagents_graph, model, "messages"),
        "infra-team": infra_team_runner(model),
    }
