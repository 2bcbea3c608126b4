"""Change Approval: destructive plans and write tools wait for a person."""

from __future__ import annotations

import httpx
import pytest
import respx

from infra_team import resume, task
from infra_team.settings import reset_settings
from tests.integration.conftest import team_script

STATUSPAGE = "https://api.statuspage.io/v1/pages/page-1/incidents"


def test_destructive_change_waits_then_reject_is_not_executed():
    model = team_script(change_type="Remove")
    paused = task("infrastructure-team", "Remove the legacy billing database", model=model)
    assert paused.status == "interrupted"
    question = paused.interrupts[0]
    assert question.kind == "change_approval"
    assert question.gate == "Change Approval"
    assert "remove Database" in question.details["destructive_actions"]
    done = resume(paused.thread_id, "reject", comment="not this quarter", model=model)
    assert done.status == "completed"
    assert "must not be executed" in done.report
    change = next(g for g in done.gates if g.gate == "Change Approval")
    assert not change.passed
    assert "Stakeholders notified" in change.open_items


def test_destructive_change_approved_records_the_sign_off():
    model = team_script(change_type="Remove")
    paused = task("infrastructure-team", "Remove the legacy billing database", model=model)
    done = resume(paused.thread_id, "approve", comment="CAB 42", model=model)
    change = next(g for g in done.gates if g.gate == "Change Approval")
    assert "Maintenance window scheduled" not in change.open_items
    # One approval schedules the window; it tells no stakeholder. Only a notification
    # really sent closes that item.
    assert "Stakeholders notified" in change.open_items
    assert "must not be executed" not in done.report


@pytest.fixture
def statuspage_env(monkeypatch):
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_PAGE_ID", "page-1")
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_TOKEN", "secret-token")
    reset_settings()
    yield
    reset_settings()


PAGING_REQUEST = "checkout 502 for 40% of requests; open a status page incident"
"""Triage is offered the write tools only when the request asks for that action."""


def _paging_model():
    return team_script(
        resolved_at="on-call",
        first_tools={
            "site-reliability-engineer": [
                (
                    "create_statuspage_incident",
                    {"name": "Checkout errors", "status": "investigating"},
                )
            ]
        },
    )


@respx.mock(assert_all_mocked=True, assert_all_called=False)
def test_write_tool_rejected_never_calls_the_api(respx_mock, statuspage_env):
    route = respx_mock.post(STATUSPAGE).mock(return_value=httpx.Response(201, json={"id": "x"}))
    model = _paging_model()
    paused = task("infrastructure-team", PAGING_REQUEST, model=model)
    assert paused.status == "interrupted"
    assert paused.interrupts[0].details["tool"] == "create_statuspage_incident"
    assert "site-reliability-engineer" in paused.engaged_roles
    done = resume(paused.thread_id, "reject", model=model)
    assert done.status == "completed"
    assert route.call_count == 0
    assert "rejected" in done.report


@respx.mock(assert_all_mocked=True)
def test_write_tool_approved_calls_the_api_once(respx_mock, statuspage_env):
    route = respx_mock.post(STATUSPAGE).mock(
        return_value=httpx.Response(
            201, json={"id": "p1", "name": "Checkout errors", "status": "investigating"}
        )
    )
    model = _paging_model()
    paused = task("infrastructure-team", PAGING_REQUEST, model=model)
    done = resume(paused.thread_id, "approve", model=model)
    assert done.status == "completed"
    assert route.call_count == 1


@respx.mock(assert_all_mocked=True)
def test_stakeholders_count_as_notified_only_when_a_notification_went_out(
    respx_mock, statuspage_env
):
    route = respx_mock.post(STATUSPAGE).mock(
        return_value=httpx.Response(
            201, json={"id": "p2", "name": "Billing DB maintenance", "status": "scheduled"}
        )
    )
    model = team_script(
        change_type="Remove",
        first_tools={
            "site-reliability-engineer": [
                (
                    "create_statuspage_incident",
                    {"name": "Billing DB maintenance", "status": "investigating"},
                )
            ]
        },
    )
    paused = task(
        "infrastructure-team",
        "Remove the legacy billing database; announce the maintenance with a status page incident",
        model=model,
    )
    done = paused
    while done.status == "interrupted":
        done = resume(done.thread_id, "approve", comment="CAB 42", model=model)
    assert route.call_count == 1
    change = next(g for g in done.gates if g.gate == "Change Approval")
    assert "Stakeholders notified" not in change.open_items
    assert "Maintenance window scheduled" not in change.open_items
