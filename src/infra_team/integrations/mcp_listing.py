"""The MCP server's tool listing, stored with the package so ``tools/list`` answers at once.

Building the listing imports every tool (LangChain, HTTP clients): seconds on a busy
machine, during which Claude Code shows the server as still connecting and a subagent
delegated to meanwhile has no tools. So the listing is kept in ``mcp_tools.json`` next to
this module, with a fingerprint of the sources it is computed from (the tool modules, the
agents/ files, the templates and the Python packages that render schemas). The server
serves the stored listing when the fingerprint matches and computes it live otherwise, so
a stale file costs time, never a wrong listing. A test fails when the file is stale;
regenerate it with ``python -m infra_team.integrations.mcp_listing``.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from infra_team import _paths

_PACKAGE = Path(__file__).resolve().parent.parent
STORED = Path(__file__).resolve().parent / "mcp_tools.json"
_SOURCES = (
    "tools",
    "integrations/task_tool.py",
    "integrations/mcp_server.py",
    "integrations/templates",
    "kpis.py",
    "oncall.py",
    "protocols.py",
    "registry.py",
    "_roles.py",
    "_scrub_engine.py",
    "scrub.py",
    "settings.py",
    "_version.py",
)
"""Package paths the listing depends on: tool schemas and descriptions, the team tools'
description (agents' descriptions through a template), and the scrubbing of both."""


def _files() -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for source in _SOURCES:
        path = _PACKAGE / source
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        found.extend(
            (candidate.relative_to(_PACKAGE).as_posix(), candidate)
            for candidate in candidates
            if candidate.is_file() and "__pycache__" not in candidate.parts
        )
    found.extend((f"agents/{path.name}", path) for path in sorted(_paths.agents_dir().glob("*.md")))
    return found


def fingerprint() -> str:
    """SHA-256 over the sources of the listing and the versions of pydantic and mcp."""
    digest = hashlib.sha256()
    for package in ("pydantic", "mcp"):
        digest.update(f"{package}=={version(package)}\n".encode())
    for name, path in _files():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def live_listing() -> list[dict[str, Any]]:
    """The listing computed from the tools themselves (imports the whole catalog)."""
    from infra_team.integrations.mcp_server import tool_listing

    return [
        tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tool_listing()
    ]


def stored_listing() -> list[dict[str, Any]] | None:
    """The stored listing when it matches the sources, else None."""
    try:
        stored = json.loads(STORED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("fingerprint") != fingerprint():
        return None
    tools = stored.get("tools")
    return tools if isinstance(tools, list) else None


def write_listing(path: Path = STORED) -> Path:
    """Compute the listing and store it with its fingerprint."""
    payload = {"fingerprint": fingerprint(), "tools": live_listing()}
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_listing())
