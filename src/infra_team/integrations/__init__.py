"""Host integrations: the team as a LangChain ``task`` tool, deepagents subagents, Claude Code
agent files and an MCP server, a LangGraph Server deployment.

``task_tool`` and ``export_claude_code`` need only the core package; the deepagents specs
(``infra_team.integrations.deepagents``) and the MCP server
(``infra_team.integrations.mcp_server``) live in their own modules because they serve the
optional extras ``infra-team[deepagents]`` and ``infra-team[mcp]``.
"""

from infra_team.integrations.claude_code import export_claude_code
from infra_team.integrations.task_tool import TaskArgs, task_tool

__all__ = ["TaskArgs", "export_claude_code", "task_tool"]
