"""Cross-team hand-offs decided by the offline engine, end to end through ``task``.

Labelled cases in the style of public postmortems and typical tickets: security incidents
go to Security, incidents an application release caused go back to Development, changes
that need test verification go to QA, and everything else hands nothing over. Each case
checks ``TaskResult.handoffs`` and the report's hand-off section, which the graph fills
the same way for the offline engine and a model.
"""

from __future__ import annotations

import pytest

from infra_team import TaskResult, task

TEAM = "infrastructure-team"
SECTION = "**Hand-offs to other teams**"

CASES: list[tuple[str, str, list[str]]] = [
    # Security: unauthorised access, malicious code, exfiltration, leaked credentials,
    # exploited vulnerabilities.
    (TEAM, "Security breach: unauthorized root SSH logins", ["Security"]),
    (
        TEAM,
        "Our AWS access keys were pushed to a public GitHub repo and someone is launching "
        "instances in eu-west-1",
        ["Security"],
    ),
    (
        TEAM,
        "CVE-2021-44228 (Log4Shell) is being exploited against api-gw-03; we see outbound "
        "LDAP connections to unknown hosts",
        ["Security"],
    ),
    (
        TEAM,
        "A crypto-miner is running as www-data on web-04 and CPU is pegged at 100%",
        ["Security"],
    ),
    (
        TEAM,
        "Ransomware encrypted the file shares on fs-01 overnight; users cannot open any document",
        ["Security"],
    ),
    (
        TEAM,
        "Possible data exfiltration: 40 GB left db-02 for 203.0.113.9 between 02:00 and 03:00 UTC",
        ["Security"],
    ),
    (
        TEAM,
        "Someone logged in as admin on jenkins-01 from an IP in another country and created "
        "new users; we think the server is compromised",
        ["Security"],
    ),
    (
        TEAM,
        "GitGuardian alert: the production database password was committed to a public "
        "repository an hour ago",
        ["Security"],
    ),
    (
        TEAM,
        "Attackers exploited a zero-day in our VPN appliance vpn-gw-1 and have access to the "
        "internal network",
        ["Security"],
    ),
    (TEAM, "Our website homepage was defaced overnight with political messages", ["Security"]),
    # An application release, deploy, rollout or schema migration caused the incident.
    (
        TEAM,
        "Release 4.2 of the billing app broke the orders database: every insert fails",
        ["Development"],
    ),
    (
        TEAM,
        "Since the 14:05 deploy of checkout-service, 30% of requests return 500",
        ["Development"],
    ),
    (
        TEAM,
        "After the schema migration in last night's release, the orders table is locked and "
        "writes time out",
        ["Development"],
    ),
    (
        TEAM,
        "Rollout of v2.3.1 of the mobile API caused p99 latency to spike to 4s; we rolled back "
        "at 10:40 but errors persist",
        ["Development"],
    ),
    (
        TEAM,
        "Following yesterday's deployment of the search service, the Elasticsearch nodes crash "
        "with OOM every hour",
        ["Development"],
    ),
    (
        TEAM,
        "Checkout has been returning 502 errors since the release of version 3.8 at 16:20",
        ["Development"],
    ),
    (
        TEAM,
        "The payments service started throwing NullPointerException after today's hotfix was "
        "deployed; refunds fail",
        ["Development"],
    ),
    (
        TEAM,
        "A database migration shipped with release 12 dropped an index and now the orders "
        "queries are slow and time out",
        ["Development"],
    ),
    (
        "site-reliability-engineer",
        "Our deploy at 09:12 of the auth service made login return 503 for everyone",
        ["Development"],
    ),
    # A change that needs test verification: a new test environment, an upgrade, load tests.
    (TEAM, "Set up a new staging environment for checkout that mirrors production", ["QA"]),
    (TEAM, "Upgrade the orders PostgreSQL cluster from 14 to 16 next month", ["QA"]),
    (
        TEAM,
        "Build a load-test environment for the payment API so QA can run performance tests "
        "before Black Friday",
        ["QA"],
    ),
    (TEAM, "Set up a UAT environment for the new billing system by the end of the quarter", ["QA"]),
    (TEAM, "Upgrade the Kubernetes clusters from 1.28 to 1.30", ["QA"]),
    ("database-administrator", "Upgrade the orders PostgreSQL from 14 to 16 next Saturday", ["QA"]),
    # Neither: infrastructure faults, the team's own changes, hardening and negated mentions.
    (TEAM, "Disk full on web-07: /var/log is at 100% and nginx stopped writing access logs", []),
    (
        TEAM,
        "After a failed database failover the orders cluster lost writes for 20 minutes; data "
        "loss suspected",
        [],
    ),
    (TEAM, "After the kernel upgrade on batch-02, NFS mounts hang and jobs fail", []),
    (
        TEAM,
        "After the terraform apply this morning, the load balancer dropped all backends and "
        "the site is down",
        [],
    ),
    (TEAM, "Define an SLO and alerts for login at 99.9%", []),
    (TEAM, "Harden SSH on the bastion hosts: disable root login and password authentication", []),
    (
        TEAM,
        "We checked the auth logs and found no sign of compromise, but SSH to bastion-1 takes "
        "30 seconds to connect",
        [],
    ),
    (TEAM, "Patch CVE-2024-6387 on all internet-facing hosts this week", []),
    (TEAM, "Replication lag on db-replica-2 is 9 minutes and growing", []),
    (
        TEAM,
        "The TLS certificate for api.example.com expired and clients get handshake failures",
        [],
    ),
    (TEAM, "Create a VPC with three subnets across three zones for the analytics platform", []),
    ("network-engineer", "Open port 443 on the edge firewall for the partner integration", []),
]


