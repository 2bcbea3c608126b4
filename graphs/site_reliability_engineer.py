"""LangGraph Server entry: the supervisor graph, entered at the Site Reliability Engineer."""

from infra_team import build_graph

graph = build_graph("site-reliability-engineer")
