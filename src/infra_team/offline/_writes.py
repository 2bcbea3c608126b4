"""Calls to tools that change an external system: made only when the request asks.

The on-call SRE pages, opens a status page incident, annotates dashboards or silences
alerts only when the request says so in words ("page the on-call", "open a status page
incident", "annotate", "silence"); every such call then waits for Change Approval in the
tool wrapper. A silence also needs its window: the first two ISO-8601 timestamps in the
request; without them it is not created and the answer says why.
"""

from __future__ import annotations

import re
from typing import Any

from infra_team.offline._calls import PlannedCall
from infra_team.offline._extract import RequestFacts
from infra_team.offline._text import first_sentence

PAGER_SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning", "P4": "info"}
"""Incident severity -> PagerDuty Events API v2 ``severity``."""
STATUSPAGE_IMPACT = {"P1": "critical", "P2": "major", "P3": "minor", "P4": "none"}
"""Incident severity -> Statuspage ``impact_override``."""
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?")


def silence_window(text: str) -> tuple[str, str] | None:
    """Start and end of a silence: the first two ISO-8601 timestamps in the text."""
    found = _TIMESTAMP.findall(text)
    return (found[0], found[1]) if len(found) >= 2 else None


def write_calls(
    facts: RequestFacts, text: str, *, level: str, component: str
) -> tuple[tuple[PlannedCall, ...], tuple[str, ...]]:
    """The write calls the request asks for, and notes on any it asks for but cannot get."""
    service = facts.service or facts.technology or "service"
    headline = first_sentence(text, 160) or "incident"
    calls: list[PlannedCall] = []
    notes: list[str] = []
    args: dict[str, Any]
    if facts.asks_page:
        args = {
            "action": "trigger",
            "summary": f"{level} {service}: {headline}",
            "source": service,
            "severity": PAGER_SEVERITY[level],
            "component": component,
        }
        calls.append(PlannedCall(name="pagerduty_event", args=args))
    if facts.asks_statuspage:
        args = {
            "name": f"{service}: degraded service",
            "status": "investigating",
            "body": f"We are investigating problems with {service}. "
            "Next update as soon as we know more.",
            "impact_override": STATUSPAGE_IMPACT[level],
        }
        calls.append(PlannedCall(name="create_statuspage_incident", args=args))
    if facts.asks_annotation:
        args = {
            "text": f"{level} incident: {headline}",
            "tags": ["incident", level.lower(), service],
        }
        calls.append(PlannedCall(name="create_grafana_annotation", args=args))
    window = silence_window(text)
    if facts.asks_silence and window:
        args = {
            "matchers": [{"name": "service", "value": service}],
            "starts_at": window[0],
            "ends_at": window[1],
            "created_by": "Site Reliability Engineer",
            "comment": f"{level} incident: {headline}",
        }
        calls.append(PlannedCall(name="create_alertmanager_silence", args=args))
    elif facts.asks_silence:
        notes.append("Silence asked for without a start and end time: not created.")
    return tuple(calls), tuple(notes)
