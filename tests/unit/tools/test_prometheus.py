"""query_prometheus and query_prometheus_range against a mocked Prometheus HTTP API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from infra_team.settings import Settings, reset_settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.integrations.http import Sleep
from infra_team.tools.integrations.prometheus import (
    PrometheusQueryArgs,
    PrometheusRangeArgs,
    fetch_query,
    parse_step,
    query_prometheus,
    query_prometheus_range,
    series_name,
)

PROM = "http://prometheus.test:9090"

# The example answers of the Prometheus HTTP API reference.
VECTOR = {
    "status": "success",
    "data": {
        "resultType": "vector",
        "result": [
            {
                "metric": {"__name__": "up", "job": "prometheus", "instance": "localhost:9090"},
                "value": [1435781451.781, "1"],
            },
            {
                "metric": {"__name__": "up", "job": "node", "instance": "localhost:9100"},
                "value": [1435781451.781, "0"],
            },
        ],
    },
}
MATRIX = {
    "status": "success",
    "data": {
        "resultType": "matrix",
        "result": [
            {
                "metric": {"__name__": "up", "job": "prometheus", "instance": "localhost:9090"},
                "values": [[1435781430.781, "1"], [1435781445.781, "1"], [1435781460.781, "1"]],
            },
            {
                "metric": {"__name__": "up", "job": "node", "instance": "localhost:9091"},
                "values": [[1435781430.781, "0"], [1435781445.781, "0"], [1435781460.781, "1"]],
            },
        ],
    },
}
BAD_DATA = {
    "status": "error",
    "errorType": "bad_data",
    "error": 'invalid parameter "query": 1:4: parse error: unexpected end of input',
}


@pytest.fixture(autouse=True)
def prometheus_url(no_backoff: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", PROM)


@pytest.fixture
def api_base_url() -> str:
    return PROM


def run(tool: Any, args: dict[str, Any]) -> ToolResult:
    return parse_tool_output(tool.invoke(args))


def test_instant_vector_summary(api: respx.MockRouter) -> None:
    route = api.get("/api/v1/query").respond(200, json=VECTOR)
    result = run(query_prometheus, {"query": "up", "time": "2015-07-01T20:10:51.781Z"})
    assert route.calls.last.request.url.params["query"] == "up"
    assert route.calls.last.request.url.params["time"] == "1435781451.781"
    assert result.status == "success"
    assert result.summary == (
        '`up`: 2 series; highest up{instance="localhost:9090",job="prometheus"} = 1; '
        'lowest up{instance="localhost:9100",job="node"} = 0'
    )
    assert result.data["series_count"] == 2
    assert result.data["series"][1] == {
        "series": 'up{instance="localhost:9100",job="node"}',
        "labels": {"__name__": "up", "job": "node", "instance": "localhost:9100"},
        "value": 0.0,
        "time": "2015-07-01T20:10:51.781000Z",
    }


def test_instant_without_time_sends_no_time(api: respx.MockRouter) -> None:
    route = api.get("/api/v1/query").respond(200, json=VECTOR)
    run(query_prometheus, {"query": "up"})
    assert "time" not in route.calls.last.request.url.params


def test_vector_orders_nan_last_and_keeps_its_spelling(api: respx.MockRouter) -> None:
    body = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {"metric": {"pod": "a"}, "value": [1700000000, "NaN"]},
                {"metric": {"pod": "b"}, "value": [1700000000, "+Inf"]},
                {"metric": {"pod": "c"}, "value": [1700000000, "0.25"]},
            ],
        },
    }
    api.get("/api/v1/query").respond(200, json=body)
    result = run(query_prometheus, {"query": "x"})
    assert [s["value"] for s in result.data["series"]] == ["+Inf", 0.25, "NaN"]


def test_native_histogram_sample(api: respx.MockRouter) -> None:
    body = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {
                    "metric": {"__name__": "rpc_duration_seconds"},
                    "histogram": [1700000000, {"count": "12", "sum": "3.5", "buckets": []}],
                },
            ],
        },
    }
    api.get("/api/v1/query").respond(200, json=body)
    result = run(query_prometheus, {"query": "rpc_duration_seconds"})
    assert result.data["series"][0]["histogram_count"] == 12.0
    assert result.data["series"][0]["histogram_sum"] == 3.5


def test_scalar_result(api: respx.MockRouter) -> None:
    api.get("/api/v1/query").respond(
        200,
        json={"status": "success", "data": {"resultType": "scalar", "result": [1700000000, "42"]}},
    )
    result = run(query_prometheus, {"query": "scalar(42)"})
    assert result.summary == "`scalar(42)` = 42 at 2023-11-14T22:13:20Z"
    assert result.data["value"] == 42.0


def test_empty_vector_is_no_data_with_warnings(api: respx.MockRouter) -> None:
    body = {
        "status": "success",
        "data": {"resultType": "vector", "result": []},
        "infos": ["PromQL info: metric might not be a counter"],
    }
    api.get("/api/v1/query").respond(200, json=body)
    result = run(query_prometheus, {"query": "rate(x[5m])"})
    assert result.status == "no_data"
    assert (
        result.summary
        == "`rate(x[5m])` returned no series (PromQL info: metric might not be a counter)"
    )


def test_series_are_truncated(api: respx.MockRouter) -> None:
    body = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": {"i": str(i)}, "value": [1700000000, str(i)]} for i in range(30)],
        },
    }
    api.get("/api/v1/query").respond(200, json=body)
    result = run(query_prometheus, {"query": "x"})
    assert result.data["series_count"] == 30
    assert len(result.data["series"]) == 20
    assert result.data["truncated"] is True
    assert result.data["series"][0]["value"] == 29.0


def test_range_matrix_statistics(api: respx.MockRouter) -> None:
    route = api.get("/api/v1/query_range").respond(200, json=MATRIX)
    result = run(
        query_prometheus_range,
        {
            "query": "up",
            "start": "2015-07-01T20:10:30.781Z",
            "end": "2015-07-01T20:11:00.781Z",
            "step": "15s",
        },
    )
    params = route.calls.last.request.url.params
    assert (params["start"], params["end"], params["step"]) == (
        "1435781430.781",
        "1435781460.781",
        "15",
    )
    assert result.summary == (
        '`up`: 2 series, 6 points; highest peak up{instance="localhost:9090",job="prometheus"} max 1, last 1'
    )
    node = result.data["series"][1]
    assert node["labels"]["job"] == "node"
    assert (node["points"], node["min"], node["max"], node["last"]) == (3, 0.0, 1.0, 1.0)
    assert node["mean"] == pytest.approx(1 / 3)
    assert (node["first"], node["last_time"]) == (
        "2015-07-01T20:10:30.781000Z",
        "2015-07-01T20:11:00.781000Z",
    )


def test_api_error_body_is_surfaced(api: respx.MockRouter) -> None:
    route = api.get("/api/v1/query").respond(400, json=BAD_DATA)
    result = run(query_prometheus, {"query": "sum("})
    assert route.call_count == 1
    assert (result.status, result.code) == ("error", "http_error")
    assert result.error == (
        'Prometheus GET /api/v1/query: HTTP 400: bad_data: invalid parameter "query": '
        "1:4: parse error: unexpected end of input"
    )


def test_execution_error_422(api: respx.MockRouter) -> None:
    api.get("/api/v1/query_range").respond(
        422,
        json={
            "status": "error",
            "errorType": "execution",
            "error": "many-to-many matching not allowed",
        },
    )
    result = run(query_prometheus_range, {"query": "a / b", "start": 0, "end": 60, "step": 15})
    assert (
        result.error
        == "Prometheus GET /api/v1/query_range: HTTP 422: execution: many-to-many matching not allowed"
    )


def test_retry_after_429_then_503_then_success(api: respx.MockRouter) -> None:
    route = api.get("/api/v1/query").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(
                503, json={"status": "error", "errorType": "timeout", "error": "query timed out"}
            ),
            httpx.Response(200, json=VECTOR),
        ]
    )
    result = run(query_prometheus, {"query": "up"})
    assert route.call_count == 3
    assert result.status == "success"


def test_retry_waits_follow_retry_after(
    api: respx.MockRouter, sleep: Sleep, waits: list[float]
) -> None:
    settings = Settings(prometheus={"url": PROM}, http={"retry_after_max": 30})
    api.get("/api/v1/query").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, json=VECTOR),
        ]
    )
    result = fetch_query(settings, PrometheusQueryArgs(query="up"), sleep=sleep)
    assert result.status == "success"
    assert waits == [3.0]


def test_retries_exhausted(api: respx.MockRouter) -> None:
    route = api.get("/api/v1/query").respond(
        503, json={"status": "error", "errorType": "unavailable", "error": "TSDB not ready"}
    )
    result = run(query_prometheus, {"query": "up"})
    assert route.call_count == 4  # first attempt + INFRA_TEAM_HTTP_RETRIES (3)
    assert result.code == "retries_exhausted"
    assert (
        result.error
        == "Prometheus GET /api/v1/query: HTTP 503 after 4 attempt(s): unavailable: TSDB not ready"
    )


def test_timeout(api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_HTTP_TIMEOUT", "1.5")
    monkeypatch.setenv("INFRA_TEAM_HTTP_RETRIES", "1")
    reset_settings()
    route = api.get("/api/v1/query").mock(side_effect=httpx.ReadTimeout("timed out"))
    result = run(query_prometheus, {"query": "up"})
    assert route.call_count == 2
    assert result.code == "timeout"
    assert (
        result.error
        == "Prometheus GET /api/v1/query: no answer within 1.5 s after 2 attempt(s) (ReadTimeout: timed out)"
    )


def test_bearer_token_sent_and_never_shown(
    api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_BEARER_TOKEN", "prom-token-123")
    reset_settings()
    route = api.get("/api/v1/query").respond(401, text="bad token prom-token-123")
    content = query_prometheus.invoke({"query": "up"})
    assert route.calls.last.request.headers["Authorization"] == "Bearer prom-token-123"
    assert "prom-token-123" not in content
    assert "bad token **********" in content


def test_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_TEAM_PROMETHEUS_URL")
    reset_settings()
    with respx.mock(assert_all_mocked=True):
        result = run(query_prometheus, {"query": "up"})
        ranged = run(query_prometheus_range, {"query": "up", "start": 0, "end": 60, "step": "15s"})
    assert (result.status, result.code) == ("not_configured", "not_configured")
    assert result.data == {"service": "Prometheus", "missing": ["INFRA_TEAM_PROMETHEUS_URL"]}
    assert result.summary.startswith(
        "Prometheus is not configured: set `INFRA_TEAM_PROMETHEUS_URL`"
    )
    assert ranged.status == "not_configured"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"query": ""}, "`query`: String should have at least 1 character"),
        ({"query": "up", "time": "yesterday"}, "`time`: Input should be a valid datetime"),
        ({"query": "up", "bogus": 1}, "`bogus`: Extra inputs are not permitted"),
    ],
)
def test_instant_bad_arguments(args: dict[str, Any], message: str) -> None:
    result = run(query_prometheus, args)
    assert (result.status, result.code) == ("error", "invalid_arguments")
    assert message in (result.error or "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"query": "up", "start": 60, "end": 0, "step": 15}, "`end` is before `start`"),
        ({"query": "up", "start": 0, "end": 60, "step": "0s"}, "must be a positive duration"),
        (
            {"query": "up", "start": 0, "end": 60, "step": "fast"},
            "`fast` is neither seconds nor a duration",
        ),
        (
            {"query": "up", "start": 0, "end": 86400, "step": 1},
            "86400 points per series exceeds Prometheus' limit of 11000; use a step of at least 8s",
        ),
    ],
)
def test_range_bad_arguments(args: dict[str, Any], message: str) -> None:
    result = run(query_prometheus_range, args)
    assert result.code == "invalid_arguments"
    assert message in (result.error or "")


@pytest.mark.parametrize(
    ("step", "seconds"),
    [
        ("15s", 15),
        ("5m", 300),
        ("1h30m", 5400),
        ("1d", 86400),
        ("1w", 604800),
        ("1y", 31536000),
        ("250ms", 0.25),
        ("30", 30),
        (0.5, 0.5),
        ("1.5", 1.5),
    ],
)
def test_parse_step(step: str | float, seconds: float) -> None:
    assert parse_step(step) == seconds


def test_range_args_accept_unix_and_rfc3339() -> None:
    args = PrometheusRangeArgs(
        query="up", start=1435781430.781, end="2015-07-01T20:11:00.781Z", step="15s"
    )
    assert (args.end - args.start).total_seconds() == 30


@pytest.mark.parametrize(
    ("labels", "name"),
    [
        ({"__name__": "up", "job": "node"}, 'up{job="node"}'),
        ({"__name__": "up"}, "up"),
        ({"job": "node"}, '{job="node"}'),
        ({}, "{}"),
    ],
)
def test_series_name(labels: dict[str, str], name: str) -> None:
    assert series_name(labels) == name
