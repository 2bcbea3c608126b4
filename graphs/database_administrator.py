"""LangGraph Server entry: the supervisor graph, entered at the Database Administrator."""

from infra_team import build_graph

graph = build_graph("database-administrator")
