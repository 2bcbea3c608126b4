"""Golden snapshots of what each role's model sees: its system prompt and its tool schemas.

A change to agents/, prompts/ or a tool's arguments shows up here as a diff to review;
rewrite with ``pytest tests/test_snapshots.py --update-snapshots``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.utils.function_calling import convert_to_openai_tool

from infra_team.prompts import build_stage_prompt, build_system_prompt
from infra_team.registry import SUBAGENT_TYPES, registry
from infra_team.stages import (
    STAGE_TOOLS,
    capability_tools,
    check_stage_tools,
    live_tools,
    on_request_tools,
    stage_tools,
)
from infra_team.tools import writes
from infra_team.toolsets import get_tools
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


STAGE_CHARACTERS = 9_000
"""Most characters a stage prompt may have (prompt plus brief plus schemas must stay under
16,000 per call, a 4k-token context with room to answer)."""


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


@pytest.mark.parametrize(("subagent_type", "stage"), list(STAGE_TOOLS))
def test_stage_prompt_snapshot(subagent_type: str, stage: str, update_snapshots: bool) -> None:
    """What the model sees at one stage of the graph: the stage prompt, and the names of
    the tools bound there always, of those bound when the request asks for their work and
    of the live ones bound when their system is configured (their schemas are in the
    role's tools snapshot)."""
    tools = stage_tools(subagent_type, stage)
    prompt = build_stage_prompt(registry()[subagent_type], stage, tuple(t.name for t in tools))
    assert leaks(prompt) == []
    assert "<!--" not in prompt
    assert len(prompt) <= STAGE_CHARACTERS
    listing = "\n".join(f"- `{tool.name}`" for tool in tools) or "(none)"
    asked = "\n".join(f"- `{name}`" for name in capability_tools(subagent_type, stage)) or "(none)"
    live = "\n".join(f"- `{name}`" for name in live_tools(subagent_type, stage)) or "(none)"
    current = (
        f"{prompt}\n---\nTools bound at this stage:\n{listing}\n\n"
        f"Bound when the request asks for their work:\n{asked}\n\n"
        f"Bound when their system is configured:\n{live}\n"
    )
    path = SNAPSHOTS / "stages" / f"{_role_key(subagent_type)}.{stage}.md"
    _check(path, current, update_snapshots)


def test_stage_tools_are_the_roles_own_and_read_only() -> None:
    assert check_stage_tools() == []
    for role, stage in STAGE_TOOLS:
        assert not any(writes(tool) for tool in stage_tools(role, stage))


def test_write_tools_are_bound_only_at_the_sre_stages_when_asked() -> None:
    from infra_team.stages import requested_writes

    asked = requested_writes("checkout is down; page the on-call and open a status page incident")
    assert asked == {"pagerduty_event", "create_statuspage_incident"}
    for stage in ("triage", "operate"):
        bound = {t.name for t in stage_tools("site-reliability-engineer", stage, asked)}
        assert asked <= bound, stage
        unasked = {t.name for t in stage_tools("site-reliability-engineer", stage)}
        assert not asked & unasked, stage
    for role, stage in (("database-administrator", "implement"), ("automation-engineer", "codify")):
        assert not any(writes(tool) for tool in stage_tools(role, stage, asked))
    assert requested_writes("checkout returns 502 for 40% of requests") == frozenset()


STAGE_PROMPT_AND_SCHEMA_CHARACTERS = 14_000
"""Most characters of stage prompt plus bound tool schemas, as the provider receives them,
for the worst realistic request: one that asks for the write tools and for every capability
tool the stage binds on request. The rest of a 16,000-character call
(the brief and one tool result) takes about 2,000; ``python -m bench compare`` measures
whole calls."""


@pytest.mark.parametrize(("subagent_type", "stage"), list(STAGE_TOOLS))
def test_stage_prompt_and_schemas_fit_a_small_context(subagent_type: str, stage: str) -> None:
    asked = frozenset({"pagerduty_event", "create_statuspage_incident"})
    tools = stage_tools(subagent_type, stage, asked, on_request_tools(subagent_type, stage))
    prompt = build_stage_prompt(registry()[subagent_type], stage, tuple(t.name for t in tools))
    schemas = sum(len(json.dumps(convert_to_openai_tool(tool))) for tool in tools)
    assert len(prompt) + schemas <= STAGE_PROMPT_AND_SCHEMA_CHARACTERS, (
        f"{subagent_type} at {stage}: {len(prompt)} prompt + {schemas} schema characters"
    )