def _section(result: TaskResult) -> str:
    """The report's hand-off section (empty when the report has none)."""
    report = result.report
    start = report.find(SECTION)
    if start < 0:
        return ""
    end = report.find("\n\n", start + len(SECTION) + 1)
    return report[start : end if end > 0 else len(report)]


@pytest.mark.parametrize(("role", "request_text", "teams"), CASES, ids=[c[1][:40] for c in CASES])
def test_offline_engine_hands_off_to_the_labelled_team(
    role: str, request_text: str, teams: list[str]
) -> None:
    result = task(role, request_text)
    assert [h.team for h in result.handoffs] == teams
    section = _section(result)
    if not teams:
        assert section == ""
        return
    for handoff in result.handoffs:
        assert handoff.handed_over and handoff.expected_back and handoff.reason
        assert f"**{handoff.team}**" in section
        assert handoff.handed_over in section
        assert handoff.expected_back in section


def test_security_incident_hands_over_evidence_and_hosts_and_asks_for_forensics() -> None:
    result = task(TEAM, "A crypto-miner is running as www-data on web-04 and CPU is pegged at 100%")
    (handoff,) = result.handoffs
    assert (handoff.role, handoff.stage) == ("site-reliability-engineer", "triage")
    assert "Evidence preserved" in handoff.handed_over
    assert "affected hosts: web-04" in handoff.handed_over
    assert "Forensic findings" in handoff.expected_back
    assert "disclosure decision" in handoff.expected_back
    assert "incident response coordination" in handoff.reason


def test_release_incident_hands_back_the_change_timeline_and_rollback_state() -> None:
    text = (
        "Rollout of v2.3.1 of the mobile API caused p99 latency to spike to 4s; we rolled "
        "back at 10:40 but errors persist"
    )
    (handoff,) = task(TEAM, text).handoffs
    assert handoff.team == "Development"
    assert "Rollout of v2.3.1 of the mobile API" in handoff.handed_over
    assert "timeline: 10:40" in handoff.handed_over
    assert "rollback state: rolled back" in handoff.handed_over
    assert "fix or a revert" in handoff.expected_back and "root cause" in handoff.expected_back
    not_rolled_back = task(
        TEAM, "Since the 14:05 deploy of checkout-service, 30% of requests return 500"
    )
    assert "not rolled back" in not_rolled_back.handoffs[0].handed_over


def test_qa_hand_off_uses_the_cross_team_table_and_is_decided_once_in_the_team_flow() -> None:
    result = task(TEAM, "Set up a new staging environment for checkout that mirrors production")
    (handoff,) = result.handoffs
    assert (handoff.role, handoff.stage) == ("infrastructure-architect", "design")
    assert "test environment management" in handoff.reason
    upgrade = task(TEAM, "Upgrade the Kubernetes clusters from 1.28 to 1.30").handoffs[0]
    assert "performance testing" in upgrade.reason
    assert "test results" in upgrade.expected_back


def test_a_lone_specialist_proposes_its_change_request() -> None:
    result = task(
        "database-administrator", "Upgrade the orders PostgreSQL from 14 to 16 next Saturday"
    )
    change = result.artifacts["change_request"]
    assert "TYPE: Modify" in change and "COMPONENT: Database" in change
    assert "REQUESTER: Database Administrator" in change
    assert "maintenance_notification" in result.artifacts
    network = task(
        "network-engineer", "Open port 443 on the edge firewall for the partner integration"
    )
    assert "COMPONENT: Network" in network.artifacts["change_request"]


def test_a_lone_sre_proposes_no_change_request() -> None:
    result = task("site-reliability-engineer", "Define an SLO and alerts for login at 99.9%")
    assert "change_request" not in result.artifacts
