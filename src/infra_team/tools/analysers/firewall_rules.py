"""Firewall rules in one normal form, read from AWS security groups or ``iptables-save``.

A rule keeps what it matches (protocol, ports, networks, interfaces, conntrack states and any
other match options) so that two rules can be compared: ``covers(a, b)`` holds when every
packet ``b`` matches is also matched by ``a``.
"""

from __future__ import annotations

import ipaddress
import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Literal

from infra_team.tools._base import ToolInputError
from infra_team.tools._limits import parse_json_document
from infra_team.tools.analysers.cidr import IPNetwork

PortRanges = tuple[tuple[int, int], ...]

_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "0": "all", "-1": "all"}
PORTED_PROTOCOLS = frozenset({"tcp", "udp", "sctp", "udplite"})
"""Protocols whose rules match on ports."""


@dataclass(frozen=True)
class FirewallRule:
    """One rule, normalised from either input format."""

    ref: str
    chain: str
    text: str
    target: str
    protocol: str = "all"
    dports: PortRanges | None = None
    sports: PortRanges | None = None
    sources: tuple[IPNetwork, ...] | None = None
    destinations: tuple[IPNetwork, ...] | None = None
    in_iface: str | None = None
    out_iface: str | None = None
    states: frozenset[str] | None = None
    extras: frozenset[str] = field(default_factory=frozenset)
    table: str = "filter"


def _ranges_cover(outer: PortRanges | None, inner: PortRanges | None) -> bool:
    if outer is None:
        return True
    if inner is None:
        return False
    return all(any(a <= lo and hi <= b for a, b in outer) for lo, hi in inner)


def _nets_cover(outer: tuple[IPNetwork, ...] | None, inner: tuple[IPNetwork, ...] | None) -> bool:
    if outer is None:
        return True
    if inner is None:
        return any(net.prefixlen == 0 for net in outer)
    return all(
        any(o.version == i.version and i.subnet_of(o) for o in outer)  # type: ignore[arg-type]
        for i in inner
    )


def covers(a: FirewallRule, b: FirewallRule) -> bool:
    """Whether every packet matching ``b`` also matches ``a`` (``a`` is at least as broad)."""
    return (
        (a.protocol == "all" or a.protocol == b.protocol)
        and _ranges_cover(a.dports, b.dports)
        and _ranges_cover(a.sports, b.sports)
        and _nets_cover(a.sources, b.sources)
        and _nets_cover(a.destinations, b.destinations)
        and (a.in_iface is None or a.in_iface == b.in_iface)
        and (a.out_iface is None or a.out_iface == b.out_iface)
        and (a.states is None or (b.states is not None and b.states <= a.states))
        and a.extras <= b.extras
    )


def from_anywhere(rule: FirewallRule) -> bool:
    """Whether the rule takes any source address (no source match, or a /0 network)."""
    if rule.sources is None:
        return True
    return any(net.prefixlen == 0 for net in rule.sources)


def admits_new(rule: FirewallRule) -> bool:
    """Whether the rule can match a new connection: no state match, or NEW/UNTRACKED/INVALID."""
    return rule.states is None or bool(rule.states & {"NEW", "UNTRACKED", "INVALID"})


def _parse_port_list(value: str, ref: str) -> PortRanges:
    ranges = []
    for part in value.split(","):
        low_text, colon, high_text = part.partition(":")
        try:
            # iptables ranges may be open: "1024:" is 1024-65535 and ":1023" is 0-1023.
            low = int(low_text) if low_text else 0
            high = int(high_text) if high_text else (65535 if colon else low)
        except ValueError as exc:
            msg = f"{ref}: `{value}` is not a port, range (a:b) or list (a,b,c)."
            raise ToolInputError(msg) from exc
        if not 0 <= low <= high <= 65535:
            msg = f"{ref}: port range `{part}` is outside 0-65535 or reversed."
            raise ToolInputError(msg)
        ranges.append((low, high))
    return tuple(ranges)


def _parse_nets(value: str, ref: str) -> tuple[IPNetwork, ...]:
    nets = []
    for part in value.split(","):
        try:
            nets.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError as exc:
            msg = f"{ref}: `{part}` is not an IP address or CIDR."
            raise ToolInputError(msg) from exc
    return tuple(nets)


def _option_values(tokens: list[str], start: int) -> tuple[list[str], int]:
    """Values following an option: tokens up to the next one that starts with ``-``."""
    values: list[str] = []
    index = start
    while index < len(tokens) and not (
        tokens[index].startswith("-") and not tokens[index][1:].isdigit()
    ):
        if tokens[index] == "!":
            break
        values.append(tokens[index])
        index += 1
    return values, index


