"""HTTP clients of the services a team is configured with, one module per API.

This package's ``TOOLS`` collects them; ``http`` is the shared client (timeouts, retries,
redaction of credentials).

Read-only: ``query_prometheus``, ``query_prometheus_range``, ``list_alertmanager_alerts``.
Writes, each paused for Change Approval: ``create_alertmanager_silence``,
``pagerduty_event``, ``create_grafana_annotation``, ``create_statuspage_incident``.
Base URLs and credentials come from ``infra_team.settings``; an unset one gives a
``not_configured`` result, never an exception.
"""

from __future__ import annotations

from langchain_core.tools import BaseTool

from infra_team.tools.integrations import alertmanager, grafana, pagerduty, prometheus, statuspage

TOOLS: tuple[BaseTool, ...] = (
    *prometheus.TOOLS,
    *alertmanager.TOOLS,
    *pagerduty.TOOLS,
    *grafana.TOOLS,
    *statuspage.TOOLS,
)
