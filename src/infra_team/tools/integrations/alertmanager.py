"""Alertmanager API v2: list alerts (``GET /api/v2/alerts``) and silence them
(``POST /api/v2/silences``).

Shapes follow the API's OpenAPI spec (prometheus/alertmanager ``api/v2/openapi.yaml``):
``gettableAlert`` for alerts, ``postableSilence`` for a new silence, whose answer is
``{"silenceID": "..."}``.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, infra_tool, no_data, ok
from infra_team.tools._limits import Line, Name, Text
from infra_team.tools.integrations.http import (
    ApiRequest,
    Sleep,
    UtcDatetime,
    call_endpoint,
    with_settings,
)

SERVICE = "Alertmanager"
LIST_TOOL = "list_alertmanager_alerts"
SILENCE_TOOL = "create_alertmanager_silence"
LIST_ALERTMANAGER_ALERTS_DESCRIPTION = (
    "List alerts from the configured Alertmanager, optionally filtered by label matchers "
    'such as `alertname="HighLatency"`; counts by state and severity.'
)
CREATE_ALERTMANAGER_SILENCE_DESCRIPTION = (
    "Create an Alertmanager silence for the given label matchers and time window; "
    "needs Change Approval."
)
MAX_ALERTS = 50
"""Alerts listed in a result; the counts always cover all of them."""

# Label matcher as Alertmanager parses it: name, operator, value (quoted or not).
_MATCHER = re.compile(r'^\s*("[^"]+"|[^\s=!~{}",]+)\s*(=~|!~|!=|=)\s*(".*"|[^\s"]*)\s*$')


MAX_MATCHERS = 100


class AlertFilterArgs(BaseModel):
    """Arguments of ``list_alertmanager_alerts``; the flags mirror the API's query flags."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    filter: list[Line] | None = Field(
        default=None,
        max_length=MAX_MATCHERS,
        description='Label matchers, all must hold: `alertname="X"`, `severity=~"crit.*"`, `team!="db"`.',
    )
    active: bool = Field(default=True, description="Include active (firing, not muted) alerts.")
    silenced: bool = Field(default=False, description="Include alerts muted by a silence.")
    inhibited: bool = Field(default=False, description="Include alerts muted by an inhibition.")

    @field_validator("filter")
    @classmethod
    def _matchers(cls, value: list[str] | None) -> list[str] | None:
        for matcher in value or []:
            if _MATCHER.fullmatch(matcher) is None:
                msg = f'`{matcher}` is not a label matcher like `alertname="X"` (operators = != =~ !~)'
                raise ValueError(msg)
        return value


class SilenceMatcher(BaseModel):
    """One matcher of a silence (the API's ``matcher`` object)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: Name = Field(min_length=1, description="Label name, e.g. `alertname`.")
    value: Line = Field(description="Label value, or a regular expression when `is_regex`.")
    is_regex: bool = Field(default=False, description="Match `value` as an RE2 expression.")
    is_equal: bool = Field(default=True, description="False negates the match (`!=`, `!~`).")

    def render(self) -> str:
        op = {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}
        return f'{self.name}{op[(self.is_regex, self.is_equal)]}"{self.value}"'


class SilenceArgs(BaseModel):
    """Arguments of ``create_alertmanager_silence``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    matchers: list[SilenceMatcher] = Field(
        min_length=1,
        max_length=MAX_MATCHERS,
        description="Alerts matching all of these are silenced.",
    )
    starts_at: UtcDatetime = Field(description="Start, RFC 3339 (UTC when no zone is given).")
    ends_at: UtcDatetime = Field(description="End, RFC 3339; after `starts_at`.")
    created_by: Name = Field(min_length=1, description="Who is responsible for the silence.")
    comment: Text = Field(min_length=1, description="Why: the incident, change or ticket.")

    @model_validator(mode="after")
    def _window(self) -> SilenceArgs:
        if self.ends_at <= self.starts_at:
            msg = "`ends_at` must be after `starts_at`"
            raise ValueError(msg)
        return self


class _AlertStatus(BaseModel):
    state: str
    silenced_by: list[str] = Field(default_factory=list, alias="silencedBy")
    inhibited_by: list[str] = Field(default_factory=list, alias="inhibitedBy")


class _Receiver(BaseModel):
    name: str


class _Alert(BaseModel):
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    fingerprint: str
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    status: _AlertStatus
    receivers: list[_Receiver] = Field(default_factory=list)
    generator_url: str | None = Field(default=None, alias="generatorURL")


class _SilenceCreated(BaseModel):
    silence_id: str = Field(alias="silenceID")


_ALERTS = TypeAdapter(list[_Alert])


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _alert_row(alert: _Alert) -> dict[str, Any]:
    summary = alert.annotations.get("summary") or alert.annotations.get("description", "")
    return {
        "alertname": alert.labels.get("alertname", ""),
        "severity": alert.labels.get("severity", ""),
        "state": alert.status.state,
        "starts_at": _iso(alert.starts_at),
        "summary": summary,
        "labels": alert.labels,
        "fingerprint": alert.fingerprint,
        "silenced_by": alert.status.silenced_by,
        "inhibited_by": alert.status.inhibited_by,
        "receivers": [r.name for r in alert.receivers],
        "generator_url": alert.generator_url,
    }


