"""The offline engine's routing table: kind, specialists, change type, severity, owner,
resolved flags, read against the packaged agents/ definitions."""

from __future__ import annotations

import pytest

from infra_team.offline._extract import extract_facts
from infra_team.offline._routing import (
    assign_specialists,
    business_decision_reasons,
    change_type,
    classify_kind,
    component_ownership,
    find_phrases,
    main_component,
    owner_decision_words,
    rung_resolved,
    severity,
    triage_resolved,
)

SYSADMIN, NETWORK, DBA = "systems-administrator", "network-engineer", "database-administrator"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("checkout returns 502 for 40 % of requests", "incident"),
        ("We need a new PostgreSQL cluster with a hot standby and PITR", "request"),
        ("The orders database is down, replication broken", "incident"),
        ("Disk full on host web-3, CPU at 100%", "incident"),
        ("TLS certificate expired on the load balancer, all requests failing", "incident"),
        ("DNS resolution fails intermittently for api.example.com", "incident"),
        ("Provision 3 Ubuntu servers for the web tier and harden SSH", "request"),
        ("Set up alerting for when checkout returns 502", "request"),
        ("Decommission the old MySQL replica", "request"),
    ],
)
def test_kind(text: str, kind: str) -> None:
    assert classify_kind(text).value == kind


def test_kind_names_the_deciding_words() -> None:
    decision = classify_kind("checkout returns 502 for 40 % of requests")
    assert decision.because == ("502", "40 % of requests")


@pytest.mark.parametrize(
    ("text", "specialists"),
    [
        ("We need a new PostgreSQL cluster with a hot standby and PITR", (SYSADMIN, NETWORK, DBA)),
        ("Provision 3 Ubuntu servers and harden SSH", (SYSADMIN,)),
        ("Create a VPC 10.20.0.0/16 with subnets and a firewall", (NETWORK,)),
        ("Upgrade the existing Postgres cluster to version 16", (DBA,)),
        ("Add DNS records and a load balancer in front of the new VMs", (SYSADMIN, NETWORK)),
        ("Review our cloud cost trend", ()),
    ],
)
def test_specialists(text: str, specialists: tuple[str, ...]) -> None:
    assert tuple(assign_specialists(text)) == specialists


def test_new_database_rule_is_stated_as_the_reason() -> None:
    assigned = assign_specialists("New MySQL database for reporting")
    assert assigned[SYSADMIN] == ("a new database needs hosts",)
    assert assigned[NETWORK] == ("a new database needs network access",)
    assert assigned[DBA] == ("mysql", "database")


def test_existing_database_needs_no_hosts() -> None:
    assert tuple(assign_specialists("Tune the slow query on the existing database")) == (DBA,)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Decommission the old MySQL replica", "Remove"),
        ("Tear down the staging VPC", "Remove"),
        ("Upgrade the existing Postgres cluster", "Modify"),
        ("Resize the web servers", "Modify"),
        ("We need a new Redis cache", "New"),
    ],
)
def test_change_type(text: str, kind: str) -> None:
    assert change_type(text).value == kind


@pytest.mark.parametrize(
    ("text", "component"),
    [
        ("New PostgreSQL cluster with PITR", "Database"),
        ("Create a VPC with subnets and a bastion host", "Network"),
        ("Harden the Linux servers and patch the kernel", "Server"),
        ("Review the cloud cost trend", "Infrastructure"),
    ],
)
def test_main_component(text: str, component: str) -> None:
    assert main_component(text) == component


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("checkout returns 502 for 40 % of requests", "P1"),
        ("exactly 25 % of requests fail on search", "P1"),
        ("the billing API is down", "P1"),
        ("possible data loss on the orders database", "P1"),
        ("security breach on the bastion host", "P1"),
        ("24 % of requests fail on search", "P2"),
        ("5 % of requests fail on search", "P2"),
        ("payments latency degraded, p99 timeouts", "P2"),
        ("disk full on host web-3", "P2"),
        ("CPU at 100% on the worker VM", "P2"),
        ("4.9 % of requests fail on search", "P3"),
        ("intermittent errors for some users", "P3"),
        ("typo in the status page wording", "P4"),
        ("minor typo in the status page wording", "P3"),
        ("something odd on search", "P3"),
    ],
)
def test_severity(text: str, level: str) -> None:
    assert severity(text, extract_facts(text)).value == level


