"""LangGraph Server entry: the supervisor graph, entered at the Infrastructure Architect."""

from infra_team import build_graph

graph = build_graph("infrastructure-architect")
