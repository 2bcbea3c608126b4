"""Write tools are planned only when the request asks for the action."""

from __future__ import annotations

import pytest

from infra_team.offline._extract import extract_facts
from infra_team.offline._writes import silence_window, write_calls


def _names(text: str, level: str = "P1") -> list[str]:
    calls, _ = write_calls(extract_facts(text), text, level=level, component="load balancer")
    return [call.name for call in calls]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("checkout returns 502", []),
        ("checkout returns 502; page the on-call", ["pagerduty_event"]),
        ("checkout returns 502; open a status page incident", ["create_statuspage_incident"]),
        ("checkout returns 502; annotate the dashboard", ["create_grafana_annotation"]),
        (
            "checkout 502; silence it from 2025-03-01T10:00Z until 2025-03-01T11:00Z",
            ["create_alertmanager_silence"],
        ),
    ],
)
def test_writes_follow_the_words(text: str, names: list[str]) -> None:
    assert _names(text) == names


def test_severity_maps_to_each_api() -> None:
    text = "checkout is slow; page the on-call and open a status page incident"
    calls, _ = write_calls(extract_facts(text), text, level="P2", component="lb")
    args = {call.name: call.args for call in calls}
    assert args["pagerduty_event"]["severity"] == "error"
    assert args["create_statuspage_incident"]["impact_override"] == "major"
    assert (
        args["pagerduty_event"]["summary"]
        == "P2 checkout: checkout is slow; page the on-call and open a status page incident"
    )


def test_silence_without_window_is_explained() -> None:
    text = "silence the checkout alerts"
    calls, notes = write_calls(extract_facts(text), text, level="P3", component="lb")
    assert calls == ()
    assert notes == ("Silence asked for without a start and end time: not created.",)


def test_silence_window_takes_the_first_two_timestamps() -> None:
    assert silence_window("from 2025-03-01T10:00:00+01:00 to 2025-03-01T12:00Z") == (
        "2025-03-01T10:00:00+01:00",
        "2025-03-01T12:00Z",
    )
    assert silence_window("at 2025-03-01T10:00Z") is None
