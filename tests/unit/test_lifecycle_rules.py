"""Pure rules of the lifecycle: which rung the incident's age picks, how evidence closes
Production Readiness items, and how a caller's start time and evidence are checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra_team.errors import InvalidRequestError
from infra_team.gates import (
    Evidence,
    ReadinessEvidence,
    ReadinessRecord,
    apply_evidence,
    evaluate_production_readiness,
)
from infra_team.oncall import minutes_open, rung_after_triage
from infra_team.run_context import check_evidence, check_opened_at

DBA = "database-administrator"


@pytest.mark.parametrize(
    ("minutes", "owner", "rung"),
    [
        (None, DBA, DBA),
        (0, DBA, DBA),
        (14.9, DBA, DBA),
        (15, DBA, DBA),  # the secondary's span: the owner is not skipped
        (59.9, DBA, DBA),
        (60, DBA, "infrastructure-architect"),  # tiers are half-open: 60 is the architect's
        (600, None, "infrastructure-architect"),
        (20, None, "systems-administrator"),  # no owner known: the secondary on call
    ],
)
def test_rung_after_triage_follows_the_ladder(minutes, owner, rung):
    assert rung_after_triage(minutes, owner) == rung


def test_minutes_open_refuses_naive_and_reversed_times():
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert minutes_open(now - timedelta(minutes=42), now) == 42
    with pytest.raises(ValueError, match="timezone"):
        minutes_open(datetime(2026, 12, 2, 11), now)
    with pytest.raises(ValueError, match="after"):
        minutes_open(now + timedelta(minutes=1), now)


def test_readiness_stays_open_without_evidence_and_closes_with_it():
    record = ReadinessRecord(alerts_defined=True, runbooks_created=True)
    assert not evaluate_production_readiness(apply_evidence(record, None)).passed
    evidence = ReadinessEvidence(
        infrastructure_provisioned=Evidence(source="terraform state list: 14 resources"),
        security_hardening_applied=Evidence(source="CIS scan: 0 failing"),
        monitoring_configured=Evidence(source="up == 1 for 3 targets"),
        dr_tested=Evidence(
            source="restore drill", checked_at=datetime(2026, 11, 28, 10, tzinfo=UTC)
        ),
    )
    decision = evaluate_production_readiness(apply_evidence(record, evidence))
    assert decision.passed
    assert decision.items[-1].note == "restore drill, 2026-11-28 10:00 UTC"


def test_failed_evidence_opens_an_item_the_record_had_met():
    record = ReadinessRecord(alerts_defined=True, alerts_defined_evidence="rules.yaml")
    failed = ReadinessEvidence(alerts_defined=Evidence(source="promtool: 2 errors", passed=False))
    item = evaluate_production_readiness(apply_evidence(record, failed)).items[3]
    assert not item.met and item.note == "check failed: promtool: 2 errors"


def test_evidence_needs_a_source():
    with pytest.raises(ValueError, match="blank"):
        Evidence(source="   ")


def test_opened_at_is_normalised_to_utc():
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert check_opened_at("2026-12-02T12:30:00+02:00", now=now) == "2026-12-02T10:30:00+00:00"
    assert check_opened_at(None) is None
    with pytest.raises(InvalidRequestError, match="must be a datetime or an ISO 8601 string"):
        check_opened_at(1764676800)


def test_evidence_dump_keeps_only_given_items():
    assert check_evidence({"dr_tested": {"source": "drill"}}) == {
        "dr_tested": {"source": "drill", "passed": True}
    }
