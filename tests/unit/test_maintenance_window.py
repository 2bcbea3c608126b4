"""The Maintenance Notification's window: the requester's own when stated, else the team's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from infra_team.graph._artifacts import proposed_window, stated_window


def utc(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("request_text", "window"),
    [
        ("Maintenance window: Saturday 2026-12-05 02:00-04:00 UTC.", (utc(5, 2), utc(5, 4))),
        ("window 2026-12-05 02:00 - 2026-12-05 04:30 UTC", (utc(5, 2), utc(5, 4, 30))),
        ("from 2026-12-05T23:00 to 01:00 UTC", (utc(5, 23), utc(6, 1))),
        ("2026-12-05 2:00\u20134:00 utc", (utc(5, 2), utc(5, 4))),
        (
            "2026-12-31 23:30-2027-01-01 00:30 UTC",
            (utc(31, 23, 30), datetime(2027, 1, 1, 0, 30, tzinfo=UTC)),
        ),
        ("bad 2026-13-05 02:00-04:00 UTC, then 2026-12-06 01:00-02:00 UTC", (utc(6, 1), utc(6, 2))),
    ],
)
def test_a_stated_window_is_read_as_given(
    request_text: str, window: tuple[datetime, datetime] | None
) -> None:
    assert stated_window(request_text) == window


@pytest.mark.parametrize(
    "request_text",
    [
        "Set up a load balancer this Saturday",
        "Window 2026-12-05 02:00-04:00 CET",  # not UTC: the team does not guess the offset
        "Deploy at 2026-12-05 02:00",
        "",
    ],
)
def test_no_stated_window_in_utc_is_none(request_text: str) -> None:
    assert stated_window(request_text) is None


def test_a_window_that_has_passed_is_kept_as_the_requester_gave_it() -> None:
    assert stated_window("window 2020-01-04 02:00-04:00 UTC") == (
        datetime(2020, 1, 4, 2, tzinfo=UTC),
        datetime(2020, 1, 4, 4, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("started", "start"),
    [
        (utc(3, 8), utc(6, 2)),  # 48 h later is the 5th at 08:00: the next 02:00 is the 6th
        (utc(3, 1), utc(5, 2)),  # 48 h later is the 5th at 01:00: 02:00 that day
        (utc(3, 2), utc(5, 2)),
    ],
)
def test_the_team_proposes_the_first_0200_two_days_out(started: datetime, start: datetime) -> None:
    first, end = proposed_window(started)
    assert (first, (end - first).total_seconds()) == (start, 7200)
