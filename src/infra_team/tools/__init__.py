"""Every role's tools, by name. A role's toolset is the ``tools:`` line of its agents/ file."""

from __future__ import annotations

from langchain_core.tools import BaseTool

from infra_team.tools import (
    automation_engineer,
    database_administrator,
    infrastructure_architect,
    integrations,
    network_engineer,
    reporting,
    site_reliability_engineer,
    systems_administrator,
)
from infra_team.tools._base import ToolResult, parse_tool_output, writes

_MODULES = (
    infrastructure_architect,
    systems_administrator,
    network_engineer,
    database_administrator,
    site_reliability_engineer,
    automation_engineer,
    integrations,
    reporting,
)


def _catalog() -> dict[str, BaseTool]:
    catalog: dict[str, BaseTool] = {}
    for module in _MODULES:
        for tool in module.TOOLS:
            if tool.name in catalog:
                msg = f"tool name `{tool.name}` is defined twice; tool names must be unique"
                raise ValueError(msg)
            catalog[tool.name] = tool
    return catalog


TOOL_CATALOG: dict[str, BaseTool] = _catalog()


def get_tools(role: str) -> list[BaseTool]:
    """The tools of one subagent type, as listed in its agents/ file."""
    from infra_team.registry import resolve_role

    return [TOOL_CATALOG[name] for name in resolve_role(role).tools]


__all__ = ["TOOL_CATALOG", "ToolResult", "get_tools", "parse_tool_output", "writes"]
