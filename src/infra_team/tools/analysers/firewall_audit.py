"""Firewall audit: world-exposed admin ports, any/any rules, dead rules, default-allow policies."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from infra_team.tools.analysers.firewall_rules import (
    PORTED_PROTOCOLS,
    FirewallRule,
    Ruleset,
    admits_new,
    covers,
    from_anywhere,
    load_ruleset,
)
from infra_team.tools.analysers.severity import SEVERITY_ORDER, Severity, count_by_severity

_FROZEN = ConfigDict(frozen=True, extra="forbid")

ADMIN_PORTS: dict[int, tuple[str, Severity]] = {
    22: ("SSH", "high"),
    23: ("Telnet", "critical"),
    445: ("SMB", "critical"),
    1433: ("Microsoft SQL Server", "high"),
    1521: ("Oracle DB", "high"),
    2375: ("Docker API (plain TCP, no auth)", "critical"),
    2376: ("Docker API (TLS)", "high"),
    2379: ("etcd client", "critical"),
    2380: ("etcd peer", "critical"),
    3306: ("MySQL", "high"),
    3389: ("RDP", "high"),
    5432: ("PostgreSQL", "high"),
    5601: ("Kibana", "high"),
    5900: ("VNC", "high"),
    5984: ("CouchDB", "high"),
    6379: ("Redis", "critical"),
    6443: ("Kubernetes API", "high"),
    9042: ("Cassandra", "high"),
    9200: ("Elasticsearch HTTP", "critical"),
    9300: ("Elasticsearch transport", "critical"),
    10250: ("kubelet API", "critical"),
    11211: ("Memcached", "critical"),
    27017: ("MongoDB", "critical"),
}
_TERMINAL_TARGETS = frozenset({"ACCEPT", "DROP", "REJECT", "RETURN"})
_WIDE_RANGE = 1024


FindingKind = Literal[
    "any_any",
    "admin_port_open",
    "wide_port_range",
    "shadowed_rule",
    "redundant_rule",
    "default_allow_policy",
]


class FirewallFinding(BaseModel):
    """One risky or dead rule."""

    model_config = _FROZEN

    kind: FindingKind
    """What is wrong."""
    severity: Severity
    """critical, high, medium, low or info."""
    rule: str
    """Where: security group and permission number, or table, chain and line."""
    text: str
    """The rule as written (or a readable rendering)."""
    detail: str
    """Why it is a finding."""
    ports: list[int] = Field(default_factory=list)
    """Admin ports exposed, for ``admin_port_open``."""
    covered_by: str | None = None
    """The earlier/broader rule, for ``shadowed_rule`` and ``redundant_rule``."""
    reference: str
    """Benchmark or documentation the check follows."""
    remediation: str
    """What to change."""


class FirewallAudit(BaseModel):
    """Findings of a firewall audit."""

    model_config = _FROZEN

    format: Literal["aws_security_groups", "iptables_save"]
    """Detected input format."""
    rules_checked: int
    """Rules examined (one per CIDR for security groups)."""
    findings: list[FirewallFinding]
    """Most severe first."""
    counts: dict[str, int]
    """Findings per severity."""
    notes: list[str]
    """How the input was read."""


_WORLD_REF = (
    "CIS AWS Foundations Benchmark 5.2/5.3 (no 0.0.0.0/0 or ::/0 ingress to admin ports); "
    "AWS Security Hub EC2.19 (high-risk ports)"
)


def _exposes(rule: FirewallRule, fmt: str) -> bool:
    """Accepts new connections from anywhere (loopback and outbound chains excluded)."""
    if rule.target != "ACCEPT" or not from_anywhere(rule) or not admits_new(rule):
        return False
    if fmt == "iptables_save":
        return rule.table == "filter" and rule.chain != "OUTPUT" and rule.in_iface != "lo"
    return True


def _exposure_findings(rule: FirewallRule, fmt: str) -> list[FirewallFinding]:
    if not _exposes(rule, fmt):
        return []
    extra = f" (other matches: {', '.join(sorted(rule.extras))})" if rule.extras else ""
    iface = f" on interface {rule.in_iface}" if rule.in_iface else ""
    if rule.protocol == "all" and rule.dports is None and not rule.extras:
        return [
            FirewallFinding(
                kind="any_any",
                severity="critical",
                rule=rule.ref,
                text=rule.text,
                detail=f"accepts every protocol and port from anywhere{iface}",
                reference=_WORLD_REF,
                remediation="Replace with rules for the ports the service needs, from the "
                "sources that need them.",
            )
        ]
    findings: list[FirewallFinding] = []
    if rule.protocol in PORTED_PROTOCOLS or rule.protocol == "all":
        exposed = [
            port
            for port in sorted(ADMIN_PORTS)
            if rule.dports is None or any(lo <= port <= hi for lo, hi in rule.dports)
        ]
        if exposed:
            worst = min((ADMIN_PORTS[port][1] for port in exposed), key=SEVERITY_ORDER.index)
            names = ", ".join(f"{port} {ADMIN_PORTS[port][0]}" for port in exposed)
            findings.append(
                FirewallFinding(
                    kind="admin_port_open",
                    severity=worst,
                    rule=rule.ref,
                    text=rule.text,
                    detail=f"admin/data ports open to the world{iface}: {names}{extra}",
                    ports=exposed,
                    reference=_WORLD_REF,
                    remediation="Restrict the source to admin networks or a bastion/VPN, or "
                    "use a session manager instead of open ports.",
                )
            )
        width = 65536 if rule.dports is None else sum(hi - lo + 1 for lo, hi in rule.dports)
        if width >= _WIDE_RANGE:
            findings.append(
                FirewallFinding(
                    kind="wide_port_range",
                    severity="high",
                    rule=rule.ref,
                    text=rule.text,
                    detail=f"{width} {rule.protocol} ports open to the world{iface}{extra}",
                    reference=_WORLD_REF,
                    remediation="Open only the ports the service listens on.",
                )
            )
    return findings


def _overlap_findings(ruleset: Ruleset) -> list[FirewallFinding]:
    findings: list[FirewallFinding] = []
    by_chain: dict[tuple[str, str], list[FirewallRule]] = {}
    for rule in ruleset.rules:
        by_chain.setdefault((rule.table, rule.chain), []).append(rule)
    for chain_rules in by_chain.values():
        if ruleset.format == "iptables_save":
            findings += _shadowed(chain_rules)
        else:
            findings += _redundant(chain_rules)
    return findings


def _shadowed(chain_rules: list[FirewallRule]) -> list[FirewallFinding]:
    """Rules never reached: an earlier terminating rule of the chain takes all their packets."""
    findings = []
    for position, later in enumerate(chain_rules):
        for earlier in chain_rules[:position]:
            decisive = earlier.target in _TERMINAL_TARGETS or earlier.target.startswith("goto:")
            if decisive and covers(earlier, later):
                findings.append(_shadow_finding(earlier, later))
                break
    return findings


def _redundant(group_rules: list[FirewallRule]) -> list[FirewallFinding]:
    """Permissions covered by another of the same group (order-free; of twins, the later)."""
    findings = []
    for position, rule in enumerate(group_rules):
        for other_position, other in enumerate(group_rules):
            if other_position == position or not covers(other, rule):
                continue
            if covers(rule, other) and other_position > position:
                continue  # identical pair: report only the later one
            findings.append(_redundant_finding(other, rule))
            break
    return findings


def _shadow_finding(earlier: FirewallRule, later: FirewallRule) -> FirewallFinding:
    same = earlier.target == later.target
    return FirewallFinding(
        kind="shadowed_rule",
        severity="low" if same else "medium",
        rule=later.ref,
        text=later.text,
        detail=(
            f"never matches: every packet it matches is first taken by the {earlier.target} "
            "rule before it" + ("" if same else f", so its {later.target or 'match'} never applies")
        ),
        covered_by=f"{earlier.ref}: {earlier.text}",
        reference="iptables(8): rules in a chain are tried in order and the first "
        "terminating target ends the traversal",
        remediation="Delete the dead rule, or move it above the broader rule if its action "
        "was intended.",
    )


def _redundant_finding(earlier: FirewallRule, later: FirewallRule) -> FirewallFinding:
    return FirewallFinding(
        kind="redundant_rule",
        severity="low",
        rule=later.ref,
        text=later.text,
        detail="already allowed by a broader permission in the same security group",
        covered_by=f"{earlier.ref}: {earlier.text}",
        reference="Amazon VPC User Guide, security group rules (allow rules are a union)",
        remediation="Remove the redundant permission to keep the group readable.",
    )


def _policy_findings(ruleset: Ruleset) -> list[FirewallFinding]:
    findings = []
    for (table, chain), policy in sorted(ruleset.policies.items()):
        if table != "filter" or chain not in {"INPUT", "FORWARD"} or policy != "ACCEPT":
            continue
        chain_rules = [r for r in ruleset.rules if r.table == table and r.chain == chain]
        catch_all = chain_rules and _is_catch_all_deny(chain_rules[-1])
        if not catch_all:
            findings.append(
                FirewallFinding(
                    kind="default_allow_policy",
                    severity="medium",
                    rule=f"{table} {chain} policy",
                    text=f":{chain} ACCEPT",
                    detail=f"packets no rule matches are accepted by the {chain} policy",
                    reference="CIS Distribution Independent Linux 3.6.2 (default deny "
                    "firewall policy)",
                    remediation=f"Set `iptables -P {chain} DROP` after allowing loopback, "
                    "established traffic and the needed ports, or end the chain with a DROP.",
                )
            )
    return findings


def _is_catch_all_deny(rule: FirewallRule) -> bool:
    blank = FirewallRule(ref="", chain=rule.chain, text="", target="")
    return rule.target in {"DROP", "REJECT"} and covers(rule, blank)


def audit_firewall(rules: str | dict[str, Any] | list[Any]) -> FirewallAudit:
    """Audit firewall rules for world exposure, dead rules and default-allow policies.

    Input is AWS ``describe-security-groups`` JSON (``SecurityGroups[].IpPermissions[]``
    with ``IpProtocol``, ``FromPort``, ``ToPort``, ``IpRanges[].CidrIp``,
    ``Ipv6Ranges[].CidrIpv6``; protocol ``-1`` means all) as a string, dict or list, or
    ``iptables-save``/``ip6tables-save`` text. Checks:

    - admin and data ports (SSH, RDP, databases, Redis, Docker, etcd, kubelet ...) open to
      ``0.0.0.0/0`` or ``::/0`` (CIS AWS Foundations Benchmark 5.2/5.3, AWS Security Hub
      EC2.19), and port ranges of 1,024 ports or more open to the world;
    - any/any: all protocols and ports accepted from anywhere;
    - shadowed iptables rules: a later rule whose every match is taken first by an earlier
      rule of the same chain with a terminating target (ACCEPT, DROP, REJECT, RETURN or a
      goto), per iptables(8) first-match traversal; rules using match options the audit does
      not model are only compared with identical options, so no false shadowing is reported;
    - redundant security-group permissions (groups are unions, order never matters);
    - filter INPUT/FORWARD chains whose policy is ACCEPT with no final catch-all DROP (CIS
      Distribution Independent Linux 3.6.2).

    Raises:
        ToolInputError: for malformed JSON, CIDRs or ports, or an unknown format.
    """
    ruleset = load_ruleset(rules)
    findings: list[FirewallFinding] = []
    for rule in ruleset.rules:
        findings.extend(_exposure_findings(rule, ruleset.format))
    findings.extend(_overlap_findings(ruleset))
    findings.extend(_policy_findings(ruleset))
    findings.sort(key=lambda f: SEVERITY_ORDER.index(f.severity))
    skipped = sorted({r.table for r in ruleset.rules if r.table != "filter"})
    notes = list(ruleset.notes)
    if skipped:
        notes.append(
            f"Tables {', '.join(skipped)} were checked for shadowing only, not for exposure."
        )
    return FirewallAudit(
        format=ruleset.format,
        rules_checked=len(ruleset.rules),
        findings=findings,
        counts=count_by_severity([f.severity for f in findings]),
        notes=notes,
    )
