"""``tcp_check``: can a TCP connection be opened to each host:port, and how fast?

A three-way handshake (RFC 9293 §3.5) that completes means something listens; a reset
means the port is closed; silence until the timeout means a filter drops the packets.
With two or more targets the members are judged as a pool by the load-balancer analyser
(Google SRE book ch. 20 and 22), so a partly reachable backend set gets a verdict.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, infra_tool, ok
from infra_team.tools.analysers.load_balancer import Backend, evaluate_lb_health
from infra_team.tools.integrations.http import not_configured
from infra_team.tools.live._common import with_live_settings
from infra_team.tools.live.targets import (
    Allowlist,
    TargetRefused,
    resolve_allowed,
)

TOOL = "tcp_check"
MAX_TARGETS = 16
DESCRIPTION = (
    "Live, read-only: open a TCP connection to each allowlisted host:port (at most 16) and "
    "report open/refused/timeout with latency; 2+ targets are judged as a pool."
)


class Target(BaseModel):
    """One host and port."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=253, description="Name or IP address.")
    port: int = Field(ge=1, le=65535)


class TcpCheckArgs(BaseModel):
    """Arguments of ``tcp_check``."""

    model_config = ConfigDict(extra="forbid")

    targets: list[Target] = Field(min_length=1, max_length=MAX_TARGETS)


def probe(host: str, port: int, allow: Allowlist, timeout: float) -> dict[str, Any]:
    """One target's reachability: the first allowed address that answers, or why not."""
    row: dict[str, Any] = {"target": f"{host}:{port}"}
    try:
        addresses = resolve_allowed(allow, host, port, timeout)
    except TargetRefused as exc:
        return row | {"state": "refused_by_policy", "detail": str(exc)}
    for address in addresses:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        started = time.perf_counter()
        try:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect((str(address), port))
        except TimeoutError:
            row |= {"state": "timeout", "address": str(address), "timeout_s": timeout}
            continue
        except ConnectionRefusedError:
            row |= {"state": "closed", "address": str(address), "detail": "connection refused"}
            continue
        except OSError as exc:
            row |= {"state": "unreachable", "address": str(address), "detail": exc.strerror}
            continue
        latency = (time.perf_counter() - started) * 1000
        return row | {"state": "open", "address": str(address), "latency_ms": round(latency, 2)}
    return row


def check(settings: Settings, targets: list[Target]) -> ToolResult:
    if not settings.network.targets:
        return not_configured(TOOL, "Network probing", ["INFRA_TEAM_NETWORK_TARGETS"])
    allow = Allowlist.of(settings.network)
    rows = [probe(t.host, t.port, allow, settings.network.timeout) for t in targets]
    open_rows = [r for r in rows if r["state"] == "open"]
    data: dict[str, Any] = {"targets": rows}
    summary = f"{len(open_rows)}/{len(rows)} reachable: " + ", ".join(
        f"{r['target']} {r['state']}" + (f" ({r['latency_ms']:g} ms)" if "latency_ms" in r else "")
        for r in rows
    )
    if len(rows) > 1:
        pool = evaluate_lb_health(
            [Backend(name=r["target"], healthy=r["state"] == "open", weight=1) for r in rows]
        )
        data["pool"] = pool.model_dump(mode="json")
        summary += f"; pool {pool.verdict}"
    return ok(TOOL, summary + ".", data)


@infra_tool(
    name=TOOL,
    description=DESCRIPTION,
    args_schema=TcpCheckArgs,
    live=True,
    settings=("network.targets", "network.allow_private"),
)
def tcp_check(*, targets: list[Target]) -> ToolResult:
    """TCP reachability (RFC 9293 §3.5 connection establishment), pool verdict per SRE book."""
    return with_live_settings(TOOL, lambda settings: check(settings, targets))
