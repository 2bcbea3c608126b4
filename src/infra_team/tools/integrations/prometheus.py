"""Prometheus queries: instant (``/api/v1/query``) and range (``/api/v1/query_range``).

Results are summarised so a model reads a few lines, not thousands of samples: per
series the labels and the value (instant) or count/min/max/mean/last (range), biggest
first, cut to ``MAX_SERIES``. Response shapes follow the Prometheus HTTP API reference
(prometheus.io/docs/prometheus/latest/querying/api, "Expression query result formats").
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, error, infra_tool, no_data, ok
from infra_team.tools._limits import MAX_COUNT, Instant, Query
from infra_team.tools.integrations.http import (
    ApiRequest,
    Sleep,
    UtcDatetime,
    call_endpoint,
    with_settings,
)

SERVICE = "Prometheus"
QUERY_TOOL = "query_prometheus"
RANGE_TOOL = "query_prometheus_range"
QUERY_PROMETHEUS_DESCRIPTION = (
    "Evaluate a PromQL expression at one instant on the configured Prometheus and get "
    "each series' labels and value, highest first."
)
QUERY_PROMETHEUS_RANGE_DESCRIPTION = (
    "Evaluate a PromQL expression over a time range on the configured Prometheus and get "
    "per-series count, min, max, mean and last value."
)
MAX_SERIES = 20
"""Series listed in a result; the total count is always reported."""
MAX_POINTS_PER_SERIES = 11_000
"""Prometheus refuses range queries above this (web/api/v1/api.go: "exceeded maximum
resolution of 11,000 points per timeseries")."""

_DURATION = re.compile(
    r"^(?:(?P<y>\d+)y)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?"
    r"(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?(?:(?P<ms>\d+)ms)?$"
)
_UNIT_SECONDS = {
    "y": 365 * 86400,
    "w": 7 * 86400,
    "d": 86400,
    "h": 3600,
    "m": 60,
    "s": 1,
    "ms": 0.001,
}


def parse_step(value: str | float) -> float:
    """Seconds in a range-query step: a float number of seconds or a Prometheus duration.

    Duration syntax is ``model.ParseDuration`` of prometheus/common: units ``y`` (365 d),
    ``w``, ``d``, ``h``, ``m``, ``s``, ``ms`` in that order, e.g. ``1h30m``.

    Raises:
        ValueError: not a positive duration.
    """
    text = str(value).strip()
    try:
        seconds = float(text)
    except ValueError:
        match = _DURATION.fullmatch(text)
        if not text or match is None:
            msg = f"`{text}` is neither seconds nor a duration like `30s`, `5m`, `1h30m`"
            raise ValueError(msg) from None
        seconds = sum(int(n) * _UNIT_SECONDS[unit] for unit, n in match.groupdict().items() if n)
    if not math.isfinite(seconds) or seconds <= 0:
        msg = "must be a positive duration (Prometheus rejects zero or negative steps)"
        raise ValueError(msg)
    return seconds


class PrometheusQueryArgs(BaseModel):
    """Arguments of ``query_prometheus``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    query: Query = Field(min_length=1, description="PromQL expression, e.g. `up == 0`.")
    time: UtcDatetime | None = Field(
        default=None,
        description="Evaluation instant, RFC 3339 or Unix seconds; default now (server time).",
    )


class PrometheusRangeArgs(BaseModel):
    """Arguments of ``query_prometheus_range``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    query: Query = Field(min_length=1, description="PromQL expression.")
    start: UtcDatetime = Field(description="Range start, RFC 3339 or Unix seconds.")
    end: UtcDatetime = Field(description="Range end, RFC 3339 or Unix seconds.")
    step: Instant | Annotated[float, Field(gt=0, le=MAX_COUNT)] = Field(
        description="Resolution: seconds or a duration like `30s`, `5m`."
    )

    @field_validator("step")
    @classmethod
    def _valid_step(cls, value: str | float) -> str | float:
        parse_step(value)
        return value

    @model_validator(mode="after")
    def _within_limits(self) -> PrometheusRangeArgs:
        if self.end < self.start:
            msg = "`end` is before `start`"
            raise ValueError(msg)
        span = (self.end - self.start).total_seconds()
        points = span / parse_step(self.step)
        if points > MAX_POINTS_PER_SERIES:
            coarsest = math.ceil(span / MAX_POINTS_PER_SERIES)
            msg = (
                f"{points:.0f} points per series exceeds Prometheus' limit of "
                f"{MAX_POINTS_PER_SERIES}; use a step of at least {coarsest}s"
            )
            raise ValueError(msg)
        return self


class _Histogram(BaseModel):
    """A native histogram sample; only its totals are summarised."""

    count: float
    sum: float


class _Instant(BaseModel):
    metric: dict[str, str] = Field(default_factory=dict)
    value: tuple[float, str] | None = None
    histogram: tuple[float, _Histogram] | None = None


class _Range(BaseModel):
    metric: dict[str, str] = Field(default_factory=dict)
    values: list[tuple[float, str]] = Field(default_factory=list)
    histograms: list[tuple[float, _Histogram]] = Field(default_factory=list)


class _QueryData(BaseModel):
    result_type: Literal["vector", "matrix", "scalar", "string"] = Field(alias="resultType")
    result: Any


class _Envelope(BaseModel):
    status: Literal["success", "error"]
    data: _QueryData | None = None
    error_type: str | None = Field(default=None, alias="errorType")
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)
    infos: list[str] = Field(default_factory=list)


