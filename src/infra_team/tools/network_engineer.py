"""The network engineer's analysers: address plans, firewall rules, DNS zones, load balancers.

Each tool is a thin wrapper over a pure function, so every verdict can be checked on its own
and the model always gets the same answer for the same input.
"""

from __future__ import annotations

import ipaddress
import json
import shlex
import statistics
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, ok

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

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_FROZEN = ConfigDict(frozen=True, extra="forbid")
_ARGS = ConfigDict(extra="forbid", allow_inf_nan=False)


def _count_by_severity(severities: list[Severity]) -> dict[str, int]:
    return {level: severities.count(level) for level in SEVERITY_ORDER}


# --- cidr_plan -----------------------------------------------------------------------------

AWS_RESERVED_PER_SUBNET = 5


class SubnetAllocation(BaseModel):
    """One allocated subnet."""

    model_config = _FROZEN

    request_index: int
    """Position of the prefix in the request (0-based)."""
    prefix: int
    """Requested prefix length."""
    cidr: str
    """Allocated block."""
    first_address: str
    """First address of the block (the network address)."""
    last_address: str
    """Last address of the block."""
    addresses: int
    """Addresses in the block."""
    usable_hosts: int
    """Hosts by the classic rule: IPv4 minus network and broadcast (RFC 3021 for /31);
    IPv6 has no broadcast, so every address."""
    usable_hosts_aws: int
    """Hosts in AWS, which reserves the first four and the last address of every subnet."""


class CidrPlan(BaseModel):
    """A subnet plan for one VPC block."""

    model_config = _FROZEN

    vpc_cidr: str
    """The block planned."""
    version: Literal[4, 6]
    """IP version."""
    total_addresses: int
    """Addresses in the VPC block."""
    allocated_addresses: int
    """Addresses given to subnets."""
    free_addresses: int
    """Addresses left."""
    utilization_percent: float
    """Allocated share of the VPC block, in percent."""
    subnets: list[SubnetAllocation]
    """Allocations in request order."""
    free_blocks: list[str]
    """Remaining space as the fewest aligned CIDR blocks."""
    aws_notes: list[str]
    """Where the plan breaks an AWS VPC size rule."""


def _network(text: str, name: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text.strip())
    except ValueError as exc:
        try:
            fixed = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            msg = f"`{name}` `{text}` is not an IPv4 or IPv6 CIDR such as 10.0.0.0/16 ({exc})."
            raise ToolInputError(msg) from exc
        msg = f"`{name}` `{text}` has host bits set; did you mean `{fixed}`?"
        raise ToolInputError(msg) from exc


def _usable_classic(network: IPNetwork) -> int:
    if network.version == 6:
        return network.num_addresses
    if network.prefixlen >= 31:
        return network.num_addresses
    return network.num_addresses - 2


