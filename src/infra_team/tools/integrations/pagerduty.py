"""PagerDuty Events API v2: trigger, acknowledge or resolve an alert.

Request and answer follow PagerDuty's "Send an Alert Event" reference
(developer.pagerduty.com, Events API v2): ``POST /v2/enqueue`` with ``routing_key``,
``event_action``, ``dedup_key`` and, for a trigger, ``payload`` {summary, source,
severity, ...}; the answer is ``202 {"status": "success", "message": "Event processed",
"dedup_key": ...}``. PagerDuty asks clients to retry 429 and 5xx, and merges events with the
same ``dedup_key`` into one alert. A trigger without a ``dedup_key`` is sent with the
write's idempotency key (derived from the run and the tool call, see ``tools._writes``),
so neither a retried request nor a run resumed after a crash can open a second alert.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, infra_tool, ok
from infra_team.tools._limits import JSON_NOTE, LINE_CHARS, JsonObject, Line, Name
from infra_team.tools._writes import write_key
from infra_team.tools.integrations.http import (
    ApiRequest,
    ApiTarget,
    Sleep,
    UtcDatetime,
    call_api,
    not_configured,
    unset_settings,
    with_settings,
)

SERVICE = "PagerDuty"
TOOL = "pagerduty_event"
PAGERDUTY_EVENT_DESCRIPTION = (
    "Send a PagerDuty Events API v2 event: trigger (pages the on-call), acknowledge or "
    "resolve by dedup_key; needs Change Approval."
)
MAX_SUMMARY = 1024
"""Longest ``payload.summary`` PagerDuty accepts."""
MAX_DEDUP_KEY = 255
MAX_LINKS = 50
"""Longest ``dedup_key`` PagerDuty accepts."""

EventAction = Literal["trigger", "acknowledge", "resolve"]
Severity = Literal["critical", "error", "warning", "info"]


class EventLink(BaseModel):
    """A link shown on the alert (runbook, dashboard)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    href: Annotated[HttpUrl, Field(max_length=LINE_CHARS)]
    text: Line | None = None


class PagerDutyEventArgs(BaseModel):
    """Arguments of ``pagerduty_event``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    action: EventAction = Field(description="`trigger`, `acknowledge` or `resolve`.")
    summary: str | None = Field(
        default=None, min_length=1, max_length=MAX_SUMMARY, description="Trigger: alert title."
    )
    source: Name | None = Field(
        default=None, min_length=1, description="Trigger: affected system, e.g. a hostname."
    )
    severity: Severity | None = Field(
        default=None, description="Trigger: `critical`, `error`, `warning` or `info`."
    )
    dedup_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_DEDUP_KEY,
        description="Alert key; required to acknowledge or resolve.",
    )
    timestamp: UtcDatetime | None = Field(
        default=None, description="Trigger: when it was detected."
    )
    component: Name | None = Field(
        default=None, description="Trigger: broken part, e.g. `postgres`."
    )
    group: Name | None = Field(
        default=None, description="Trigger: logical group, e.g. `app-stack`."
    )
    event_class: Name | None = Field(
        default=None, description="Trigger: event type, e.g. `cpu load`."
    )
    custom_details: JsonObject | None = Field(
        default=None, description=f"Trigger: free-form facts. {JSON_NOTE}"
    )
    links: list[EventLink] | None = Field(
        default=None, max_length=MAX_LINKS, description="Trigger: runbook or dashboard links."
    )

    @model_validator(mode="after")
    def _fields_for_action(self) -> PagerDutyEventArgs:
        if self.action == "trigger":
            missing = [f for f in ("summary", "source", "severity") if getattr(self, f) is None]
            if missing:
                msg = f"a trigger needs {', '.join(f'`{f}`' for f in missing)}"
                raise ValueError(msg)
        elif self.dedup_key is None:
            msg = f"`{self.action}` needs the `dedup_key` of the alert it applies to"
            raise ValueError(msg)
        return self


def event_body(args: PagerDutyEventArgs, routing_key: str, dedup_key: str) -> dict[str, Any]:
    """The enqueue JSON; acknowledge and resolve carry no payload."""
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": args.action,
        "dedup_key": dedup_key,
    }
    if args.action != "trigger":
        return body
    optional = {
        "timestamp": args.timestamp.isoformat() if args.timestamp else None,
        "component": args.component,
        "group": args.group,
        "class": args.event_class,
        "custom_details": args.custom_details,
    }
    body["payload"] = {
        "summary": args.summary,
        "source": args.source,
        "severity": args.severity,
    } | {key: value for key, value in optional.items() if value is not None}
    if args.links:
        body["links"] = [link.model_dump(mode="json", exclude_none=True) for link in args.links]
    return body


class _Accepted(BaseModel):
    status: str
    message: str
    dedup_key: str


def send_event(
    settings: Settings, args: PagerDutyEventArgs, *, sleep: Sleep = time.sleep
) -> ToolResult:
    """``POST`` the event to the enqueue URL; the result carries the alert's ``dedup_key``."""
    config = settings.pagerduty
    key = config.routing_key
    if key is None:
        return not_configured(TOOL, SERVICE, unset_settings("pagerduty", config, "routing_key"))
    target = ApiTarget(service=SERVICE, base_url=str(config.url), body_secrets=(key,))
    dedup_key = args.dedup_key or write_key() or uuid.uuid4().hex
    body = event_body(args, key.get_secret_value(), dedup_key)
    # The event carries its dedup_key: PagerDuty folds a repeat into the same alert, so a
    # resend after a timeout or a dropped connection cannot page twice.
    request = ApiRequest(method="POST", json_body=body, idempotent=True)

    def parse(answer: Any) -> ToolResult:
        accepted = _Accepted.model_validate(answer)
        line = f"PagerDuty accepted the {args.action} event ({accepted.message}); dedup_key `{accepted.dedup_key}`"
        if args.action == "trigger":
            line += "; use it to acknowledge or resolve"
        return ok(
            TOOL,
            line + ".",
            {"action": args.action, "dedup_key": accepted.dedup_key, "message": accepted.message},
        )

    return call_api(TOOL, target, request, parse, http=settings.http, sleep=sleep)


@infra_tool(
    name=TOOL,
    description=PAGERDUTY_EVENT_DESCRIPTION,
    args_schema=PagerDutyEventArgs,
    writes=True,
    resend_safe=True,
    live=True,
    settings=("pagerduty.routing_key",),
)
def pagerduty_event(**fields: Any) -> ToolResult:
    """Writes: a trigger wakes a person up, so a person approves it first."""
    return with_settings(TOOL, send_event, PagerDutyEventArgs.model_validate(fields))


TOOLS: tuple[BaseTool, ...] = (pagerduty_event,)
