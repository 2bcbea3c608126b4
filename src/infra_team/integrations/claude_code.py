"""Claude Code: the agents/ files as project or user subagents.

The repository is itself a Claude Code plugin (``.claude-plugin/plugin.json`` plus
``agents/``). Claude Code loads a plugin's agents unchanged and names the bundled server's
tools ``mcp__plugin_infra-team_infra-team__<tool>``, but it drops that server when the same
command is also registered by hand (``claude mcp add infra-team``), whose tools it names
``mcp__infra-team__<tool>``. So the ``tools:`` line of every agents/ file names each tool
with both prefixes; a name whose server is absent is ignored.

Users who keep subagents under ``.claude/agents/`` (project) or ``~/.claude/agents/`` (user)
register the server with ``claude mcp add infra-team``; the export writes the same files
with only that spelling on the ``tools:`` line and nothing else changed. The agents/ files
stay the one source; Claude Code reads their ``name``, ``description``, ``tools`` and
``model`` fields and ignores the team's runtime keys.
"""

from __future__ import annotations

import re
from pathlib import Path

from infra_team import _paths
from infra_team.errors import ErrorCode, HostAdapterError
from infra_team.registry import MCP_TOOL_PREFIX, PLUGIN_TOOL_PREFIX, SUBAGENT_TYPES

_TOOLS_LINE = re.compile(r"\A(---[ \t]*\r?\n(?:(?!---).*\n)*?)(tools:[^\n]*)(\n)")


def project_agent_text(text: str) -> str:
    """One agents/ file as a project or user subagent: its front matter's ``tools:`` line
    names each tool once, as Claude Code names the tools of a server added as ``infra-team``
    (the plugin spelling dropped); the rest of the file is unchanged."""

    def rename(match: re.Match[str]) -> str:
        entries = (entry.strip() for entry in match[2].removeprefix("tools:").split(","))
        names = dict.fromkeys(
            entry.removeprefix(PLUGIN_TOOL_PREFIX).removeprefix(MCP_TOOL_PREFIX)
            for entry in entries
            if entry
        )
        line = "tools: " + ", ".join(f"{MCP_TOOL_PREFIX}{name}" for name in names)
        return f"{match[1]}{line}{match[3]}"

    return _TOOLS_LINE.sub(rename, text, count=1)


def agent_files() -> list[Path]:
    """The seven packaged agents/ files, in the order of the subagent types."""
    folder = _paths.agents_dir()
    return [folder / f"{name}.md" for name in SUBAGENT_TYPES]


def export_claude_code(directory: Path, *, overwrite: bool = False) -> list[Path]:
    """Write the agents/ files into ``directory`` (for example ``.claude/agents``), their
    ``tools:`` lines naming the tools of a server added with ``claude mcp add infra-team``.

    Nothing is written when any target already exists with different content, unless
    ``overwrite`` is set; identical files are left as they are.

    Args:
        directory: Target folder; created when missing.
        overwrite: Replace files whose content differs.

    Returns:
        The seven files in ``directory``, in the order of the subagent types.

    Raises:
        HostAdapterError: a target differs and ``overwrite`` is false (the message lists them),
            or ``directory`` is an existing file.
    """
    if directory.exists() and not directory.is_dir():
        msg = f"`{directory}` is a file; give the folder to write the agents files into"
        raise HostAdapterError(msg, code=ErrorCode.INVALID_FIELD)
    sources = agent_files()
    contents = {
        source.name: project_agent_text(source.read_bytes().decode("utf-8")).encode("utf-8")
        for source in sources
    }
    targets = [directory / source.name for source in sources]
    conflicts = [
        target
        for target in targets
        if target.exists() and target.read_bytes() != contents[target.name]
    ]
    if conflicts and not overwrite:
        names = ", ".join(f"`{target.name}`" for target in conflicts)
        msg = (
            f"{directory}: files differ from the packaged agents: {names}; "
            "pass overwrite=True (CLI: --overwrite) to replace them"
        )
        raise HostAdapterError(msg, code=ErrorCode.INVALID_FIELD)
    directory.mkdir(parents=True, exist_ok=True)
    for target in targets:
        if not target.exists() or target in conflicts:
            target.write_bytes(contents[target.name])
    return targets