_SAMPLE = TypeAdapter(tuple[float, str])
"""A scalar or string result: ``[<unix time>, "<value>"]``."""


def series_name(labels: dict[str, str]) -> str:
    """A series in PromQL notation: ``name{label="value",...}``, labels sorted."""
    name = labels.get("__name__", "")
    rest = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{rest}}}" if rest or not name else name


def _number(text: str) -> float:
    """A sample value: Prometheus sends numbers as strings, including ``NaN`` and ``±Inf``."""
    return float(text)


def _json_number(value: float) -> float | str:
    """JSON has no NaN or infinity: those stay in Prometheus' spelling."""
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def _fmt(value: float | str) -> str:
    return f"{value:.6g}" if isinstance(value, float) else value


def summarise_vector(samples: list[_Instant]) -> tuple[str, list[dict[str, Any]]]:
    """One entry per series (labels, value, time), highest value first, NaN last."""
    rows: list[tuple[float, dict[str, Any]]] = []
    for sample in samples:
        row: dict[str, Any] = {"series": series_name(sample.metric), "labels": sample.metric}
        if sample.histogram is not None:
            at, hist = sample.histogram
            row |= {"histogram_count": hist.count, "histogram_sum": hist.sum, "time": _iso(at)}
            key = hist.count
        elif sample.value is not None:
            at, raw = sample.value
            key = _number(raw)
            row |= {"value": _json_number(key), "time": _iso(at)}
        else:
            continue
        rows.append((key, row))
    rows.sort(key=lambda item: (math.isnan(item[0]), 0.0 if math.isnan(item[0]) else -item[0]))
    series = [row for _, row in rows]
    if not series:
        return "", []
    top = series[0]
    shown = _fmt(top.get("value", top.get("histogram_count", "")))
    line = f"{len(series)} series; highest {top['series']} = {shown}"
    if len(series) > 1:
        low = series[-1]
        line += (
            f"; lowest {low['series']} = {_fmt(low.get('value', low.get('histogram_count', '')))}"
        )
    return line, series


def summarise_matrix(ranges: list[_Range]) -> tuple[str, list[dict[str, Any]]]:
    """Per series: point count, first/last time, and min/max/mean/last of finite values.

    Native histogram series are summarised on their observation count.
    """
    rows: list[dict[str, Any]] = []
    for item in ranges:
        points = [(at, _number(raw)) for at, raw in item.values] or [
            (at, hist.count) for at, hist in item.histograms
        ]
        if not points:
            continue
        finite = [v for _, v in points if math.isfinite(v)]
        row: dict[str, Any] = {
            "series": series_name(item.metric),
            "labels": item.metric,
            "points": len(points),
            "first": _iso(points[0][0]),
            "last_time": _iso(points[-1][0]),
            "last": _json_number(points[-1][1]),
        }
        if item.histograms and not item.values:
            row["of"] = "histogram_count"
        if finite:
            row |= {"min": min(finite), "max": max(finite), "mean": sum(finite) / len(finite)}
        rows.append(row)
    rows.sort(key=lambda r: -r.get("max", -math.inf))
    if not rows:
        return "", []
    total = sum(r["points"] for r in rows)
    line = f"{len(rows)} series, {total} points"
    peak = rows[0]
    if "max" in peak:
        line += (
            f"; highest peak {peak['series']} max {_fmt(peak['max'])}, last {_fmt(peak['last'])}"
        )
    return line, rows


