"""Backup policy against a recovery point objective: schedule, history and retention.

Two modes: with a backup history (the times of recent successful backups, possibly none)
the check judges the schedule, the history and the retention; without one (``None``) it
judges a *proposed* policy on paper: the schedule against the RPO and the retention
against the minimum, and says that no history was checked.
"""

from __future__ import annotations

import itertools
import math
import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra_team.tools._base import ToolInputError
from infra_team.tools.analysers.cron import cron_interval_minutes
from infra_team.tools.analysers.timestamps import parse_instant

Severity = Literal["high", "medium", "low"]
DEFAULT_MIN_RETENTION_DAYS = 7.0
"""Minimum retention: a week of restore points, so corruption noticed after a weekend or a
release cycle can still be rolled back (Google SRE book ch. 26, Data Integrity: damage is often
found late, so restore points must reach back past the detection delay)."""
MIN_RESTORE_POINTS = 2
"""Retention must hold at least this many backups, so one bad backup is not the only copy."""
_DURATION = re.compile(
    r"^(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$",
    re.IGNORECASE,
)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}


def _duration_minutes(text: str) -> float | None:
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    return float(match["value"]) * _UNIT_MINUTES[match["unit"][0].lower()]


def schedule_interval_minutes(schedule: str | float) -> tuple[float, Literal["interval", "cron"]]:
    """The worst-case minutes between two scheduled backups, and how it was given."""
    if isinstance(schedule, int | float):
        value = float(schedule)
        kind: Literal["interval", "cron"] = "interval"
    else:
        text = schedule.strip()
        bare_number = re.fullmatch(r"\d+(\.\d+)?", text)
        parsed = float(text) if bare_number else _duration_minutes(text)
        if parsed is None:
            return cron_interval_minutes(text)[0], "cron"
        value, kind = parsed, "interval"
    if not math.isfinite(value) or value <= 0:
        msg = f"schedule interval must be a positive number of minutes, got `{schedule}`"
        raise ToolInputError(msg)
    return value, kind


def retention_days(retention: str | float) -> float:
    """Retention in days from a number of days or a duration such as ``14d``, ``2w``, ``36h``."""
    if isinstance(retention, int | float) or re.fullmatch(r"\s*\d+(\.\d+)?\s*", retention):
        days = float(retention)
    else:
        minutes = _duration_minutes(retention)
        if minutes is None:
            msg = f"retention `{retention}` must be days (e.g. `14`) or a duration (`14d`, `2w`, `36h`)"
            raise ToolInputError(msg)
        days = minutes / 1440
    if not math.isfinite(days) or days <= 0:
        msg = f"retention must be positive, got `{retention}`"
        raise ToolInputError(msg)
    return days


class BackupFinding(BaseModel):
    """One way the backup policy misses its objective."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal[
        "schedule_exceeds_rpo",
        "no_successful_backup",
        "rpo_breached_now",
        "gap_exceeds_rpo",
        "retention_below_minimum",
        "too_few_restore_points",
        "future_timestamp",
    ]
    severity: Severity
    detail: str


class BackupGap(BaseModel):
    """Two successive successful backups further apart than the RPO."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    after: datetime
    before: datetime
    minutes: float


class BackupPolicyReport(BaseModel):
    """Backup schedule, history and retention judged against the RPO."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    compliant: bool
    """No high or medium finding."""
    history_checked: bool
    """False for a proposed policy: no backup history was given, so only the schedule and
    the retention were judged and nothing is said about backups that actually ran."""
    rpo_minutes: float
    schedule_interval_minutes: float
    """Worst-case minutes between two scheduled runs."""
    schedule_kind: Literal["interval", "cron"]
    retention_days: float
    min_retention_days: float
    restore_points: int
    """Backups the retention keeps at the scheduled interval."""
    now: datetime | None
    """Evaluation time of the history; None for a proposed policy."""
    last_success: datetime | None
    minutes_since_last_success: float | None
    max_gap_minutes: float | None
    gaps_over_rpo: tuple[BackupGap, ...]
    findings: tuple[BackupFinding, ...]


class _History(BaseModel):
    """What a backup history shows against the RPO at ``now``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    now: datetime
    last_success: datetime | None
    minutes_since: float | None
    max_gap: float | None
    gaps_over_rpo: tuple[BackupGap, ...]
    findings: tuple[BackupFinding, ...]


