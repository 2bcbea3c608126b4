"""Cron schedules (crontab(5)): the worst-case gap between two runs."""

from __future__ import annotations

import itertools
import re

from infra_team.tools._base import ToolInputError

MINUTES_PER_WEEK = 7 * 24 * 60
_CRON_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
}


def _cron_field(field: str, low: int, high: int, name: str) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        match = re.fullmatch(r"(?P<range>\*|\d+(?:-\d+)?)(?:/(?P<step>\d+))?", part)
        if match is None:
            msg = f"cron {name} field `{field}` is not supported; use numbers, `*`, `a-b`, `,` and `/n`"
            raise ToolInputError(msg)
        step = int(match["step"] or 1)
        if match["range"] == "*":
            start, end = low, high
        elif "-" in match["range"]:
            start, end = (int(v) for v in match["range"].split("-"))
        else:
            start = int(match["range"])
            end = high if match["step"] else start
        if step < 1 or not low <= start <= end <= high:
            msg = f"cron {name} field `{field}` is out of range {low}-{high}"
            raise ToolInputError(msg)
        values.update(range(start, end + 1, step))
    return values


def cron_interval_minutes(expression: str) -> tuple[float, float]:
    """Worst-case gap between runs of a cron schedule, and runs per day.

    Supports standard five-field cron (crontab(5)) with numbers, ``*``, ranges, lists and
    steps in the minute, hour and day-of-week fields, and the macros ``@hourly``,
    ``@daily``, ``@midnight`` and ``@weekly``: so ``*/N * * * *``, ``M * * * *``,
    ``M H * * *``, ``0 */6 * * *`` and ``30 2 * * 1-5``. Day-of-month and month must be
    ``*``, because intervals that depend on month length have no single worst case; names
    (``MON``, ``JAN``) are not supported. The gap is taken over a week, wrapping around.

    Raises:
        ToolInputError: an unsupported or malformed expression.
    """
    fields = _CRON_MACROS.get(expression.strip().lower(), expression).split()
    if len(fields) != 5:
        msg = (
            f"schedule `{expression}` is neither minutes (e.g. `60`, `6h`) nor a five-field "
            "cron expression (`minute hour day-of-month month day-of-week`)"
        )
        raise ToolInputError(msg)
    minute, hour, day_of_month, month, day_of_week = fields
    if day_of_month != "*" or month != "*":
        msg = (
            f"cron `{expression}`: day-of-month and month must be `*` (schedules that depend "
            "on month length are not supported); give the interval in minutes instead"
        )
        raise ToolInputError(msg)
    minutes = _cron_field(minute, 0, 59, "minute")
    hours = _cron_field(hour, 0, 23, "hour")
    days = {day % 7 for day in _cron_field(day_of_week, 0, 7, "day-of-week")}
    runs = sorted(d * 1440 + h * 60 + m for d in days for h in hours for m in minutes)
    gaps = [later - earlier for earlier, later in itertools.pairwise(runs)]
    gaps.append(runs[0] + MINUTES_PER_WEEK - runs[-1])
    return float(max(gaps)), len(runs) / 7