@pytest.mark.parametrize(
    ("text", "owner", "component"),
    [
        ("checkout returns 502 for 40 % of requests", NETWORK, "load balancer"),
        ("gateway timeouts: HTTP 504 on api", NETWORK, "load balancer"),
        ("DNS resolution fails for api.example.com", NETWORK, "dns"),
        ("TLS certificate expired", NETWORK, "tls"),
        ("replication lag on the orders database", DBA, "replication"),
        ("slow query locks the orders table", DBA, "query"),
        ("disk full and memory pressure on host web-3", SYSADMIN, "disk"),
        ("CPU at 100% on the worker VM", SYSADMIN, "cpu"),
        ("something odd on search", SYSADMIN, "unknown"),
    ],
)
def test_component_owner(text: str, owner: str, component: str) -> None:
    ownership = component_ownership(text)
    assert (ownership.owner, ownership.component) == (owner, component)


def test_most_named_owner_wins() -> None:
    text = "load balancer healthy but database replication lag and query locks"
    assert component_ownership(text).owner == DBA


@pytest.mark.parametrize(
    ("text", "resolved"),
    [
        ("checkout returned 502 for 10 minutes and has recovered", True),
        ("checkout returns 502, not resolved yet", False),
        ("checkout returns 502", False),
    ],
)
def test_triage_resolved_only_when_reported(text: str, resolved: bool) -> None:
    assert triage_resolved(extract_facts(text)) is resolved


@pytest.mark.parametrize(
    ("text", "reasons", "resolved"),
    [
        ("checkout returns 502", (), False),
        ("checkout returned 502 and is back to normal", (), True),
        ("checkout 502s fixed by a rollback", (), True),
        ("checkout has recovered; orders show data loss", ("data loss",), False),
        ("checkout is not fixed yet", (), False),
    ],
)
def test_rung_resolved_only_on_a_reported_recovery_with_nothing_to_decide(
    text: str, reasons: tuple[str, ...], resolved: bool
) -> None:
    assert rung_resolved(extract_facts(text), reasons) is resolved


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("checkout returns 502", ()),
        ("we need more capacity in another region", ("capacity", "region")),
        ("the vendor's load balancer is failing", ("vendor",)),
        ("replica promoted, some data loss", ("data loss",)),
    ],
)
def test_owner_decision_words(text: str, words: tuple[str, ...]) -> None:
    assert owner_decision_words(text) == words


@pytest.mark.parametrize(
    ("text", "level", "reasons"),
    [
        ("checkout is down for 30 minutes", "P1", ()),
        ("checkout is down for 75 minutes", "P1", ("P1 outage for 75 minutes (over 60)",)),
        ("checkout slow for 75 minutes", "P2", ()),
        ("data loss on orders", "P1", ("data loss",)),
        (
            "we need customer communication and SLA credits",
            "P2",
            ("customer communication", "sla credits"),
        ),
    ],
)
def test_business_decision(text: str, level: str, reasons: tuple[str, ...]) -> None:
    assert business_decision_reasons(text, extract_facts(text), level) == reasons


def test_phrases_match_whole_words_and_plurals() -> None:
    assert find_phrases("two load-balancers and a DBA", ["load balancer", "db"]) == (
        "load balancer",
    )
    assert find_phrases("500 GB disk, HTTP 500 errors", ["500"]) == ("500",)
    assert find_phrases("a 500 GB disk", ["500"]) == ()
