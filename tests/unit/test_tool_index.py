"""The committed tool index equals what the tools say (regenerate it with
``python -m infra_team.tool_index``)."""

from __future__ import annotations

from infra_team.tool_index import INDEX_PATH, build_tool_index, render_tool_index


def test_index_matches_the_tools():
    assert INDEX_PATH.read_text(encoding="utf-8") == render_tool_index(build_tool_index()), (
        "src/infra_team/_tool_index.json is out of date: run `python -m infra_team.tool_index`"
    )
