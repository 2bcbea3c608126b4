"""create_statuspage_incident against a mocked Statuspage REST API."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.integrations.http import Sleep
from infra_team.tools.integrations.statuspage import (
    IncidentArgs,
    create_statuspage_incident,
    post_incident,
)

API = "https://api.statuspage.io/v1"
PAGE_ID = "kctbh9vrtdwd"
API_KEY = "89a229ce1a8dbcf9ff30430fbe35eb4c0426574bca932061892cefd2138aa4b1"
INCIDENTS = f"/pages/{PAGE_ID}/incidents"
ARGS = {
    "name": "Elevated checkout errors",
    "status": "investigating",
    "body": "We are investigating elevated error rates at checkout.",
    "impact_override": "major",
    "component_ids": ["8kbf7d35c070", "vtnh60py4yd7"],
}
CREATED = {
    "id": "p31zjtct2jer",
    "name": "Elevated checkout errors",
    "status": "investigating",
    "impact": "major",
    "shortlink": "http://stspg.io/p31zjtct2jer",
    "page_id": PAGE_ID,
    "created_at": "2024-05-01T12:00:00.000Z",
    "incident_updates": [{"id": "u1", "status": "investigating", "body": ARGS["body"]}],
}


pytestmark = pytest.mark.usefixtures("no_backoff")


@pytest.fixture
def api_base_url() -> str:
    return API


def settings(**http: Any) -> Settings:
    return Settings(statuspage={"page_id": PAGE_ID, "token": API_KEY}, http=http)


def post(args: dict[str, Any], sleep: Sleep, **http: Any) -> ToolResult:
    return post_incident(settings(**http), IncidentArgs.model_validate(args), sleep=sleep)


def test_create_incident(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post(INCIDENTS).respond(201, json=CREATED)
    result = post(ARGS, sleep)
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"OAuth {API_KEY}"
    assert json.loads(request.content) == {
        "incident": {
            "name": "Elevated checkout errors",
            "status": "investigating",
            "body": "We are investigating elevated error rates at checkout.",
            "impact_override": "major",
            "component_ids": ["8kbf7d35c070", "vtnh60py4yd7"],
        }
    }
    assert result.status == "success"
    assert result.summary == (
        "Statuspage incident p31zjtct2jer opened: Elevated checkout errors "
        "(investigating, impact major). http://stspg.io/p31zjtct2jer"
    )
    assert result.data == {
        "id": "p31zjtct2jer",
        "name": "Elevated checkout errors",
        "status": "investigating",
        "impact": "major",
        "shortlink": "http://stspg.io/p31zjtct2jer",
    }
    assert API_KEY not in result.model_dump_json()


def test_minimal_incident_sends_only_what_is_set(api: respx.MockRouter, sleep: Sleep) -> None:
    answer = CREATED | {
        "name": "Degraded search",
        "status": "identified",
        "impact": "none",
        "shortlink": None,
    }
    route = api.post(INCIDENTS).respond(201, json=answer)
    result = post({"name": "Degraded search", "status": "identified"}, sleep)
    assert json.loads(route.calls.last.request.content) == {
        "incident": {"name": "Degraded search", "status": "identified"}
    }
    assert (
        result.summary
        == "Statuspage incident p31zjtct2jer opened: Degraded search (identified, impact none)."
    )


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"error": "Could not authenticate"}, "HTTP 401: Could not authenticate"),
        (422, {"error": ["Name can't be blank"]}, "HTTP 422: Name can't be blank"),
        (404, {"error": "Page not found"}, "HTTP 404: Page not found"),
    ],
)
def test_api_error_body_is_surfaced(
    api: respx.MockRouter, sleep: Sleep, status: int, body: Any, error: str
) -> None:
    route = api.post(INCIDENTS).respond(status, json=body)
    result = post(ARGS, sleep)
    assert route.call_count == 1
    assert result.code == "http_error"
    assert result.error == f"Statuspage POST /v1{INCIDENTS}: {error}"


def test_rate_limit_420_and_429_then_503_then_success(
    api: respx.MockRouter, sleep: Sleep, waits: list[float]
) -> None:
    route = api.post(INCIDENTS).mock(
        side_effect=[
            httpx.Response(420, headers={"Retry-After": "1"}, json={"error": "Rate limited"}),
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(503, headers={"Retry-After": "0"}),
            httpx.Response(201, json=CREATED),
        ]
    )
    result = post(ARGS, sleep, retry_after_max=60)
    assert route.call_count == 4
    assert waits == [1.0, 2.0, 0.0]
    assert result.data["id"] == "p31zjtct2jer"


def test_retries_exhausted(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post(INCIDENTS).respond(
        429, headers={"Retry-After": "60"}, json={"error": "Rate limited"}
    )
    result = post(ARGS, sleep, retries=2)
    assert route.call_count == 3
    assert result.code == "retries_exhausted"
    assert (
        result.error == f"Statuspage POST /v1{INCIDENTS}: HTTP 429 after 3 attempt(s): Rate limited"
    )


def test_timeout(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post(INCIDENTS).mock(side_effect=httpx.ConnectTimeout("connect timed out"))
    result = post(ARGS, sleep, retries=1)
    assert route.call_count == 2
    assert result.code == "timeout"


def test_connection_refused(api: respx.MockRouter, sleep: Sleep) -> None:
    api.post(INCIDENTS).mock(side_effect=httpx.ConnectError("Name or service not known"))
    result = post(ARGS, sleep, retries=0)
    assert result.code == "retries_exhausted"
    assert result.error == (
        f"Statuspage POST /v1{INCIDENTS}: cannot reach {API} after 1 attempt(s) "
        "(ConnectError: Name or service not known)"
    )


def test_page_id_is_path_escaped(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("/pages/a%2Fb/incidents").respond(201, json=CREATED)
    weird = Settings(statuspage={"page_id": "a/b", "token": API_KEY})
    post_incident(weird, IncidentArgs.model_validate(ARGS), sleep=sleep)
    assert route.called


@pytest.mark.parametrize(
    ("statuspage", "missing"),
    [
        ({}, ["INFRA_TEAM_STATUSPAGE_PAGE_ID", "INFRA_TEAM_STATUSPAGE_TOKEN"]),
        ({"page_id": PAGE_ID}, ["INFRA_TEAM_STATUSPAGE_TOKEN"]),
        ({"token": API_KEY}, ["INFRA_TEAM_STATUSPAGE_PAGE_ID"]),
    ],
)
def test_not_configured(statuspage: dict[str, str], missing: list[str], sleep: Sleep) -> None:
    with respx.mock(assert_all_mocked=True):
        result = post_incident(
            Settings(statuspage=statuspage), IncidentArgs.model_validate(ARGS), sleep=sleep
        )
    assert (result.status, result.data["missing"]) == ("not_configured", missing)


def test_tool_outside_a_graph_asks_for_approval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_PAGE_ID", PAGE_ID)
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_TOKEN", API_KEY)
    with respx.mock(assert_all_mocked=True):
        content = create_statuspage_incident.invoke(ARGS)
    result = parse_tool_output(content)
    assert result.status == "approval_required"
    assert result.data["arguments"]["impact_override"] == "major"
    assert API_KEY not in content


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ARGS | {"status": "scheduled"},
            "`status`: Input should be 'investigating', 'identified', 'monitoring' or 'resolved'",
        ),
        (
            ARGS | {"impact_override": "sev1"},
            "`impact_override`: Input should be 'none', 'maintenance', 'minor', 'major' or 'critical'",
        ),
        (ARGS | {"name": ""}, "`name`: String should have at least 1 character"),
        ({"status": "investigating"}, "`name`: Field required"),
    ],
)
def test_bad_arguments(args: dict[str, Any], message: str) -> None:
    result = parse_tool_output(create_statuspage_incident.invoke(args))
    assert result.code == "invalid_arguments"
    assert message in (result.error or "")
