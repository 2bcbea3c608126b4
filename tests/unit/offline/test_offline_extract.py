"""Facts the offline engine reads from request text."""

from __future__ import annotations

import json

import pytest

from infra_team.offline._extract import (
    extract_facts,
    find_apt_listing,
    find_cidrs,
    find_error_rate_percent,
    find_event_counts,
    find_growth_percent,
    find_incident_duration_minutes,
    find_lag_interval_seconds,
    find_lag_samples_seconds,
    find_percentages,
    find_query_plan,
    find_rpo_minutes,
    find_rps,
    find_rto_minutes,
    find_service,
    find_slo_percent,
    find_sshd_config,
    find_status_codes,
    find_technology,
    find_terraform_plan,
    find_timeline,
    says_recovered,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Use 10.20.0.0/16 for the VPC", ("10.20.0.0/16",)),
        ("peer 10.0.0.0/16 with 172.16.4.0/22", ("10.0.0.0/16", "172.16.4.0/22")),
        ("host bits set: 10.1.2.3/24", ("10.1.2.0/24",)),
        ("invalid 300.1.1.1/24 and 10.0.0.0/33", ()),
        ("same twice 10.0.0.0/8, 10.0.0.0/8", ("10.0.0.0/8",)),
        ("no network here", ()),
    ],
)
def test_cidrs(text: str, expected: tuple[str, ...]) -> None:
    assert find_cidrs(text) == expected


@pytest.mark.parametrize(
    ("text", "rpo", "rto"),
    [
        ("RPO 5 minutes, RTO 1h", 5.0, 60.0),
        ("an RPO of 15 min and an RTO under 4 hours", 15.0, 240.0),
        ("4-hour RTO and 30s RPO", 0.5, 240.0),
        ("RPO: 2 h; RTO: 1 day", 120.0, 1440.0),
        ("zero RPO please", 0.0, None),
        ("no objectives stated", None, None),
    ],
)
def test_recovery_objectives(text: str, rpo: float | None, rto: float | None) -> None:
    assert find_rpo_minutes(text) == rpo
    assert find_rto_minutes(text) == rto


def test_percentages_with_and_without_space() -> None:
    assert find_percentages("40 % of requests, 12.5% growth, 3 percent") == (40.0, 12.5, 3.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout returns 502 for 40 % of requests", 40.0),
        ("error rate is 7.5% on payments", 7.5),
        ("12% of calls fail", 12.0),
        ("40% growth expected", None),
    ],
)
def test_error_rate(text: str, expected: float | None) -> None:
    assert find_error_rate_percent(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SLO 99.95%", 99.95),
        ("a 99.9 % availability target", 99.9),
        ("uptime of 99.5", 99.5),
        ("we want four nines", 99.99),
        ("40% of requests fail", None),
        ("availability matters", None),
    ],
)
def test_slo(text: str, expected: float | None) -> None:
    assert find_slo_percent(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1200 rps at peak", 1200.0),
        ("1,200 requests per second", 1200.0),
        ("1.5k req/s", 1500.0),
        ("800 qps", 800.0),
        ("no load figure", None),
    ],
)
def test_rps(text: str, expected: float | None) -> None:
    assert find_rps(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40% growth per year", 40.0),
        ("30 % YoY growth", 30.0),
        ("traffic growing by 25 %", 25.0),
        ("40 % of requests fail", None),
    ],
)
def test_growth(text: str, expected: float | None) -> None:
    assert find_growth_percent(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout returns 502 and HTTP 504", (502, 504)),
        ("resize the 500 GB disk for 500 users", ()),
        ("503 503 again", (503,)),
    ],
)
def test_status_codes(text: str, expected: tuple[int, ...]) -> None:
    assert find_status_codes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the API has been down for 75 minutes", 75.0),
        ("failing since 2 hours", 120.0),
        ("over the last 90 min", 90.0),
        ("40 % of requests fail", None),
    ],
)
def test_incident_duration(text: str, expected: float | None) -> None:
    assert find_incident_duration_minutes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checkout returns 502 for 40 % of requests", "checkout"),
        ("the billing API is down", "billing"),
        ("errors on the payments service", "payments"),
        ("restart service nginx-edge", "nginx-edge"),
        ("We need a new cluster", None),
        ("checkout 502s for 40% of requests", "checkout"),
        ("checkout 502 for 40% of requests", "checkout"),
        ("checkout returning 502s for 40% of requests", "checkout"),
        ("Our checkout is returning 502 for 40% of requests", "checkout"),
        ("Production checkout returns 502", "checkout"),
        ("checkout: 502 for 40% of requests", "checkout"),
        ("Incident: checkout returns 502 for 40% of requests", "checkout"),
        ("P1: search is slow", "search"),
        ("502s on checkout since 10:02", "checkout"),
        ("checkout-service returns 502", "checkout-service"),
        ("Checkout is down: 502 for 40% of requests; data loss suspected", "checkout"),
        ("database replication is failing, 502 on writes", None),
        ("Disk is full on db-3", None),
        ("New PostgreSQL cluster for billing with a hot standby and PITR", None),
    ],
)
def test_service(text: str, expected: str | None) -> None:
    assert find_service(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,200 of 50,000 requests failed", (48800, 50000)),
        ("1200/50000 calls returned errors", (48800, 50000)),
        ("300 errors out of 10k calls", (9700, 10000)),
        ("4000 failed requests of 10000", (6000, 10000)),
        ("48,800 of 50,000 requests succeeded", (48800, 50000)),
        ("99,000 good events out of 100,000", (99000, 100000)),
        ("good_events=99000 total_events=100000", (99000, 100000)),
        ("bad events: 5, total events: 1000", (995, 1000)),
        ("checkout returns 502 for 40% of requests", None),
        ("60 of 50 requests failed", None),
    ],
)
def test_event_counts(text: str, expected: tuple[int, int] | None) -> None:
    assert find_event_counts(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("replica lag 2s, 4s, 30s", (2.0, 4.0, 30.0)),
        ("lag samples: 0.5, 0.7, 1.2", (0.5, 0.7, 1.2)),
        ("replica lag (seconds): 1, 2, 3", (1.0, 2.0, 3.0)),
        ("replication lag 2, 4, 30 s for 40% of requests", (2.0, 4.0, 30.0)),
        ("replication lag: 200ms, 1.5 s", (0.2, 1.5)),
        ("standby lag is 2 min", (120.0,)),
        ("replay_lag 3s and 5s", (3.0, 5.0)),
        ("keep replication lag under 10s", ()),
        ("alert when replica lag exceeds 30 s", ()),
        ("New PostgreSQL cluster with a hot standby and PITR", ()),
    ],
)
def test_lag_samples(text: str, expected: tuple[float, ...]) -> None:
    assert find_lag_samples_seconds(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("replica lag 2s, 4s, sampled every 30 s", 30.0),
        ("lag samples 10s apart: 1, 2", 10.0),
        ("replica lag, one a minute: 1, 2", 60.0),
        ("backups every 5 min", None),
    ],
)
def test_lag_interval(text: str, expected: float | None) -> None:
    assert find_lag_interval_seconds(text) == expected


