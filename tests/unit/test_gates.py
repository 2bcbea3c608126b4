"""Change Approval and Production Readiness: allow and deny tables, and decision invariants."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from infra_team.gates import (
    CHANGE_APPROVAL_ITEMS,
    PRODUCTION_READINESS_ITEMS,
    ChangeRecord,
    GateDecision,
    GateItem,
    ReadinessRecord,
    evaluate_change_approval,
    evaluate_production_readiness,
)
from infra_team.protocols import ChangeRequest, MaintenanceNotification

REQUEST = ChangeRequest(
    type="Modify",
    component="Load balancer",
    description="Raise idle timeout to 120 s",
    justification="Long uploads are cut at 60 s",
    timeline="This week",
    impact="None expected",
    requester="Development",
)
WINDOW = MaintenanceNotification(
    window_start=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
    window_end=datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
    affected="public load balancer",
    type="Upgrade",
    impact="Connections may reset once",
    rollback="Available",
    contact="Site Reliability Engineer on call",
)
COMPLETE_CHANGE: dict[str, Any] = {
    "change_request": REQUEST,
    "risk_assessment": "Low: config-only change, canaried on staging",
    "rollback_plan": "Re-apply the previous listener config (terraform apply of the last tag)",
    "maintenance_window": WINDOW,
    "stakeholders_notified": True,
    "monitoring_prepared": True,
    "evaluated_at": datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
}


def test_checklists_are_the_seed_lines() -> None:
    assert CHANGE_APPROVAL_ITEMS == (
        "Change request documented",
        "Risk assessment complete",
        "Rollback plan defined",
        "Maintenance window scheduled",
        "Stakeholders notified",
        "Monitoring prepared",
    )
    assert PRODUCTION_READINESS_ITEMS == (
        "Infrastructure provisioned",
        "Security hardening applied",
        "Monitoring configured",
        "Alerts defined",
        "Runbooks created",
        "DR tested",
    )


def test_change_approval_allows_a_complete_record() -> None:
    decision = evaluate_change_approval(ChangeRecord(**COMPLETE_CHANGE))
    assert decision.gate == "Change Approval"
    assert decision.passed is True
    assert decision.open_items == ()
    assert [item.name for item in decision.items] == list(CHANGE_APPROVAL_ITEMS)
    assert decision.items[0].note == "Modify: Load balancer"
    assert decision.items[3].note == "WINDOW: 2026-12-01 02:00 - 2026-12-01 03:00 UTC"


@pytest.mark.parametrize(
    ("change", "open_item", "note"),
    [
        ({"change_request": None}, "Change request documented", "no change request"),
        ({"risk_assessment": None}, "Risk assessment complete", "no risk assessment"),
        ({"risk_assessment": "   "}, "Risk assessment complete", "no risk assessment"),
        ({"rollback_plan": None}, "Rollback plan defined", "no rollback plan"),
        ({"rollback_plan": "\n"}, "Rollback plan defined", "no rollback plan"),
        (
            {
                "maintenance_window": MaintenanceNotification.model_validate(
                    {**WINDOW.model_dump(), "rollback": "Not Available"}
                )
            },
            "Rollback plan defined",
            "the maintenance notification says ROLLBACK: Not Available",
        ),
        ({"maintenance_window": None}, "Maintenance window scheduled", "no maintenance window"),
        ({"stakeholders_notified": False}, "Stakeholders notified", "stakeholders not notified"),
        ({"monitoring_prepared": False}, "Monitoring prepared", "monitoring not prepared"),
    ],
)
def test_change_approval_denies_each_gap(change: dict[str, Any], open_item: str, note: str) -> None:
    decision = evaluate_change_approval(ChangeRecord(**{**COMPLETE_CHANGE, **change}))
    assert decision.passed is False
    assert [(item.name, item.note) for item in decision.open_items] == [(open_item, note)]


def test_change_approval_on_an_empty_record_lists_every_item() -> None:
    decision = evaluate_change_approval(ChangeRecord())
    assert decision.passed is False
    assert [item.name for item in decision.open_items] == list(CHANGE_APPROVAL_ITEMS)


READINESS_FIELDS = (
    "infrastructure_provisioned",
    "security_hardening_applied",
    "monitoring_configured",
    "alerts_defined",
    "runbooks_created",
    "dr_tested",
)
READY = dict.fromkeys(READINESS_FIELDS, True)


def test_production_readiness_allows_a_ready_record() -> None:
    record = ReadinessRecord(**READY, dr_tested_evidence="Restore drill 2026-11-20: RTO 42 min")
    decision = evaluate_production_readiness(record)
    assert decision.passed is True
    assert decision.gate == "Production Readiness"
    assert [(item.name, item.note) for item in decision.items] == [
        ("Infrastructure provisioned", "no evidence given"),
        ("Security hardening applied", "no evidence given"),
        ("Monitoring configured", "no evidence given"),
        ("Alerts defined", "no evidence given"),
        ("Runbooks created", "no evidence given"),
        ("DR tested", "Restore drill 2026-11-20: RTO 42 min"),
    ]


@pytest.mark.parametrize(
    ("field", "item"), list(zip(READINESS_FIELDS, PRODUCTION_READINESS_ITEMS, strict=True))
)
def test_production_readiness_denies_each_missing_item(field: str, item: str) -> None:
    decision = evaluate_production_readiness(ReadinessRecord(**{**READY, field: False}))
    assert decision.passed is False
    assert [(gap.name, gap.note) for gap in decision.open_items] == [(item, "not done")]


def test_evidence_without_the_flag_does_not_meet_an_item() -> None:
    record = ReadinessRecord(**{**READY, "dr_tested": False}, dr_tested_evidence="drill planned")
    decision = evaluate_production_readiness(record)
    assert [(gap.name, gap.note) for gap in decision.open_items] == [("DR tested", "drill planned")]


def _items(gate_items: tuple[str, ...], open_index: int | None) -> tuple[GateItem, ...]:
    return tuple(
        GateItem(name=name, met=index != open_index) for index, name in enumerate(gate_items)
    )


def test_decision_cannot_pass_with_an_open_item() -> None:
    with pytest.raises(ValidationError, match="cannot pass with open items: Rollback plan defined"):
        GateDecision(gate="Change Approval", items=_items(CHANGE_APPROVAL_ITEMS, 2), passed=True)


def test_decision_cannot_fail_with_every_item_met() -> None:
    with pytest.raises(ValidationError, match="every item met, so it passes"):
        GateDecision(
            gate="Change Approval", items=_items(CHANGE_APPROVAL_ITEMS, None), passed=False
        )


def test_decision_items_must_be_the_gate_checklist() -> None:
    with pytest.raises(ValidationError, match="Production Readiness items must be, in order"):
        GateDecision(
            gate="Production Readiness", items=_items(CHANGE_APPROVAL_ITEMS, None), passed=True
        )


def test_decision_is_frozen() -> None:
    decision = evaluate_change_approval(ChangeRecord(**COMPLETE_CHANGE))
    with pytest.raises(ValidationError, match="frozen"):
        decision.passed = False  # type: ignore[misc]


def test_render_is_the_seed_checklist_ticked() -> None:
    decision = evaluate_production_readiness(
        ReadinessRecord(**{**READY, "alerts_defined": False, "dr_tested": False})
    )
    assert decision.render() == (
        "### Production Readiness: not passed\n"
        "- [x] Infrastructure provisioned (no evidence given)\n"
        "- [x] Security hardening applied (no evidence given)\n"
        "- [x] Monitoring configured (no evidence given)\n"
        "- [ ] Alerts defined (not done)\n"
        "- [x] Runbooks created (no evidence given)\n"
        "- [ ] DR tested (not done)"
    )


@pytest.mark.parametrize(
    ("evaluated_at", "met"),
    [
        (datetime(2026, 11, 30, 12, 0, tzinfo=UTC), True),
        (datetime(2026, 12, 1, 2, 30, tzinfo=UTC), True),
        (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), False),
        (datetime(2027, 1, 1, tzinfo=UTC), False),
    ],
)
def test_a_window_that_has_ended_is_not_scheduled(evaluated_at: datetime, met: bool) -> None:
    record = ChangeRecord(**{**COMPLETE_CHANGE, "evaluated_at": evaluated_at})
    item = evaluate_change_approval(record).items[3]
    assert item.name == "Maintenance window scheduled"
    assert item.met is met
    assert ("has passed" in item.note) is not met


def test_a_window_in_2020_never_counts() -> None:
    old = WINDOW.model_copy(
        update={
            "window_start": datetime(2020, 3, 1, 2, 0, tzinfo=UTC),
            "window_end": datetime(2020, 3, 1, 4, 0, tzinfo=UTC),
        }
    )
    decision = evaluate_change_approval(
        ChangeRecord(
            **{**COMPLETE_CHANGE, "maintenance_window": old, "evaluated_at": datetime.now(UTC)}
        )
    )
    assert not decision.passed
    assert [item.name for item in decision.open_items] == ["Maintenance window scheduled"]
