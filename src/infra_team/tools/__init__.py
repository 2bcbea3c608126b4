"""Every tool of the team, by name.

Layout: one thin catalogue module per role (``<role>.py``, a ``TOOLS`` tuple of wrappers);
``analysers/`` holds the deterministic analysers they call, ``integrations/`` the HTTP
clients of configured services, ``live/`` the read-only readers of live systems. The
plumbing every tool shares sits here: ``_base`` (results, the decorator, approvals),
``_limits`` (bounded inputs), ``_redact`` (secrets out of output) and ``_writes`` (the
ledger that keeps an approved write from happening twice). A role's toolset (its
``tools:`` line) is resolved by ``infra_team.toolsets``.
"""

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
from infra_team.tools._base import ToolResult, is_live, needed_settings, parse_tool_output, writes

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


__all__ = [
    "TOOL_CATALOG",
    "ToolResult",
    "is_live",
    "needed_settings",
    "parse_tool_output",
    "writes",
]
