"""Nodes and edges of the team graph open a traced run only when a handler hears it
(``graph._callable``): a host's callbacks still see every node, edge and model call."""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph

from infra_team.graph._callable import heard_callable


class _Chains(BaseCallbackHandler):
    def __init__(self) -> None:
        self.names: list[str] = []

    def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self.names.append(str(kwargs.get("name")))


class _State(TypedDict, total=False):
    n: int
    config_keys: list[str]


def _step(state: _State, config: RunnableConfig) -> dict[str, Any]:
    return {"n": state.get("n", 0) + 1, "config_keys": sorted(config)}


async def _astep(state: _State, config: RunnableConfig) -> dict[str, Any]:
    return _step(state, config)


def _route(state: _State) -> str:
    return END if state["n"] >= 2 else "step"


async def _aroute(state: _State) -> str:
    return _route(state)


def _graph() -> Any:
    builder = StateGraph(_State)
    builder.add_node("step", heard_callable(_step, _astep, name="step"))
    builder.add_edge(START, "step")
    builder.add_conditional_edges("step", heard_callable(_route, _aroute, name="route"))
    return builder.compile()


def test_unheard_nodes_and_edges_give_the_same_result() -> None:
    graph = _graph()
    heard = _Chains()
    quiet = graph.invoke({})
    traced = graph.invoke({}, {"callbacks": [heard]})
    assert quiet == traced
    assert quiet["n"] == 2
    assert asyncio.run(graph.ainvoke({})) == quiet


def test_a_host_handler_sees_each_node_and_edge_run() -> None:
    for run in (
        lambda g, c: g.invoke({}, c),
        lambda g, c: asyncio.run(g.ainvoke({}, c)),
    ):
        heard = _Chains()
        run(_graph(), {"callbacks": [heard]})
        # LangGraph's task run of the node, the node's own run, then the edge's run.
        assert heard.names.count("step") == 4
        assert heard.names.count("route") == 2
