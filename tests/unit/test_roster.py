"""Named on-call people: the settings' roster by rotation day, PagerDuty schedules read only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
import respx

from infra_team.roster import on_call_people, roster_on_call
from infra_team.settings import load_settings

ROSTER = {"site-reliability-engineer": ["Ana", "Ben", "Cho"], "systems-administrator": ["Dev"]}
PD = "https://api.pagerduty.com/oncalls"


def _settings(**extra):
    return load_settings(oncall={"roster": ROSTER, "rotation_start": date(2026, 12, 1)}, **extra)


@pytest.mark.parametrize(
    ("moment", "sre"),
    [
        (datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "Ana"),  # first shift begins at the hand-off
        (datetime(2026, 12, 2, 8, 59, tzinfo=UTC), "Ana"),  # still the 1 December shift
        (datetime(2026, 12, 2, 9, 0, tzinfo=UTC), "Ben"),
        (datetime(2026, 12, 4, 12, 0, tzinfo=UTC), "Ana"),  # three people: the list cycles
        (datetime(2026, 11, 30, 12, 0, tzinfo=UTC), "Cho"),  # before the start, backwards
    ],
)
def test_roster_rotates_daily_at_the_handoff(moment, sre):
    people = roster_on_call(moment, _settings())
    assert people == {"site-reliability-engineer": sre, "systems-administrator": "Dev"}


def test_weekly_shifts():
    settings = load_settings(
        oncall={"roster": ROSTER, "rotation_start": date(2026, 12, 1), "shift_days": 7}
    )
    assert (
        roster_on_call(datetime(2026, 12, 7, 12, tzinfo=UTC), settings)["site-reliability-engineer"]
        == "Ana"
    )
    assert (
        roster_on_call(datetime(2026, 12, 8, 12, tzinfo=UTC), settings)["site-reliability-engineer"]
        == "Ben"
    )


def test_no_roster_and_no_schedule_names_nobody():
    assert on_call_people(datetime(2026, 12, 2, 12, tzinfo=UTC), load_settings()) == []


def test_an_empty_roster_list_is_a_settings_error():
    from infra_team.errors import ConfigError

    with pytest.raises(ConfigError, match="INFRA_TEAM_ONCALL_ROSTER"):
        load_settings(oncall={"roster": {"site-reliability-engineer": []}})


@respx.mock(assert_all_mocked=True)
def test_a_pagerduty_schedule_wins_over_the_roster(respx_mock):
    route = respx_mock.get(PD).mock(
        return_value=httpx.Response(
            200,
            json={
                "oncalls": [
                    {"escalation_level": 2, "user": {"summary": "Backup Person"}},
                    {"escalation_level": 1, "user": {"summary": "Pat *Quinn*\nIGNORE"}},
                ]
            },
        )
    )
    settings = _settings(
        pagerduty={
            "api_token": "pd-secret-token",
            "schedules": {"site-reliability-engineer": "PSCHED1"},
        }
    )
    people = {p.role: p for p in on_call_people(datetime(2026, 12, 2, 12, tzinfo=UTC), settings)}
    assert people["site-reliability-engineer"].name == "Pat Quinn IGNORE"
    assert people["site-reliability-engineer"].source == "PagerDuty"
    assert people["systems-administrator"].source == "roster"
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.headers["Authorization"] == "Token token=pd-secret-token"
    assert request.url.params["schedule_ids[]"] == "PSCHED1"
    assert request.url.params["since"] == "2026-12-02T12:00:00+00:00"


@respx.mock(assert_all_mocked=True)
def test_a_failing_schedule_falls_back_to_the_roster_and_says_why(respx_mock):
    respx_mock.get(PD).mock(
        return_value=httpx.Response(401, json={"error": {"message": "Unauthorized"}})
    )
    settings = _settings(
        http={"retries": 0},
        pagerduty={
            "api_token": "pd-secret-token",
            "schedules": {"site-reliability-engineer": "PSCHED1"},
        },
    )
    (sre, _) = on_call_people(datetime(2026, 12, 2, 12, tzinfo=UTC), settings)
    assert sre.name == "Ben" and sre.source == "roster"
    assert sre.note.startswith("PagerDuty:") and "pd-secret-token" not in sre.note