def plan_cidr(vpc_cidr: str, subnet_prefixes: list[int]) -> CidrPlan:
    """Pack subnets of the requested prefix lengths into a VPC block without overlap.

    Uses the standard library ``ipaddress`` module. Blocks are allocated largest first (the
    shortest prefix first), each at the next address aligned to its size: with power-of-two
    blocks taken in decreasing size this leaves no gaps, so a request fits exactly when the
    sizes add up to no more than the VPC. Results are reported in request order. Usable hosts
    follow two conventions: the classic one (network and broadcast addresses excluded for
    IPv4, RFC 3021 for /31) and AWS's, which reserves 5 addresses per subnet (network, VPC
    router, DNS, future use, broadcast; Amazon VPC User Guide, "Subnet CIDR blocks").

    Raises:
        ToolInputError: for a malformed CIDR, an impossible prefix, or a plan that does not fit.
    """
    vpc = _network(vpc_cidr, "vpc_cidr")
    if not subnet_prefixes:
        msg = "`subnet_prefixes` is empty; pass prefix lengths such as [24, 24, 22]."
        raise ToolInputError(msg)
    for prefix in subnet_prefixes:
        if prefix < vpc.prefixlen:
            msg = (
                f"subnet prefix /{prefix} is larger than the VPC {vpc} (/{vpc.prefixlen}); "
                f"use prefixes from /{vpc.prefixlen} to /{vpc.max_prefixlen}."
            )
            raise ToolInputError(msg)
        if prefix > vpc.max_prefixlen:
            msg = (
                f"subnet prefix /{prefix} is longer than /{vpc.max_prefixlen} for IPv{vpc.version}."
            )
            raise ToolInputError(msg)
    sizes = [2 ** (vpc.max_prefixlen - prefix) for prefix in subnet_prefixes]
    needed = sum(sizes)
    if needed > vpc.num_addresses:
        msg = (
            f"the subnets need {needed} addresses but {vpc} has {vpc.num_addresses}; "
            "remove subnets, use longer prefixes, or plan a larger VPC block."
        )
        raise ToolInputError(msg)

    start = int(vpc.network_address)
    cursor = start
    allocated: dict[int, SubnetAllocation] = {}
    order = sorted(range(len(subnet_prefixes)), key=lambda i: subnet_prefixes[i])
    for index in order:
        size = sizes[index]
        cursor = -(-cursor // size) * size  # align up to the block size
        block = ipaddress.ip_network((cursor, subnet_prefixes[index]))
        allocated[index] = SubnetAllocation(
            request_index=index,
            prefix=subnet_prefixes[index],
            cidr=str(block),
            first_address=str(block.network_address),
            last_address=str(block.broadcast_address),
            addresses=block.num_addresses,
            usable_hosts=_usable_classic(block),
            usable_hosts_aws=max(0, block.num_addresses - AWS_RESERVED_PER_SUBNET),
        )
        cursor += size
    end = int(vpc.broadcast_address)
    free_blocks: list[str] = []
    if cursor <= end:
        first = ipaddress.ip_address(cursor)
        last = ipaddress.ip_address(end)
        free_blocks = [str(net) for net in ipaddress.summarize_address_range(first, last)]
    return CidrPlan(
        vpc_cidr=str(vpc),
        version=vpc.version,
        total_addresses=vpc.num_addresses,
        allocated_addresses=needed,
        free_addresses=vpc.num_addresses - needed,
        utilization_percent=round(needed / vpc.num_addresses * 100, 2),
        subnets=[allocated[i] for i in range(len(subnet_prefixes))],
        free_blocks=free_blocks,
        aws_notes=_aws_notes(vpc, subnet_prefixes),
    )


def _aws_notes(vpc: IPNetwork, prefixes: list[int]) -> list[str]:
    notes: list[str] = []
    if vpc.version == 4:
        if not 16 <= vpc.prefixlen <= 28:
            notes.append(f"AWS IPv4 VPC blocks are /16 to /28; {vpc} is /{vpc.prefixlen}.")
        odd = sorted({p for p in prefixes if not 16 <= p <= 28})
        if odd:
            shown = ", ".join(f"/{p}" for p in odd)
            notes.append(f"AWS IPv4 subnets are /16 to /28; not allowed: {shown}.")
    else:
        odd = sorted({p for p in prefixes if not (44 <= p <= 64 and p % 4 == 0)})
        if odd:
            shown = ", ".join(f"/{p}" for p in odd)
            notes.append(f"AWS IPv6 subnets are /44 to /64 in steps of 4; not allowed: {shown}.")
    return notes


class CidrPlanArgs(BaseModel):
    """Arguments of ``cidr_plan``."""

    model_config = _ARGS

    vpc_cidr: str = Field(description="VPC block, e.g. 10.0.0.0/16 or 2600:1f18:abc:de00::/56.")
    subnet_prefixes: list[int] = Field(
        description='Prefix length of each subnet wanted, e.g. [24, 24, 22] ("/24" also works).'
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


# --- firewall_audit: rule model ------------------------------------------------------------

PortRanges = tuple[tuple[int, int], ...]

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
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "0": "all", "-1": "all"}
_PORTED = frozenset({"tcp", "udp", "sctp", "udplite"})
_WIDE_RANGE = 1024


@dataclass(frozen=True)
class _Rule:
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


def _covers(a: _Rule, b: _Rule) -> bool:
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


def _from_anywhere(rule: _Rule) -> bool:
    if rule.sources is None:
        return True
    return any(net.prefixlen == 0 for net in rule.sources)


def _admits_new(rule: _Rule) -> bool:
    return rule.states is None or bool(rule.states & {"NEW", "UNTRACKED", "INVALID"})


# --- firewall_audit: parsers ---------------------------------------------------------------


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


def _parse_iptables_rule(table: str, line: str, line_no: int) -> _Rule:
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
    return _Rule(
        ref=ref,
        chain=chain,
        text=line.strip(),
        table=table,
        extras=frozenset(extras),
        **values,
    )


@dataclass(frozen=True)
class _Ruleset:
    format: Literal["aws_security_groups", "iptables_save"]
    rules: list[_Rule]
    policies: dict[tuple[str, str], str]
    notes: list[str]


def _parse_iptables_save(text: str) -> _Ruleset:
    table = ""
    rules: list[_Rule] = []
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
    return _Ruleset(format="iptables_save", rules=rules, policies=policies, notes=[])


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
    if not all(isinstance(group, dict) for group in groups):
        msg = "every security group must be a JSON object with `IpPermissions`."
        raise ToolInputError(msg)
    return [dict(group) for group in groups]


def _parse_security_groups(document: Any) -> _Ruleset:
    rules: list[_Rule] = []
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
    return _Ruleset(format="aws_security_groups", rules=rules, policies={}, notes=notes)


def _permission_rules(label: str, group_id: str, number: int, perm: Any) -> list[_Rule]:
    ref = f"{label} ingress #{number}"
    if not isinstance(perm, dict) or "IpProtocol" not in perm:
        msg = f"{ref}: each permission needs `IpProtocol` (and ports for tcp/udp)."
        raise ToolInputError(msg)
    raw_protocol = str(perm["IpProtocol"]).lower()
    protocol = _PROTOCOL_NUMBERS.get(raw_protocol, raw_protocol)
    ports: PortRanges | None = None
    if protocol in _PORTED:
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
            _Rule(
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


def load_ruleset(rules: str | dict[str, Any] | list[Any]) -> _Ruleset:
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
            document = json.loads(text)
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


# --- firewall_audit: findings --------------------------------------------------------------

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


def _exposes(rule: _Rule, fmt: str) -> bool:
    """Accepts new connections from anywhere (loopback and outbound chains excluded)."""
    if rule.target != "ACCEPT" or not _from_anywhere(rule) or not _admits_new(rule):
        return False
    if fmt == "iptables_save":
        return rule.table == "filter" and rule.chain != "OUTPUT" and rule.in_iface != "lo"
    return True


def _exposure_findings(rule: _Rule, fmt: str) -> list[FirewallFinding]:
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
    if rule.protocol in _PORTED or rule.protocol == "all":
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


def _overlap_findings(ruleset: _Ruleset) -> list[FirewallFinding]:
    findings: list[FirewallFinding] = []
    by_chain: dict[tuple[str, str], list[_Rule]] = {}
    for rule in ruleset.rules:
        by_chain.setdefault((rule.table, rule.chain), []).append(rule)
    for chain_rules in by_chain.values():
        if ruleset.format == "iptables_save":
            findings += _shadowed(chain_rules)
        else:
            findings += _redundant(chain_rules)
    return findings


def _shadowed(chain_rules: list[_Rule]) -> list[FirewallFinding]:
    """Rules never reached: an earlier terminating rule of the chain takes all their packets."""
    findings = []
    for position, later in enumerate(chain_rules):
        for earlier in chain_rules[:position]:
            decisive = earlier.target in _TERMINAL_TARGETS or earlier.target.startswith("goto:")
            if decisive and _covers(earlier, later):
                findings.append(_shadow_finding(earlier, later))
                break
    return findings


def _redundant(group_rules: list[_Rule]) -> list[FirewallFinding]:
    """Permissions covered by another of the same group (order-free; of twins, the later)."""
    findings = []
    for position, rule in enumerate(group_rules):
        for other_position, other in enumerate(group_rules):
            if other_position == position or not _covers(other, rule):
                continue
            if _covers(rule, other) and other_position > position:
                continue  # identical pair: report only the later one
            findings.append(_redundant_finding(other, rule))
            break
    return findings


def _shadow_finding(earlier: _Rule, later: _Rule) -> FirewallFinding:
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


def _redundant_finding(earlier: _Rule, later: _Rule) -> FirewallFinding:
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


def _policy_findings(ruleset: _Ruleset) -> list[FirewallFinding]:
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


def _is_catch_all_deny(rule: _Rule) -> bool:
    blank = _Rule(ref="", chain=rule.chain, text="", target="")
    return rule.target in {"DROP", "REJECT"} and _covers(rule, blank)


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
        counts=_count_by_severity([f.severity for f in findings]),
        notes=notes,
    )


class FirewallAuditArgs(BaseModel):
    """Arguments of ``firewall_audit``."""

    model_config = _ARGS

    rules: str | dict[str, Any] | list[Any] = Field(
        description="`aws ec2 describe-security-groups` JSON (string or object) or "
        "`iptables-save` output text."
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

TTL_MIN_SECONDS = 60
TTL_MAX_SECONDS = 86400
TTL_OUTLIER_FACTOR = 20
_CNAME_COMPANIONS = frozenset({"RRSIG", "NSEC", "KEY"})


class DnsRecord(BaseModel):
    """One resource record."""

    model_config = _ARGS

    name: str = Field(description="Owner name, absolute or relative to `zone`; `@` is the apex.")
    type: str = Field(description="Record type: A, AAAA, CNAME, MX, NS, TXT, SOA ...")
    value: str = Field(description="Record data; for MX `10 mail.example.com.`.")
    ttl: int | None = Field(default=None, ge=0, le=2**31 - 1, description="TTL in seconds.")

    @field_validator("type")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


DnsFindingKind = Literal[
    "cname_at_apex",
    "cname_with_other_data",
    "multiple_cnames",
    "dangling_cname",
    "cname_loop",
    "cname_chain",
    "target_is_cname",
    "invalid_address",
    "duplicate_record",
    "ttl_out_of_range",
    "ttl_outlier",
    "rrset_ttl_mismatch",
]


class DnsFinding(BaseModel):
    """One problem in the zone data."""

    model_config = _FROZEN

    kind: DnsFindingKind
    """What is wrong."""
    severity: Severity
    """critical, high, medium, low or info."""
    name: str
    """Owner name (absolute, lower case, no trailing dot)."""
    type: str
    """Record type concerned."""
    detail: str
    """Why it is a finding."""
    reference: str
    """RFC section the check follows."""


class DnsCheck(BaseModel):
    """Findings of a DNS record check."""

    model_config = _FROZEN

    zone: str | None
    """Apex used (given, from the SOA/NS owner, or the common suffix); None when unknown."""
    records_checked: int
    """Number of records."""
    findings: list[DnsFinding]
    """Most severe first."""
    counts: dict[str, int]
    """Findings per severity."""
    external_targets: list[str]
    """CNAME targets outside the zone: not checkable here, verify they resolve."""
    ttl_median: float | None
    """Median TTL of the records that carry one."""
    notes: list[str]
    """How names and rules were applied."""


def _absolute(name: str, zone: str | None) -> str:
    cleaned = name.strip().lower()
    if cleaned == "@":
        if zone is None:
            msg = "a record uses `@` but no `zone` was given; pass `zone` (e.g. example.com)."
            raise ToolInputError(msg)
        return zone
    if cleaned.endswith("."):
        return cleaned.rstrip(".")
    if zone is None or cleaned == zone or cleaned.endswith(f".{zone}"):
        return cleaned
    return f"{cleaned}.{zone}"


def _target(value: str, zone: str | None) -> str:
    cleaned = value.strip().lower()
    if cleaned == "@" and zone is not None:
        return zone
    if cleaned.endswith("."):
        return cleaned.rstrip(".")
    if zone is not None and "." not in cleaned:
        return f"{cleaned}.{zone}"
    return cleaned


def _in_zone(name: str, zone: str | None) -> bool:
    return zone is not None and (name == zone or name.endswith(f".{zone}"))


def _infer_zone(records: list[DnsRecord]) -> str | None:
    for kind in ("SOA", "NS"):
        owners = sorted({_absolute(r.name, None) for r in records if r.type == kind}, key=len)
        if owners:
            return owners[0]
    names = {_absolute(r.name, None) for r in records}
    if len(names) < 2:
        return None
    split = [name.split(".")[::-1] for name in names]
    common: list[str] = []
    for labels in zip(*split, strict=False):
        if len(set(labels)) != 1:
            break
        common.append(labels[0])
    return ".".join(reversed(common)) if len(common) >= 2 else None


def _exists(name: str, owners: set[str], zone: str | None) -> bool:
    """Whether a name has data in the zone, directly or through a wildcard (RFC 4592)."""
    if name in owners:
        return True
    labels = name.split(".")
    for cut in range(1, len(labels)):
        parent = ".".join(labels[cut:])
        if f"*.{parent}" in owners:
            return True
        if parent == zone:
            break
    return False


def check_dns(records: list[DnsRecord], *, zone: str | None = None) -> DnsCheck:
    """Check zone data for CNAME misuse, dangling aliases and TTL outliers.

    Names ending in a dot, or in the zone, are absolute; others (and ``@``) are relative to
    the zone. CNAME targets without a dot are relative; other targets are taken as absolute.
    Checks and their references:

    - CNAME at the apex, or beside any other data at the same name (RRSIG, NSEC and KEY
      excepted): RFC 1912 section 2.4, RFC 2181 section 10.1; more than one CNAME at a name:
      RFC 2181 section 10.1;
    - dangling CNAME: the target is inside the zone (the zone or below it) and no record of
      the data exists there, directly or by wildcard (RFC 4592); a loop is reported as such and
      a chain of aliases as a note (RFC 1034 section 3.6.2 discourages chains). Targets
      outside the zone are listed in ``external_targets`` since they cannot be checked here;
    - MX and NS pointing at an alias: RFC 2181 section 10.3; A/AAAA data that is not an
      address; duplicate records in an RRset (RFC 2181 section 5);
    - TTLs: outside 60 s to 86,400 s (a day, the typical value of RFC 1912 section 2.2) or
      more than 20x away from the zone's median TTL; records of one RRset with different
      TTLs (RFC 2181 section 5.2).

    Raises:
        ToolInputError: when ``@`` is used without a zone.
    """
    apex = _absolute(zone, None) if zone else _infer_zone(records)
    normal = [(r, _absolute(r.name, apex)) for r in records]
    by_name: dict[str, list[DnsRecord]] = {}
    for record, name in normal:
        by_name.setdefault(name, []).append(record)
    owners = set(by_name)
    cnames = {
        name: _target(next(r.value for r in recs if r.type == "CNAME"), apex)
        for name, recs in by_name.items()
        if any(r.type == "CNAME" for r in recs)
    }
    findings: list[DnsFinding] = []
    findings += _cname_placement(by_name, apex)
    external: set[str] = set()
    for name, target in cnames.items():
        findings += _follow_cname(name, target, cnames, owners, apex, external)
    findings += _record_data(normal, cnames, apex)
    ttl_findings, median = _ttl_findings(normal)
    findings += ttl_findings
    findings.sort(key=lambda f: SEVERITY_ORDER.index(f.severity))
    notes = [
        f"TTL rule: outside {TTL_MIN_SECONDS}-{TTL_MAX_SECONDS} s or more than "
        f"{TTL_OUTLIER_FACTOR}x from the median."
    ]
    if apex is None:
        notes.append(
            "Zone apex unknown (no SOA/NS, no common suffix): pass `zone` to check "
            "the apex and dangling aliases."
        )
    return DnsCheck(
        zone=apex,
        records_checked=len(records),
        findings=findings,
        counts=_count_by_severity([f.severity for f in findings]),
        external_targets=sorted(external),
        ttl_median=median,
        notes=notes,
    )


def _cname_placement(by_name: dict[str, list[DnsRecord]], apex: str | None) -> list[DnsFinding]:
    findings = []
    for name, recs in by_name.items():
        cname_count = sum(1 for r in recs if r.type == "CNAME")
        if not cname_count:
            continue
        if name == apex:
            findings.append(
                DnsFinding(
                    kind="cname_at_apex",
                    severity="high",
                    name=name,
                    type="CNAME",
                    detail="a CNAME at the zone apex conflicts with the SOA and NS records the "
                    "apex must hold; use A/AAAA, or the provider's ALIAS/ANAME/flattening",
                    reference="RFC 1912 section 2.4; RFC 2181 section 10.1",
                )
            )
        others = sorted({r.type for r in recs if r.type not in _CNAME_COMPANIONS | {"CNAME"}})
        if others:
            findings.append(
                DnsFinding(
                    kind="cname_with_other_data",
                    severity="high",
                    name=name,
                    type="CNAME",
                    detail=f"CNAME beside {', '.join(others)} at the same name; resolvers "
                    "return the alias and ignore the other data",
                    reference="RFC 1912 section 2.4; RFC 2181 section 10.1",
                )
            )
        if cname_count > 1:
            findings.append(
                DnsFinding(
                    kind="multiple_cnames",
                    severity="high",
                    name=name,
                    type="CNAME",
                    detail=f"{cname_count} CNAME records at one name; only one is allowed",
                    reference="RFC 2181 section 10.1",
                )
            )
    return findings


def _follow_cname(
    name: str,
    target: str,
    cnames: dict[str, str],
    owners: set[str],
    apex: str | None,
    external: set[str],
) -> list[DnsFinding]:
    path = [name]
    current = target
    while current in cnames:
        if current in path:
            loop = " -> ".join([*path, current])
            return [
                DnsFinding(
                    kind="cname_loop",
                    severity="high",
                    name=name,
                    type="CNAME",
                    detail=f"alias loop: {loop}",
                    reference="RFC 1034 section 3.6.2",
                )
            ]
        path.append(current)
        current = cnames[current]
    findings: list[DnsFinding] = []
    if len(path) > 1:
        findings.append(
            DnsFinding(
                kind="cname_chain",
                severity="info",
                name=name,
                type="CNAME",
                detail=f"chain of {len(path)} aliases: {' -> '.join([*path, current])}",
                reference="RFC 1034 section 3.6.2; RFC 1912 section 2.4",
            )
        )
    if not _in_zone(current, apex):
        external.add(current)
    elif not _exists(current, owners, apex):
        findings.append(
            DnsFinding(
                kind="dangling_cname",
                severity="high",
                name=name,
                type="CNAME",
                detail=f"points to {current}, which is inside {apex} but has no records "
                "(NXDOMAIN/NODATA for clients; a takeover risk if the name is claimed later)",
                reference="RFC 1034 section 3.6.2",
            )
        )
    return findings


def _record_data(
    normal: list[tuple[DnsRecord, str]], cnames: dict[str, str], apex: str | None
) -> list[DnsFinding]:
    findings = []
    seen: set[tuple[str, str, str]] = set()
    for record, name in normal:
        key = (name, record.type, record.value.strip().lower())
        if key in seen:
            findings.append(
                DnsFinding(
                    kind="duplicate_record",
                    severity="low",
                    name=name,
                    type=record.type,
                    detail=f"duplicate {record.type} {record.value}",
                    reference="RFC 2181 section 5",
                )
            )
        seen.add(key)
        if record.type in {"A", "AAAA"}:
            kind = ipaddress.IPv4Address if record.type == "A" else ipaddress.IPv6Address
            try:
                kind(record.value.strip())
            except ValueError:
                findings.append(
                    DnsFinding(
                        kind="invalid_address",
                        severity="high",
                        name=name,
                        type=record.type,
                        detail=f"`{record.value}` is not an IPv{4 if record.type == 'A' else 6} "
                        "address",
                        reference="RFC 1035 section 3.4.1; RFC 3596 section 2.2",
                    )
                )
        if record.type in {"MX", "NS"}:
            host = record.value.split()[-1] if record.value.split() else ""
            target = _target(host, apex)
            if target in cnames:
                findings.append(
                    DnsFinding(
                        kind="target_is_cname",
                        severity="medium",
                        name=name,
                        type=record.type,
                        detail=f"{record.type} points to {target}, which is an alias; it must "
                        "name a host with A/AAAA records",
                        reference="RFC 2181 section 10.3",
                    )
                )
    return findings


def _ttl_findings(normal: list[tuple[DnsRecord, str]]) -> tuple[list[DnsFinding], float | None]:
    ttls = [r.ttl for r, _ in normal if r.ttl is not None]
    median = float(statistics.median(ttls)) if ttls else None
    findings = []
    for record, name in normal:
        if record.ttl is None:
            continue
        reasons = []
        if record.ttl < TTL_MIN_SECONDS:
            reasons.append(f"below {TTL_MIN_SECONDS} s (resolver load, clamped by many caches)")
        elif record.ttl > TTL_MAX_SECONDS:
            reasons.append(f"above {TTL_MAX_SECONDS} s (changes take over a day to propagate)")
        if (
            median
            and len(ttls) >= 3
            and (
                record.ttl > median * TTL_OUTLIER_FACTOR or record.ttl * TTL_OUTLIER_FACTOR < median
            )
        ):
            reasons.append(f"more than {TTL_OUTLIER_FACTOR}x from the median {median:g} s")
        if reasons:
            out_of_range = not TTL_MIN_SECONDS <= record.ttl <= TTL_MAX_SECONDS
            findings.append(
                DnsFinding(
                    kind="ttl_out_of_range" if out_of_range else "ttl_outlier",
                    severity="low",
                    name=name,
                    type=record.type,
                    detail=f"TTL {record.ttl} s: {'; '.join(reasons)}",
                    reference="RFC 1912 section 2.2; RFC 2181 section 8",
                )
            )
    rrsets: dict[tuple[str, str], set[int]] = {}
    for record, name in normal:
        if record.ttl is not None:
            rrsets.setdefault((name, record.type), set()).add(record.ttl)
    for (name, kind), values in rrsets.items():
        if len(values) > 1:
            findings.append(
                DnsFinding(
                    kind="rrset_ttl_mismatch",
                    severity="low",
                    name=name,
                    type=kind,
                    detail=f"records of one RRset carry different TTLs: {sorted(values)}",
                    reference="RFC 2181 section 5.2",
                )
            )
    return findings, median


class DnsCheckArgs(BaseModel):
    """Arguments of ``dns_check``."""

    model_config = _ARGS

    records: list[DnsRecord] = Field(description="Records: name, type, value, ttl (seconds).")
    zone: str | None = Field(
        default=None,
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

Verdict = Literal["ok", "degraded", "critical"]
IMBALANCE_RATIO = 2.0
IMBALANCE_MIN_CONNECTIONS = 10


class Backend(BaseModel):
    """One member of a load-balancer pool."""

    model_config = _ARGS

    name: str = Field(description="Backend name or address.")
    healthy: bool = Field(description="Whether the health check passes.")
    capacity: float | None = Field(
        default=None, ge=0, description="Load it can serve (rps, connections ...)."
    )
    weight: float | None = Field(
        default=None, ge=0, description="LB weight; used as capacity when capacity is absent."
    )
    active_connections: int | None = Field(default=None, ge=0, description="Current connections.")

    @property
    def effective_capacity(self) -> float:
        """Capacity, else weight, else 1 (each backend counts the same)."""
        if self.capacity is not None:
            return self.capacity
        return self.weight if self.weight is not None else 1.0


class BackendLoad(BaseModel):
    """Connections per unit of capacity on one healthy backend."""

    model_config = _FROZEN

    name: str
    """Backend."""
    active_connections: int
    """Current connections."""
    capacity: float
    """Effective capacity."""
    connections_per_capacity: float
    """``active_connections / capacity``."""


class LbHealth(BaseModel):
    """Verdict on a load-balancer pool."""

    model_config = _FROZEN

    verdict: Verdict
    """ok, degraded or critical."""
    reasons: list[str]
    """Why, most serious first."""
    total_backends: int
    """Backends in the pool."""
    healthy_backends: int
    """Backends passing health checks."""
    unhealthy: list[str]
    """Names of failing backends."""
    total_capacity: float
    """Capacity of all backends."""
    healthy_capacity: float
    """Capacity of healthy backends."""
    healthy_capacity_percent: float
    """Healthy share of total capacity, in percent."""
    required_capacity: float | None
    """Capacity the service needs, when given."""
    capacity_margin: float | None
    """``healthy_capacity - required_capacity``."""
    survives_next_failure: bool | None
    """Whether losing the largest healthy backend still meets the required capacity (N+1)."""
    quorum_size: int
    """Healthy backends needed for a majority."""
    has_quorum: bool
    """Whether a strict majority is healthy."""
    loads: list[BackendLoad]
    """Per-backend load, when connections were given."""
    imbalance_ratio: float | None
    """Highest / lowest connections per capacity among healthy backends."""


def evaluate_lb_health(
    backends: list[Backend], *, required_capacity: float | None = None
) -> LbHealth:
    """Judge a pool by healthy capacity, majority quorum and balance.

    Critical when no backend is healthy, when healthy capacity is below the required
    capacity, or when at most half of the backends are healthy (no majority quorum: the
    failure is systemic, and clustered backends lose consensus; Google SRE book ch. 23
    "Managing Critical State"). Degraded when any backend is down, when losing the largest
    healthy backend would drop below the required capacity (no N+1; SRE book ch. 22
    "Addressing Cascading Failures": remaining servers overload), when an unhealthy backend
    still holds connections, or when connections per unit of capacity differ by 2x or more
    between healthy backends or a healthy backend gets none while others are busy (SRE book
    ch. 20 "Load Balancing in the Datacenter").
    Capacity is ``capacity``, else ``weight``, else 1 per backend.

    Raises:
        ToolInputError: for an empty pool or duplicate backend names.
    """
    if not backends:
        msg = "`backends` is empty; pass at least one {name, healthy, capacity} entry."
        raise ToolInputError(msg)
    names = [b.name for b in backends]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        msg = f"backend names must be unique; repeated: {', '.join(duplicates)}."
        raise ToolInputError(msg)
    if required_capacity is not None and required_capacity < 0:
        msg = f"`required_capacity` must be zero or more; got {required_capacity}."
        raise ToolInputError(msg)

    healthy = [b for b in backends if b.healthy]
    unhealthy = [b.name for b in backends if not b.healthy]
    total_capacity = sum(b.effective_capacity for b in backends)
    healthy_capacity = sum(b.effective_capacity for b in healthy)
    quorum = len(backends) // 2 + 1
    has_quorum = len(healthy) >= quorum
    critical: list[str] = []
    degraded: list[str] = []
    if not healthy:
        critical.append("no healthy backend")
    if required_capacity is not None and healthy_capacity < required_capacity:
        critical.append(
            f"healthy capacity {healthy_capacity:g} is below the required {required_capacity:g}"
        )
    if healthy and not has_quorum:
        critical.append(f"only {len(healthy)} of {len(backends)} healthy: no majority quorum")
    if unhealthy:
        degraded.append(f"{len(unhealthy)} unhealthy: {', '.join(unhealthy)}")
    survives: bool | None = None
    if required_capacity is not None and healthy:
        largest = max(b.effective_capacity for b in healthy)
        survives = healthy_capacity - largest >= required_capacity
        if not survives and healthy_capacity >= required_capacity:
            degraded.append(
                f"losing the largest healthy backend ({largest:g}) would leave "
                f"{healthy_capacity - largest:g}, below the required {required_capacity:g} "
                "(no N+1)"
            )
    draining = [b.name for b in backends if not b.healthy and (b.active_connections or 0) > 0]
    if draining:
        degraded.append(f"unhealthy backends still hold connections: {', '.join(draining)}")
    loads = [
        BackendLoad(
            name=b.name,
            active_connections=b.active_connections,
            capacity=b.effective_capacity,
            connections_per_capacity=round(b.active_connections / b.effective_capacity, 4),
        )
        for b in healthy
        if b.active_connections is not None and b.effective_capacity > 0
    ]
    ratio, idle = _imbalance(loads)
    if ratio is not None and ratio >= IMBALANCE_RATIO:
        degraded.append(f"connections per capacity differ {ratio:g}x between healthy backends")
    if idle:
        degraded.append(f"healthy backends receive no connections: {', '.join(idle)}")
    verdict: Verdict = "critical" if critical else "degraded" if degraded else "ok"
    return LbHealth(
        verdict=verdict,
        reasons=critical + degraded,
        total_backends=len(backends),
        healthy_backends=len(healthy),
        unhealthy=unhealthy,
        total_capacity=total_capacity,
        healthy_capacity=healthy_capacity,
        healthy_capacity_percent=round(healthy_capacity / total_capacity * 100, 2)
        if total_capacity
        else 0.0,
        required_capacity=required_capacity,
        capacity_margin=None
        if required_capacity is None
        else round(healthy_capacity - required_capacity, 4),
        survives_next_failure=survives,
        quorum_size=quorum,
        has_quorum=has_quorum,
        loads=loads,
        imbalance_ratio=ratio,
    )


def _imbalance(loads: list[BackendLoad]) -> tuple[float | None, list[str]]:
    """Max/min connections per capacity among loaded backends, and the idle ones."""
    if len(loads) < 2 or max(load.active_connections for load in loads) < IMBALANCE_MIN_CONNECTIONS:
        return None, []
    idle = [load.name for load in loads if load.active_connections == 0]
    busy = [load.connections_per_capacity for load in loads if load.active_connections > 0]
    if len(busy) < 2:
        return None, idle
    return round(max(busy) / min(busy), 2), idle


class LbHealthArgs(BaseModel):
    """Arguments of ``lb_health``."""

    model_config = _ARGS

    backends: list[Backend] = Field(description="Pool members: name, healthy, capacity/weight.")
    required_capacity: float | None = Field(
        default=None, description="Capacity the service needs now, same unit as capacity."
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


TOOLS: tuple[BaseTool, ...] = (cidr_plan, firewall_audit, dns_check, lb_health)
