"""LangGraph Server entry: the supervisor graph, entered at the whole team."""

from infra_team import build_graph

graph = build_graph("infrastructure-team")
