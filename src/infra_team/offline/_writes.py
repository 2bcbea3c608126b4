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


_MATCHER = re.compile(r"(?<![\w.=!~])([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)\"?([\w.:*|-]+)\"?")
_CHANGE_REF = re.compile(r"\b(?:CHG|CR|CHANGE|RFC)-\d+\b", re.IGNORECASE)


def silence_matchers(text: str, service: str) -> list[dict[str, Any]]:
    """Label matchers written in the request (``service=billing-db``,
    ``alertname=~"Disk.*"``), else one on the service's name."""
    found = [
        {
            "name": m[1],
            "value": m[3],
            "is_regex": "~" in m[2],
            "is_equal": not m[2].startswith("!"),
        }
        for m in _MATCHER.finditer(text)
        if not _TIMESTAMP.match(m[3])
    ]
    return found or [{"name": "service", "value": service}]


def silence_window(text: str) -> tuple[str, str] | None:
    """Start and end of a silence: the first two ISO-8601 timestamps in the text."""
    found = _TIMESTAMP.findall(text)
    return (found[0], found[1]) if len(found) >= 2 else None


def write_calls(
    facts: RequestFacts, text: str, *, level: str | None, component: str
) -> tuple[tuple[PlannedCall, ...], tuple[str, ...]]:
    """The write calls the request asks for, and notes on any it asks for but cannot get.
    ``level`` is the incident's severity, or None for a planned change (the SRE's operate
    stage: a maintenance silence or annotation)."""
    asked = (facts.asks_page, facts.asks_statuspage, facts.asks_annotation, facts.asks_silence)
    if not any(asked):
        return (), ()
    service = facts.service or facts.technology or "service"
    headline = first_sentence(text, 160) or "incident"
    change = _CHANGE_REF.search(text)
    label = f"{level} incident" if level else "Planned change" + (f" {change[0]}" if change else "")
    if level is None:
        return _change_calls(facts, text, service=service, headline=headline, label=label)
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
            "text": f"{label}: {headline}",
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
            "comment": f"{label}: {headline}",
        }
        calls.append(PlannedCall(name="create_alertmanager_silence", args=args))
    elif facts.asks_silence:
        notes.append("Silence asked for without a start and end time: not created.")
    return tuple(calls), tuple(notes)


def _change_calls(
    facts: RequestFacts, text: str, *, service: str, headline: str, label: str
) -> tuple[tuple[PlannedCall, ...], tuple[str, ...]]:
    """Writes for a planned change: a silence over the maintenance window (on the matchers
    the request writes) and a dashboard annotation, each only when asked."""
    calls: list[PlannedCall] = []
    notes: list[str] = []
    window = silence_window(text)
    if facts.asks_silence and window:
        args: dict[str, Any] = {
            "matchers": silence_matchers(text, service),
            "starts_at": window[0],
            "ends_at": window[1],
            "created_by": "Site Reliability Engineer",
            "comment": f"{label}: {headline}",
        }
        calls.append(PlannedCall(name="create_alertmanager_silence", args=args))
        shown = ", ".join(
            f"{m['name']}{'!' if not m['is_equal'] else ''}{'~' if m['is_regex'] else '='}"
            f"{m['value']}"
            if "is_equal" in m
            else f"{m['name']}={m['value']}"
            for m in args["matchers"]
        )
        notes.append(
            f"Silence proposed for {shown} from {window[0]} to {window[1]} ({label}); it "
            "waits for Change Approval."
        )
    elif facts.asks_silence:
        notes.append("Silence asked for without a start and end time: not created.")
    if facts.asks_annotation:
        args = {"text": f"{label}: {headline}", "tags": ["change", service]}
        calls.append(PlannedCall(name="create_grafana_annotation", args=args))
    return tuple(calls), tuple(notes)
