"""Each role's toolset: the ``tools:`` line of its agents/ file, resolved in the tool catalogue.

This module sits above both ``registry`` (the roster, which knows nothing of tools) and
``tools`` (the catalogue, whose on-call and runbook analysers read the roster), so that
neither imports the other and the two never form an import circle.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from langchain_core.tools import BaseTool

from infra_team import tools
from infra_team.errors import ErrorCode, RegistryError
from infra_team.registry import RoleSpec, load_registry, registry, resolve_role


def check_tools(specs: dict[str, RoleSpec]) -> None:
    """Raise on the first ``tools:`` entry that names no registered tool, listing the registered ones."""
    catalog = tools.TOOL_CATALOG
    for spec in specs.values():
        unknown = [tool for tool in spec.tools if tool not in catalog]
        if unknown:
            msg = (
                f"{spec.path.name}: tool `{unknown[0]}` is not registered; registered: "
                + ", ".join(f"`{name}`" for name in sorted(catalog))
            )
            raise RegistryError(msg, path=spec.path, field="tools", code=ErrorCode.UNKNOWN_TOOL)


def load_checked_registry(directory: Path | None = None) -> dict[str, RoleSpec]:
    """Load an agents/ folder and check every role's tools against the catalogue."""
    specs = load_registry(directory)
    check_tools(specs)
    return specs


@cache
def _packaged_roster_checked() -> bool:
    check_tools(registry())
    return True


def get_tools(role: str) -> list[BaseTool]:
    """The tools of one subagent type, as listed in its agents/ file (checked once per process)."""
    spec = resolve_role(role)
    _packaged_roster_checked()
    return [tools.TOOL_CATALOG[name] for name in spec.tools]
