"""Golden snapshots of what each role's model sees: its system prompt and its tool schemas.

A change to agents/, prompts/ or a tool's arguments shows up here as a diff to review;
rewrite with ``pytest tests/test_snapshots.py --update-snapshots``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool

from infra_team.prompts import build_system_prompt
from infra_team.registry import SUBAGENT_TYPES, registry
from infra_team.tools import get_tools, writes
from tests.leaks import leaks

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _role_key(subagent_type: str) -> str:
    return subagent_type.replace("-", "_")


def _tool_schemas(subagent_type: str) -> str:
    schemas = [
        {**convert_to_openai_tool(tool)["function"], "writes": writes(tool)}
        for tool in get_tools(subagent_type)
    ]
    return json.dumps(schemas, indent=2, sort_keys=True) + "\n"


def _check(path: Path, current: str, update: bool) -> None:
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(current, encoding="utf-8")
        if not update:
            pytest.fail(f"{path.name} was missing and has been written; review and commit it")
    assert path.read_text(encoding="utf-8") == current, (
        f"{path.name} differs from the current output; review the change and rerun with "
        "--update-snapshots"
    )


@pytest.mark.parametrize("subagent_type", SUBAGENT_TYPES)
def test_system_prompt_snapshot(subagent_type: str, update_snapshots: bool) -> None:
    prompt = build_system_prompt(registry()[subagent_type])
    assert leaks(prompt) == []
    _check(SNAPSHOTS / f"{_role_key(subagent_type)}.md", prompt, update_snapshots)


@pytest.mark.parametrize("subagent_type", SUBAGENT_TYPES)
def test_tool_schema_snapshot(subagent_type: str, update_snapshots: bool) -> None:
    _check(
        SNAPSHOTS / f"{_role_key(subagent_type)}_tools.json",
        _tool_schemas(subagent_type),
        update_snapshots,
    )
