"""A stage binds a live tool only when its system is configured: unconfigured, the tool
could only answer ``not_configured``, while its schema would cost every call. The
settings are read per run, so a graph built before a change of them follows it."""

from __future__ import annotations

import pytest

from infra_team.settings import reset_settings
from infra_team.stages import STAGE_TOOLS, live_tools, request_key, stage_tools
from infra_team.tools import TOOL_CATALOG
from infra_team.tools._base import is_live, writes

REQUEST = "Replication lag on the orders database"


def _bound(role: str, stage: str) -> set[str]:
    """The tools the stage's agent for ``REQUEST`` binds under the current settings."""
    return {tool.name for tool in stage_tools(role, stage, *request_key(role, stage, REQUEST))}


def test_unconfigured_live_read_tools_are_not_bound_at_any_stage() -> None:
    for role, stage in STAGE_TOOLS:
        assert not _bound(role, stage) & set(live_tools(role, stage)), (role, stage)
    assert "query_prometheus" in live_tools("network-engineer", "implement")


def test_live_tools_are_the_live_read_tools_that_need_a_setting() -> None:
    for role, stage in STAGE_TOOLS:
        for name in live_tools(role, stage):
            tool = TOOL_CATALOG[name]
            assert is_live(tool) and not writes(tool), name
    assert "host_health" not in live_tools("systems-administrator", "escalation")
    assert "host_health" in _bound("systems-administrator", "escalation")  # reads this host


def test_a_configured_system_binds_its_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", "https://prometheus.example.com")
    monkeypatch.setenv("INFRA_TEAM_POSTGRES_DSN", "postgresql://reader@db.example.com/app")
    reset_settings()
    assert "query_prometheus" in _bound("network-engineer", "implement")
    assert {"postgres_locks", "postgres_activity", "query_prometheus"} <= _bound(
        "database-administrator", "escalation"
    )
    assert "list_alertmanager_alerts" not in _bound("site-reliability-engineer", "triage")
    monkeypatch.delenv("INFRA_TEAM_POSTGRES_DSN")
    reset_settings()
    assert "postgres_locks" not in _bound("database-administrator", "escalation")


def test_unreadable_settings_leave_every_live_tool_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each tool then answers with the settings error, which says what to fix."""
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", "not a url")
    reset_settings()
    role, stage = "site-reliability-engineer", "triage"
    assert set(live_tools(role, stage)) <= _bound(role, stage)
