"""LangGraph Server entry: the supervisor graph, entered at the Automation Engineer."""

from infra_team import build_graph

graph = build_graph("automation-engineer")