def _parse_iptables_rule(table: str, line: str, line_no: int) -> FirewallRule:
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        msg = f"iptables-save line {line_no}: cannot split `{line}` ({exc})."
        raise ToolInputError(msg) from exc
    chain = tokens[1] if len(tokens) > 1 else ""
    ref = f"{table} {chain} line {line_no}"
    values: dict[str, Any] = {"target": ""}
    extras: set[str] = set()
    index = 2
    negate = False
    in_target = False
    while index < len(tokens):
        token = tokens[index]
        if token == "!":
            negate = True
            index += 1
            continue
        args, after = _option_values(tokens, index + 1)
        if negate:
            # A negated match is kept verbatim: the audit compares it, it does not model it.
            extras.add(f"! {token} {' '.join(args)}".strip())
        elif in_target:
            pass  # options of the target (--reject-with, --to-destination ...), not matches
        elif token in {"-p", "--protocol"} and args:
            proto = args[0].lower()
            values["protocol"] = _PROTOCOL_NUMBERS.get(proto, proto)
        elif token in {"-s", "--source", "--src"} and args:
            values["sources"] = _parse_nets(args[0], ref)
        elif token in {"-d", "--destination", "--dst"} and args:
            values["destinations"] = _parse_nets(args[0], ref)
        elif token in {"-i", "--in-interface"} and args:
            values["in_iface"] = args[0]
        elif token in {"-o", "--out-interface"} and args:
            values["out_iface"] = args[0]
        elif token in {"--dport", "--destination-port", "--dports", "--destination-ports"}:
            values["dports"] = _parse_port_list(args[0] if args else "", ref)
        elif token in {"--sport", "--source-port", "--sports", "--source-ports"}:
            values["sports"] = _parse_port_list(args[0] if args else "", ref)
        elif token in {"--ctstate", "--state"} and args:
            values["states"] = frozenset(s.upper() for s in args[0].split(","))
        elif token in {"-j", "--jump"} and args:
            values["target"] = args[0]
            in_target = True
        elif token in {"-g", "--goto"} and args:
            values["target"] = f"goto:{args[0]}"
            in_target = True
        elif token in {"-m", "--match", "--comment"}:
            pass  # loading a match module or a comment adds no condition of its own
        else:
            extras.add(f"{token} {' '.join(args)}".strip())
        negate = False
        index = after
    return FirewallRule(
        ref=ref,
        chain=chain,
        text=line.strip(),
        table=table,
        extras=frozenset(extras),
        **values,
    )


@dataclass(frozen=True)
class Ruleset:
    """The rules of one input, its chain policies (iptables only) and how it was read."""

    format: Literal["aws_security_groups", "iptables_save"]
    rules: list[FirewallRule]
    policies: dict[tuple[str, str], str]
    notes: list[str]


def _parse_iptables_save(text: str) -> Ruleset:
    table = ""
    rules: list[FirewallRule] = []
    policies: dict[tuple[str, str], str] = {}
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and "]" in line:
            line = line.split("]", 1)[1].strip()  # packet:byte counters from iptables-save -c
        if not line or line.startswith("#") or line == "COMMIT":
            continue
        if line.startswith("*"):
            table = line[1:].strip()
        elif line.startswith(":"):
            parts = line[1:].split()
            if len(parts) >= 2:
                policies[(table, parts[0])] = parts[1]
        elif line.startswith("-A "):
            if not table:
                msg = f"iptables-save line {line_no}: rule before any `*table` line."
                raise ToolInputError(msg)
            rules.append(_parse_iptables_rule(table, line, line_no))
        else:
            msg = (
                f"iptables-save line {line_no}: `{line}` is not a table (*filter), chain "
                "(:INPUT DROP [0:0]), rule (-A ...) or COMMIT line."
            )
            raise ToolInputError(msg)
    if not rules and not policies:
        msg = (
            "the iptables-save text has no chains and no rules, so nothing was audited; pass "
            "the full output (`*filter`, `:INPUT DROP [0:0]`, `-A INPUT ...`, `COMMIT`)."
        )
        raise ToolInputError(msg)
    return Ruleset(format="iptables_save", rules=rules, policies=policies, notes=[])


def _security_groups(document: Any) -> list[dict[str, Any]]:
    groups: list[Any]
    if isinstance(document, dict) and isinstance(document.get("SecurityGroups"), list):
        groups = document["SecurityGroups"]
    elif isinstance(document, dict) and "IpPermissions" in document:
        groups = [document]
    elif isinstance(document, list):
        groups = document
    else:
        msg = (
            "JSON input must be `aws ec2 describe-security-groups` output "
            '({"SecurityGroups": [...]}), one security group, or a list of them.'
        )
        raise ToolInputError(msg)
    if not groups:
        # An empty input audits nothing; "0 rules, no findings" would read as a clean bill.
        msg = (
            "no security groups in the input, so nothing was audited; pass the groups to "
            'check (`aws ec2 describe-security-groups` output, {"SecurityGroups": [...]}).'
        )
        raise ToolInputError(msg)
    for number, group in enumerate(groups, start=1):
        if not isinstance(group, dict) or "IpPermissions" not in group:
            keys = (
                ", ".join(f"`{str(key)[:40]}`" for key in list(group)[:5])
                if isinstance(group, dict)
                else ""
            )
            seen = f" (it has {keys})" if keys else ""
            msg = (
                f"security group #{number} is not a security group: each needs an "
                f"`IpPermissions` list, as `aws ec2 describe-security-groups` returns{seen}."
            )
            raise ToolInputError(msg)
    return [dict(group) for group in groups]


