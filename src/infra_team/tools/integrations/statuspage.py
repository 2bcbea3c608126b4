"""Statuspage incidents: tell customers about an incident on the public status page.

``POST /v1/pages/{page_id}/incidents`` with ``Authorization: OAuth <api key>`` and the
body ``{"incident": {"name", "status", "body", "impact_override", "component_ids"}}``,
per the Statuspage REST API ("Create an incident"); the answer (201) is the incident
object with ``id``, ``status``, ``impact`` and ``shortlink``. Statuspage rate-limits
with 420 or 429 and a ``Retry-After`` header; both are retried.
"""

from __future__ import annotations

import time
from typing import Any, Literal
from urllib.parse import quote

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, infra_tool, ok
from infra_team.tools._limits import Line, Name, Text
from infra_team.tools.integrations.http import (
    ApiRequest,
    ApiTarget,
    Sleep,
    call_api,
    not_configured,
    unset_settings,
    with_settings,
)

SERVICE = "Statuspage"
TOOL = "create_statuspage_incident"
CREATE_STATUSPAGE_INCIDENT_DESCRIPTION = (
    "Open an incident on the public Statuspage page (name, status, customer-facing "
    "message, impact, affected components); needs Change Approval."
)

IncidentStatus = Literal["investigating", "identified", "monitoring", "resolved"]
"""Statuses of a realtime (unscheduled) incident."""
Impact = Literal["none", "maintenance", "minor", "major", "critical"]


MAX_COMPONENTS = 100


class IncidentArgs(BaseModel):
    """Arguments of ``create_statuspage_incident``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    name: Line = Field(min_length=1, description="Incident title customers see.")
    status: IncidentStatus = Field(
        description="`investigating`, `identified`, `monitoring` or `resolved`."
    )
    body: Text | None = Field(
        default=None, min_length=1, description="First customer-facing update."
    )
    impact_override: Impact | None = Field(
        default=None, description="`none`, `maintenance`, `minor`, `major` or `critical`."
    )
    component_ids: list[Name] | None = Field(
        default=None, max_length=MAX_COMPONENTS, description="IDs of the affected components."
    )


def incident_body(args: IncidentArgs) -> dict[str, Any]:
    """The create-incident JSON, without the fields left unset."""
    fields = {
        "name": args.name,
        "status": args.status,
        "body": args.body,
        "impact_override": args.impact_override,
        "component_ids": args.component_ids,
    }
    return {"incident": {key: value for key, value in fields.items() if value is not None}}


class _Incident(BaseModel):
    id: str
    name: str
    status: str
    impact: str | None = None
    shortlink: str | None = None


def post_incident(
    settings: Settings, args: IncidentArgs, *, sleep: Sleep = time.sleep
) -> ToolResult:
    """Create the incident; the result carries its ``id`` and public ``shortlink``."""
    config = settings.statuspage
    if config.page_id is None or config.token is None:
        missing = unset_settings("statuspage", config, "page_id", "token")
        return not_configured(TOOL, SERVICE, missing)
    target = ApiTarget(
        service=SERVICE, base_url=str(config.url), auth_scheme="OAuth", token=config.token
    )
    path = f"/pages/{quote(config.page_id, safe='')}/incidents"
    request = ApiRequest(method="POST", path=path, json_body=incident_body(args))

    def parse(answer: Any) -> ToolResult:
        incident = _Incident.model_validate(answer)
        link = f" {incident.shortlink}" if incident.shortlink else ""
        return ok(
            TOOL,
            f"Statuspage incident {incident.id} opened: {incident.name} "
            f"({incident.status}, impact {incident.impact or 'none'}).{link}",
            incident.model_dump(),
        )

    return call_api(TOOL, target, request, parse, http=settings.http, sleep=sleep)


@infra_tool(
    name=TOOL,
    description=CREATE_STATUSPAGE_INCIDENT_DESCRIPTION,
    args_schema=IncidentArgs,
    writes=True,
    live=True,
    settings=("statuspage.page_id", "statuspage.token"),
)
def create_statuspage_incident(**fields: Any) -> ToolResult:
    """Writes: a status page incident is public and notifies subscribers."""
    return with_settings(TOOL, post_incident, IncidentArgs.model_validate(fields))


TOOLS: tuple[BaseTool, ...] = (create_statuspage_incident,)
