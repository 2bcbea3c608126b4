"""Which live reads the engine plans: only tools whose settings are set, only hosts and
names the allowlists hold, only at the stages where a role investigates; and how a live
result shows in the findings."""

from __future__ import annotations

import pytest

from infra_team.graph._schemas import StageBrief
from infra_team.offline._binding import describe_tools
from infra_team.offline._calls import Plan
from infra_team.offline._evidence import Evidence
from infra_team.offline._extract import extract_facts
from infra_team.offline._live import MEASURED, live_calls
from infra_team.offline._plans import build_plan, callable_now
from infra_team.settings import reset_settings
from infra_team.stages import request_key, stage_tools
from infra_team.tools import ToolResult

DB_REQUEST = "New Postgres replica for billing; alert when replica lag exceeds 1 s"
NET_REQUEST = "Check https://shop.example.com/health and api.example.com, not evil.example.org"


def _plan(role: str, stage: str, request: str) -> Plan:
    return build_plan(StageBrief(stage=stage, role=role, request=request))  # type: ignore[arg-type]


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(f"INFRA_TEAM_{key.upper()}", value)
    reset_settings()


def _live(plan: Plan) -> list[tuple[str, dict[str, object]]]:
    return [(c.name, dict(c.args)) for c in plan.calls if c.source == MEASURED]


def test_nothing_configured_plans_no_live_read() -> None:
    for role, stage, request in [
        ("database-administrator", "implement", DB_REQUEST),
        ("database-administrator", "escalation", DB_REQUEST),
        ("site-reliability-engineer", "triage", "checkout returns 502"),
        ("network-engineer", "implement", NET_REQUEST),
        ("systems-administrator", "escalation", "web-1 is out of disk"),
    ]:
        assert _live(_plan(role, stage, request)) == []


def test_database_reads_at_implement_and_escalation(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, postgres_dsn="postgresql://postgres@127.0.0.1:1/postgres")
    implement = _plan("database-administrator", "implement", DB_REQUEST)
    assert _live(implement) == [
        (
            "postgres_replication",
            {"threshold_seconds": 1.0, "samples": 2, "interval_seconds": 0.5},
        ),
        ("postgres_settings_audit", {}),
    ]
    assert not any(note.startswith("Replica lag not measured") for note in implement.assumptions)
    escalation = _plan("database-administrator", "escalation", DB_REQUEST)
    assert [name for name, _ in _live(escalation)] == ["postgres_replication", "postgres_locks"]
    # Bound at the stage (its system is configured), so the graph runs them as the
    # stage's own tools.
    key = request_key("database-administrator", "escalation", DB_REQUEST)
    bound = describe_tools(stage_tools("database-administrator", "escalation", *key))
    assert {c.name for c in callable_now(escalation, bound)} >= {
        "postgres_replication",
        "postgres_locks",
    }
    # Not about a database: nothing read.
    assert _live(_plan("database-administrator", "implement", "Rotate the TLS certificate")) == []


def test_sre_reads_alertmanager_and_prometheus_only_when_each_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch, alertmanager_url="http://127.0.0.1:9093")
    assert _live(_plan("site-reliability-engineer", "triage", "checkout returns 502")) == [
        ("list_alertmanager_alerts", {"active": True})
    ]
    _env(monkeypatch, prometheus_url="http://127.0.0.1:9090")
    names = [n for n, _ in _live(_plan("site-reliability-engineer", "triage", "checkout 502"))]
    assert names == ["list_alertmanager_alerts", "query_prometheus"]
    assert _live(_plan("site-reliability-engineer", "operate", "checkout 502")) == [
        ("query_prometheus", {"query": "up"})
    ]
    assert _live(_plan("site-reliability-engineer", "design", "checkout 502")) == []


def test_ssh_reads_only_allowlisted_hosts_the_request_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(
        monkeypatch,
        ssh_hosts='["web-1", "db-2"]',
        ssh_username="reader",
        ssh_key_path="/nonexistent/key",
        ssh_known_hosts="/nonexistent/known_hosts",
    )
    plan = _plan("systems-administrator", "escalation", "web-1 and web-9 are out of disk")
    assert _live(plan) == [("ssh_host_health", {"host": "web-1"})]
    assert _live(_plan("systems-administrator", "implement", "harden web-1")) == []


def test_ssh_without_a_key_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, ssh_hosts='["web-1"]')
    assert _live(_plan("systems-administrator", "escalation", "web-1 is out of disk")) == []


def test_network_probes_only_allowlisted_names(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, network_targets='["*.example.com"]')
    calls = live_calls("network-engineer", "implement", extract_facts(NET_REQUEST), NET_REQUEST)
    assert "dns_resolve" not in {c.name for c in calls}  # no resolver configured
    _env(monkeypatch, network_resolvers='["127.0.0.1:5353"]')
    calls = live_calls("network-engineer", "implement", extract_facts(NET_REQUEST), NET_REQUEST)
    assert [(c.name, c.args) for c in calls] == [
        ("dns_resolve", {"name": "shop.example.com"}),
        ("tls_check", {"host": "shop.example.com"}),
        ("http_probe", {"url": "https://shop.example.com/health"}),
        ("dns_resolve", {"name": "api.example.com"}),
        ("tls_check", {"host": "api.example.com"}),
        ("http_probe", {"url": "https://api.example.com/"}),
    ]
    assert all("evil" not in str(c.args) for c in calls)


def test_invalid_settings_plan_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, postgres_connect_timeout="not a number", postgres_dsn="postgresql://x/y")
    assert _live(_plan("database-administrator", "implement", DB_REQUEST)) == []


def _evidence(plan: Plan, *results: ToolResult) -> Evidence:
    brief = StageBrief(stage="escalation", role="database-administrator", request=DB_REQUEST)
    return Evidence(brief=brief, facts=extract_facts(DB_REQUEST), plan=plan, results=results)


def test_a_live_result_names_its_server_and_time_and_not_configured_adds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch, postgres_dsn="postgresql://postgres@127.0.0.1:1/postgres")
    plan = _plan("database-administrator", "escalation", DB_REQUEST)
    measured = ToolResult(
        tool="postgres_replication",
        status="success",
        summary="1 standbys of db: standby1 streaming, replay lag 2.500s / 10 bytes (lagging).",
        data={"server": "postgres@db:5432/postgres", "standbys": []},
    )
    silent = ToolResult(tool="postgres_locks", status="not_configured", summary="not configured")
    lines = _evidence(plan, measured, silent).findings()
    assert len(lines) == 1
    assert lines[0].startswith(
        "`postgres_replication` (measured live on postgres@db:5432/postgres, read at "
    )
    assert lines[0].endswith("replay lag 2.500s / 10 bytes (lagging).")
    assert _evidence(plan, measured, silent).measured() == [measured]


def test_a_url_with_a_port_is_checked_on_that_port(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, network_targets='["127.0.0.1/32", "localhost"]')
    text = "Is https://localhost:8443/ok healthy? And http://127.0.0.1:8080/ and 10.1.1.1?"
    calls = live_calls("network-engineer", "escalation", extract_facts(text), text)
    assert [(c.name, c.args) for c in calls] == [
        ("tls_check", {"host": "localhost", "port": 8443}),
        ("http_probe", {"url": "https://localhost:8443/ok"}),
        ("http_probe", {"url": "http://127.0.0.1:8080/"}),
    ]
