"""``dns_resolve``: ask the configured resolvers for a record set and compare the answers.

Each resolver in ``network.resolvers`` is queried directly (dnspython, no system stub, no
search list). The answer sets are compared with each other (resolvers that disagree show
stale or split-horizon data) and with the expected values, if given. The answers then go
through the DNS record analyser (``dns_check``: CNAME misuse and TTL outliers, RFC 1912
§2.4, RFC 2181 §10.1), so live data is judged like pasted zone data.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from infra_team.settings import Settings
from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, ok
from infra_team.tools.analysers.dns import DnsRecord, check_dns
from infra_team.tools.integrations.http import not_configured
from infra_team.tools.live._common import extra_missing, with_live_settings

TOOL = "dns_resolve"
MAX_ANSWERS = 50
"""Records kept per resolver; the count is always reported."""
RecordType = Literal["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV", "CAA", "PTR"]
DESCRIPTION = (
    "Live, read-only: query a record set on the configured DNS resolvers, compare them with "
    "each other and with `expected`, and lint the answers. At most 50 records per resolver."
)


class DnsResolveArgs(BaseModel):
    """Arguments of ``dns_resolve``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=253, pattern=r"^[A-Za-z0-9_.*-]+$", description="Domain name."
    )
    type: RecordType = "A"
    expected: list[Annotated[str, Field(max_length=512)]] | None = Field(
        default=None, max_length=MAX_ANSWERS, description="Values that should be answered."
    )
    resolvers: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=16, description="Subset of the configured resolvers; default all."
    )


def parse_resolver(text: str) -> tuple[str, int]:
    """``ip``, ``ip:port`` or ``[ipv6]:port`` as (address, port); port 53 by default.

    Raises:
        ValueError: not an IP address with an optional port.
    """
    text = text.strip()
    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else 53
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    ipaddress.ip_address(host)
    if not 0 < port < 65536:
        msg = f"port {port} is out of range"
        raise ValueError(msg)
    return host, port


def _normalise(rdtype: str, value: str) -> str:
    text = value.strip()
    if rdtype == "TXT":
        return text
    return text.lower().rstrip(".") if rdtype != "AAAA" else str(ipaddress.ip_address(text))


def query(name: str, rdtype: str, server: tuple[str, int], timeout: float) -> dict[str, Any]:
    """One resolver's answer: rcode, records (value, ttl), latency, or the failure."""
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype

    host, port = server
    request = dns.message.make_query(dns.name.from_text(name), rdtype)
    started = time.perf_counter()
    try:
        response = dns.query.udp(request, host, port=port, timeout=timeout)
        if response.flags & dns.flags.TC:
            response = dns.query.tcp(request, host, port=port, timeout=timeout)
    except dns.exception.Timeout:
        return {"resolver": f"{host}:{port}", "error": f"no answer within {timeout:g} s"}
    except (OSError, dns.exception.DNSException) as exc:
        return {"resolver": f"{host}:{port}", "error": f"{type(exc).__name__}: {exc}"}
    latency = round((time.perf_counter() - started) * 1000, 2)
    records: list[dict[str, Any]] = []
    for rrset in response.answer:
        for rdata in rrset:
            records.append(
                {
                    "name": rrset.name.to_text(),
                    "type": dns.rdatatype.to_text(rrset.rdtype),
                    "value": _text(rdata),
                    "ttl": rrset.ttl,
                }
            )
    return {
        "resolver": f"{host}:{port}",
        "rcode": dns.rcode.to_text(response.rcode()),
        "latency_ms": latency,
        "answer_count": len(records),
        "records": records[:MAX_ANSWERS],
        "truncated": len(records) > MAX_ANSWERS,
    }


def _text(rdata: Any) -> str:
    """Presentation form; TXT as its joined character-strings, without the quotes."""
    import dns.rdatatype

    strings = getattr(rdata, "strings", None)
    if dns.rdatatype.to_text(rdata.rdtype) == "TXT" and strings is not None:
        return b"".join(strings).decode("utf-8", "replace")
    return str(rdata.to_text())


def _values(row: dict[str, Any], rdtype: str) -> set[str]:
    return {_normalise(rdtype, r["value"]) for r in row.get("records", []) if r["type"] == rdtype}


def resolve(settings: Settings, args: DnsResolveArgs) -> ToolResult:
    configured = settings.network.resolvers
    if not configured:
        return not_configured(TOOL, "DNS resolution", ["INFRA_TEAM_NETWORK_RESOLVERS"])
    missing = extra_missing(TOOL, "dns.query")
    if missing is not None:
        return missing
    try:
        servers = {text: parse_resolver(text) for text in configured}
    except ValueError as exc:
        msg = f"`network.resolvers` holds an entry that is not `ip[:port]`: {exc}"
        raise ToolInputError(msg, code="invalid_settings") from None
    import dns.exception
    import dns.name

    try:
        dns.name.from_text(args.name)
    except dns.exception.DNSException as exc:
        msg = f"`{args.name}` is not a valid domain name: {exc}"
        raise ToolInputError(msg) from None
    chosen = list(servers)
    if args.resolvers:
        unknown = [r for r in args.resolvers if r not in servers]
        if unknown:
            msg = (
                f"not configured resolvers: {', '.join(unknown)}; configured: {', '.join(servers)}."
            )
            raise ToolInputError(msg)
        chosen = list(dict.fromkeys(args.resolvers))
    rows = [query(args.name, args.type, servers[r], settings.network.timeout) for r in chosen]
    answered = [r for r in rows if "error" not in r]
    sets = {r["resolver"]: _values(r, args.type) for r in answered}
    data: dict[str, Any] = {"name": args.name, "type": args.type, "resolvers": rows}
    data["resolvers_agree"] = len({frozenset(v) for v in sets.values()}) <= 1
    parts = [
        f"{r['resolver']}: {r.get('rcode', 'error')} "
        + (", ".join(sorted(sets[r["resolver"]])) or "no records")
        if "error" not in r
        else f"{r['resolver']}: {r['error']}"
        for r in rows
    ]
    summary = f"{args.name} {args.type}: " + "; ".join(parts)
    if args.expected is not None:
        want = {_normalise(args.type, v) for v in args.expected}
        data["expected"] = sorted(want)
        data["matches_expected"] = {res: got == want for res, got in sets.items()}
        mismatched = [res for res, same in data["matches_expected"].items() if not same]
        summary += (
            f"; differs from expected on {', '.join(mismatched)}"
            if mismatched
            else "; matches expected"
        )
    if not data["resolvers_agree"]:
        summary += "; resolvers disagree"
    records = [
        DnsRecord(name=r["name"], type=r["type"], value=r["value"], ttl=r["ttl"])
        for row in answered
        for r in row["records"][:MAX_ANSWERS]
    ]
    if records:
        lint = check_dns(list({(r.name, r.type, r.value): r for r in records}.values()))
        data["lint"] = lint.model_dump(mode="json")
        if lint.findings:
            summary += f"; {len(lint.findings)} record findings"
    return ok(TOOL, summary + ".", data)


@infra_tool(
    name=TOOL,
    description=DESCRIPTION,
    args_schema=DnsResolveArgs,
    live=True,
    settings=("network.resolvers",),
)
def dns_resolve(**fields: Any) -> ToolResult:
    """Live DNS answers (RFC 1035 §4, RFC 7766 TCP fallback on truncation), linted per RFC 1912/2181."""
    args = DnsResolveArgs.model_validate(fields)
    return with_live_settings(TOOL, lambda settings: resolve(settings, args))
