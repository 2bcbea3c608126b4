"""Claude Code: the agents/ files as project or user subagents.

The repository is itself a Claude Code plugin (``.claude-plugin/plugin.json`` plus
``agents/``). Users who keep subagents under ``.claude/agents/`` (project) or
``~/.claude/agents/`` (user) get the same files copied there, unchanged: the agents/ files
are the one source, and Claude Code reads their ``name``, ``description``, ``tools`` and
``model`` fields and ignores the team's runtime keys.
"""

from __future__ import annotations

from pathlib import Path

from infra_team import _paths
from infra_team.errors import ErrorCode, HostAdapterError
from infra_team.registry import SUBAGENT_TYPES


def agent_files() -> list[Path]:
    """The seven packaged agents/ files, in the order of the subagent types."""
    folder = _paths.agents_dir()
    return [folder / f"{name}.md" for name in SUBAGENT_TYPES]


def export_claude_code(directory: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the agents/ files into ``directory`` (for example ``.claude/agents``).

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
    contents = {source.name: source.read_bytes() for source in sources}
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
