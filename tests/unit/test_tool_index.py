"""The committed tool index equals what the tools say (regenerate it with
``python -m infra_team.tool_index``)."""

from __future__ import annotations

from infra_team.tool_index import INDEX_PATH, build_tool_index, render_tool_index


def test_index_matches_the_tools():
    assert INDEX_PATH.read_text(encoding="utf-8") == render_tool_index(build_tool_index()), (
        "src/infra_team/_tool_index.json is out of date: run `python -m infra_team.tool_index`"
    )


def test_every_needed_setting_is_a_settings_field() -> None:
    """A tool's ``settings`` paths name real fields, so the variables listed are ones that work."""
    from pydantic import BaseModel

    from infra_team.settings import Settings
    from infra_team.tools import TOOL_CATALOG

    for tool in TOOL_CATALOG.values():
        for path in (tool.metadata or {}).get("settings", ()):
            section, _, field = path.partition(".")
            model = Settings.model_fields[section].annotation
            assert isinstance(model, type), path
            assert issubclass(model, BaseModel), path
            assert field in model.model_fields, path


def test_live_tools_name_their_settings_and_pure_ones_need_none() -> None:
    from infra_team.tools import TOOL_CATALOG, is_live, needed_settings

    live = {name for name, tool in TOOL_CATALOG.items() if is_live(tool)}
    assert {"query_prometheus", "list_alertmanager_alerts", "host_health"} <= live
    assert needed_settings(TOOL_CATALOG["query_prometheus"]) == ("INFRA_TEAM_PROMETHEUS_URL",)
    assert not is_live(TOOL_CATALOG["cidr_plan"])
    for name, tool in TOOL_CATALOG.items():
        if not is_live(tool):
            assert needed_settings(tool) == (), name