def _summarise(tool: str, query: str, envelope: _Envelope) -> ToolResult:
    if envelope.status == "error" or envelope.data is None:
        detail = ": ".join(p for p in (envelope.error_type, envelope.error) if p)
        return error(
            tool, f"Prometheus rejected `{query}`: {detail or 'no data field'}", code="http_error"
        )
    kind = envelope.data.result_type
    base: dict[str, Any] = {"query": query, "result_type": kind}
    notes = envelope.warnings + envelope.infos
    if notes:
        base["warnings"] = notes
    if kind in ("scalar", "string"):
        at, raw = _SAMPLE.validate_python(envelope.data.result)
        value: float | str = _json_number(_number(raw)) if kind == "scalar" else raw
        return ok(
            tool,
            f"`{query}` = {_fmt(value)} at {_iso(at)}",
            base | {"value": value, "time": _iso(at)},
        )
    if kind == "vector":
        line, series = summarise_vector([_Instant.model_validate(s) for s in envelope.data.result])
    else:
        line, series = summarise_matrix([_Range.model_validate(s) for s in envelope.data.result])
    if not series:
        note = f" ({'; '.join(notes)})" if notes else ""
        return no_data(tool, f"`{query}` returned no series{note}", base | {"series_count": 0})
    data = base | {
        "series_count": len(series),
        "series": series[:MAX_SERIES],
        "truncated": len(series) > MAX_SERIES,
    }
    return ok(tool, f"`{query}`: {line}", data)


def _unix(value: datetime) -> str:
    return f"{value.timestamp():.3f}"


def _query(
    tool: str,
    settings: Settings,
    path: str,
    params: tuple[tuple[str, str], ...],
    query: str,
    *,
    sleep: Sleep,
) -> ToolResult:
    """``GET`` a query endpoint and summarise the answer (both share one result format)."""
    return call_endpoint(
        tool,
        SERVICE,
        "prometheus",
        settings.prometheus,
        ApiRequest(method="GET", path=path, params=params),
        lambda body: _summarise(tool, query, _Envelope.model_validate(body)),
        http=settings.http,
        sleep=sleep,
    )


def fetch_query(
    settings: Settings, args: PrometheusQueryArgs, *, sleep: Sleep = time.sleep
) -> ToolResult:
    """Run an instant query (``GET /api/v1/query``) and summarise the result."""
    params = [("query", args.query)] + ([("time", _unix(args.time))] if args.time else [])
    return _query(QUERY_TOOL, settings, "/api/v1/query", tuple(params), args.query, sleep=sleep)


def fetch_range(
    settings: Settings, args: PrometheusRangeArgs, *, sleep: Sleep = time.sleep
) -> ToolResult:
    """Run a range query (``GET /api/v1/query_range``) and summarise each series."""
    params = (
        ("query", args.query),
        ("start", _unix(args.start)),
        ("end", _unix(args.end)),
        ("step", f"{parse_step(args.step):g}"),
    )
    return _query(RANGE_TOOL, settings, "/api/v1/query_range", params, args.query, sleep=sleep)


@infra_tool(
    name=QUERY_TOOL,
    description=QUERY_PROMETHEUS_DESCRIPTION,
    args_schema=PrometheusQueryArgs,
    live=True,
    settings=("prometheus.url",),
)
def query_prometheus(**fields: Any) -> ToolResult:
    """Read-only: what a metric is right now, e.g. which targets are down."""
    return with_settings(QUERY_TOOL, fetch_query, PrometheusQueryArgs.model_validate(fields))


@infra_tool(
    name=RANGE_TOOL,
    description=QUERY_PROMETHEUS_RANGE_DESCRIPTION,
    args_schema=PrometheusRangeArgs,
    live=True,
    settings=("prometheus.url",),
)
def query_prometheus_range(**fields: Any) -> ToolResult:
    """Read-only: how a metric moved over a window, e.g. error ratio during an incident."""
    return with_settings(RANGE_TOOL, fetch_range, PrometheusRangeArgs.model_validate(fields))


TOOLS: tuple[BaseTool, ...] = (query_prometheus, query_prometheus_range)
