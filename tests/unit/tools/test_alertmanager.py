"""list_alertmanager_alerts and create_alertmanager_silence against a mocked Alertmanager API v2."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from infra_team.settings import Settings, reset_settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.integrations.alertmanager import (
    SilenceArgs,
    create_alertmanager_silence,
    list_alertmanager_alerts,
    post_silence,
)
from infra_team.tools.integrations.http import Sleep

AM = "http://alertmanager.test:9093"
SILENCE_ID = "8a8c1f8e-5c2b-4c8e-9a7b-2d1f0e3c4b5a"


def alert(name: str, severity: str, state: str, starts: str, **extra: Any) -> dict[str, Any]:
    """A ``gettableAlert`` as the API returns it."""
    return {
        "labels": {"alertname": name, "severity": severity, "instance": "db-1:9100"},
        "annotations": {"summary": f"{name} on db-1"},
        "fingerprint": f"fp-{name}",
        "startsAt": starts,
        "endsAt": "2024-05-01T13:00:00.000Z",
        "updatedAt": "2024-05-01T12:00:00.000Z",
        "receivers": [{"name": "pagerduty-sre"}],
        "status": {"state": state, "silencedBy": [], "inhibitedBy": []},
        "generatorURL": "http://prometheus.test:9090/graph?g0.expr=up",
        **extra,
    }


ALERTS = [
    alert("DiskFull", "critical", "active", "2024-05-01T11:30:00.000Z"),
    alert("HighLatency", "warning", "active", "2024-05-01T10:15:00.000Z"),
    alert("ReplicationLag", "critical", "active", "2024-05-01T11:55:00.000Z"),
]
SILENCE = {
    "matchers": [
        {"name": "alertname", "value": "DiskFull"},
        {"name": "instance", "value": "db-.*", "is_regex": True},
    ],
    "starts_at": "2024-05-01T12:00:00Z",
    "ends_at": "2024-05-01T14:00:00Z",
    "created_by": "site-reliability-engineer",
    "comment": "disk replacement, change CHG-1042",
}


@pytest.fixture(autouse=True)
def alertmanager_url(no_backoff: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_ALERTMANAGER_URL", AM)


@pytest.fixture
def api_base_url() -> str:
    return AM


def settings(**http: Any) -> Settings:
    return Settings(alertmanager={"url": AM}, http=http)


def silence(sleep: Sleep, **http: Any) -> ToolResult:
    return post_silence(settings(**http), SilenceArgs.model_validate(SILENCE), sleep=sleep)


def run(tool: Any, args: dict[str, Any]) -> ToolResult:
    return parse_tool_output(tool.invoke(args))


# -- list_alertmanager_alerts --------------------------------------------------------


def test_list_sends_flags_and_filters(api: respx.MockRouter) -> None:
    route = api.get("/api/v2/alerts").respond(200, json=ALERTS)
    run(list_alertmanager_alerts, {"filter": ['severity="critical"', 'instance=~"db-.*"']})
    params = route.calls.last.request.url.params
    assert params.get_list("filter") == ['severity="critical"', 'instance=~"db-.*"']
    assert (params["active"], params["silenced"], params["inhibited"]) == ("true", "false", "false")


def test_list_summary_counts_and_order(api: respx.MockRouter) -> None:
    api.get("/api/v2/alerts").respond(200, json=ALERTS)
    result = run(list_alertmanager_alerts, {})
    assert result.status == "success"
    assert result.summary == (
        "3 alert(s) (3 active); by severity: critical 2, warning 1; "
        "longest firing: HighLatency since 2024-05-01T10:15:00Z"
    )
    assert result.data["by_severity"] == {"critical": 2, "warning": 1}
    assert [a["alertname"] for a in result.data["alerts"]] == [
        "HighLatency",
        "DiskFull",
        "ReplicationLag",
    ]
    assert result.data["alerts"][0] == {
        "alertname": "HighLatency",
        "severity": "warning",
        "state": "active",
        "starts_at": "2024-05-01T10:15:00Z",
        "summary": "HighLatency on db-1",
        "labels": {"alertname": "HighLatency", "severity": "warning", "instance": "db-1:9100"},
        "fingerprint": "fp-HighLatency",
        "silenced_by": [],
        "inhibited_by": [],
        "receivers": ["pagerduty-sre"],
        "generator_url": "http://prometheus.test:9090/graph?g0.expr=up",
    }


def test_list_with_silenced_alerts(api: respx.MockRouter) -> None:
    muted = alert(
        "DiskFull",
        "critical",
        "suppressed",
        "2024-05-01T11:30:00Z",
        status={"state": "suppressed", "silencedBy": [SILENCE_ID], "inhibitedBy": []},
    )
    route = api.get("/api/v2/alerts").respond(200, json=[muted, ALERTS[1]])
    result = run(list_alertmanager_alerts, {"silenced": True})
    assert route.calls.last.request.url.params["silenced"] == "true"
    assert result.data["by_state"] == {"suppressed": 1, "active": 1}
    assert result.summary.startswith("2 alert(s) (1 active, 1 suppressed)")
    assert result.data["alerts"][1]["silenced_by"] == [SILENCE_ID]


def test_list_empty_is_no_data(api: respx.MockRouter) -> None:
    api.get("/api/v2/alerts").respond(200, json=[])
    result = run(list_alertmanager_alerts, {"filter": ['alertname="Nope"']})
    assert result.status == "no_data"
    assert result.summary == 'No alerts matching alertname="Nope".'


def test_list_api_error_body(api: respx.MockRouter) -> None:
    # Alertmanager's 400 body is a JSON string (OpenAPI ``BadRequest``: type string).
    route = api.get("/api/v2/alerts").respond(
        400, json="error parsing regexp: missing closing ): `^(?:(crit)$`"
    )
    result = run(list_alertmanager_alerts, {"filter": ['severity=~"(crit"']})
    assert route.call_count == 1
    assert result.code == "http_error"
    assert result.error == (
        "Alertmanager GET /api/v2/alerts: HTTP 400: error parsing regexp: missing closing ): `^(?:(crit)$`"
    )


def test_list_retry_429_and_503_then_success(api: respx.MockRouter) -> None:
    route = api.get("/api/v2/alerts").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(503, text="upstream unavailable"),
            httpx.Response(200, json=ALERTS),
        ]
    )
    result = run(list_alertmanager_alerts, {})
    assert route.call_count == 3
    assert result.status == "success"


def test_list_retries_exhausted(api: respx.MockRouter) -> None:
    route = api.get("/api/v2/alerts").respond(500, json="failed to load alerts")
    result = run(list_alertmanager_alerts, {})
    assert route.call_count == 4
    assert result.code == "retries_exhausted"
    assert (
        result.error
        == "Alertmanager GET /api/v2/alerts: HTTP 500 after 4 attempt(s): failed to load alerts"
    )


def test_list_timeout(api: respx.MockRouter) -> None:
    route = api.get("/api/v2/alerts").mock(side_effect=httpx.ConnectTimeout("connect timed out"))
    result = run(list_alertmanager_alerts, {})
    assert route.call_count == 4
    assert result.code == "timeout"
    assert "no answer within 10 s after 4 attempt(s)" in (result.error or "")


def test_list_unexpected_body(api: respx.MockRouter) -> None:
    api.get("/api/v2/alerts").respond(
        200, json={"status": "success", "data": []}
    )  # an API v1 answer
    result = run(list_alertmanager_alerts, {})
    assert result.code == "unexpected_response"


def test_list_basic_auth(api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_ALERTMANAGER_USERNAME", "ops")
    monkeypatch.setenv("INFRA_TEAM_ALERTMANAGER_PASSWORD", "am-pass-42")
    reset_settings()
    route = api.get("/api/v2/alerts").respond(200, json=[])
    run(list_alertmanager_alerts, {})
    assert route.calls.last.request.headers["Authorization"] == "Basic b3BzOmFtLXBhc3MtNDI="


def test_list_not_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_TEAM_ALERTMANAGER_URL")
    reset_settings()
    with respx.mock(assert_all_mocked=True):
        result = run(list_alertmanager_alerts, {})
    assert result.status == "not_configured"
    assert result.data["missing"] == ["INFRA_TEAM_ALERTMANAGER_URL"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"filter": ["severity"]}, "`severity` is not a label matcher"),
        ({"filter": ["{a=1}"]}, "is not a label matcher"),
        ({"active": "maybe"}, "`active`: Input should be a valid boolean"),
    ],
)
def test_list_bad_arguments(args: dict[str, Any], message: str) -> None:
    result = run(list_alertmanager_alerts, args)
    assert result.code == "invalid_arguments"
    assert message in (result.error or "")


# -- create_alertmanager_silence -------------------------------------------------------


def test_silence_body_and_result(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("/api/v2/silences").respond(200, json={"silenceID": SILENCE_ID})
    result = silence(sleep)
    assert json.loads(route.calls.last.request.content) == {
        "matchers": [
            {"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True},
            {"name": "instance", "value": "db-.*", "isRegex": True, "isEqual": True},
        ],
        "startsAt": "2024-05-01T12:00:00Z",
        "endsAt": "2024-05-01T14:00:00Z",
        "createdBy": "site-reliability-engineer",
        "comment": "disk replacement, change CHG-1042",
    }
    assert result.status == "success"
    assert result.summary == (
        f'Silence {SILENCE_ID} created for {{alertname="DiskFull", instance=~"db-.*"}} '
        "from 2024-05-01T12:00:00Z to 2024-05-01T14:00:00Z."
    )
    assert result.data["silence_id"] == SILENCE_ID


def test_silence_api_error_body(api: respx.MockRouter, sleep: Sleep) -> None:
    api.post("/api/v2/silences").respond(
        400, json="silence invalid: at least one matcher must not match the empty string"
    )
    args = SilenceArgs.model_validate(
        SILENCE | {"matchers": [{"name": "job", "value": ".*", "is_regex": True}]}
    )
    result = post_silence(settings(), args, sleep=sleep)
    assert result.error == (
        "Alertmanager POST /api/v2/silences: HTTP 400: "
        "silence invalid: at least one matcher must not match the empty string"
    )


def test_silence_retry_waits(api: respx.MockRouter, sleep: Sleep, waits: list[float]) -> None:
    route = api.post("/api/v2/silences").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "4"}),
            httpx.Response(503, headers={"Retry-After": "0"}),  # not processed: resent
            httpx.Response(200, json={"silenceID": SILENCE_ID}),
        ]
    )
    result = silence(sleep, retry_after_max=10)
    assert route.call_count == 3
    assert waits == [4.0, 0.0]
    assert result.data["silence_id"] == SILENCE_ID


def test_silence_retries_exhausted(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("/api/v2/silences").respond(503, headers={"Retry-After": "0"})
    result = silence(sleep, retries=2)
    assert route.call_count == 3
    assert result.code == "retries_exhausted"
    assert result.error == "Alertmanager POST /api/v2/silences: HTTP 503 after 3 attempt(s)"


def test_a_silence_answered_502_is_not_created_twice(api: respx.MockRouter, sleep: Sleep) -> None:
    """A 502 may come after Alertmanager made the silence: it is not sent again."""
    route = api.post("/api/v2/silences").respond(502)
    result = silence(sleep, retries=2)
    assert route.call_count == 1
    assert result.code == "http_error"
    assert result.error == "Alertmanager POST /api/v2/silences: HTTP 502"


def test_silence_timeout(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("/api/v2/silences").mock(side_effect=httpx.ReadTimeout("read timed out"))
    result = silence(sleep, retries=2)
    assert route.call_count == 1  # the silence may exist: never sent twice
    assert result.code == "outcome_unknown"
    assert result.data == {"attempts": 1}


def test_silence_not_configured(monkeypatch: pytest.MonkeyPatch, sleep: Sleep) -> None:
    monkeypatch.delenv("INFRA_TEAM_ALERTMANAGER_URL")
    with respx.mock(assert_all_mocked=True):
        result = post_silence(Settings(), SilenceArgs.model_validate(SILENCE), sleep=sleep)
    assert (result.status, result.data["missing"]) == (
        "not_configured",
        ["INFRA_TEAM_ALERTMANAGER_URL"],
    )


def test_silence_tool_outside_a_graph_asks_for_approval() -> None:
    with respx.mock(assert_all_mocked=True):
        result = run(create_alertmanager_silence, SILENCE)
    assert result.status == "approval_required"
    assert result.data["arguments"]["matchers"][0] == {
        "name": "alertname",
        "value": "DiskFull",
        "is_regex": False,
        "is_equal": True,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"matchers": []}, "`matchers`: List should have at least 1 item"),
        ({"ends_at": "2024-05-01T11:00:00Z"}, "`ends_at` must be after `starts_at`"),
        ({"comment": ""}, "`comment`: String should have at least 1 character"),
        ({"matchers": [{"name": "", "value": "x"}]}, "`matchers.0.name`"),
    ],
)
def test_silence_bad_arguments(change: dict[str, Any], message: str) -> None:
    result = run(create_alertmanager_silence, SILENCE | change)
    assert result.code == "invalid_arguments"
    assert message in (result.error or "")


def test_naive_times_are_utc() -> None:
    args = SilenceArgs.model_validate(
        SILENCE | {"starts_at": "2024-05-01T12:00:00", "ends_at": "2024-05-01T13:00:00"}
    )
    assert args.starts_at.isoformat() == "2024-05-01T12:00:00+00:00"
