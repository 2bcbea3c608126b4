"""Grafana annotations: mark a deploy, an incident or a change on the dashboards.

``POST /api/annotations`` with a service account token (``Authorization: Bearer``), per
Grafana's Annotations HTTP API: body ``{"text", "tags", "time", "timeEnd",
"dashboardUID", "panelId"}`` with times in epoch milliseconds; without a dashboard the
annotation is organisation-wide and found by its tags. The answer is
``{"message": "Annotation added", "id": <id>}``.
"""

from __future__ import annotations

import time
from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, model_validator

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, infra_tool, ok
from infra_team.tools._limits import Name, Text
from infra_team.tools.integrations.http import (
    ApiRequest,
    ApiTarget,
    Sleep,
    call_api,
    not_configured,
    unset_settings,
    with_settings,
)

SERVICE = "Grafana"
TOOL = "create_grafana_annotation"
CREATE_GRAFANA_ANNOTATION_DESCRIPTION = (
    "Add a Grafana annotation (a point or a time region, org-wide or on one dashboard "
    "panel) marking a deploy, change or incident; needs Change Approval."
)


MAX_TAGS = 50
MAX_EPOCH_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z, the last instant an RFC 3339 timestamp can name."""


class AnnotationArgs(BaseModel):
    """Arguments of ``create_grafana_annotation``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    text: Text = Field(min_length=1, description="What happened; shown on hover.")
    tags: list[Name] | None = Field(
        default=None, max_length=MAX_TAGS, description="Tags, e.g. `deploy`, `incident`."
    )
    time_ms: int | None = Field(
        default=None, ge=0, le=MAX_EPOCH_MS, description="Start, epoch milliseconds; default now."
    )
    time_end_ms: int | None = Field(
        default=None,
        ge=0,
        le=MAX_EPOCH_MS,
        description="End of a region annotation, epoch milliseconds.",
    )
    dashboard_uid: Name | None = Field(
        default=None, min_length=1, description="Dashboard UID; default org-wide."
    )
    panel_id: int | None = Field(
        default=None, ge=0, le=2**31 - 1, description="Panel on that dashboard."
    )

    @model_validator(mode="after")
    def _consistent(self) -> AnnotationArgs:
        if self.time_end_ms is not None:
            if self.time_ms is None:
                msg = "`time_end_ms` needs `time_ms` (a region has a start)"
                raise ValueError(msg)
            if self.time_end_ms < self.time_ms:
                msg = "`time_end_ms` is before `time_ms`"
                raise ValueError(msg)
        if self.panel_id is not None and self.dashboard_uid is None:
            msg = "`panel_id` needs the `dashboard_uid` of its dashboard"
            raise ValueError(msg)
        return self


def annotation_body(args: AnnotationArgs) -> dict[str, Any]:
    """The create-annotation JSON, without the fields left unset."""
    fields = {
        "text": args.text,
        "tags": args.tags,
        "time": args.time_ms,
        "timeEnd": args.time_end_ms,
        "dashboardUID": args.dashboard_uid,
        "panelId": args.panel_id,
    }
    return {key: value for key, value in fields.items() if value is not None}


class _Added(BaseModel):
    id: int
    message: str = ""


def post_annotation(
    settings: Settings, args: AnnotationArgs, *, sleep: Sleep = time.sleep
) -> ToolResult:
    """``POST /api/annotations``; the result carries the new annotation ``id``."""
    config = settings.grafana
    if config.url is None or config.token is None:
        return not_configured(TOOL, SERVICE, unset_settings("grafana", config, "url", "token"))
    target = ApiTarget(
        service=SERVICE, base_url=str(config.url), auth_scheme="Bearer", token=config.token
    )
    request = ApiRequest(method="POST", path="/api/annotations", json_body=annotation_body(args))
    where = (
        f"dashboard {args.dashboard_uid}"
        + (f" panel {args.panel_id}" if args.panel_id is not None else "")
        if args.dashboard_uid
        else "organisation-wide"
    )

    def parse(answer: Any) -> ToolResult:
        added = _Added.model_validate(answer)
        kind = "region" if args.time_end_ms is not None else "point"
        return ok(
            TOOL,
            f"Grafana annotation {added.id} added ({kind}, {where}).",
            {"annotation_id": added.id, "scope": where, "kind": kind, "message": added.message},
        )

    return call_api(TOOL, target, request, parse, http=settings.http, sleep=sleep)


@infra_tool(
    name=TOOL,
    description=CREATE_GRAFANA_ANNOTATION_DESCRIPTION,
    args_schema=AnnotationArgs,
    writes=True,
    live=True,
    settings=("grafana.url", "grafana.token"),
)
def create_grafana_annotation(**fields: Any) -> ToolResult:
    """Writes: annotations are shared by everyone reading the dashboards."""
    return with_settings(TOOL, post_annotation, AnnotationArgs.model_validate(fields))


TOOLS: tuple[BaseTool, ...] = (create_grafana_annotation,)
