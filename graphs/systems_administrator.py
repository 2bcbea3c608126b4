"""LangGraph Server entry: the supervisor graph, entered at the Systems Administrator."""

from infra_team import build_graph

graph = build_graph("systems-administrator")
