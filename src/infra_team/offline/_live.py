"""Live reads the engine adds to a plan when the system they read is configured.

The offline engine makes up no measurement (``infra_team.offline._plans``); when a live
system is configured, it measures instead. At the stages where a role investigates, it
plans read-only calls of the live tools, and the graph runs them like any model's call
(the stage's bound tools: same tool events, scrubbing and untrusted-data marking):

- Database Administrator, when the request is about a database: replication lag per
  standby (``postgres_replication``) at implement and escalation, blocking chains
  (``postgres_locks``) at escalation, the settings audit (``postgres_settings_audit``) at
  implement.
- Site Reliability Engineer at triage: the alerts Alertmanager has firing
  (``list_alertmanager_alerts``) and the scrape health of every target (``up``, through
  ``query_prometheus``; Prometheus manual, "Jobs and instances": ``up`` is 1 when the last
  scrape succeeded and 0 when it failed). At operate (a change), ``up`` alone: the
  Production Readiness gate reads it as evidence that monitoring is configured
  (``infra_team.graph._artifacts.live_readiness``).
- Systems Administrator at escalation: ``ssh_host_health`` of each host the request names
  that is in ``ssh.hosts``.
- Network Engineer: ``dns_resolve``, ``tls_check`` and ``http_probe`` of each name the
  request gives that ``network.targets`` allows (only the tools bound at the stage run).

A tool is planned only when every setting it needs is set, and a host only when the
allowlist holds it, so an unconfigured installation plans exactly what it did before and
a ``not_configured`` answer never reaches a report.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from infra_team.errors import ConfigError
from infra_team.offline import _artifacts
from infra_team.offline._calls import PlannedCall
from infra_team.offline._extract import RequestFacts
from infra_team.offline._lag import lag_threshold_seconds
from infra_team.settings import Settings, get_settings
from infra_team.tools import TOOL_CATALOG
from infra_team.tools._base import setting_paths, switched_on
from infra_team.tools.live.ssh_client import missing_settings
from infra_team.tools.live.targets import Allowlist

MEASURED = "measured live"
"""The ``source`` of every live call: its result is a reading of the real system."""
REPLICATION_SAMPLES = 2
"""Readings of ``pg_stat_replication``: two show whether the lag grows."""
REPLICATION_INTERVAL_SECONDS = 0.5
"""Seconds between the readings (keeps the call near one second)."""
MAX_TARGETS = 3
"""Most hosts or names probed per request, so a long list cannot fan out."""
UP_QUERY = "up"
"""Scrape health of every target (Prometheus manual, "Jobs and instances")."""

_DATABASE_WORDS = re.compile(
    r"\b(?:database|databases|db|postgres|postgresql|replica|replicas|replication|standby"
    r"|standbys|primary|lock|locks|blocking|deadlock|query|queries|sql|vacuum|wal)\b",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"(?<![\w.@/-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"|\d{1,3}(?:\.\d{1,3}){3})(?![\w-])"
)
_URL = re.compile(r"\bhttps?://[^\s<>\"'`)\]]+", re.IGNORECASE)


def configured(tool: str, settings: Settings) -> bool:
    """Whether ``tool`` is live, reads a configured system and needs a setting
    (``infra_team.tools._base.switched_on``): SSH needs all four of its settings, which
    the reader that plans the call checks."""
    found = TOOL_CATALOG.get(tool)
    return found is not None and bool(setting_paths(found)) and switched_on(found, settings)


def about_database(facts: RequestFacts, text: str) -> bool:
    """Whether the request is about a database: a database product or database words."""
    return facts.technology in _artifacts.DATABASE_PORTS or bool(_DATABASE_WORDS.search(text))


def _names(text: str) -> list[str]:
    """Host names and IPv4 addresses in ``text``: the hosts of its URLs first, then the
    names in the rest of the text, once each."""
    seen: dict[str, None] = {_url_host(url).lower(): None for url in _urls(text)}
    for match in _NAME.finditer(_URL.sub(" ", text)):
        seen.setdefault(match[1].rstrip(".").lower(), None)
    return [name for name in seen if name]


def _urls(text: str) -> list[str]:
    return list(dict.fromkeys(url.rstrip(".,;:") for url in _URL.findall(text)))


def _database(settings: Settings, facts: RequestFacts, text: str, stage: str) -> list[PlannedCall]:

    if not about_database(facts, text):
        return []
    calls = [
        PlannedCall(
            name="postgres_replication",
            args={
                "threshold_seconds": lag_threshold_seconds(facts),
                "samples": REPLICATION_SAMPLES,
                "interval_seconds": REPLICATION_INTERVAL_SECONDS,
            },
            source=MEASURED,
        )
    ]
    if stage == "escalation":
        calls.append(PlannedCall(name="postgres_locks", source=MEASURED))
    else:
        calls.append(PlannedCall(name="postgres_settings_audit", source=MEASURED))
    return [call for call in calls if configured(call.name, settings)]


def _sre(settings: Settings, facts: RequestFacts, text: str, stage: str) -> list[PlannedCall]:
    up = PlannedCall(name="query_prometheus", args={"query": UP_QUERY}, source=MEASURED)
    if stage == "operate":
        calls = [up]
    else:
        calls = [
            PlannedCall(name="list_alertmanager_alerts", args={"active": True}, source=MEASURED),
            up,
        ]
    return [call for call in calls if configured(call.name, settings)]


def _hosts(settings: Settings, facts: RequestFacts, text: str, stage: str) -> list[PlannedCall]:
    if stage != "escalation" or missing_settings(settings.ssh):
        return []
    allowed = {host.lower(): host for host in settings.ssh.hosts}
    words = re.findall(r"[A-Za-z0-9][A-Za-z0-9_.:-]*[A-Za-z0-9]", text)
    hosts = list(dict.fromkeys(allowed[w.lower()] for w in words if w.lower() in allowed))
    return [
        PlannedCall(name="ssh_host_health", args={"host": host}, source=MEASURED)
        for host in hosts[:MAX_TARGETS]
    ]


def _network(settings: Settings, facts: RequestFacts, text: str, stage: str) -> list[PlannedCall]:
    """Each allowed URL: its host resolved, its certificate checked on its own port (HTTPS)
    and the URL probed; each allowed bare name: resolved, its certificate on 443 and
    ``https://name/`` probed."""
    if not settings.network.targets:
        return []
    allow = Allowlist.of(settings.network)
    urls = [url for url in _urls(text) if allow.name_allowed(_url_host(url))][:MAX_TARGETS]
    from_urls = {_url_host(url).lower() for url in _urls(text)}
    names = [name for name in _names(text) if name not in from_urls and allow.name_allowed(name)][
        :MAX_TARGETS
    ]
    calls: list[PlannedCall] = []
    targets = [(url, _url_host(url), _url_port(url)) for url in urls]
    targets += [(f"https://{name}/", name, 443) for name in names]
    for url, host, port in targets:
        if not _is_address(host):
            calls.append(PlannedCall(name="dns_resolve", args={"name": host}, source=MEASURED))
        if url.lower().startswith("https://"):
            args: dict[str, object] = (
                {"host": host} if port == 443 else {"host": host, "port": port}
            )
            calls.append(PlannedCall(name="tls_check", args=args, source=MEASURED))
        calls.append(PlannedCall(name="http_probe", args={"url": url}, source=MEASURED))
    return [call for call in calls if configured(call.name, settings)]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _url_port(url: str) -> int:
    """The port of ``url``: the one it states, else 443 for HTTPS and 80 for HTTP."""
    rest = url.split("://", 1)[1]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    found = re.search(r":(\d{1,5})$", netloc)
    if found and 0 < int(found[1]) < 65536:
        return int(found[1])
    return 443 if url.lower().startswith("https://") else 80


