"""The network engineer's tools: address plans, firewall rules, DNS zones, load balancers.

Each tool is a thin wrapper over a pure function (``_cidr``, ``_firewall_audit``, ``_dns``,
``_load_balancer``), so every verdict can be checked on its own and the model always gets the
same answer for the same input.
"""

from __future__ import annotations

from typing import Annotated, Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, ok
from infra_team.tools._limits import (
    JSON_NOTE,
    MAX_COUNT,
    MAX_ITEMS,
    NAME_CHARS,
    DocumentOrJson,
)
from infra_team.tools.analysers._tool import analyser_tool
from infra_team.tools.analysers.cidr import plan_cidr
from infra_team.tools.analysers.dns import DnsRecord, check_dns
from infra_team.tools.analysers.dns_cutover import DnsCutoverArgs, plan_dns_cutover
from infra_team.tools.analysers.firewall_audit import audit_firewall
from infra_team.tools.analysers.haproxy_config import HaproxyConfigArgs, build_haproxy_config
from infra_team.tools.analysers.load_balancer import Backend, evaluate_lb_health
from infra_team.tools.analysers.severity import SEVERITY_ORDER
from infra_team.tools.analysers.vpn_plan import VpnPlanArgs, plan_vpn
from infra_team.tools.live.dns_resolve import dns_resolve
from infra_team.tools.live.http_probe import http_probe
from infra_team.tools.live.tcp_check import tcp_check
from infra_team.tools.live.tls_check import tls_check

CIDR_PLAN_DESCRIPTION = (
    "Allocate non-overlapping subnets of the given prefix lengths inside a VPC CIDR (IPv4 or "
    "IPv6), with utilisation, free blocks and AWS usable-host counts."
)
FIREWALL_AUDIT_DESCRIPTION = (
    "Audit AWS security-group JSON or iptables-save text for admin ports open to the world, "
    "any/any rules, shadowed rules and default-allow policies."
)
DNS_CHECK_DESCRIPTION = (
    "Check DNS records (name, type, value, ttl) for dangling CNAMEs, CNAME at the apex or "
    "beside other data, and TTL outliers."
)
LB_HEALTH_DESCRIPTION = (
    "Judge a load-balancer pool: healthy capacity against the required capacity, majority "
    "quorum and connection balance, with an ok/degraded/critical verdict."
)
_ARGS = ConfigDict(extra="forbid", allow_inf_nan=False)
MAX_SUBNETS = 1024


# --- cidr_plan -----------------------------------------------------------------------------


