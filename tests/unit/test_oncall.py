"""On-call rotation, escalation tiers, component owners and the escalation ladder."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from pydantic import ValidationError

from infra_team import _paths
from infra_team.errors import RegistryError
from infra_team.oncall import (
    ON_CALL_POLICY,
    EscalationTier,
    OnCallPolicy,
    component_owner,
    escalation_ladder,
    evaluate_on_call,
    incident_holder,
)
from infra_team.registry import SPECIALISTS, RoleSpec, parse_agent_file, registry


def _at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# --- rotation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "rotation_day", "shift_start", "next_handoff"),
    [
        (_at(2, 8, 59), date(2026, 12, 1), _at(1, 9), _at(2, 9)),
        (_at(2, 9, 0), date(2026, 12, 2), _at(2, 9), _at(3, 9)),
        (_at(2, 0, 0), date(2026, 12, 1), _at(1, 9), _at(2, 9)),
        (_at(31, 23, 59), date(2026, 12, 31), _at(31, 9), datetime(2027, 1, 1, 9, tzinfo=UTC)),
        (
            datetime(2027, 1, 1, 8, 0, tzinfo=UTC),
            date(2026, 12, 31),
            _at(31, 9),
            datetime(2027, 1, 1, 9, tzinfo=UTC),
        ),
        # 09:30 at UTC+01:00 is 08:30 UTC: still the previous day's shift.
        (
            datetime(2026, 12, 2, 9, 30, tzinfo=timezone(timedelta(hours=1))),
            date(2026, 12, 1),
            _at(1, 9),
            _at(2, 9),
        ),
        # 04:00 at UTC-05:00 is 09:00 UTC: the new shift has begun.
        (
            datetime(2026, 12, 2, 4, 0, tzinfo=timezone(timedelta(hours=-5))),
            date(2026, 12, 2),
            _at(2, 9),
            _at(3, 9),
        ),
    ],
)
def test_rotation_day_and_handoffs(
    at: datetime, rotation_day: date, shift_start: datetime, next_handoff: datetime
) -> None:
    decision = evaluate_on_call(at)
    assert decision.rotation_day == rotation_day
    assert decision.shift_start == shift_start
    assert decision.next_handoff == next_handoff
    assert decision.at == at
    assert decision.at.tzinfo is UTC
    assert decision.primary == "site-reliability-engineer"
    assert decision.secondary == "systems-administrator"


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError, match="`at` must be timezone-aware"):
        evaluate_on_call(datetime(2026, 12, 2, 8, 59))


def test_policy_values_are_the_seed() -> None:
    assert ON_CALL_POLICY.handoff == time(9, 0)
    assert [(t.holder, t.from_minute, t.until_minute) for t in ON_CALL_POLICY.tiers] == [
        ("site-reliability-engineer", 0, 15),
        ("systems-administrator", 15, 30),
        ("component-owner", 30, 60),
        ("infrastructure-architect", 60, None),
    ]
    with pytest.raises(ValidationError, match="frozen"):
        ON_CALL_POLICY.handoff = time(8, 0)  # type: ignore[misc]


def test_policy_tiers_must_be_contiguous() -> None:
    with pytest.raises(ValidationError, match="each begin where the previous ends"):
        OnCallPolicy(
            primary="site-reliability-engineer",
            secondary="systems-administrator",
            handoff=time(9, 0),
            tiers=(
                EscalationTier(holder="site-reliability-engineer", from_minute=0, until_minute=15),
                EscalationTier(
                    holder="infrastructure-architect", from_minute=20, until_minute=None
                ),
            ),
        )


# --- escalation tiers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "owner", "holder"),
    [
        (0, None, "site-reliability-engineer"),
        (14.999, "network-engineer", "site-reliability-engineer"),
        (15, "network-engineer", "systems-administrator"),
        (29.999, "database-administrator", "systems-administrator"),
        (30, "database-administrator", "database-administrator"),
        (30, "network-engineer", "network-engineer"),
        (30, None, "systems-administrator"),
        (59.999, "network-engineer", "network-engineer"),
        (60, "network-engineer", "infrastructure-architect"),
        (60 * 24 * 7, None, "infrastructure-architect"),
        (math.inf, None, "infrastructure-architect"),
    ],
)
def test_incident_holder_boundaries(minutes: float, owner: str | None, holder: str) -> None:
    assert incident_holder(minutes, owner) == holder  # type: ignore[arg-type]


@pytest.mark.parametrize("minutes", [-0.001, math.nan])
def test_incident_holder_rejects_bad_ages(minutes: float) -> None:
    with pytest.raises(ValueError, match="`minutes_since_open` must be a number >= 0"):
        incident_holder(minutes, None)


def test_incident_holder_rejects_a_non_specialist_owner() -> None:
    with pytest.raises(
        ValueError, match="component owner `automation-engineer` is not a specialist"
    ):
        incident_holder(45, "automation-engineer")


@pytest.mark.parametrize(
    ("owner", "ladder"),
    [
        (
            "database-administrator",
            (
                "site-reliability-engineer",
                "database-administrator",
                "infrastructure-architect",
                "human",
            ),
        ),
        (
            "network-engineer",
            ("site-reliability-engineer", "network-engineer", "infrastructure-architect", "human"),
        ),
        (
            None,
            (
                "site-reliability-engineer",
                "systems-administrator",
                "infrastructure-architect",
                "human",
            ),
        ),
    ],
)
def test_escalation_ladder(owner: str | None, ladder: tuple[str, ...]) -> None:
    assert escalation_ladder(owner) == ladder  # type: ignore[arg-type]


def test_escalation_ladder_rejects_a_non_specialist_owner() -> None:
    with pytest.raises(ValueError, match="valid owners: `systems-administrator`"):
        escalation_ladder("site-reliability-engineer")


# --- component owners ------------------------------------------------------------------------

FAKE_ROSTER = {
    "systems-administrator": RoleSpec.model_construct(
        name="systems-administrator", components=("server", "host", "disk", "database server")
    ),
    "network-engineer": RoleSpec.model_construct(
        name="network-engineer", components=("dns", "load balancer", "firewall", "502")
    ),
    "database-administrator": RoleSpec.model_construct(
        name="database-administrator", components=("database", "postgres", "index", "server")
    ),
    "site-reliability-engineer": RoleSpec.model_construct(
        name="site-reliability-engineer", components=("monitoring", "dns")
    ),
}


@pytest.mark.parametrize(
    ("component", "owner"),
    [
        ("postgres", "database-administrator"),
        ("Postgres", "database-administrator"),
        ("DNS", "network-engineer"),
        ("edge Load-Balancer", "network-engineer"),
        ("load balancers", "network-engineer"),
        ("hosts", "systems-administrator"),
        ("indexes", "database-administrator"),
        ("HTTP 502 at the edge", "network-engineer"),
        # Exact match beats partial: "server" is listed by both; exact ties go to list order.
        ("server", "systems-administrator"),
        # Longest listed phrase wins: "database server" over "database" and "server".
        ("primary database server", "systems-administrator"),
        ("orders database", "database-administrator"),
        # Not a specialist's component (monitoring belongs to the on-call role itself).
        ("monitoring", None),
        ("dnsmasq", None),
        ("", None),
        ("  --  ", None),
    ],
)
def test_component_owner_with_a_given_roster(component: str, owner: str | None) -> None:
    assert component_owner(component, specs=FAKE_ROSTER) == owner


def _packaged_roster() -> dict[str, RoleSpec]:
    """The agents/ files parsed one by one (the tool catalog is not needed here)."""
    paths = sorted(_paths.agents_dir().glob("*.md"))
    roster = {path.stem: parse_agent_file(path) for path in paths}
    missing = [role for role in (*SPECIALISTS, "site-reliability-engineer") if role not in roster]
    if missing:
        pytest.skip(f"agents/ files not written yet: {', '.join(missing)}")
    return roster


def test_packaged_components_map_to_a_specialist_listing_them() -> None:
    roster = _packaged_roster()
    checked = 0
    for role in SPECIALISTS:
        for listed in roster[role].components:
            owner = component_owner(listed, specs=roster)
            assert owner is not None, listed
            assert listed in roster[owner].components
            checked += 1
    assert checked > 0
    assert component_owner("postgres primary", specs=roster) == "database-administrator"
    assert component_owner("DNS resolver", specs=roster) == "network-engineer"
    assert component_owner("disk full", specs=roster) == "systems-administrator"


def test_packaged_escalation_edges_agree_with_the_ladder() -> None:
    roster = _packaged_roster()
    assert roster["site-reliability-engineer"].escalates_to == "component-owner"
    for role in SPECIALISTS:
        assert roster[role].escalates_to == "infrastructure-architect"
    assert roster["infrastructure-architect"].escalates_to == "human"


def test_component_owner_reads_the_packaged_registry_by_default() -> None:
    try:
        registry()
    except RegistryError as exc:
        pytest.skip(f"the packaged registry does not load yet: {exc}")
    assert component_owner("postgres") == "database-administrator"
