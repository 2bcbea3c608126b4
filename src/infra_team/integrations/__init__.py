"""Host integrations: the team as a LangChain ``task`` tool, deepagents subagents, Claude Code
agent files and an MCP server, a LangGraph Server deployment.

``task_tool`` and ``export_claude_code`` need only the core package; the deepagents specs
(``infra_team.integrations.deepagents``) and the MCP server
(``infra_team.integrations.mcp_server``) live in their own modules because they serve the
optional extras ``infra-team[deepagents]`` and ``infra-team[mcp]``.

The three names below load on first use, so that starting the MCP server does not import
LangChain. ``task_tool`` is both a function and the submodule defining it; the package
keeps answering the function even after the submodule is imported (Python would otherwise
bind the submodule to that name).
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra_team.integrations.claude_code import export_claude_code
    from infra_team.integrations.task_tool import TaskArgs, task_tool

__all__ = ["TaskArgs", "export_claude_code", "task_tool"]

_TASK_TOOL = "infra_team.integrations.task_tool"


class _Package(ModuleType):
    @property
    def task_tool(self) -> Any:
        return import_module(_TASK_TOOL).task_tool

    @task_tool.setter
    def task_tool(self, module: ModuleType) -> None:
        """The import system records the submodule here; ``sys.modules`` already has it."""


def __getattr__(name: str) -> Any:
    if name == "TaskArgs":
        return import_module(_TASK_TOOL).TaskArgs
    if name == "export_claude_code":
        return import_module("infra_team.integrations.claude_code").export_claude_code
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


sys.modules[__name__].__class__ = _Package
