"""``http_probe``: status, latency and redirect chain of a URL, and whether HTTP moves to HTTPS.

Redirects are followed by hand, one hop at a time, so every hop's host is checked against
the ``[network]`` allowlist before anything is sent to it (RFC 9110 §15.4: a redirect is
the server's suggestion, not an order). Bodies are never read. The HTTP→HTTPS check is the
redirect OWASP's Transport Layer Security cheat sheet asks for, with the
``Strict-Transport-Security`` header of RFC 6797 reported when present.
"""

from __future__ import annotations

import time
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from infra_team.settings import Settings
from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, ok
from infra_team.tools.integrations.http import not_configured
from infra_team.tools.live._common import clip_line, with_live_settings
from infra_team.tools.live.targets import (
    Allowlist,
    TargetRefused,
    resolve_allowed,
)
from infra_team.tools.live.tls_check import verifying_context

TOOL = "http_probe"
MAX_REDIRECTS = 10
HEADERS_KEPT = ("location", "server", "strict-transport-security", "content-type")
DESCRIPTION = (
    "Live, read-only: GET an allowlisted http(s) URL without reading the body; reports each "
    "hop's status and latency (at most 10 redirects) and whether HTTP redirects to HTTPS."
)


class HttpProbeArgs(BaseModel):
    """Arguments of ``http_probe``."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2048, pattern=r"^https?://", description="URL.")
    max_redirects: int = Field(default=5, ge=0, le=MAX_REDIRECTS)
    method: Literal["GET", "HEAD"] = "GET"


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def probe(settings: Settings, args: HttpProbeArgs) -> ToolResult:
    network = settings.network
    if not network.targets:
        return not_configured(TOOL, "Network probing", ["INFRA_TEAM_NETWORK_TARGETS"])
    allow = Allowlist.of(network)
    hops: list[dict[str, Any]] = []
    url = httpx.URL(args.url)
    with httpx.Client(
        verify=verifying_context(network, check_hostname=True),
        timeout=network.timeout,
        follow_redirects=False,
        trust_env=False,
    ) as client:
        for _ in range(args.max_redirects + 1):
            host = url.host
            try:
                resolve_allowed(allow, host, _port(url), network.timeout)
            except TargetRefused as exc:
                if not hops:
                    raise ToolInputError(str(exc), code="target_not_allowed") from None
                hops.append({"url": str(url), "refused": str(exc)})
                break
            started = time.perf_counter()
            try:
                with client.stream(args.method, url) as response:
                    latency = round((time.perf_counter() - started) * 1000, 2)
                    hop = {
                        "url": str(url),
                        "status": response.status_code,
                        "http_version": response.http_version,
                        "latency_ms": latency,
                        "headers": {
                            k: clip_line(response.headers[k])
                            for k in HEADERS_KEPT
                            if k in response.headers
                        },
                    }
            except httpx.HTTPError as exc:
                hops.append({"url": str(url), "error": f"{type(exc).__name__}: {exc}"})
                break
            hops.append(hop)
            location = response.headers.get("location")
            if not (response.is_redirect and location):
                break
            url = httpx.URL(urljoin(str(url), location))
    return ok(TOOL, _summary(args.url, hops), _data(args.url, hops))


def _data(start: str, hops: list[dict[str, Any]]) -> dict[str, Any]:
    final = hops[-1]
    data: dict[str, Any] = {
        "url": start,
        "hops": hops,
        "redirects": sum(1 for h in hops if 300 <= h.get("status", 0) < 400),
        "final_url": final["url"],
        "final_status": final.get("status"),
        "total_latency_ms": round(sum(h.get("latency_ms", 0) for h in hops), 2),
    }
    if urlsplit(start).scheme == "http":
        later = [urlsplit(h["url"]) for h in hops[1:] if "status" in h]
        data["redirects_to_https"] = any(u.scheme == "https" for u in later)
    final_headers = final.get("headers", {})
    if urlsplit(final["url"]).scheme == "https":
        data["hsts"] = final_headers.get("strict-transport-security")
    return data


def _summary(start: str, hops: list[dict[str, Any]]) -> str:
    steps = " -> ".join(
        f"{h['status']} ({h['latency_ms']:g} ms)" if "status" in h else h.get("error", "refused")
        for h in hops
    )
    text = f"{start}: {steps}; final {hops[-1]['url']}"
    if urlsplit(start).scheme == "http":
        upgraded = any(urlsplit(h["url"]).scheme == "https" for h in hops[1:] if "status" in h)
        text += "; redirects to HTTPS" if upgraded else "; does NOT redirect to HTTPS"
    return text + "."


@infra_tool(
    name=TOOL,
    description=DESCRIPTION,
    args_schema=HttpProbeArgs,
    live=True,
    settings=("network.targets", "network.allow_private", "network.ca_file"),
)
def http_probe(**fields: Any) -> ToolResult:
    """HTTP probe (RFC 9110 status and redirects, RFC 6797 HSTS)."""
    args = HttpProbeArgs.model_validate(fields)
    return with_live_settings(TOOL, lambda settings: probe(settings, args))
