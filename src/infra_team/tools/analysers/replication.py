"""Replica lag: percentiles, least-squares trend and a healthy/lagging/falling-behind verdict."""

from __future__ import annotations

import statistics
from typing import Literal

from pydantic import BaseModel, ConfigDict

TREND_TOLERANCE = 0.1
"""A fitted lag change over the sample window within this fraction of the threshold is flat."""


class ReplicationReport(BaseModel):
    """Replica lag statistics and a verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    samples: int
    threshold_seconds: float
    max_seconds: float
    p95_seconds: float
    latest_seconds: float
    mean_seconds: float
    trend_seconds_per_sample: float
    """Least-squares slope of lag over sample index."""
    trend_seconds_per_minute: float | None
    """The slope per minute of wall time, when the sample interval is known."""
    trend: Literal["rising", "flat", "falling"]
    samples_over_threshold: int
    verdict: Literal["healthy", "lagging", "falling behind"]
    reason: str


def least_squares_slope(values: list[float]) -> float:
    """Ordinary least-squares slope of ``values`` against their index 0..n-1."""
    count = len(values)
    if count < 2:
        return 0.0
    mean_x = (count - 1) / 2
    mean_y = statistics.fmean(values)
    numerator = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    denominator = sum((i - mean_x) ** 2 for i in range(count))
    return numerator / denominator


def evaluate_replication(
    lag_samples_seconds: list[float],
    threshold_seconds: float,
    *,
    sample_interval_seconds: float | None = None,
) -> ReplicationReport:
    """Judge replica lag from samples taken at a regular interval, oldest first.

    Lag is what PostgreSQL reports as ``pg_stat_replication.replay_lag`` (or
    ``now() - pg_last_xact_replay_timestamp()`` on the standby) and MySQL as
    ``Seconds_Behind_Source``. p95 is the inclusive (linear interpolation) percentile.
    The trend is the least-squares slope; it is rising or falling when the fitted change
    over the window exceeds ``TREND_TOLERANCE`` (10 %) of the threshold. Verdict: falling
    behind when the latest sample is over the threshold and lag is rising (the replica
    cannot keep up); lagging when the latest sample or the p95 is over the threshold;
    otherwise healthy.
    """
    values = [float(v) for v in lag_samples_seconds]
    count = len(values)
    p95 = values[0] if count == 1 else statistics.quantiles(values, n=100, method="inclusive")[94]
    slope = least_squares_slope(values)
    change = slope * (count - 1)
    tolerance = TREND_TOLERANCE * threshold_seconds
    trend: Literal["rising", "flat", "falling"] = (
        "rising" if change > tolerance else "falling" if change < -tolerance else "flat"
    )
    latest = values[-1]
    over = sum(1 for v in values if v > threshold_seconds)
    verdict: Literal["healthy", "lagging", "falling behind"]
    if latest > threshold_seconds and trend == "rising":
        verdict = "falling behind"
        reason = (
            f"latest lag {latest:g}s is over the {threshold_seconds:g}s threshold and still "
            f"rising ({slope:+.3g}s per sample): the replica is not keeping up"
        )
    elif latest > threshold_seconds or p95 > threshold_seconds:
        verdict = "lagging"
        reason = (
            f"lag over the {threshold_seconds:g}s threshold (latest {latest:g}s, p95 {p95:.3g}s) "
            f"with a {trend} trend"
        )
    else:
        verdict = "healthy"
        reason = f"latest {latest:g}s and p95 {p95:.3g}s are within {threshold_seconds:g}s"
        if trend == "rising":
            reason += f", but lag is rising ({slope:+.3g}s per sample)"
    per_minute = slope * 60 / sample_interval_seconds if sample_interval_seconds else None
    return ReplicationReport(
        samples=count,
        threshold_seconds=threshold_seconds,
        max_seconds=max(values),
        p95_seconds=round(p95, 6),
        latest_seconds=latest,
        mean_seconds=round(statistics.fmean(values), 6),
        trend_seconds_per_sample=round(slope, 6),
        trend_seconds_per_minute=round(per_minute, 6) if per_minute is not None else None,
        trend=trend,
        samples_over_threshold=over,
        verdict=verdict,
        reason=reason,
    )
