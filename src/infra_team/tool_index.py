"""A read-only index of each subagent type's tools (name, description, whether it writes,
whether it is live and which settings it needs),
so that listing them does not build them.

Building the tools loads LangChain (and through it LangSmith), LangGraph and httpx: about
a second and a half of start-up that ``infra-team tools`` has no use for. The index is
generated from the tools themselves (``python -m infra_team.tool_index``) and
``tests/unit/test_tool_index.py`` fails when it drifts from them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TypedDict

INDEX_PATH = Path(__file__).with_name("_tool_index.json")


class ToolEntry(TypedDict):
    """One tool as ``infra-team tools`` lists it."""

    name: str
    description: str
    """The description the model sees."""
    writes: bool
    """Whether the tool changes an external system (it then waits for a person's approval)."""
    live: bool
    """Whether the tool talks to a running system rather than computing from its arguments."""
    settings: list[str]
    """Environment variables the tool needs (each with a TOML twin); empty when none."""


def build_tool_index() -> dict[str, list[ToolEntry]]:
    """Each subagent type's tools, in the order of its agents/ file, computed from the tools."""
    from infra_team.registry import SUBAGENT_TYPES
    from infra_team.tools import is_live, needed_settings, writes
    from infra_team.toolsets import get_tools

    return {
        name: [
            ToolEntry(
                name=tool.name,
                description=tool.description,
                writes=writes(tool),
                live=is_live(tool),
                settings=list(needed_settings(tool)),
            )
            for tool in get_tools(name)
        ]
        for name in SUBAGENT_TYPES
    }


@cache
def load_tool_index() -> dict[str, list[ToolEntry]]:
    """The committed index, read once."""
    data: dict[str, list[ToolEntry]] = json.loads(INDEX_PATH.read_text(encoding="utf-8"))
    return data


def render_tool_index(index: dict[str, list[ToolEntry]]) -> str:
    """The index file's text: stable, so a regenerated file differs only where a tool did."""
    return json.dumps(index, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    """Rewrite the index from the tools."""
    INDEX_PATH.write_text(render_tool_index(build_tool_index()), encoding="utf-8")
    print(INDEX_PATH)


if __name__ == "__main__":
    main()