def _history(last_success_times: list[str], now: datetime | None, rpo: float) -> _History:
    """Judge the successful backups at ``now`` (default the current UTC time)."""
    moment = now or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    times = sorted(parse_instant(value, "last_success_times") for value in last_success_times)
    if not times:
        finding = BackupFinding(
            kind="no_successful_backup",
            severity="high",
            detail="No successful backup is recorded: there is nothing to restore from.",
        )
        return _History(
            now=moment,
            last_success=None,
            minutes_since=None,
            max_gap=None,
            gaps_over_rpo=(),
            findings=(finding,),
        )
    findings: list[BackupFinding] = []
    future = [t for t in times if t > moment]
    if future:
        findings.append(
            BackupFinding(
                kind="future_timestamp",
                severity="low",
                detail=f"{len(future)} success time(s) lie after `now` ({moment.isoformat()}); "
                "check clock sync or time zones.",
            )
        )
    since = (moment - times[-1]).total_seconds() / 60
    if since > rpo:
        findings.append(
            BackupFinding(
                kind="rpo_breached_now",
                severity="high",
                detail=f"Last success was {since:,.0f} min ago ({times[-1].isoformat()}), "
                f"beyond the RPO of {rpo:,.0f} min: a failure now would lose more data than allowed.",
            )
        )
    gaps = [
        BackupGap(after=a, before=b, minutes=(b - a).total_seconds() / 60)
        for a, b in itertools.pairwise(times)
    ]
    over = [gap for gap in gaps if gap.minutes > rpo]
    if over:
        worst = max(over, key=lambda gap: gap.minutes)
        findings.append(
            BackupFinding(
                kind="gap_exceeds_rpo",
                severity="medium",
                detail=f"{len(over)} gap(s) between successful backups exceed the RPO; the "
                f"longest is {worst.minutes:,.0f} min after {worst.after.isoformat()}.",
            )
        )
    max_gap = max((gap.minutes for gap in gaps), default=None)
    return _History(
        now=moment,
        last_success=times[-1],
        minutes_since=round(since, 2),
        max_gap=round(max_gap, 2) if max_gap is not None else None,
        gaps_over_rpo=tuple(over),
        findings=tuple(findings),
    )


def evaluate_backup_policy(
    schedule: str | float,
    retention: str | float,
    last_success_times: list[str] | None,
    rpo_minutes: float,
    *,
    now: datetime | None = None,
    min_retention_days: float = DEFAULT_MIN_RETENTION_DAYS,
) -> BackupPolicyReport:
    """Judge a backup policy against its recovery point objective.

    The RPO is the most data, in time, a restore may lose (ISO 22301 / NIST SP 800-34
    contingency planning). So: the scheduled interval must not exceed the RPO (the
    worst-case loss is at least one interval); the last success must be no older than the
    RPO at ``now``; no two successive successes may be further apart than the RPO; the
    retention must reach back at least ``min_retention_days`` (default 7, see
    ``DEFAULT_MIN_RETENTION_DAYS``) and keep at least two restore points. Timestamps are
    ISO-8601; one without an offset is taken as UTC.

    ``last_success_times=None`` judges a proposed policy: the history checks (last
    success, gaps, clock skew) are skipped and ``history_checked`` is False. An empty list
    is a history with no successful backup, which is a high finding.

    Raises:
        ToolInputError: unreadable schedule, retention or timestamps.
    """
    interval, kind = schedule_interval_minutes(schedule)
    days = retention_days(retention)
    findings: list[BackupFinding] = []
    if interval > rpo_minutes:
        findings.append(
            BackupFinding(
                kind="schedule_exceeds_rpo",
                severity="high",
                detail=f"Backups run every {interval:,.0f} min at worst, longer than the RPO of "
                f"{rpo_minutes:,.0f} min: the schedule alone cannot meet the RPO.",
            )
        )
    history = None
    if last_success_times is not None:
        history = _history(last_success_times, now, rpo_minutes)
        findings += history.findings
    if days < min_retention_days:
        findings.append(
            BackupFinding(
                kind="retention_below_minimum",
                severity="medium",
                detail=f"Retention of {days:g} days is below the minimum of "
                f"{min_retention_days:g} days: late-detected corruption may have no clean copy.",
            )
        )
    points = math.floor(days * 1440 / interval)
    if points < MIN_RESTORE_POINTS:
        findings.append(
            BackupFinding(
                kind="too_few_restore_points",
                severity="medium",
                detail=f"Retention keeps {points} backup(s) at this schedule; keep at least "
                f"{MIN_RESTORE_POINTS} so one bad backup is not the only copy.",
            )
        )
    return BackupPolicyReport(
        compliant=not any(f.severity in {"high", "medium"} for f in findings),
        rpo_minutes=rpo_minutes,
        schedule_interval_minutes=interval,
        schedule_kind=kind,
        retention_days=days,
        min_retention_days=min_retention_days,
        restore_points=points,
        history_checked=history is not None,
        now=history.now if history else None,
        last_success=history.last_success if history else None,
        minutes_since_last_success=history.minutes_since if history else None,
        max_gap_minutes=history.max_gap if history else None,
        gaps_over_rpo=history.gaps_over_rpo if history else (),
        findings=tuple(findings),
    )
