"""query_prometheus, query_prometheus_range, list_alertmanager_alerts and the silence
write path against the real Debian ``prometheus`` and ``prometheus-alertmanager`` servers,
started on loopback for this module (the respx tests cover retries and odd answers)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from infra_team.settings import Settings, reset_settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.integrations.alertmanager import (
    SilenceArgs,
    list_alertmanager_alerts,
    post_silence,
)
from infra_team.tools.integrations.prometheus import query_prometheus, query_prometheus_range
from tests.support.prometheus import alertmanager_server, post_alert, prometheus_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("no_backoff")]
DISK_FULL = {"alertname": "DiskFull", "severity": "critical", "instance": "db-1:9100"}
LATENCY = {"alertname": "HighLatency", "severity": "warning", "instance": "web-1:9100"}


@pytest.fixture(scope="module")
def prometheus() -> Iterator[str]:
    with prometheus_server() as url:
        yield url


@pytest.fixture(scope="module")
def alertmanager() -> Iterator[str]:
    with alertmanager_server() as url:
        post_alert(url, DISK_FULL, summary="disk 97% full on db-1", minutes_ago=30)
        post_alert(url, LATENCY, summary="p99 800 ms on web-1", minutes_ago=5)
        yield url


@pytest.fixture
def configured(
    no_backoff: None, monkeypatch: pytest.MonkeyPatch, prometheus: str, alertmanager: str
) -> None:
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", prometheus)
    monkeypatch.setenv("INFRA_TEAM_ALERTMANAGER_URL", alertmanager)
    reset_settings()


def run(tool: Any, **args: Any) -> ToolResult:
    return parse_tool_output(tool.invoke(args))


@pytest.mark.usefixtures("configured")
def test_up_is_measured_on_the_real_prometheus(prometheus: str) -> None:
    result = run(query_prometheus, query="up")
    assert result.status == "success", result
    (series,) = result.data["series"]
    port = prometheus.rsplit(":", 1)[1]
    assert series["labels"] == {
        "__name__": "up",
        "instance": f"127.0.0.1:{port}",
        "job": "prometheus",
    }
    assert series["value"] == 1.0


@pytest.mark.usefixtures("configured")
def test_a_range_of_real_samples(prometheus: str) -> None:
    time.sleep(3)  # a few more 1 s scrapes
    end = datetime.now(UTC)
    result = run(
        query_prometheus_range,
        query='sum(prometheus_tsdb_head_samples_appended_total{job="prometheus"})',
        start=(end - timedelta(seconds=60)).isoformat(),
        end=end.isoformat(),
        step="1s",
    )
    assert result.status == "success", result
    (series,) = result.data["series"]
    assert series["points"] >= 3
    assert series["max"] > series["min"] >= 0  # a counter that grows with every scrape
    assert series["last"] == series["max"]


@pytest.mark.usefixtures("configured")
def test_a_promql_error_is_the_real_servers_text() -> None:
    result = run(query_prometheus, query="sum(rate(up[5m])")
    assert result.status == "error" and result.code == "http_error"
    assert "bad_data" in str(result.error) and "parse error" in str(result.error)


@pytest.mark.usefixtures("configured")
def test_real_alerts_listed_oldest_first() -> None:
    result = run(list_alertmanager_alerts)
    assert result.status == "success", result
    assert [a["alertname"] for a in result.data["alerts"]] == ["DiskFull", "HighLatency"]
    assert result.data["by_severity"] == {"critical": 1, "warning": 1}
    assert result.data["alerts"][0]["summary"] == "disk 97% full on db-1"
    assert result.data["alerts"][0]["receivers"] == ["nowhere"]
    filtered = run(list_alertmanager_alerts, filter=['severity="critical"'])
    assert [a["alertname"] for a in filtered.data["alerts"]] == ["DiskFull"]


@pytest.mark.usefixtures("configured")
def test_an_approved_silence_reaches_the_real_alertmanager(alertmanager: str) -> None:
    now = datetime.now(UTC)
    args = SilenceArgs.model_validate(
        {
            "matchers": [{"name": "alertname", "value": "HighLatency"}],
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
            "created_by": "site-reliability-engineer",
            "comment": "load test on web-1",
        }
    )
    created = post_silence(Settings(alertmanager={"url": alertmanager}), args)
    assert created.status == "success", created
    silence_id = created.data["silence_id"]
    silences = httpx.get(f"{alertmanager}/api/v2/silences", timeout=5).json()
    assert [s["id"] for s in silences if s["status"]["state"] == "active"] == [silence_id]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        muted = run(list_alertmanager_alerts, silenced=True, filter=['alertname="HighLatency"'])
        if muted.data.get("alerts") and muted.data["alerts"][0]["silenced_by"]:
            break
        time.sleep(0.2)
    assert muted.data["alerts"][0]["silenced_by"] == [silence_id]
    assert muted.data["alerts"][0]["state"] == "suppressed"
    active = run(list_alertmanager_alerts)
    assert [a["alertname"] for a in active.data["alerts"]] == ["DiskFull"]
