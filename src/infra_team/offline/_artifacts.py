"""Artifacts the engine proposes and then checks with the role's own tools.

The Systems Administrator proposes a hardened sshd_config and audits it; the Automation
Engineer generates a hardening playbook and checks it; the Network Engineer proposes
tiers and firewall rules and audits them. Each artifact is a template rendered from the
request's facts, so the plan (which sends it to a tool) and the report (which shows it)
render the same text.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping

from infra_team.graph._schemas import StageBrief
from infra_team.offline._extract import RequestFacts
from infra_team.offline._routing import assign_specialists
from infra_team.offline._templates import render


def scope_of(facts: RequestFacts) -> str:
    """What the artifacts are for, in a few words (``postgresql hosts``, ``checkout hosts``)."""
    name = facts.service or facts.technology
    return f"{name} hosts" if name else "the new hosts"


def sshd_baseline(facts: RequestFacts) -> str:
    """The hardened sshd_config the Systems Administrator proposes."""
    return render("sshd_config.j2", scope=scope_of(facts))


DEFAULT_CIDR = "10.0.0.0/16"
"""RFC 1918 private space used when the request names no network."""
TIER_PREFIX = 24
DATABASE_PORTS: dict[str, int] = {
    "postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "mongodb": 27017,
    "redis": 6379,
    "cassandra": 9042,
    "elasticsearch": 9200,
}
"""Default listening ports (IANA service name registry and each product's manual)."""


PRODUCT_NAMES: dict[str, str] = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "mongodb": "MongoDB",
    "redis": "Redis",
    "cassandra": "Cassandra",
    "elasticsearch": "Elasticsearch",
    "kafka": "Kafka",
    "rabbitmq": "RabbitMQ",
    "nginx": "NGINX",
    "haproxy": "HAProxy",
    "kubernetes": "Kubernetes",
}


def product_name(facts: RequestFacts, default: str = "the database") -> str:
    """The product as its vendor writes it (``PostgreSQL``), or ``default``."""
    return PRODUCT_NAMES.get(facts.technology or "", default)


def network_cidr(facts: RequestFacts) -> str:
    """The address space to plan: the first CIDR in the request, else ``DEFAULT_CIDR``."""
    return facts.cidrs[0] if facts.cidrs else DEFAULT_CIDR


def tiers(facts: RequestFacts, *, database: bool) -> tuple[str, ...]:
    """Network tiers: those the request names ("public and private subnets"), else public
    (load balancers), app, and data when a database is involved."""
    if facts.subnet_tiers:
        return facts.subnet_tiers
    return (
        ("public", "app", "data")
        if database or facts.technology in DATABASE_PORTS
        else ("public", "app")
    )


def zones(facts: RequestFacts) -> tuple[str, ...]:
    """The availability zones to spread each tier over: those named, else as many as the
    request asks for (lettered ``a``, ``b`` ...), else none (one subnet per tier)."""
    count = facts.zones or 0
    if facts.zone_names and len(facts.zone_names) >= count:
        return facts.zone_names
    return tuple("abcdef"[index] for index in range(min(count, 6))) if count > 1 else ()


def subnet_names(facts: RequestFacts, *, database: bool) -> tuple[str, ...]:
    """One subnet per tier and zone (``public-a``, ``public-b`` ...): a tier spread over
    availability zones needs a subnet in each, because a subnet lives in exactly one zone
    (AWS VPC User Guide, "Subnets for your VPC"). Without zones, one subnet per tier."""
    names = tiers(facts, database=database)
    spread = zones(facts)
    if not spread:
        return names
    return tuple(f"{tier}-{zone}" for tier in names for zone in spread)


def tier_prefix(cidr: str, count: int = 3) -> int:
    """Prefix of each subnet: a /24, or the largest equal size that fits ``count`` subnets
    in a smaller network (a quarter of it for up to four), at most /28, the smallest
    subnet AWS allows."""
    network = ipaddress.ip_network(cidr, strict=False)
    bits = max(2, math.ceil(math.log2(max(count, 1))))
    return min(max(TIER_PREFIX, network.prefixlen + bits), 28)


def tier_subnets(cidr: str, count: int) -> tuple[str, ...]:
    """The first ``count`` subnets of ``tier_prefix`` in ``cidr``, in address order: the
    same first-fit order an allocator uses for equal prefixes."""
    network = ipaddress.ip_network(cidr, strict=False)
    subnets = network.subnets(new_prefix=tier_prefix(cidr, count))
    return tuple(str(next(subnets)) for _ in range(count))


def firewall_rules(facts: RequestFacts, *, database: bool) -> str:
    """Host firewall rules (``iptables-save`` format) for the innermost tier: default deny,
    the service port and SSH only from the tier in front of it."""
    cidr = network_cidr(facts)
    names = subnet_names(facts, database=database)
    subnets = dict(zip(names, tier_subnets(cidr, len(names)), strict=True))
    layers = tiers(facts, database=database)
    inner = next((t for t in ("data", "private", "app") if t in layers), layers[-1])
    front = layers[layers.index(inner) - 1] if layers.index(inner) > 0 else layers[0]
    port = (
        database_port(facts)
        if inner == "data"
        else (database_port(facts) or 443)
        if inner == "private"
        else 443
    )
    sources = [cidr for name, cidr in subnets.items() if name.split("-")[0] == front]
    return render("firewall.rules.j2", tier=inner, sources=sources, port=port)


def database_port(facts: RequestFacts) -> int | None:
    """The database port the data tier opens to the app tier, when the product is known."""
    return DATABASE_PORTS.get(facts.technology or "")


def host_group(facts: RequestFacts) -> str:
    """Inventory group name for the hosts (``postgresql``, ``checkout``, ``servers``)."""
    return (facts.service or facts.technology or "servers").replace("-", "_")


def hardening_playbook(facts: RequestFacts) -> str:
    """The Ansible hardening playbook the Automation Engineer generates."""
    return render("hardening_playbook.yml.j2", scope=scope_of(facts), group=host_group(facts))


def assigned_roles(brief: StageBrief) -> tuple[str, ...]:
    """Specialists in the design the brief carries, else those the request calls for."""
    design = brief.context.get("design")
    if isinstance(design, Mapping):
        roles = [a.get("role") for a in design.get("assignments", []) if isinstance(a, Mapping)]
        if roles:
            return tuple(str(role) for role in roles)
    return tuple(assign_specialists(brief.request))


def iac_inventory(brief: StageBrief, facts: RequestFacts) -> list[str]:
    """Resources the design creates, each declared in the generated IaC."""
    roles = assigned_roles(brief)
    database = "database-administrator" in roles
    group = host_group(facts)
    resources: list[str] = []
    if "network-engineer" in roles:
        resources += [
            "network/vpc",
            *(f"network/subnet-{name}" for name in subnet_names(facts, database=database)),
        ]
        resources += ["network/firewall-rules", "network/dns-records"]
    if "systems-administrator" in roles or database:
        resources += [f"compute/{group}-hosts", f"config/{group}-sshd-baseline"]
    if database:
        engine = facts.technology or "database"
        resources.append(f"database/{engine}-primary")
        if facts.standby:
            resources.append(f"database/{engine}-standby")
        if facts.pitr:
            resources.append(f"storage/{engine}-wal-archive")
    if not resources:
        resources = [f"compute/{group}-hosts", f"config/{group}-sshd-baseline"]
    return resources