def _parse_security_groups(document: Any) -> Ruleset:
    rules: list[FirewallRule] = []
    groups = _security_groups(document)
    egress = 0
    for group in groups:
        group_id = str(group.get("GroupId", "sg-?"))
        label = f"{group_id} ({group['GroupName']})" if group.get("GroupName") else group_id
        permissions = group.get("IpPermissions", [])
        egress += len(group.get("IpPermissionsEgress", []) or [])
        if not isinstance(permissions, list):
            msg = f"{label}: `IpPermissions` must be a list."
            raise ToolInputError(msg)
        for number, permission in enumerate(permissions, start=1):
            rules.extend(_permission_rules(label, group_id, number, permission))
    notes = [
        "Security groups are allow-lists evaluated as a union: rule order does not matter, so "
        "overlaps are reported as redundant rather than shadowed."
    ]
    if egress:
        notes.append(f"{egress} egress permissions were not audited (exposure is about ingress).")
    return Ruleset(format="aws_security_groups", rules=rules, policies={}, notes=notes)


def _permission_rules(label: str, group_id: str, number: int, perm: Any) -> list[FirewallRule]:
    ref = f"{label} ingress #{number}"
    if not isinstance(perm, dict) or "IpProtocol" not in perm:
        msg = f"{ref}: each permission needs `IpProtocol` (and ports for tcp/udp)."
        raise ToolInputError(msg)
    raw_protocol = str(perm["IpProtocol"]).lower()
    protocol = _PROTOCOL_NUMBERS.get(raw_protocol, raw_protocol)
    ports: PortRanges | None = None
    if protocol in PORTED_PROTOCOLS:
        try:
            low, high = int(perm["FromPort"]), int(perm["ToPort"])
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"{ref}: `{protocol}` needs integer `FromPort` and `ToPort`."
            raise ToolInputError(msg) from exc
        if not 0 <= low <= high <= 65535:
            msg = f"{ref}: port range {low}-{high} is outside 0-65535 or reversed."
            raise ToolInputError(msg)
        ports = None if (low, high) == (0, 65535) else ((low, high),)
    extras: frozenset[str] = frozenset()
    icmp_type = perm.get("FromPort", -1)
    if protocol in {"icmp", "icmpv6"} and icmp_type not in (-1, None):
        # For ICMP, FromPort/ToPort carry type and code (-1: any); keep them as a condition.
        extras = frozenset({f"icmp-type {icmp_type}/{perm.get('ToPort', -1)}"})
    cidrs = [(r.get("CidrIp"), "IpRanges") for r in perm.get("IpRanges", []) or []]
    cidrs += [(r.get("CidrIpv6"), "Ipv6Ranges") for r in perm.get("Ipv6Ranges", []) or []]
    rules = []
    port_text = "all ports" if ports is None else _ports_text(ports)
    for cidr, where in cidrs:
        if not isinstance(cidr, str):
            msg = f"{ref}: an entry of `{where}` has no CIDR string."
            raise ToolInputError(msg)
        rules.append(
            FirewallRule(
                ref=ref,
                chain=group_id,
                text=f"{label} ingress {protocol} {port_text} from {cidr}",
                target="ACCEPT",
                protocol=protocol,
                dports=ports,
                sources=_parse_nets(cidr, ref),
                extras=extras,
            )
        )
    return rules


def _ports_text(ports: PortRanges) -> str:
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)


def load_ruleset(rules: str | dict[str, Any] | list[Any]) -> Ruleset:
    """Parse security-group JSON (string, dict or list) or iptables-save text.

    Raises:
        ToolInputError: for malformed JSON or text that is neither format.
    """
    if isinstance(rules, dict | list):
        return _parse_security_groups(rules)
    text = rules.strip()
    if not text:
        msg = "`rules` is empty; pass security-group JSON or iptables-save output."
        raise ToolInputError(msg)
    if text[0] in "{[":
        try:
            document = parse_json_document(text, "rules")
        except json.JSONDecodeError as exc:
            msg = f"`rules` is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}."
            raise ToolInputError(msg) from exc
        return _parse_security_groups(document)
    if any(line.lstrip().startswith(("*", ":", "-A ")) for line in text.splitlines()):
        return _parse_iptables_save(text)
    msg = (
        "`rules` is neither AWS security-group JSON (`aws ec2 describe-security-groups`) nor "
        "`iptables-save` output (lines like `*filter`, `:INPUT DROP [0:0]`, `-A INPUT ...`)."
    )
    raise ToolInputError(msg)
