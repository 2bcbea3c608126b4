"""Known answers for the network analysers: CIDR plans, firewall audits, DNS, LB pools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import BaseTool

from infra_team.scrub import scrub
from infra_team.tools._base import ToolInputError, ToolResult, parse_tool_output
from infra_team.tools.analysers.cidr import plan_cidr
from infra_team.tools.analysers.dns import DnsRecord, check_dns
from infra_team.tools.analysers.firewall_audit import FirewallAudit, audit_firewall
from infra_team.tools.analysers.load_balancer import Backend, evaluate_lb_health
from infra_team.tools.live import dns_resolve, http_probe, tcp_check, tls_check
from infra_team.tools.network_engineer import (
    CIDR_PLAN_DESCRIPTION,
    DNS_CHECK_DESCRIPTION,
    FIREWALL_AUDIT_DESCRIPTION,
    LB_HEALTH_DESCRIPTION,
    TOOLS,
    cidr_plan,
    dns_check,
    firewall_audit,
    lb_health,
)
from tests.test_agent_files import MODULE_TOOLS

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tools" / "network"
OWN_FIXTURES = (
    "security_groups.json",
    "iptables_save.txt",
    "iptables_save_open.txt",
    "dns_records.json",
)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def call(tool: BaseTool, args: dict[str, Any]) -> ToolResult:
    return parse_tool_output(tool.invoke(args))


def kinds(audit: FirewallAudit) -> list[tuple[str, str, str]]:
    return [(f.kind, f.severity, f.rule) for f in audit.findings]


@pytest.mark.parametrize("name", OWN_FIXTURES)
def test_fixtures_are_already_scrubbed(name: str) -> None:
    text = fixture(name)
    assert scrub(text) == text


def test_tools_tuple_names_and_descriptions() -> None:
    assert [tool.name for tool in TOOLS] == list(MODULE_TOOLS["network_engineer"])
    assert [tool.description for tool in TOOLS[:8]] == [
        CIDR_PLAN_DESCRIPTION,
        FIREWALL_AUDIT_DESCRIPTION,
        DNS_CHECK_DESCRIPTION,
        LB_HEALTH_DESCRIPTION,
        dns_resolve.DESCRIPTION,
        tls_check.DESCRIPTION,
        http_probe.DESCRIPTION,
        tcp_check.DESCRIPTION,
    ]


# --- cidr_plan -------------------------------------------------------------------------------


def test_cidr_plan_allocates_largest_first_and_reports_in_request_order() -> None:
    plan = plan_cidr("10.0.0.0/16", [24, 24, 22, 20, 26])
    assert [s.cidr for s in plan.subnets] == [
        "10.0.20.0/24",
        "10.0.21.0/24",
        "10.0.16.0/22",
        "10.0.0.0/20",
        "10.0.22.0/26",
    ]
    assert [s.request_index for s in plan.subnets] == [0, 1, 2, 3, 4]
    assert plan.allocated_addresses == 256 + 256 + 1024 + 4096 + 64
    assert plan.free_addresses == 65536 - 5696
    assert plan.utilization_percent == 8.69
    assert plan.free_blocks == [
        "10.0.22.64/26",
        "10.0.22.128/25",
        "10.0.23.0/24",
        "10.0.24.0/21",
        "10.0.32.0/19",
        "10.0.64.0/18",
        "10.0.128.0/17",
    ]
    assert plan.aws_notes == []


def test_cidr_plan_host_counts() -> None:
    plan = plan_cidr("10.0.0.0/16", [24, 28, 30, 31, 32])
    counts = [(s.cidr, s.usable_hosts, s.usable_hosts_aws) for s in plan.subnets]
    assert counts == [
        ("10.0.0.0/24", 254, 251),
        ("10.0.1.0/28", 14, 11),
        ("10.0.1.16/30", 2, 0),
        ("10.0.1.20/31", 2, 0),
        ("10.0.1.22/32", 1, 0),
    ]
    assert plan.aws_notes == ["AWS IPv4 subnets are /16 to /28; not allowed: /30, /31, /32."]


def test_cidr_plan_exact_fit_fills_the_vpc() -> None:
    plan = plan_cidr("192.168.0.0/24", [25, 26, 26])
    assert [s.cidr for s in plan.subnets] == [
        "192.168.0.0/25",
        "192.168.0.128/26",
        "192.168.0.192/26",
    ]
    assert (plan.utilization_percent, plan.free_blocks) == (100.0, [])


def test_cidr_plan_ipv6() -> None:
    plan = plan_cidr("2600:1f18:abc:de00::/56", [64, 64, 60])
    assert plan.version == 6
    assert [s.cidr for s in plan.subnets] == [
        "2600:1f18:abc:de10::/64",
        "2600:1f18:abc:de11::/64",
        "2600:1f18:abc:de00::/60",
    ]
    assert plan.subnets[0].addresses == 2**64
    assert plan.subnets[0].usable_hosts_aws == 2**64 - 5
    assert plan.total_addresses == 2**72
    assert plan.free_blocks[0] == "2600:1f18:abc:de12::/63"


@pytest.mark.parametrize(
    ("vpc", "prefixes", "fragment"),
    [
        ("10.0.0.0/24", [25, 25, 26], "the subnets need 320 addresses but 10.0.0.0/24 has 256"),
        ("10.0.0.0/16", [15], "subnet prefix /15 is larger than the VPC 10.0.0.0/16"),
        ("10.0.0.0/16", [33], "subnet prefix /33 is longer than /32 for IPv4"),
        ("10.0.0.1/16", [24], "has host bits set; did you mean `10.0.0.0/16`?"),
        ("10.0.0.0/33", [24], "is not an IPv4 or IPv6 CIDR"),
        ("banana", [24], "is not an IPv4 or IPv6 CIDR"),
        ("10.0.0.0/16", [], "`subnet_prefixes` is empty"),
        ("fd00::/64", [56], "subnet prefix /56 is larger than the VPC fd00::/64"),
    ],
)
def test_cidr_plan_errors(vpc: str, prefixes: list[int], fragment: str) -> None:
    result = call(cidr_plan, {"vpc_cidr": vpc, "subnet_prefixes": prefixes})
    assert result.status == "error"
    assert fragment in (result.error or "")
    with pytest.raises(ToolInputError):
        plan_cidr(vpc, prefixes)


def test_cidr_plan_tool_accepts_slash_prefixes_and_rejects_words() -> None:
    result = call(cidr_plan, {"vpc_cidr": "10.0.0.0/16", "subnet_prefixes": ["/24", "24"]})
    assert result.status == "success"
    assert [s["cidr"] for s in result.data["subnets"]] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert result.summary.startswith("2 subnets in 10.0.0.0/16: 10.0.0.0/24, 10.0.1.0/24;")
    wrong = call(cidr_plan, {"vpc_cidr": "10.0.0.0/16", "subnet_prefixes": ["big"]})
    assert wrong.status == "error"
    assert "`subnet_prefixes.0`" in (wrong.error or "")


# --- firewall_audit --------------------------------------------------------------------------


def test_security_group_audit() -> None:
    audit = audit_firewall(fixture("security_groups.json"))
    assert audit.format == "aws_security_groups"
    assert audit.rules_checked == 7
    assert kinds(audit) == [
        ("any_any", "critical", "sg-0a1b2c3d4e5f60003 (debug-open) ingress #1"),
        ("admin_port_open", "high", "sg-0a1b2c3d4e5f60001 (web) ingress #2"),
        ("admin_port_open", "high", "sg-0a1b2c3d4e5f60002 (db) ingress #1"),
        ("redundant_rule", "low", "sg-0a1b2c3d4e5f60001 (web) ingress #3"),
        ("redundant_rule", "low", "sg-0a1b2c3d4e5f60003 (debug-open) ingress #2"),
    ]
    ssh, postgres = audit.findings[1], audit.findings[2]
    assert ssh.ports == [22]
    assert postgres.ports == [5432]
    assert postgres.text.endswith("from ::/0")
    assert audit.counts == {"critical": 1, "high": 2, "medium": 0, "low": 2, "info": 0}


def test_security_group_audit_accepts_dict_and_single_group() -> None:
    document = json.loads(fixture("security_groups.json"))
    as_dict = audit_firewall(document)
    assert kinds(as_dict) == kinds(audit_firewall(fixture("security_groups.json")))
    single = audit_firewall(document["SecurityGroups"][1])
    assert kinds(single) == [("admin_port_open", "high", "sg-0a1b2c3d4e5f60002 (db) ingress #1")]


def test_wide_range_and_numeric_protocol_in_security_group() -> None:
    group = {
        "GroupId": "sg-1",
        "IpPermissions": [
            {
                "IpProtocol": "6",
                "FromPort": 1000,
                "ToPort": 30000,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        ],
    }
    audit = audit_firewall(group)
    assert [(f.kind, f.severity) for f in audit.findings] == [
        ("admin_port_open", "critical"),
        ("wide_port_range", "high"),
    ]
    assert audit.findings[0].ports == [
        1433,
        1521,
        2375,
        2376,
        2379,
        2380,
        3306,
        3389,
        5432,
        5601,
        5900,
        5984,
        6379,
        6443,
        9042,
        9200,
        9300,
        10250,
        11211,
        27017,
    ]
    assert audit.findings[1].detail == "29001 tcp ports open to the world"


def test_iptables_audit() -> None:
    audit = audit_firewall(fixture("iptables_save.txt"))
    assert audit.format == "iptables_save"
    assert audit.rules_checked == 12
    assert kinds(audit) == [
        ("admin_port_open", "critical", "filter INPUT line 13"),
        ("admin_port_open", "critical", "filter INPUT line 14"),
        ("admin_port_open", "high", "filter INPUT line 8"),
        ("wide_port_range", "high", "filter INPUT line 14"),
        ("shadowed_rule", "medium", "filter INPUT line 9"),
        ("shadowed_rule", "medium", "filter INPUT line 16"),
        ("default_allow_policy", "medium", "filter INPUT policy"),
        ("shadowed_rule", "low", "filter INPUT line 12"),
    ]
    redis = audit.findings[0]
    assert redis.detail == (
        "admin/data ports open to the world: 6379 Redis (other matches: --limit 10/min)"
    )
    dead_drop = audit.findings[4]
    assert (
        dead_drop.covered_by == "filter INPUT line 8: -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT"
    )
    assert "so its DROP never applies" in dead_drop.detail
    # Loopback, established traffic and the public web ports are not findings.
    assert not any(
        f.rule in {"filter INPUT line 6", "filter INPUT line 7", "filter INPUT line 10"}
        for f in audit.findings
    )
    assert audit.notes == ["Tables nat were checked for shadowing only, not for exposure."]


def test_iptables_accept_all_shadows_everything() -> None:
    audit = audit_firewall(fixture("iptables_save_open.txt"))
    assert kinds(audit) == [
        ("any_any", "critical", "filter INPUT line 5"),
        ("shadowed_rule", "low", "filter INPUT line 6"),
    ]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        # A final catch-all DROP makes an ACCEPT policy harmless.
        (
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n",
            [],
        ),
        # A narrower earlier rule does not shadow a broader later one.
        (
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport 5432 -j ACCEPT\n"
            "-A INPUT -s 10.0.0.0/8 -p tcp --dport 5000:6000 -j ACCEPT\nCOMMIT\n",
            [],
        ),
        # Unknown match options block shadowing unless the later rule has them too.
        (
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -m recent --rcheck -j DROP\n"
            "-A INPUT -s 10.1.0.0/16 -j ACCEPT\nCOMMIT\n",
            [],
        ),
        # A jump to a user chain is not terminating.
        (
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -j LOGGING\n"
            "-A INPUT -s 10.1.0.0/16 -j ACCEPT\nCOMMIT\n",
            [],
        ),
        # Counters from iptables-save -c, and an open range "8000:".
        (
            "*filter\n:INPUT DROP [0:0]\n[5:300] -A INPUT -s 10.0.0.0/8 -p tcp --dport 8000: -j DROP\n"
            "[0:0] -A INPUT -s 10.2.0.0/16 -p tcp --dport 9000 -j ACCEPT\nCOMMIT\n",
            [("shadowed_rule", "medium", "filter INPUT line 4")],
        ),
        # ip6tables-save: no source means ::/0.
        (
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 3389 -j ACCEPT\nCOMMIT\n",
            [("admin_port_open", "high", "filter INPUT line 3")],
        ),
        # Negated source is kept as an extra condition and still reported as world-exposed.
        (
            "*filter\n:INPUT DROP [0:0]\n-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
            [("admin_port_open", "high", "filter INPUT line 3")],
        ),
        # OUTPUT is not exposure.
        ("*filter\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n", []),
    ],
)
def test_iptables_cases(rules: str, expected: list[tuple[str, str, str]]) -> None:
    assert kinds(audit_firewall(rules)) == expected


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ('{"SecurityGroups": [', "`rules` is not valid JSON: Expecting value at line 1 column 21."),
        ("hello firewall", "is neither AWS security-group JSON"),
        ({"Foo": 1}, "JSON input must be `aws ec2 describe-security-groups` output"),
        ("*filter\n-A INPUT -s 999.1.1.1 -j ACCEPT\n", "`999.1.1.1` is not an IP address or CIDR"),
        ("*filter\n-A INPUT -p tcp --dport 70000 -j ACCEPT\n", "outside 0-65535"),
        ("*filter\n-A INPUT -j ACCEPT\nbogus line\n", "line 3: `bogus line` is not a table"),
        ("-A INPUT -j ACCEPT\n", "rule before any `*table` line"),
        ('{"IpPermissions": [{"IpProtocol": "tcp", "IpRanges": []}]}', "needs integer `FromPort`"),
        ('{"IpPermissions": [{"FromPort": 22}]}', "each permission needs `IpProtocol`"),
        (42, "`rules`: Input should be text, a JSON object or a JSON array"),
        ("   ", "`rules` is empty"),
    ],
)
def test_firewall_audit_errors(rules: Any, fragment: str) -> None:
    result = call(firewall_audit, {"rules": rules})
    assert result.status == "error"
    assert fragment in (result.error or "")


def test_firewall_audit_tool_summary() -> None:
    result = call(firewall_audit, {"rules": fixture("iptables_save_open.txt")})
    assert result.status == "success"
    assert result.summary == "2 rules (iptables_save): 2 findings (1 critical, 1 low)."
    assert result.data["findings"][0]["kind"] == "any_any"


# --- dns_check -------------------------------------------------------------------------------


def _records(name: str = "dns_records.json") -> list[DnsRecord]:
    return [DnsRecord.model_validate(item) for item in json.loads(fixture(name))]


def test_dns_check_fixture() -> None:
    result = check_dns(_records())
    assert result.zone == "example.com"
    assert result.ttl_median == 3600
    assert result.external_targets == ["shops.myshopify.com"]
    assert [(f.kind, f.severity, f.name) for f in result.findings] == [
        ("cname_with_other_data", "high", "shop.example.com"),
        ("dangling_cname", "high", "old-app.example.com"),
        ("target_is_cname", "medium", "example.com"),
        ("ttl_out_of_range", "low", "api.example.com"),
        ("ttl_out_of_range", "low", "static.example.com"),
        ("rrset_ttl_mismatch", "low", "api.example.com"),
        ("cname_chain", "info", "docs.example.com"),
    ]
    dangling = result.findings[1]
    assert dangling.detail.startswith("points to app-v1.example.com, which is inside example.com")
    # preview -> pr-42.dev.example.com is covered by the *.dev.example.com wildcard.
    assert not any(f.name == "preview.example.com" for f in result.findings)


def test_cname_at_apex_with_relative_names() -> None:
    records = [
        DnsRecord(name="@", type="CNAME", value="lb.example.net.", ttl=300),
        DnsRecord(name="@", type="ns", value="ns1", ttl=300),
        DnsRecord(name="www", type="CNAME", value="app", ttl=300),
        DnsRecord(name="app", type="A", value="192.0.2.1", ttl=300),
    ]
    result = check_dns(records, zone="Example.COM.")
    assert result.zone == "example.com"
    assert [(f.kind, f.name) for f in result.findings] == [
        ("cname_at_apex", "example.com"),
        ("cname_with_other_data", "example.com"),
    ]
    assert result.external_targets == ["lb.example.net"]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (
            [
                ("a.example.com", "CNAME", "b.example.com", 300),
                ("b.example.com", "CNAME", "a.example.com", 300),
            ],
            [("cname_loop", "a.example.com"), ("cname_loop", "b.example.com")],
        ),
        (
            [
                ("x.example.com", "CNAME", "y.example.com", 300),
                ("x.example.com", "CNAME", "z.example.com", 300),
                ("y.example.com", "A", "192.0.2.1", 300),
                ("z.example.com", "A", "192.0.2.2", 300),
            ],
            [("multiple_cnames", "x.example.com")],
        ),
        (
            [("a.example.com", "A", "300.1.1.1", 300), ("b.example.com", "AAAA", "192.0.2.1", 300)],
            [("invalid_address", "a.example.com"), ("invalid_address", "b.example.com")],
        ),
        (
            [
                ("a.example.com", "A", "192.0.2.1", 300),
                ("a.example.com", "A", "192.0.2.1", 300),
                ("b.example.com", "A", "192.0.2.2", 300),
            ],
            [("duplicate_record", "a.example.com")],
        ),
        (
            # 300 s beside a 3600 s median is normal; 86400 s is 24x the median.
            [
                ("a.example.com", "A", "192.0.2.1", 3600),
                ("b.example.com", "A", "192.0.2.2", 3600),
                ("c.example.com", "A", "192.0.2.3", 300),
                ("d.example.com", "A", "192.0.2.4", 86400),
            ],
            [("ttl_outlier", "d.example.com")],
        ),
    ],
)
def test_dns_cases(
    records: list[tuple[str, str, str, int]], expected: list[tuple[str, str]]
) -> None:
    parsed = [DnsRecord(name=n, type=t, value=v, ttl=ttl) for n, t, v, ttl in records]
    assert [(f.kind, f.name) for f in check_dns(parsed).findings] == expected


def test_dns_apex_unknown_is_noted() -> None:
    result = check_dns([DnsRecord(name="www.example.com", type="CNAME", value="gone.example.com")])
    assert result.zone is None
    assert result.findings == []
    assert result.external_targets == ["gone.example.com"]
    assert any("Zone apex unknown" in note for note in result.notes)


def test_dns_check_tool() -> None:
    result = call(dns_check, {"records": json.loads(fixture("dns_records.json"))})
    assert result.status == "success"
    assert result.summary == (
        "18 records in example.com: 7 findings (2 high, 1 medium, 3 low, 1 info)."
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"records": []}, "`records` is empty"),
        ({"records": [{"name": "@", "type": "A", "value": "192.0.2.1"}]}, "no `zone` was given"),
        ({"records": [{"name": "a", "type": "A"}]}, "`records.0.value`: Field required"),
        ({"records": [{"name": "a", "type": "A", "value": "x", "ttl": -5}]}, "`records.0.ttl`"),
        ({"records": "example.com A 1.2.3.4"}, "`records`"),
    ],
)
def test_dns_check_errors(args: dict[str, Any], fragment: str) -> None:
    result = call(dns_check, args)
    assert result.status == "error"
    assert fragment in (result.error or "")


# --- lb_health -------------------------------------------------------------------------------


def _pool(*specs: tuple[str, bool, float, int | None]) -> list[Backend]:
    return [
        Backend(name=name, healthy=healthy, capacity=capacity, active_connections=conns)
        for name, healthy, capacity, conns in specs
    ]


def test_lb_all_healthy_is_ok() -> None:
    pool = _pool(("a", True, 100, 50), ("b", True, 100, 55), ("c", True, 100, 45))
    health = evaluate_lb_health(pool, required_capacity=150)
    assert health.verdict == "ok"
    assert health.reasons == []
    assert (health.healthy_capacity, health.capacity_margin) == (300, 150)
    assert health.survives_next_failure is True
    assert (health.quorum_size, health.has_quorum) == (2, True)
    assert health.imbalance_ratio == pytest.approx(55 / 45, abs=0.01)


def test_lb_one_down_without_n_plus_one_is_degraded() -> None:
    pool = _pool(("a", True, 100, None), ("b", False, 100, 3), ("c", True, 100, None))
    health = evaluate_lb_health(pool, required_capacity=150)
    assert health.verdict == "degraded"
    assert health.reasons == [
        "1 unhealthy: b",
        "losing the largest healthy backend (100) would leave 100, below the required 150 (no N+1)",
        "unhealthy backends still hold connections: b",
    ]
    assert health.healthy_capacity_percent == pytest.approx(66.67)


@pytest.mark.parametrize(
    ("pool", "required", "reason"),
    [
        (_pool(("a", False, 100, None), ("b", False, 100, None)), None, "no healthy backend"),
        (
            _pool(("a", True, 100, None), ("b", True, 100, None), ("c", False, 100, None)),
            250,
            "healthy capacity 200 is below the required 250",
        ),
        (
            _pool(("a", True, 1, None), ("b", False, 1, None)),
            None,
            "only 1 of 2 healthy: no majority quorum",
        ),
    ],
)
def test_lb_critical(pool: list[Backend], required: float | None, reason: str) -> None:
    health = evaluate_lb_health(pool, required_capacity=required)
    assert health.verdict == "critical"
    assert reason in health.reasons


def test_lb_weight_is_capacity_and_imbalance_is_degraded() -> None:
    pool = [
        Backend(name="a", healthy=True, weight=2, active_connections=90),
        Backend(name="b", healthy=True, weight=1, active_connections=10),
        Backend(name="c", healthy=True, active_connections=0),
    ]
    health = evaluate_lb_health(pool)
    assert health.total_capacity == 4
    assert [load.connections_per_capacity for load in health.loads] == [45.0, 10.0, 0.0]
    assert health.imbalance_ratio == 4.5
    assert health.verdict == "degraded"
    assert health.reasons == [
        "connections per capacity differ 4.5x between healthy backends",
        "healthy backends receive no connections: c",
    ]


def test_lb_health_tool() -> None:
    result = call(
        lb_health,
        {
            "backends": [
                {"name": "a", "healthy": True, "capacity": 100},
                {"name": "b", "healthy": False, "capacity": 100},
            ],
            "required_capacity": 50,
        },
    )
    assert result.status == "success"
    assert result.data["verdict"] == "critical"
    assert result.summary == (
        "CRITICAL: 1/2 healthy, capacity 100/200 (required 50); "
        "only 1 of 2 healthy: no majority quorum; 1 unhealthy: b; losing the largest "
        "healthy backend (100) would leave 0, below the required 50 (no N+1)."
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"backends": []}, "`backends` is empty"),
        (
            {"backends": [{"name": "a", "healthy": True}, {"name": "a", "healthy": False}]},
            "repeated: a",
        ),
        ({"backends": [{"name": "a", "healthy": "maybe"}]}, "`backends.0.healthy`"),
        ({"backends": [{"name": "a", "healthy": True, "capacity": -1}]}, "`backends.0.capacity`"),
        (
            {"backends": [{"name": "a", "healthy": True}], "required_capacity": -5},
            "`required_capacity`: Input should be greater than or equal to 0",
        ),
    ],
)
def test_lb_health_errors(args: dict[str, Any], fragment: str) -> None:
    result = call(lb_health, args)
    assert result.status == "error"
    assert fragment in (result.error or "")


def test_icmp_type_is_a_condition_in_security_groups() -> None:
    group = {
        "GroupId": "sg-2",
        "IpPermissions": [
            {
                "IpProtocol": "icmp",
                "FromPort": 8,
                "ToPort": -1,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
            {
                "IpProtocol": "icmp",
                "FromPort": -1,
                "ToPort": -1,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            },
            {
                "IpProtocol": "icmp",
                "FromPort": -1,
                "ToPort": -1,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            },
        ],
    }
    # Echo from anywhere is covered by "all ICMP from anywhere", not the other way round.
    assert kinds(audit_firewall(group)) == [
        ("redundant_rule", "low", "sg-2 ingress #1"),
        ("redundant_rule", "low", "sg-2 ingress #2"),
    ]


# --- input that is not what the tool reads is an error, never "no findings" ---------------


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ([{"foo": "bar"}], "security group #1 is not a security group"),
        ([], "no security groups in the input"),
        ("[]", "no security groups in the input"),
        ({"SecurityGroups": []}, "no security groups in the input"),
        ('[{"GroupId": "sg-1"}]', "needs an `IpPermissions` list"),
        ([{"IpPermissions": []}, "sg-2"], "security group #2 is not a security group"),
        ("*filter\nCOMMIT\n", "no chains and no rules"),
    ],
)
def test_firewall_audit_never_passes_unrecognised_input(rules: Any, fragment: str) -> None:
    result = parse_tool_output(firewall_audit.invoke({"rules": rules}))
    assert result.status == "error"
    assert result.code == "invalid_arguments"
    assert result.error is not None and fragment in result.error
    assert "no findings" not in result.summary


def test_firewall_audit_group_without_ingress_is_a_real_pass() -> None:
    result = parse_tool_output(firewall_audit.invoke({"rules": [{"IpPermissions": []}]}))
    assert result.status == "success"
    assert result.data["rules_checked"] == 0


@pytest.mark.parametrize(
    ("prefixes", "expected"),
    [
        ([0], ["::/0"]),
        ([1], ["::/1"]),
        ([128], ["::/128"]),
        ([1, 128], ["::/1", "8000::/128"]),
    ],
)
def test_cidr_plan_ipv6_at_address_zero_stays_ipv6(
    prefixes: list[int], expected: list[str]
) -> None:
    result = parse_tool_output(cidr_plan.invoke({"vpc_cidr": "::/0", "subnet_prefixes": prefixes}))
    assert result.status == "success", result.error
    assert [s["cidr"] for s in result.data["subnets"]] == expected
    assert result.data["version"] == 6
    for block in [*expected, *result.data["free_blocks"]]:
        assert ":" in block
