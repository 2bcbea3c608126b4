"""The graph's edges and the agents' ``escalates_to`` keys describe the same ladder."""

from __future__ import annotations

from infra_team.graph.team import HUMAN, build_team_graph
from infra_team.models import resolve_models
from infra_team.registry import SPECIALISTS, registry


def _edges() -> set[tuple[str, str]]:
    graph = build_team_graph(resolve_models("offline").models).get_graph()
    return {(edge.source, edge.target) for edge in graph.edges}


def test_every_escalates_to_is_an_edge_of_the_graph():
    edges = _edges()
    for spec in registry().values():
        if spec.escalates_to is None:
            continue
        if spec.escalates_to == "component-owner":
            targets = set(SPECIALISTS)
        elif spec.escalates_to == "human":
            targets = {HUMAN}
        else:
            targets = {spec.escalates_to}
        if spec.name == "automation-engineer":
            continue  # codifies in the request flow; has no incident rung of its own
        for target in targets:
            assert (spec.name, target) in edges, f"{spec.name} -> {target}"


def test_the_request_flow_is_wired_in_the_seed_order():
    edges = _edges()
    for specialist in SPECIALISTS:
        assert ("infrastructure-architect", specialist) in edges
        assert (specialist, "automation-engineer") in edges
    assert ("automation-engineer", "site-reliability-engineer") in edges
    assert ("site-reliability-engineer", "gates") in edges
    assert ("gates", "__end__") in edges  # the gates node writes the report