class CidrPlanArgs(BaseModel):
    """Arguments of ``cidr_plan``."""

    model_config = _ARGS

    vpc_cidr: str = Field(
        max_length=64, description="VPC block, e.g. 10.0.0.0/16 or 2600:1f18:abc:de00::/56."
    )
    subnet_prefixes: list[Annotated[int, Field(ge=0, le=128)]] = Field(
        max_length=MAX_SUBNETS,
        description='Prefix length of each subnet wanted, e.g. [24, 24, 22] ("/24" also works).',
    )

    @field_validator("subnet_prefixes", mode="before")
    @classmethod
    def _strip_slashes(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [item.strip().lstrip("/") if isinstance(item, str) else item for item in value]
        return value


@infra_tool(name="cidr_plan", description=CIDR_PLAN_DESCRIPTION, args_schema=CidrPlanArgs)
def cidr_plan(*, vpc_cidr: str, subnet_prefixes: list[int]) -> ToolResult:
    """Subnet allocation inside a VPC (Python ipaddress; AWS reserves 5 addresses per subnet)."""
    plan = plan_cidr(vpc_cidr, subnet_prefixes)
    summary = (
        f"{len(plan.subnets)} subnets in {plan.vpc_cidr}: "
        f"{', '.join(s.cidr for s in plan.subnets)}; {plan.utilization_percent:g} % used, "
        f"free: {', '.join(plan.free_blocks) or 'none'}."
    )
    return ok("cidr_plan", summary, plan.model_dump(mode="json"))


# --- firewall_audit ------------------------------------------------------------------------


class FirewallAuditArgs(BaseModel):
    """Arguments of ``firewall_audit``."""

    model_config = _ARGS

    rules: DocumentOrJson = Field(
        description="`aws ec2 describe-security-groups` JSON (string or object) or "
        f"`iptables-save` output text. {JSON_NOTE}"
    )


@infra_tool(
    name="firewall_audit", description=FIREWALL_AUDIT_DESCRIPTION, args_schema=FirewallAuditArgs
)
def firewall_audit(*, rules: str | dict[str, Any] | list[Any]) -> ToolResult:
    """Firewall audit (CIS AWS Foundations 5.2/5.3, Security Hub EC2.19, iptables(8))."""
    audit = audit_firewall(rules)
    parts = [f"{audit.counts[level]} {level}" for level in SEVERITY_ORDER if audit.counts[level]]
    summary = (
        f"{audit.rules_checked} rules ({audit.format}): {len(audit.findings)} findings "
        f"({', '.join(parts)})."
        if audit.findings
        else f"{audit.rules_checked} rules ({audit.format}): no findings."
    )
    return ok("firewall_audit", summary, audit.model_dump(mode="json"))


# --- dns_check -----------------------------------------------------------------------------


class DnsCheckArgs(BaseModel):
    """Arguments of ``dns_check``."""

    model_config = _ARGS

    records: list[DnsRecord] = Field(
        max_length=MAX_ITEMS, description="Records: name, type, value, ttl (seconds)."
    )
    zone: str | None = Field(
        default=None,
        max_length=NAME_CHARS,
        description="Zone apex, e.g. example.com; inferred from SOA/NS or common suffix if omitted.",
    )


@infra_tool(name="dns_check", description=DNS_CHECK_DESCRIPTION, args_schema=DnsCheckArgs)
def dns_check(*, records: list[DnsRecord], zone: str | None) -> ToolResult:
    """DNS record check (RFC 1912 2.4, RFC 2181 5.2/10.1/10.3, RFC 4592)."""
    if not records:
        msg = "`records` is empty; pass the zone's records as {name, type, value, ttl}."
        raise ToolInputError(msg)
    result = check_dns(records, zone=zone)
    parts = [f"{result.counts[level]} {level}" for level in SEVERITY_ORDER if result.counts[level]]
    summary = f"{result.records_checked} records in {result.zone or 'an unknown zone'}: " + (
        f"{len(result.findings)} findings ({', '.join(parts)})." if parts else "no findings."
    )
    return ok("dns_check", summary, result.model_dump(mode="json"))


# --- lb_health -----------------------------------------------------------------------------


class LbHealthArgs(BaseModel):
    """Arguments of ``lb_health``."""

    model_config = _ARGS

    backends: list[Backend] = Field(
        max_length=MAX_ITEMS, description="Pool members: name, healthy, capacity/weight."
    )
    required_capacity: float | None = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="Capacity the service needs now, same unit as capacity.",
    )


@infra_tool(name="lb_health", description=LB_HEALTH_DESCRIPTION, args_schema=LbHealthArgs)
def lb_health(*, backends: list[Backend], required_capacity: float | None) -> ToolResult:
    """Pool verdict (Google SRE book ch. 20, 22 and 23: balancing, overload, quorum)."""
    health = evaluate_lb_health(backends, required_capacity=required_capacity)
    summary = (
        f"{health.verdict.upper()}: {health.healthy_backends}/{health.total_backends} healthy, "
        f"capacity {health.healthy_capacity:g}/{health.total_capacity:g}"
        + (f" (required {required_capacity:g})" if required_capacity is not None else "")
        + (f"; {'; '.join(health.reasons)}." if health.reasons else ".")
    )
    return ok("lb_health", summary, health.model_dump(mode="json"))


# --------------------------------------------------------------------------- capabilities

HAPROXY_CONFIG_DESCRIPTION = "Write an HAProxy frontend/backend with health checks; gives detection time, traffic shares and N+1."
haproxy_config = analyser_tool(
    "haproxy_config", HAPROXY_CONFIG_DESCRIPTION, HaproxyConfigArgs, build_haproxy_config
)

DNS_CUTOVER_DESCRIPTION = "Schedule a DNS record change: when to lower the TTL, change, retire the old target, restore the TTL."
dns_cutover = analyser_tool(
    "dns_cutover", DNS_CUTOVER_DESCRIPTION, DnsCutoverArgs, plan_dns_cutover
)

VPN_PLAN_DESCRIPTION = "Plan site-to-site WireGuard or IPsec tunnels: overlaps, tunnel addresses, MTU/MSS, per-site config."
vpn_plan = analyser_tool("vpn_plan", VPN_PLAN_DESCRIPTION, VpnPlanArgs, plan_vpn)


TOOLS: tuple[BaseTool, ...] = (
    cidr_plan,
    firewall_audit,
    dns_check,
    lb_health,
    dns_resolve,
    tls_check,
    http_probe,
    tcp_check,
    haproxy_config,
    dns_cutover,
    vpn_plan,
)
