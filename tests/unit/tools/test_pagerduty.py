"""pagerduty_event against a mocked PagerDuty Events API v2."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.integrations.http import Sleep
from infra_team.tools.integrations.pagerduty import PagerDutyEventArgs, pagerduty_event, send_event

ENQUEUE = "https://events.pagerduty.com/v2/enqueue"
ROUTING_KEY = "e93facc04764012d7bfb002500d5d1a6"
TRIGGER = {
    "action": "trigger",
    "summary": "Replication lag above 300 s on db-2",
    "source": "db-2.prod.example.com",
    "severity": "critical",
    "component": "postgres",
    "group": "prod-db",
    "event_class": "replication lag",
    "custom_details": {"lag_seconds": 412},
    "links": [{"href": "https://runbooks.example.com/db/replication-lag", "text": "Runbook"}],
}
ACCEPTED = {"status": "success", "message": "Event processed", "dedup_key": "db-2-replication-lag"}


pytestmark = pytest.mark.usefixtures("no_backoff")


def settings(**http: Any) -> Settings:
    return Settings(pagerduty={"routing_key": ROUTING_KEY}, http=http)


def send(args: dict[str, Any], sleep: Sleep, **http: Any) -> ToolResult:
    return send_event(settings(**http), PagerDutyEventArgs.model_validate(args), sleep=sleep)


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(route.calls[index].request.content)
    return body


def test_trigger_body_and_result(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post(ENQUEUE).respond(202, json=ACCEPTED)
    result = send(TRIGGER | {"dedup_key": "db-2-replication-lag"}, sleep)
    assert sent(route) == {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": "db-2-replication-lag",
        "payload": {
            "summary": "Replication lag above 300 s on db-2",
            "source": "db-2.prod.example.com",
            "severity": "critical",
            "component": "postgres",
            "group": "prod-db",
            "class": "replication lag",
            "custom_details": {"lag_seconds": 412},
        },
        "links": [{"href": "https://runbooks.example.com/db/replication-lag", "text": "Runbook"}],
    }
    assert result.status == "success"
    assert result.summary == (
        "PagerDuty accepted the trigger event (Event processed); dedup_key "
        "`db-2-replication-lag`; use it to acknowledge or resolve."
    )
    assert result.data == {
        "action": "trigger",
        "dedup_key": "db-2-replication-lag",
        "message": "Event processed",
    }
    assert ROUTING_KEY not in result.model_dump_json()


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_and_resolve_carry_no_payload(
    api: respx.MockRouter, sleep: Sleep, action: str
) -> None:
    route = api.post(ENQUEUE).respond(202, json=ACCEPTED)
    result = send({"action": action, "dedup_key": "db-2-replication-lag"}, sleep)
    assert sent(route) == {
        "routing_key": ROUTING_KEY,
        "event_action": action,
        "dedup_key": "db-2-replication-lag",
    }
    assert (
        result.summary
        == f"PagerDuty accepted the {action} event (Event processed); dedup_key `db-2-replication-lag`."
    )


def test_trigger_without_key_gets_one_kept_across_retries(
    api: respx.MockRouter, sleep: Sleep
) -> None:
    route = api.post(ENQUEUE).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "30"}),
            httpx.Response(503),
            httpx.Response(202, json=ACCEPTED),
        ]
    )
    result = send({k: TRIGGER[k] for k in ("action", "summary", "source", "severity")}, sleep)
    keys = {sent(route, i)["dedup_key"] for i in range(3)}
    assert len(keys) == 1  # the same event each time: PagerDuty deduplicates a repeat
    assert len(keys.pop()) == 32
    assert result.status == "success"


def test_retry_waits_follow_retry_after(
    api: respx.MockRouter, sleep: Sleep, waits: list[float]
) -> None:
    api.post(ENQUEUE).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "30"}),
            httpx.Response(202, json=ACCEPTED),
        ]
    )
    send(TRIGGER, sleep, retry_after_max=60)
    assert waits == [30.0]


def test_invalid_event_body_is_surfaced(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post(ENQUEUE).respond(
        400,
        json={
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": ["Length of 'routing_key' is incorrect (should be 32 characters)"],
        },
    )
    result = send({"action": "resolve", "dedup_key": "k"}, sleep)
    assert route.call_count == 1
    assert result.code == "http_error"
    assert result.error == (
        "PagerDuty POST /v2/enqueue: HTTP 400: Event object is invalid: "
        "Length of 'routing_key' is incorrect (should be 32 characters)"
    )


def test_retries_exhausted(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post(ENQUEUE).respond(
        429,
        json={
            "status": "throttle event",
            "message": "Requests for this service are arriving too quickly.",
        },
    )
    result = send(TRIGGER, sleep, retries=1)
    assert route.call_count == 2
    assert result.code == "retries_exhausted"
    assert result.error == (
        "PagerDuty POST /v2/enqueue: HTTP 429 after 2 attempt(s): "
        "Requests for this service are arriving too quickly."
    )


def test_timeout(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post(ENQUEUE).mock(side_effect=httpx.WriteTimeout("write timed out"))
    result = send(TRIGGER, sleep, retries=2, timeout=3)
    assert route.call_count == 3
    assert result.code == "timeout"
    assert (
        result.error
        == "PagerDuty POST /v2/enqueue: no answer within 3 s after 3 attempt(s) (WriteTimeout: write timed out)"
    )


def test_eu_endpoint_from_settings(api: respx.MockRouter, sleep: Sleep) -> None:
    route = api.post("https://events.eu.pagerduty.com/v2/enqueue").respond(202, json=ACCEPTED)
    eu = Settings(
        pagerduty={"routing_key": ROUTING_KEY, "url": "https://events.eu.pagerduty.com/v2/enqueue"}
    )
    result = send_event(eu, PagerDutyEventArgs.model_validate(TRIGGER), sleep=sleep)
    assert route.called
    assert result.status == "success"


def test_not_configured(sleep: Sleep) -> None:
    with respx.mock(assert_all_mocked=True):
        result = send_event(Settings(), PagerDutyEventArgs.model_validate(TRIGGER), sleep=sleep)
    assert result.status == "not_configured"
    assert result.data["missing"] == ["INFRA_TEAM_PAGERDUTY_ROUTING_KEY"]


def test_tool_outside_a_graph_asks_for_approval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    with respx.mock(assert_all_mocked=True):
        result = parse_tool_output(pagerduty_event.invoke(TRIGGER))
    assert result.status == "approval_required"
    assert result.data["arguments"]["summary"] == "Replication lag above 300 s on db-2"
    assert ROUTING_KEY not in result.model_dump_json()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"action": "trigger", "summary": "x"}, "a trigger needs `source`, `severity`"),
        ({"action": "resolve"}, "`resolve` needs the `dedup_key` of the alert it applies to"),
        (
            {"action": "acknowledge", "dedup_key": ""},
            "`dedup_key`: String should have at least 1 character",
        ),
        (
            TRIGGER | {"severity": "sev1"},
            "`severity`: Input should be 'critical', 'error', 'warning' or 'info'",
        ),
        (
            TRIGGER | {"summary": "s" * 1025},
            "`summary`: String should have at most 1024 characters",
        ),
        ({"action": "page"}, "`action`: Input should be 'trigger', 'acknowledge' or 'resolve'"),
        (TRIGGER | {"links": [{"href": "not a url"}]}, "`links.0.href`"),
    ],
)
def test_bad_arguments(args: dict[str, Any], message: str) -> None:
    result = parse_tool_output(pagerduty_event.invoke(args))
    assert result.code == "invalid_arguments"
    assert message in (result.error or "")