def test_stated_counts_give_the_failure_share() -> None:
    facts = extract_facts("checkout: 1,200 of 50,000 requests failed")
    assert (facts.good_events, facts.total_events) == (48800, 50000)
    assert facts.error_rate_percent == 2.4


def test_technology_first_named_and_normalised() -> None:
    assert find_technology("Postgres behind HAProxy") == "postgresql"
    assert find_technology("Redis then MySQL") == "redis"
    assert find_technology("plain servers") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The service has recovered.", True),
        ("resolved at 10:05", True),
        ("not resolved yet", False),
        ("it hasn't recovered", False),
        ("still failing", False),
    ],
)
def test_recovered(text: str, expected: bool) -> None:
    assert says_recovered(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("we need it by Friday", "by Friday"),
        ("within 2 weeks please", "within 2 weeks"),
        ("before 2026-03-01", "before 2026-03-01"),
        ("ASAP", "ASAP"),
        ("whenever", None),
    ],
)
def test_timeline(text: str, expected: str | None) -> None:
    assert find_timeline(text) == expected


def test_terraform_plan_found_inside_prose() -> None:
    plan = {"format_version": "1.2", "resource_changes": [{"address": "aws_instance.a"}]}
    text = f"Please review this plan:\n```json\n{json.dumps(plan)}\n```\nThanks"
    assert find_terraform_plan(text) == plan
    assert find_terraform_plan('just {"a": 1} here') is None


def test_query_plan_list_shape() -> None:
    plan = [{"Plan": {"Node Type": "Seq Scan", "Relation Name": "orders"}}]
    assert find_query_plan(f"EXPLAIN output: {json.dumps(plan)}") == plan
    assert find_query_plan("[1, 2, 3]") is None


def test_sshd_config_needs_two_directives() -> None:
    text = "Our config:\nPermitRootLogin yes\nPasswordAuthentication yes\n"
    assert find_sshd_config(text) == "PermitRootLogin yes\nPasswordAuthentication yes\n"
    assert find_sshd_config("PermitRootLogin yes only") is None


def test_apt_listing_lines() -> None:
    line = "openssl/jammy-security 3.0.2-0ubuntu1.15 amd64 [upgradable from: 3.0.2-0ubuntu1.14]"
    assert find_apt_listing(f"pending:\n{line}\nthanks") == line + "\n"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("open a status page incident", "asks_statuspage"),
        ("please page the on-call", "asks_page"),
        ("silence the disk alert", "asks_silence"),
        ("annotate the dashboard", "asks_annotation"),
    ],
)
def test_write_intents(text: str, field: str) -> None:
    facts = extract_facts(text).model_dump()
    intents = ("asks_statuspage", "asks_page", "asks_silence", "asks_annotation")
    assert {name: facts[name] for name in intents} == {name: name == field for name in intents}


def test_status_page_alone_is_not_a_page() -> None:
    facts = extract_facts("set up a status page for the API")
    assert facts.asks_page is False
    assert facts.asks_statuspage is False


def test_extract_facts_postgres_request() -> None:
    facts = extract_facts("New PostgreSQL cluster with a hot standby and PITR, RTO 1h")
    assert (facts.technology, facts.pitr, facts.standby) == ("postgresql", True, True)
    assert (facts.rpo_minutes, facts.rto_minutes) == (None, 60.0)
