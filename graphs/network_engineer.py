"""LangGraph Server entry: the supervisor graph, entered at the Network Engineer."""

from infra_team import build_graph

graph = build_graph("network-engineer")
