"""The integration tools as a set, and the HTTP layer they share (retries, waits, errors,
redaction), plus the Change Approval pause in front of every write."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TypedDict

import httpx
import pytest
import respx
from langchain_core.tools import BaseTool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from infra_team.settings import HttpSettings
from infra_team.tools import TOOL_CATALOG, writes
from infra_team.tools._base import ToolResult, ok, parse_tool_output
from infra_team.tools.integrations import TOOLS
from infra_team.tools.integrations.alertmanager import create_alertmanager_silence
from infra_team.tools.integrations.grafana import create_grafana_annotation
from infra_team.tools.integrations.http import (
    ApiRequest,
    ApiTarget,
    Sleep,
    api_error_text,
    call_api,
    is_retryable_status,
    retry_after_seconds,
)
from infra_team.tools.integrations.pagerduty import pagerduty_event
from infra_team.tools.integrations.statuspage import create_statuspage_incident

BASE = "http://api.test"
TOKEN = "tok-9f8e7d6c5b4a"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("clean_settings")


@pytest.fixture
def api_base_url() -> str:
    return BASE


def target(**extra: Any) -> ApiTarget:
    return ApiTarget(service="Demo", base_url=BASE, auth_scheme="Bearer", token=TOKEN, **extra)


def echo(body: Any) -> ToolResult:
    return ok("demo", "fine", {"body": body})


HTTP = HttpSettings(retries=3, backoff_initial=0.5, backoff_max=8.0, retry_after_max=30.0)
GET = ApiRequest(method="GET", path="/thing", params=(("a", "1"), ("a", "2")))


def get(sleep: Sleep, http: HttpSettings = HTTP) -> ToolResult:
    """``GET /thing`` on the bearer-token target, the body echoed into the result."""
    return call_api("demo", target(), GET, echo, http=http, sleep=sleep)


# -- the set ---------------------------------------------------------------------------


def test_tool_names_and_write_flags() -> None:
    assert {tool.name: writes(tool) for tool in TOOLS} == {
        "query_prometheus": False,
        "query_prometheus_range": False,
        "list_alertmanager_alerts": False,
        "create_alertmanager_silence": True,
        "pagerduty_event": True,
        "create_grafana_annotation": True,
        "create_statuspage_incident": True,
    }


def test_tools_are_in_the_catalog() -> None:
    for tool in TOOLS:
        assert TOOL_CATALOG[tool.name] is tool


# -- pure helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Wed, 01 May 2024 12:00:30 GMT", 30.0),
        ("Wed, 01 May 2024 11:00:00 GMT", 0.0),  # in the past: no wait
        ("-5", None),
        ("soon", None),
    ],
)
def test_retry_after_seconds(header: str | None, expected: float | None) -> None:
    assert retry_after_seconds(header, now=NOW) == expected


@pytest.mark.parametrize(
    ("status", "retry"),
    [
        (200, False),
        (400, False),
        (404, False),
        (420, True),
        (429, True),
        (500, True),
        (501, False),
        (502, True),
        (503, True),
        (504, True),
        (505, False),
    ],
)
def test_is_retryable_status(status: int, retry: bool) -> None:
    assert is_retryable_status(status) is retry


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            {"status": "error", "errorType": "bad_data", "error": 'parse error: unexpected "}"'},
            'bad_data: parse error: unexpected "}"',
        ),
        ("bad matcher format: foo", "bad matcher format: foo"),
        (
            {
                "status": "invalid event",
                "message": "Event object is invalid",
                "errors": ["'payload.summary' is missing or blank"],
            },
            "Event object is invalid: 'payload.summary' is missing or blank",
        ),
        ({"message": "Dashboard not found"}, "Dashboard not found"),
        (
            {"error": ["Name can't be blank", "Status is invalid"]},
            "Name can't be blank; Status is invalid",
        ),
        ({"error": "Could not authenticate"}, "Could not authenticate"),
        ({"other": 1}, '{"other":1}'),
        (None, ""),
    ],
)
def test_api_error_text(body: Any, text: str) -> None:
    assert api_error_text(body) == text


def test_api_error_text_is_clipped() -> None:
    text = api_error_text("x" * 5000)
    assert len(text) == 1000
    assert text.endswith("…")


# -- call_api --------------------------------------------------------------------------


def test_success_sends_auth_params_and_timeout(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.get("/thing").respond(200, json={"n": 1})
    result = get(sleep)
    assert result.status == "success"
    assert result.data == {"body": {"n": 1}}
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.url.params.get_list("a") == ["1", "2"]
    assert request.extensions["timeout"] == {
        "connect": 10.0,
        "read": 10.0,
        "write": 10.0,
        "pool": 10.0,
    }


def test_basic_auth(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.get("/thing").respond(200, json={})
    basic = ApiTarget(service="Demo", base_url=BASE, username="reader", password="pw-secret")
    call_api("demo", basic, GET, echo, http=HTTP, sleep=sleep)
    assert route.calls.last.request.headers["Authorization"] == "Basic cmVhZGVyOnB3LXNlY3JldA=="


def test_retry_after_seconds_is_honoured(
    api: respx.MockRouter, sleep: Sleep, waits: list[float]
) -> None:
    api.get("/thing").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"n": 2}),
        ]
    )
    result = get(sleep)
    assert result.status == "success"
    assert waits == [7.0]


def test_retry_after_date_is_capped(
    api: respx.MockRouter, sleep: Sleep, waits: list[float]
) -> None:
    api.get("/thing").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "Fri, 31 Dec 2100 23:59:59 GMT"}),
            httpx.Response(200, json={}),
        ]
    )
    get(sleep)
    assert waits == [30.0]


def test_backoff_is_bounded_exponential(
    api: respx.MockRouter, sleep: Sleep, waits: list[float]
) -> None:
    api.get("/thing").mock(side_effect=[httpx.Response(502)] * 3 + [httpx.Response(200, json={})])
    get(sleep)
    assert len(waits) == 3
    for attempt, wait in enumerate(waits, start=1):
        assert 0.0 <= wait <= min(8.0, 0.5 * 2 ** (attempt - 1))


def test_zero_backoff_settings_wait_zero(
    api: respx.MockRouter, sleep: Sleep, waits: list[float]
) -> None:
    api.get("/thing").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "60"}),
            httpx.Response(503),
            httpx.Response(200, json={}),
        ]
    )
    fast = HttpSettings(backoff_initial=0, backoff_max=0, retry_after_max=0)
    get(sleep, fast)
    assert waits == [0.0, 0.0]


def test_retries_exhausted_reports_last_status_and_body(
    api: respx.MockRouter, sleep: Sleep
) -> None:
    route = api.get("/thing").respond(503, json={"message": "overloaded"})
    result = get(sleep, HttpSettings(retries=2, backoff_initial=0))
    assert route.call_count == 3
    assert (result.status, result.code) == ("error", "retries_exhausted")
    assert result.error == "Demo GET /thing: HTTP 503 after 3 attempt(s): overloaded"
    assert result.data == {"attempts": 3, "http_status": 503}


def test_client_error_is_not_retried(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.get("/thing").respond(404, json={"message": "not found"})
    result = get(sleep)
    assert route.call_count == 1
    assert (result.code, result.error) == ("http_error", "Demo GET /thing: HTTP 404: not found")
    assert result.data == {"attempts": 1, "http_status": 404}


def test_connection_error_retried_then_reported(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.get("/thing").mock(side_effect=httpx.ConnectError("Connection refused"))
    result = get(sleep, HttpSettings(retries=1, backoff_initial=0))
    assert route.call_count == 2
    assert result.code == "retries_exhausted"
    assert (
        result.error
        == f"Demo GET /thing: cannot reach {BASE} after 2 attempt(s) (ConnectError: Connection refused)"
    )


def test_timeout_retried_then_reported(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.get("/thing").mock(side_effect=httpx.ReadTimeout("timed out"))
    http = HttpSettings(timeout=2.5, retries=1, backoff_initial=0)
    result = get(sleep, http)
    assert route.call_count == 2
    assert result.code == "timeout"
    assert (
        result.error
        == "Demo GET /thing: no answer within 2.5 s after 2 attempt(s) (ReadTimeout: timed out)"
    )


def test_unexpected_body_shape(api: respx.MockRouter, sleep: Sleep) -> None:
    from pydantic import BaseModel

    class Shape(BaseModel):
        id: int

    api.get("/thing").respond(200, text="<html>login</html>")
    result = call_api(
        "demo",
        target(),
        GET,
        lambda body: ok("demo", str(Shape.model_validate(body).id)),
        http=HTTP,
        sleep=sleep,
    )
    assert result.code == "unexpected_response"
    assert result.error is not None and result.error.startswith(
        "Demo GET /thing: unexpected answer"
    )


def test_echoed_secret_is_redacted_everywhere(api: respx.MockRouter, sleep: Sleep) -> None:
    api.get("/thing").respond(401, json={"message": f"invalid API key {TOKEN}"})
    result = get(sleep)
    assert TOKEN not in result.model_dump_json()
    assert result.error == "Demo GET /thing: HTTP 401: invalid API key **********"


def test_secret_in_success_body_is_redacted(api: respx.MockRouter, sleep: Sleep) -> None:
    api.get("/thing").respond(200, json={"echo": {"key": [TOKEN]}})
    result = get(sleep)
    assert result.data == {"body": {"echo": {"key": ["**********"]}}}


def test_retry_logs_never_show_secrets(
    api: respx.MockRouter, sleep: Sleep, caplog: pytest.LogCaptureFixture
) -> None:
    api.get("/thing").mock(
        side_effect=[httpx.ConnectError(f"refused for {TOKEN}"), httpx.Response(200, json={})]
    )
    with caplog.at_level(logging.DEBUG):
        get(sleep)
    assert "Demo GET /thing: ConnectError: refused for **********; retrying in" in caplog.text
    assert TOKEN not in caplog.text


def test_target_repr_hides_credentials() -> None:
    shown = repr(target(username=None, body_secrets=("routing-key-123",)))
    assert TOKEN not in shown
    assert "routing-key-123" not in shown


# -- settings problems become results --------------------------------------------------


def test_unreadable_settings_become_an_error_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_HTTP_TIMEOUT", "-1")
    result = parse_tool_output(TOOL_CATALOG["query_prometheus"].invoke({"query": "up"}))
    assert (result.status, result.code) == ("error", "invalid_settings")
    assert "INFRA_TEAM_HTTP_TIMEOUT" in (result.error or "")


# -- Change Approval in front of every write -------------------------------------------

WRITES: list[tuple[BaseTool, dict[str, Any], dict[str, str], str, str, dict[str, Any]]] = [
    (
        create_alertmanager_silence,
        {
            "matchers": [{"name": "alertname", "value": "DiskFull"}],
            "starts_at": "2024-05-01T12:00:00Z",
            "ends_at": "2024-05-01T14:00:00Z",
            "created_by": "sre",
            "comment": "disk replacement",
        },
        {"INFRA_TEAM_ALERTMANAGER_URL": "http://am.test"},
        "http://am.test/api/v2/silences",
        "POST",
        {"silenceID": "7b1a6d3e-0d2c-4d3e-9d4f-1a2b3c4d5e6f"},
    ),
    (
        pagerduty_event,
        {"action": "resolve", "dedup_key": "db-replication-lag"},
        {"INFRA_TEAM_PAGERDUTY_ROUTING_KEY": "R" * 32},
        "https://events.pagerduty.com/v2/enqueue",
        "POST",
        {"status": "success", "message": "Event processed", "dedup_key": "db-replication-lag"},
    ),
    (
        create_grafana_annotation,
        {"text": "deploy v1.2.3", "tags": ["deploy"]},
        {"INFRA_TEAM_GRAFANA_URL": "http://grafana.test", "INFRA_TEAM_GRAFANA_TOKEN": "glsa_x"},
        "http://grafana.test/api/annotations",
        "POST",
        {"message": "Annotation added", "id": 1},
    ),
    (
        create_statuspage_incident,
        {"name": "Elevated errors", "status": "investigating"},
        {"INFRA_TEAM_STATUSPAGE_PAGE_ID": "pg1", "INFRA_TEAM_STATUSPAGE_TOKEN": "sp-key"},
        "https://api.statuspage.io/v1/pages/pg1/incidents",
        "POST",
        {
            "id": "p31zjtct2jer",
            "name": "Elevated errors",
            "status": "investigating",
            "impact": "minor",
        },
    ),
]


@pytest.fixture(params=WRITES, ids=lambda case: case[0].name)
def write(
    request: pytest.FixtureRequest, clean_settings: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[BaseTool, dict[str, Any], respx.Route]]:
    """A write tool configured through its variables, with its API mocked but not yet called."""
    tool, args, env, url, method, answer = request.param
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield tool, args, router.route(method=method, url=url).respond(200, json=answer)


def test_write_outside_a_graph_needs_approval_and_sends_nothing(
    write: tuple[BaseTool, dict[str, Any], respx.Route],
) -> None:
    tool, args, route = write
    result = parse_tool_output(tool.invoke(args))
    assert (result.status, result.code) == ("approval_required", "approval_required")
    assert not route.called


class _State(TypedDict):
    out: str


def _graph_calling(tool: BaseTool, args: dict[str, Any]) -> Any:
    def call(state: _State) -> _State:
        return {"out": tool.invoke(args)}

    graph = StateGraph(_State)
    graph.add_node("call", call)
    graph.add_edge(START, "call")
    graph.add_edge("call", END)
    return graph.compile(checkpointer=InMemorySaver())


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_write_in_a_graph_runs_only_once_approved(
    write: tuple[BaseTool, dict[str, Any], respx.Route], decision: str
) -> None:
    tool, args, route = write
    app = _graph_calling(tool, args)
    config = {"configurable": {"thread_id": f"{tool.name}-{decision}"}}
    paused = app.invoke({"out": ""}, config)
    (interrupt,) = paused["__interrupt__"]
    assert interrupt.value["gate"] == "Change Approval"
    assert interrupt.value["details"]["tool"] == tool.name
    assert not route.called
    done = app.invoke(Command(resume=decision), config)
    result = parse_tool_output(done["out"])
    if decision == "approve":
        assert result.status == "success"
        assert route.call_count == 1
    else:
        assert (result.status, result.code) == ("rejected", "change_rejected")
        assert not route.called
