"""create_grafana_annotation against a mocked Grafana HTTP API."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.integrations.grafana import (
    AnnotationArgs,
    create_grafana_annotation,
    post_annotation,
)
from infra_team.tools.integrations.http import Sleep

GRAFANA = "https://grafana.test"
TOKEN = "glsa_k8sYtX2pQm_4f3e2d1c"
REGION = {
    "text": "Deploy checkout v2.14.0",
    "tags": ["deploy", "checkout"],
    "time_ms": 1714564800000,
    "time_end_ms": 1714565400000,
    "dashboard_uid": "checkout-slo",
    "panel_id": 4,
}


pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def api_base_url() -> str:
    return GRAFANA


def settings(**http: Any) -> Settings:
    return Settings(grafana={"url": GRAFANA, "token": TOKEN}, http=http)


def post(args: dict[str, Any], sleep: Sleep, **http: Any) -> ToolResult:
    return post_annotation(settings(**http), AnnotationArgs.model_validate(args), sleep=sleep)


def test_region_annotation_on_a_panel(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("/api/annotations").respond(
        200, json={"message": "Annotation added", "id": 1124}
    )
    result = post(REGION, sleep)
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {
        "text": "Deploy checkout v2.14.0",
        "tags": ["deploy", "checkout"],
        "time": 1714564800000,
        "timeEnd": 1714565400000,
        "dashboardUID": "checkout-slo",
        "panelId": 4,
    }
    assert result.status == "success"
    assert (
        result.summary == "Grafana annotation 1124 added (region, dashboard checkout-slo panel 4)."
    )
    assert result.data == {
        "annotation_id": 1124,
        "scope": "dashboard checkout-slo panel 4",
        "kind": "region",
        "message": "Annotation added",
    }


def test_org_wide_point_annotation_sends_only_what_is_set(
    api: respx.MockRouter, sleep: Sleep
) -> None:
    route = api.post("/api/annotations").respond(200, json={"message": "Annotation added", "id": 7})
    result = post({"text": "Failover to eu-west-1", "tags": ["incident"]}, sleep)
    assert json.loads(route.calls.last.request.content) == {
        "text": "Failover to eu-west-1",
        "tags": ["incident"],
    }
    assert result.summary == "Grafana annotation 7 added (point, organisation-wide)."


def test_api_error_body_is_surfaced(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("/api/annotations").respond(
        403, json={"message": "Permissions needed: annotations:create"}
    )
    result = post(REGION, sleep)
    assert route.call_count == 1
    assert result.code == "http_error"
    assert (
        result.error
        == "Grafana POST /api/annotations: HTTP 403: Permissions needed: annotations:create"
    )
    assert result.data == {"attempts": 1, "http_status": 403}


def test_retry_429_then_503_then_success(
    api: respx.MockRouter, sleep: Sleep, waits: list[float]
) -> None:
    route = api.post("/api/annotations").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "5"}),
            httpx.Response(503, headers={"Retry-After": "0"}, json={"message": "Unavailable"}),
            httpx.Response(200, json={"message": "Annotation added", "id": 8}),
        ]
    )
    result = post(REGION, sleep, retry_after_max=60)
    assert route.call_count == 3
    assert waits == [5.0, 0.0]
    assert result.data["annotation_id"] == 8


def test_retries_exhausted(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("/api/annotations").respond(
        503, headers={"Retry-After": "0"}, json={"message": "Grafana is starting"}
    )
    result = post(REGION, sleep, retries=3)
    assert route.call_count == 4
    assert result.code == "retries_exhausted"
    assert (
        result.error
        == "Grafana POST /api/annotations: HTTP 503 after 4 attempt(s): Grafana is starting"
    )


def test_an_annotation_answered_500_is_not_posted_twice(
    api: respx.MockRouter, sleep: Sleep
) -> None:
    route = api.post("/api/annotations").respond(500, json={"message": "Failed to save annotation"})
    result = post(REGION, sleep, retries=3)
    assert route.call_count == 1  # the annotation may have been saved before the 500
    assert result.code == "http_error"
    assert result.error == "Grafana POST /api/annotations: HTTP 500: Failed to save annotation"


def test_timeout(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("/api/annotations").mock(side_effect=httpx.ReadTimeout("read timed out"))
    result = post(REGION, sleep, retries=3, timeout=0.5)
    assert route.call_count == 1
    assert result.code == "outcome_unknown"
    assert result.error == (
        "Grafana POST /api/annotations: the request was sent but no answer came (ReadTimeout: "
        "read timed out); the change may or may not have been made, so it was not sent again. "
        "Check Grafana before trying again."
    )


def test_echoed_token_is_redacted(api: respx.MockRouter, sleep: Sleep) -> None:
    api.post("/api/annotations").respond(401, json={"message": f"invalid API key: {TOKEN}"})
    result = post(REGION, sleep)
    assert TOKEN not in result.model_dump_json()
    assert result.error == "Grafana POST /api/annotations: HTTP 401: invalid API key: **********"


@pytest.mark.parametrize(
    ("grafana", "missing"),
    [
        ({}, ["INFRA_TEAM_GRAFANA_URL", "INFRA_TEAM_GRAFANA_TOKEN"]),
        ({"url": GRAFANA}, ["INFRA_TEAM_GRAFANA_TOKEN"]),
        ({"token": TOKEN}, ["INFRA_TEAM_GRAFANA_URL"]),
    ],
)
def test_not_configured(grafana: dict[str, str], missing: list[str], sleep: Sleep) -> None:
    with respx.mock(assert_all_mocked=True):
        result = post_annotation(
            Settings(grafana=grafana), AnnotationArgs.model_validate(REGION), sleep=sleep
        )
    assert (result.status, result.data["missing"]) == ("not_configured", missing)


def test_tool_outside_a_graph_asks_for_approval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_GRAFANA_URL", GRAFANA)
    monkeypatch.setenv("INFRA_TEAM_GRAFANA_TOKEN", TOKEN)
    with respx.mock(assert_all_mocked=True):
        content = create_grafana_annotation.invoke(REGION)
    result = parse_tool_output(content)
    assert result.status == "approval_required"
    assert result.data["arguments"]["dashboard_uid"] == "checkout-slo"
    assert TOKEN not in content


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"text": ""}, "`text`: String should have at least 1 character"),
        ({"text": "x", "time_end_ms": 5}, "`time_end_ms` needs `time_ms`"),
        ({"text": "x", "time_ms": 10, "time_end_ms": 5}, "`time_end_ms` is before `time_ms`"),
        ({"text": "x", "panel_id": 2}, "`panel_id` needs the `dashboard_uid`"),
        ({"text": "x", "time_ms": -1}, "`time_ms`: Input should be greater than or equal to 0"),
    ],
)
def test_bad_arguments(args: dict[str, Any], message: str) -> None:
    result = parse_tool_output(create_grafana_annotation.invoke(args))
    assert result.code == "invalid_arguments"
    assert message in (result.error or "")
