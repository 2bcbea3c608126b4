"""Who, by name, is on call: the roster in the settings, and PagerDuty schedules where
configured.

The specification's "On-Call Rotation" names roles (primary Site Reliability Engineer,
secondary Systems Administrator, daily hand-off at 09:00 UTC); ``oncall.evaluate_on_call``
says which rotation day a moment belongs to. This module puts names on the roles:

- ``[oncall] roster``: role -> people in rotation order; the person on call is the one
  ``(rotation day - rotation_start) // shift_days`` places along the list, cycling.
- ``[pagerduty] schedules``: role -> schedule ID, read with PagerDuty's REST API
  ``GET /oncalls`` (developer.pagerduty.com, "List all of the on-calls": ``schedule_ids[]``,
  ``since``, ``until``; each entry has ``user.summary`` and ``escalation_level``). A
  schedule answer wins over the roster for its role. The call is read only (GET, no body),
  bounded (``limit``), timed out and retried by the shared HTTP client; its names are data
  from outside and are shown as such, never followed.

Without either setting the answer is empty: the rotation then names roles only.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from infra_team.oncall import evaluate_on_call
from infra_team.registry import display_name
from infra_team.settings import Settings, get_settings
from infra_team.tools._base import ToolResult, error, ok
from infra_team.tools.integrations.http import ApiRequest, ApiTarget, call_api

ONCALLS_LIMIT = 25
"""Entries asked for per schedule: one moment has one person per escalation level."""
MAX_NAME = 120
"""Longest person name kept (a schedule's ``user.summary``)."""
TOOL = "pagerduty_oncalls"


class OnCallPerson(BaseModel):
    """One named person holding a role at a moment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str
    """Subagent type of the role."""
    role_name: str
    name: str
    source: Literal["roster", "PagerDuty"]
    """Where the name came from: the settings' roster, or a PagerDuty schedule."""
    note: str = ""
    """Why a configured source gave no name (an API failure), when it did not."""


def roster_on_call(at: datetime, settings: Settings) -> dict[str, str]:
    """Role -> the person the settings' roster puts on call at ``at`` (pure)."""
    config = settings.oncall
    day = evaluate_on_call(at).rotation_day
    shift = (day - config.rotation_start).days // config.shift_days
    return {role: people[shift % len(people)] for role, people in config.roster.items()}


def _shown(name: str) -> str:
    """A name from outside as one bounded line: control characters and Markdown markup
    removed, so a schedule entry cannot restyle or inject lines into a report."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f*_`|<>\[\]#]", " ", name).split())[:MAX_NAME]


def _parse_oncalls(answer: Any) -> ToolResult:
    """The first-level person of a ``GET /oncalls`` answer."""
    entries = answer.get("oncalls") if isinstance(answer, dict) else None
    if not isinstance(entries, list):
        return error(TOOL, "PagerDuty answered without an `oncalls` list", code="bad_answer")
    people = sorted(
        (
            (int(e.get("escalation_level") or 99), str(e.get("user", {}).get("summary", "")))
            for e in entries
            if isinstance(e, dict) and isinstance(e.get("user"), dict)
        ),
    )
    named = [_shown(name) for _, name in people if _shown(name)]
    if not named:
        return ok(TOOL, "nobody on call in the schedule at that time", {"name": None})
    return ok(TOOL, f"{named[0]} is on call", {"name": named[0]})


def pagerduty_on_call(at: datetime, settings: Settings) -> dict[str, str | ToolResult]:
    """Role -> the person PagerDuty's schedule has on call at ``at``, or the failed
    ``ToolResult`` (not configured: an empty mapping)."""
    config = settings.pagerduty
    if config.api_token is None or not config.schedules:
        return {}
    target = ApiTarget(
        service="PagerDuty",
        base_url=str(config.api_url),
        auth_scheme="Token",
        token=config.api_token,
    )
    moment = at.isoformat()
    found: dict[str, str | ToolResult] = {}
    for role, schedule in config.schedules.items():
        request = ApiRequest(
            method="GET",
            path="/oncalls",
            params=(
                ("schedule_ids[]", schedule),
                ("since", moment),
                ("until", (at + timedelta(seconds=1)).isoformat()),
                ("limit", str(ONCALLS_LIMIT)),
            ),
        )
        result = call_api(TOOL, target, request, _parse_oncalls, http=settings.http)
        name = result.data.get("name") if result.status == "success" else None
        found[role] = str(name) if name else result
    return found


def on_call_people(at: datetime, settings: Settings | None = None) -> list[OnCallPerson]:
    """The named people on call at ``at``: PagerDuty where a schedule answers, else the
    roster; roles with neither are left out."""
    settings = settings or get_settings()
    names: dict[str, OnCallPerson] = {
        role: OnCallPerson(role=role, role_name=display_name(role), name=name, source="roster")
        for role, name in roster_on_call(at, settings).items()
    }
    for role, answer in pagerduty_on_call(at, settings).items():
        if isinstance(answer, str):
            names[role] = OnCallPerson(
                role=role, role_name=display_name(role), name=answer, source="PagerDuty"
            )
        elif role in names:
            why = answer.error or answer.summary or answer.status
            names[role] = names[role].model_copy(update={"note": f"PagerDuty: {why}"})
    return list(names.values())


def people_on_call(state: Any) -> list[dict[str, Any]]:
    """The people on call when an incident run started, as JSON-ready dicts; empty for a
    request, and when the settings cannot be read (the run reports roles only)."""
    from infra_team.errors import ConfigError

    if state.get("kind") != "incident" or not state.get("started_at"):
        return []
    try:
        people = on_call_people(datetime.fromisoformat(state["started_at"]))
    except ConfigError:
        return []
    return [person.model_dump() for person in people]