def _url_host(url: str) -> str:
    rest = url.split("://", 1)[1]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host.strip("[]")


_READERS: dict[str, Callable[[Settings, RequestFacts, str, str], list[PlannedCall]]] = {
    "database-administrator": _database,
    "site-reliability-engineer": _sre,
    "systems-administrator": _hosts,
    "network-engineer": _network,
}
_STAGES: dict[str, frozenset[str]] = {
    "database-administrator": frozenset({"implement", "escalation"}),
    "site-reliability-engineer": frozenset({"triage", "operate"}),
    "systems-administrator": frozenset({"escalation"}),
    "network-engineer": frozenset({"implement", "escalation"}),
}


def live_calls(role: str, stage: str, facts: RequestFacts, text: str) -> list[PlannedCall]:
    """The live reads of ``role`` at ``stage`` for this request; none when nothing is
    configured (settings that cannot be read count as not configured: the tools would
    only answer with that error)."""
    reader = _READERS.get(role)
    if reader is None or stage not in _STAGES[role]:
        return []
    try:
        settings = get_settings()
    except ConfigError:
        return []
    return reader(settings, facts, text, stage)


_SERVICES = {"list_alertmanager_alerts": "Alertmanager", "query_prometheus": "Prometheus"}
"""Tools whose data names no server: the configured service they read."""


def measured_note(tool: str, data: dict[str, Any]) -> str:
    """Where and when a live reading was taken, for its line in the evidence: the server
    the tool names (``server``, ``host`` or ``url`` of its data, else the service) and the UTC time the engine
    read the result, which is within the tool's timeout of the measurement."""
    where = next(
        (str(data[key]) for key in ("server", "host", "target", "url", "name") if data.get(key)),
        _SERVICES.get(tool, ""),
    )
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"measured live{f' on {where}' if where else ''}, read at {when}"
