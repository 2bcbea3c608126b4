"""Capacity forecast: a trend fitted to pasted usage, and the days until it crosses a limit.

Least-squares fit of usage against time, linear (``y = a + b t``, what Prometheus's
``predict_linear`` computes, https://prometheus.io/docs/prometheus/latest/querying/functions/#predict_linear)
or exponential (a linear fit of ``ln y``, compound growth), as in the Google SRE book,
ch. 1 "Demand Forecasting and Capacity Planning": forecast organic demand, then provision
ahead of the lead time. ``auto`` keeps the fit with the higher R².
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import Args

MAX_POINTS = 10_000


class CapacityForecastArgs(Args):
    """Arguments of ``capacity_forecast``."""

    values: list[Annotated[float, Field(ge=-1e15, le=1e15)]] = Field(
        min_length=3, max_length=MAX_POINTS, description="Usage samples, oldest first."
    )
    interval_hours: float = Field(default=24.0, gt=0, le=8760, description="Hours between samples.")
    threshold: float = Field(ge=-1e15, le=1e15, description="The limit, same unit as values.")
    fit: Literal["auto", "linear", "exponential"] = "auto"


class CapacityForecast(BaseModel):
    """The fitted trend and when it reaches the threshold."""

    fit: Literal["linear", "exponential"]
    r_squared: float
    latest: float
    fitted_now: float
    slope_per_day: float
    """Linear fit: units per day; exponential: growth rate in percent per day."""
    threshold: float
    days_to_threshold: float | None
    """None when the trend never reaches it (flat or falling); 0 when already reached."""
    verdict: Literal["breached", "within_30_days", "within_90_days", "later", "not_growing"]
    summary: str


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Ordinary least squares: intercept, slope, R²."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    r2 = 1.0 if ss_tot == 0 else max(0.0, 1 - ss_res / ss_tot)
    return intercept, slope, r2


def forecast_capacity(args: CapacityForecastArgs) -> CapacityForecast:
    """Fit the samples (time in days) and solve ``fit(t) = threshold`` for ``t`` after now."""
    days = [i * args.interval_hours / 24 for i in range(len(args.values))]
    now = days[-1]
    fits: dict[str, tuple[float, float, float]] = {}
    if args.fit in ("auto", "linear"):
        fits["linear"] = _fit(days, args.values)
    if args.fit in ("auto", "exponential") and all(v > 0 for v in args.values):
        fits["exponential"] = _fit(days, [math.log(v) for v in args.values])
    if not fits:
        fits["linear"] = _fit(days, args.values)  # exponential needs positive samples
    kind = max(fits, key=lambda k: fits[k][2])
    a, b, r2 = fits[kind]
    if kind == "linear":
        fitted = a + b * now
        slope = b
        crossing = (args.threshold - a) / b if b > 0 else None
    else:
        fitted = math.exp(a + b * now)
        slope = (math.exp(b) - 1) * 100
        crossing = (math.log(args.threshold) - a) / b if b > 0 and args.threshold > 0 else None
    latest = args.values[-1]
    if latest >= args.threshold:
        remaining: float | None = 0.0
    elif crossing is None:
        remaining = None
    else:
        remaining = max(0.0, crossing - now)
    if remaining == 0.0:
        verdict: Literal["breached", "within_30_days", "within_90_days", "later", "not_growing"]
        verdict = "breached"
    elif remaining is None:
        verdict = "not_growing"
    elif remaining <= 30:
        verdict = "within_30_days"
    elif remaining <= 90:
        verdict = "within_90_days"
    else:
        verdict = "later"
    unit = "/day" if kind == "linear" else " %/day"
    when = (
        "threshold already reached"
        if remaining == 0.0
        else "trend does not reach the threshold"
        if remaining is None
        else f"threshold {args.threshold:g} in {remaining:.1f} days"
    )
    return CapacityForecast(
        fit=kind,
        r_squared=round(r2, 4),
        latest=latest,
        fitted_now=round(fitted, 6),
        slope_per_day=round(slope, 6),
        threshold=args.threshold,
        days_to_threshold=None if remaining is None else round(remaining, 2),
        verdict=verdict,
        summary=f"{kind} fit (R² {r2:.2f}), {slope:+.4g}{unit}: {when}.",
    )