def summarise_alerts(tool: str, alerts: list[_Alert], filters: list[str]) -> ToolResult:
    """Counts by state and severity, and the alerts oldest first (longest firing)."""
    scope = f" matching {', '.join(filters)}" if filters else ""
    if not alerts:
        return no_data(tool, f"No alerts{scope}.", {"filter": filters, "count": 0})
    ordered = sorted(alerts, key=lambda a: a.starts_at)
    by_state = Counter(a.status.state for a in alerts)
    by_severity = Counter(a.labels.get("severity", "none") for a in alerts)
    states = ", ".join(f"{n} {state}" for state, n in sorted(by_state.items()))
    severities = ", ".join(f"{sev} {n}" for sev, n in by_severity.most_common())
    oldest = ordered[0]
    line = (
        f"{len(alerts)} alert(s){scope} ({states}); by severity: {severities}; "
        f"longest firing: {oldest.labels.get('alertname', oldest.fingerprint)} since {_iso(oldest.starts_at)}"
    )
    data = {
        "filter": filters,
        "count": len(alerts),
        "by_state": dict(by_state),
        "by_severity": dict(by_severity),
        "alerts": [_alert_row(a) for a in ordered[:MAX_ALERTS]],
        "truncated": len(alerts) > MAX_ALERTS,
    }
    return ok(tool, line, data)


def _call(
    tool: str,
    settings: Settings,
    request: ApiRequest,
    parse: Callable[[Any], ToolResult],
    *,
    sleep: Sleep,
) -> ToolResult:
    """Send ``request`` to the configured Alertmanager."""
    return call_endpoint(
        tool,
        SERVICE,
        "alertmanager",
        settings.alertmanager,
        request,
        parse,
        http=settings.http,
        sleep=sleep,
    )


def _flag(value: bool) -> str:
    return "true" if value else "false"


def fetch_alerts(
    settings: Settings, args: AlertFilterArgs, *, sleep: Sleep = time.sleep
) -> ToolResult:
    """``GET /api/v2/alerts`` with the state flags and one ``filter`` parameter per matcher."""
    filters = args.filter or []
    params = (
        ("active", _flag(args.active)),
        ("silenced", _flag(args.silenced)),
        ("inhibited", _flag(args.inhibited)),
        *(("filter", matcher) for matcher in filters),
    )
    return _call(
        LIST_TOOL,
        settings,
        ApiRequest(method="GET", path="/api/v2/alerts", params=params),
        lambda body: summarise_alerts(LIST_TOOL, _ALERTS.validate_python(body), filters),
        sleep=sleep,
    )


def silence_body(args: SilenceArgs) -> dict[str, Any]:
    """The ``postableSilence`` JSON for ``args``."""
    return {
        "matchers": [
            {"name": m.name, "value": m.value, "isRegex": m.is_regex, "isEqual": m.is_equal}
            for m in args.matchers
        ],
        "startsAt": _iso(args.starts_at),
        "endsAt": _iso(args.ends_at),
        "createdBy": args.created_by,
        "comment": args.comment,
    }


def post_silence(settings: Settings, args: SilenceArgs, *, sleep: Sleep = time.sleep) -> ToolResult:
    """``POST /api/v2/silences``; the result carries the new ``silence_id``."""
    request = ApiRequest(method="POST", path="/api/v2/silences", json_body=silence_body(args))
    matchers = ", ".join(m.render() for m in args.matchers)

    def parse(body: Any) -> ToolResult:
        created = _SilenceCreated.model_validate(body)
        return ok(
            SILENCE_TOOL,
            f"Silence {created.silence_id} created for {{{matchers}}} from "
            f"{_iso(args.starts_at)} to {_iso(args.ends_at)}.",
            {
                "silence_id": created.silence_id,
                "matchers": matchers,
                "starts_at": _iso(args.starts_at),
                "ends_at": _iso(args.ends_at),
            },
        )

    return _call(SILENCE_TOOL, settings, request, parse, sleep=sleep)


@infra_tool(
    name=LIST_TOOL,
    description=LIST_ALERTMANAGER_ALERTS_DESCRIPTION,
    args_schema=AlertFilterArgs,
    live=True,
    settings=("alertmanager.url",),
)
def list_alertmanager_alerts(**fields: Any) -> ToolResult:
    """Read-only: which alerts are firing now, to triage before paging or silencing."""
    return with_settings(LIST_TOOL, fetch_alerts, AlertFilterArgs.model_validate(fields))


@infra_tool(
    name=SILENCE_TOOL,
    description=CREATE_ALERTMANAGER_SILENCE_DESCRIPTION,
    args_schema=SilenceArgs,
    writes=True,
    live=True,
    settings=("alertmanager.url",),
)
def create_alertmanager_silence(**fields: Any) -> ToolResult:
    """Writes: a silence mutes notifications, so a person approves it first."""
    return with_settings(SILENCE_TOOL, post_silence, SilenceArgs.model_validate(fields))


TOOLS: tuple[BaseTool, ...] = (list_alertmanager_alerts, create_alertmanager_silence)
