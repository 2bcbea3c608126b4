"""Loki log queries, read-only: LogQL over ``GET /loki/api/v1/query_range``.

Only that endpoint is called, always with GET, through the same HTTP layer as the other
integrations (timeout, retries on reads, credentials redacted). Loki's HTTP API
reference (grafana.com/docs/loki/latest/reference/loki-http-api, "Query logs within a
range of time") defines the parameters (``query``, ``start``/``end`` in nanoseconds,
``limit``, ``direction``) and the two result types summarised here: ``streams`` (log
lines, merged newest first) and ``matrix`` (a metric query such as ``rate(...)``: per
series count, last and max). Lines are cut to ``MAX_LINE_CHARS``; their text is data
from the logged systems and is returned marked untrusted like every tool output.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, model_validator

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, infra_tool, no_data, ok
from infra_team.tools._limits import Query
from infra_team.tools.integrations.http import (
    ApiRequest,
    Sleep,
    UtcDatetime,
    call_endpoint,
    with_settings,
)

SERVICE = "Loki"
TOOL = "query_loki"
MAX_LINES = 500
"""Log lines a call may ask for (Loki's own default ``max_entries_limit_per_query`` is 5000)."""
MAX_LINE_CHARS = 2_000
"""Characters kept of one log line."""
MAX_SERIES = 20
"""Series listed for a metric query; the total count is always reported."""
MAX_RANGE = timedelta(days=30)
"""Longest range asked for (Loki's default ``max_query_length`` is 721 h)."""
DEFAULT_RANGE = timedelta(hours=1)
SETTINGS = ("loki.url",)
"""The settings fields these tools need (``infra-team tools`` lists them)."""


class LokiQueryArgs(BaseModel):
    """Arguments of ``query_loki``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    query: Query = Field(min_length=1, description='LogQL, e.g. `{app="api"} |= "error"`.')
    start: UtcDatetime | None = Field(default=None, description="Default: `end` - 1 h.")
    end: UtcDatetime | None = Field(default=None, description="Default: now.")
    limit: int = Field(default=100, ge=1, le=MAX_LINES, description="Most log lines.")

    @model_validator(mode="after")
    def _range(self) -> LokiQueryArgs:
        end = self.end or datetime.now(UTC)
        start = self.start or end - DEFAULT_RANGE
        if start >= end:
            msg = "`start` must be before `end`"
            raise ValueError(msg)
        if end - start > MAX_RANGE:
            msg = f"the range is longer than {MAX_RANGE.days} days; narrow it"
            raise ValueError(msg)
        return self


class _Stream(BaseModel):
    stream: dict[str, str] = Field(default_factory=dict)
    values: list[tuple[str, str]] = Field(default_factory=list)


class _Series(BaseModel):
    metric: dict[str, str] = Field(default_factory=dict)
    values: list[tuple[float, str]] = Field(default_factory=list)


class _Data(BaseModel):
    result_type: Literal["streams", "matrix", "vector"] = Field(alias="resultType")
    result: list[dict[str, Any]]


class _Answer(BaseModel):
    status: Literal["success"]
    data: _Data


def _ns(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000_000))


def _iso(nanoseconds: str) -> str:
    seconds, rest = divmod(int(nanoseconds), 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest // 1000)
    return moment.isoformat().replace("+00:00", "Z")


def _labels(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def summarise(body: Any, query: str, limit: int) -> ToolResult:
    """The lines (streams) or series summary (matrix/vector) of a ``query_range`` answer."""
    answer = _Answer.model_validate(body)
    kind = answer.data.result_type
    if kind == "streams":
        streams = [_Stream.model_validate(item) for item in answer.data.result]
        entries = [(ts, _labels(s.stream), line) for s in streams for ts, line in s.values]
        entries.sort(key=lambda e: int(e[0]), reverse=True)
        kept = entries[:limit]
        data: dict[str, Any] = {
            "query": query,
            "result_type": kind,
            "streams": len(streams),
            "line_count": len(kept),
            "lines": [
                {"time": _iso(ts), "stream": labels, "line": line[:MAX_LINE_CHARS]}
                for ts, labels, line in kept
            ],
            "truncated": len(entries) > limit or len(kept) >= limit,
        }
        if not kept:
            return no_data(TOOL, f"No log lines for {query} in the range.", data)
        summary = (
            f"{len(kept)} log line(s) from {len(streams)} stream(s), newest "
            f"{data['lines'][0]['time']}" + (" (limit reached)" if data["truncated"] else "") + "."
        )
        return ok(TOOL, summary, data)
    series = [_Series.model_validate(item) for item in answer.data.result]
    rows: list[dict[str, Any]] = []
    for s in series:
        values = [float(v) for _, v in s.values]
        if values:
            rows.append(
                {
                    "labels": _labels(s.metric),
                    "points": len(values),
                    "last": values[-1],
                    "max": max(values),
                }
            )
    rows.sort(key=lambda r: -r["max"])
    data = {"query": query, "result_type": kind, "series": len(rows), "top": rows[:MAX_SERIES]}
    if not rows:
        return no_data(TOOL, f"No series for {query} in the range.", data)
    top = rows[0]
    summary = (
        f"{len(rows)} series; highest {top['labels']} max {top['max']:g}, last {top['last']:g}."
    )
    return ok(TOOL, summary, data)


def fetch_logs(settings: Settings, args: LokiQueryArgs, *, sleep: Sleep = time.sleep) -> ToolResult:
    """``GET /loki/api/v1/query_range`` on the configured Loki."""
    end = args.end or datetime.now(UTC)
    start = args.start or end - DEFAULT_RANGE
    params = (
        ("query", args.query),
        ("start", _ns(start)),
        ("end", _ns(end)),
        ("limit", str(args.limit)),
        ("direction", "backward"),
    )
    return call_endpoint(
        TOOL,
        SERVICE,
        "loki",
        settings.loki,
        ApiRequest(method="GET", path="/loki/api/v1/query_range", params=params),
        lambda body: summarise(body, args.query, args.limit),
        http=settings.http,
        sleep=sleep,
    )


@infra_tool(
    name=TOOL,
    description=(
        "Read-only: run a LogQL query on the configured Loki over a time range; log lines "
        f"newest first (at most {MAX_LINES}, {MAX_LINE_CHARS} chars each) or metric series."
    ),
    args_schema=LokiQueryArgs,
    live=True,
    settings=SETTINGS,
)
def query_loki(**fields: Any) -> ToolResult:
    """Logs as evidence: the error lines around an incident, or their rate."""
    return with_settings(TOOL, fetch_logs, LokiQueryArgs.model_validate(fields))


TOOLS: tuple[BaseTool, ...] = (query_loki,)
