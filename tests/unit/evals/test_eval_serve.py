"""Recorded integration answers served to the real tools through ``httpx.MockTransport``."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from infra_team.evals import RecordedResponse
from infra_team.evals._serve import eval_integrations, serve_case
from infra_team.settings import get_settings
from infra_team.tools import TOOL_CATALOG, parse_tool_output

LAG = RecordedResponse(
    service="prometheus",
    path="/api/v1/query",
    query_contains="replication_lag",
    body={
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": {"instance": "db2:9187"}, "value": [1700000000, "540"]}],
        },
    },
)
CONNECTIONS = RecordedResponse(
    service="prometheus",
    path="/api/v1/query",
    query_contains="pg_stat_activity",
    body={
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1700000000, "482"]}]},
    },
)


def call(tool: str, **args: object) -> dict[str, object]:
    return parse_tool_output(TOOL_CATALOG[tool].invoke(args)).model_dump()


def test_recorded_answer_reaches_the_tool() -> None:
    with eval_integrations(), serve_case((CONNECTIONS, LAG)) as log:
        lag = call("query_prometheus", query="max(pg_replication_lag_seconds)")
        connections = call("query_prometheus", query="sum(pg_stat_activity_count)")
    assert lag["status"] == "success" and "540" in str(lag["summary"])
    assert "482" in str(connections["summary"])
    assert [(r.path, r.recorded, r.params["query"]) for r in log] == [
        ("/api/v1/query", True, ["max(pg_replication_lag_seconds)"]),
        ("/api/v1/query", True, ["sum(pg_stat_activity_count)"]),
    ]


def test_unrecorded_requests_get_what_the_service_says_when_it_has_nothing() -> None:
    with eval_integrations(), serve_case((LAG,)) as log:
        query = call("query_prometheus", query="up")
        alerts = call("list_alertmanager_alerts")
    assert query["status"] == "no_data"
    assert alerts["status"] == "no_data" and alerts["summary"] == "No alerts."
    assert [r.recorded for r in log] == [False, False]


def test_unknown_endpoint_is_a_404_with_the_reason() -> None:
    with eval_integrations(), serve_case(()):
        response = httpx.get("http://grafana.eval.invalid/api/search")
    assert response.status_code == 404
    assert "no recorded answer" in response.json()["error"]


def test_recorded_error_status_is_served() -> None:
    failing = RecordedResponse(
        service="alertmanager",
        path="/api/v2/alerts",
        status=400,
        body="bad matcher",
    )
    with eval_integrations(), serve_case((failing,)):
        result = call("list_alertmanager_alerts")
    assert result["status"] == "error" and "bad matcher" in str(result["error"])


def test_user_settings_are_set_aside_and_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", "https://prometheus.example.com")
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_BEARER_TOKEN", "user-secret-token")
    with eval_integrations():
        settings = get_settings()
        assert str(settings.prometheus.url).startswith("http://prometheus.eval.invalid")
        assert settings.prometheus.bearer_token is None
        assert "user-secret-token" not in os.environ.values()
    assert os.environ["INFRA_TEAM_PROMETHEUS_BEARER_TOKEN"] == "user-secret-token"
    assert str(get_settings().prometheus.url) == "https://prometheus.example.com/"
    assert httpx.HTTPTransport.handle_request.__name__ == "handle_request"


@pytest.fixture
def loopback_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"real server")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_other_hosts_pass_through(loopback_server: str) -> None:
    with eval_integrations(), serve_case(()) as log:
        response = httpx.get(loopback_server)
    assert response.text == "real server"
    assert log == []
