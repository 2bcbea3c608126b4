"""Claude Code: agents/ files against the documented subagent fields, the plugin manifest,
and the export to ``.claude/agents``.

Subagent fields (Claude Code docs, "Create custom subagents", supported frontmatter
fields): ``name`` (required, lowercase letters and hyphens), ``description`` (required),
``tools`` (optional, comma-separated; MCP tools as ``mcp__<server>__<tool>``, and
``mcp__plugin_<plugin>_<server>__<tool>`` for a server a plugin bundles), ``model``
(optional: ``sonnet``, ``opus``, ``haiku`` or ``inherit``). Other keys are ignored by
Claude Code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_team import _paths
from infra_team.errors import HostAdapterError
from infra_team.integrations import export_claude_code
from infra_team.integrations.claude_code import project_agent_text
from infra_team.registry import (
    MCP_SERVER_NAME,
    MCP_TOOL_PREFIX,
    PLUGIN_TOOL_PREFIX,
    SUBAGENT_TYPES,
    parse_agent_file,
)
from infra_team.tools import TOOL_CATALOG

NAME = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
TOOL_ENTRY = re.compile(r"^mcp__(?P<server>[A-Za-z0-9_-]+?)__(?P<tool>[a-z0-9_]+)$")
PLUGIN_SERVER = "plugin_infra-team_infra-team"
"""How Claude Code names the server a plugin named ``infra-team`` bundles as ``infra-team``."""
MODELS = {"sonnet", "opus", "haiku", "inherit"}


def front_matter(path: Path) -> dict[str, Any]:
    """The YAML between the first two ``---`` lines, read without the package's parser."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path.name}: no front matter"
    block = text.split("---\n", 2)[1]
    meta = yaml.safe_load(block)
    assert isinstance(meta, dict)
    return meta


def agent_path(name: str) -> Path:
    return _paths.agents_dir() / f"{name}.md"


@pytest.mark.parametrize("name", SUBAGENT_TYPES)
def test_front_matter_matches_claude_code_fields(name: str) -> None:
    meta = front_matter(agent_path(name))
    assert meta["name"] == name
    assert NAME.match(meta["name"])
    assert isinstance(meta["description"], str)
    assert meta["description"].strip()
    assert "\n" not in meta["description"]
    assert meta.get("model", "inherit") in MODELS
    assert isinstance(meta["tools"], str), "tools must be one comma-separated string"
    entries = [entry.strip() for entry in meta["tools"].split(",")]
    assert all(entries)
    assert len(entries) == len(set(entries))
    for entry in entries:
        match = TOOL_ENTRY.match(entry)
        assert match, f"{name}: `{entry}` is not an MCP tool reference"
        assert match["server"] in {MCP_SERVER_NAME, PLUGIN_SERVER}
        assert match["tool"] in TOOL_CATALOG


@pytest.mark.parametrize("name", SUBAGENT_TYPES)
def test_tools_line_names_each_tool_in_both_modes(name: str) -> None:
    """Plugin mode and a server added by hand (which makes Claude Code drop the plugin's
    server) must both resolve every tool: each tool comes as a plugin, project pair."""
    entries = [entry.strip() for entry in front_matter(agent_path(name))["tools"].split(",")]
    plugin, project = entries[0::2], entries[1::2]
    assert f"mcp__{PLUGIN_SERVER}__" == PLUGIN_TOOL_PREFIX
    assert f"mcp__{MCP_SERVER_NAME}__" == MCP_TOOL_PREFIX
    assert all(entry.startswith(PLUGIN_TOOL_PREFIX) for entry in plugin)
    assert [entry.removeprefix(PLUGIN_TOOL_PREFIX) for entry in plugin] == [
        entry.removeprefix(MCP_TOOL_PREFIX) for entry in project
    ]
    assert all(entry.startswith(MCP_TOOL_PREFIX) for entry in project)
    assert list(parse_agent_file(agent_path(name)).tools) == [
        entry.removeprefix(MCP_TOOL_PREFIX) for entry in project
    ]


def test_plugin_manifest_starts_the_mcp_server_the_agents_name() -> None:
    manifest = json.loads((_paths.plugin_dir() / "plugin.json").read_text(encoding="utf-8"))
    assert manifest["name"] == "infra-team"
    assert manifest["mcpServers"] == {MCP_SERVER_NAME: {"command": "infra-team", "args": ["mcp"]}}


def test_export_names_the_tools_of_a_server_added_by_hand(tmp_path: Path) -> None:
    target = tmp_path / ".claude" / "agents"
    written = export_claude_code(target)
    assert written == [target / f"{name}.md" for name in SUBAGENT_TYPES]
    for path in written:
        source = agent_path(path.stem)
        exported = front_matter(path)
        spec = parse_agent_file(source)
        assert exported["tools"] == ", ".join(f"{MCP_TOOL_PREFIX}{tool}" for tool in spec.tools)
        assert PLUGIN_TOOL_PREFIX not in path.read_text(encoding="utf-8")
        assert {k: v for k, v in exported.items() if k != "tools"} == {
            k: v for k, v in front_matter(source).items() if k != "tools"
        }
        assert (
            path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
            == source.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        )
        assert parse_agent_file(path).tools == spec.tools


def test_project_text_touches_only_the_front_matter_tools_line() -> None:
    text = (
        "---\nname: x\ntools: mcp__plugin_infra-team_infra-team__a, mcp__infra-team__a, "
        "mcp__infra-team__b\n---\ntools: mcp__plugin_infra-team_infra-team__c\n"
    )
    assert project_agent_text(text) == (
        "---\nname: x\ntools: mcp__infra-team__a, mcp__infra-team__b\n---\n"
        "tools: mcp__plugin_infra-team_infra-team__c\n"
    )
    assert project_agent_text("---\nname: x\n---\ntools: y\n") == "---\nname: x\n---\ntools: y\n"


def test_export_again_is_a_no_op(tmp_path: Path) -> None:
    first = export_claude_code(tmp_path)
    stamps = [path.stat().st_mtime_ns for path in first]
    assert export_claude_code(tmp_path) == first
    assert [path.stat().st_mtime_ns for path in first] == stamps


def test_export_refuses_to_overwrite_an_edited_file(tmp_path: Path) -> None:
    export_claude_code(tmp_path)
    edited = tmp_path / "network-engineer.md"
    edited.write_text("---\nname: network-engineer\n---\nmine\n", encoding="utf-8")
    (tmp_path / "automation-engineer.md").unlink()

    with pytest.raises(HostAdapterError) as caught:
        export_claude_code(tmp_path)

    assert str(caught.value) == (
        f"{tmp_path}: files differ from the packaged agents: `network-engineer.md`; "
        "pass overwrite=True (CLI: --overwrite) to replace them"
    )
    assert edited.read_text(encoding="utf-8").endswith("mine\n")
    assert not (tmp_path / "automation-engineer.md").exists(), "nothing is written on refusal"


def test_export_overwrites_when_asked(tmp_path: Path) -> None:
    export_claude_code(tmp_path)
    edited = tmp_path / "network-engineer.md"
    edited.write_text("mine\n", encoding="utf-8")
    export_claude_code(tmp_path, overwrite=True)
    assert edited.read_text(encoding="utf-8") == project_agent_text(
        agent_path("network-engineer").read_text(encoding="utf-8")
    )


def test_export_into_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "agents"
    path.write_text("", encoding="utf-8")
    with pytest.raises(HostAdapterError, match="is a file"):
        export_claude_code(path)
