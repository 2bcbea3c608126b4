"""The three protocol messages: exact rendering, parsing back, and clear validation errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import TypeVar

import pytest
from pydantic import BaseModel, ValidationError

from infra_team.protocols import (
    ChangeRequest,
    ChangeType,
    IncidentCommunication,
    IncidentStatus,
    MaintenanceNotification,
    MaintenanceType,
    RollbackAvailability,
    Severity,
    blank_template,
    from_fields,
)
from infra_team.scrub import scrub

SEED_CHANGE = """REQUEST: Infrastructure Change
TYPE: [New/Modify/Remove]
COMPONENT: [Server/Network/Database/etc.]
DESCRIPTION: [What's needed]
JUSTIFICATION: [Why needed]
TIMELINE: [When needed]
IMPACT: [Expected impact]
REQUESTER: [Team/Agent]"""

SEED_INCIDENT = """INCIDENT: [Brief description]
SEVERITY: [P1/P2/P3/P4]
STATUS: [Investigating/Identified/Fixing/Resolved]
IMPACT: [What's affected]
CURRENT_ACTION: [What's being done]
ETA: [Estimated resolution]
COMMANDER: Site Reliability Engineer"""

SEED_MAINTENANCE = """MAINTENANCE: Scheduled
WINDOW: [Start time] - [End time] UTC
AFFECTED: [Systems/Services]
TYPE: [Patching/Upgrade/Migration]
IMPACT: [Expected impact]
ROLLBACK: [Available/Not Available]
CONTACT: [On-call team]"""

CHANGE = ChangeRequest(
    type=ChangeType.MODIFY,
    component="Database",
    description="Add a read replica to orders-db",
    justification="Read traffic doubled since March",
    timeline="Before 2026-12-01",
    impact="None expected; replica builds online",
    requester="Development",
)
INCIDENT = IncidentCommunication(
    incident="Checkout API returns 502",
    severity=Severity.P1,
    status=IncidentStatus.IDENTIFIED,
    impact="All checkouts fail",
    current_action="Rolling back load balancer config",
    eta="20 min",
)
MAINTENANCE = MaintenanceNotification(
    window_start=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
    window_end=datetime(2026, 12, 1, 4, 0, tzinfo=UTC),
    affected="orders-db, checkout API",
    type=MaintenanceType.UPGRADE,
    impact="Read-only for up to 5 minutes",
    rollback=RollbackAvailability.AVAILABLE,
    contact="Site Reliability Engineer on call",
)

CHANGE_TEXT = """REQUEST: Infrastructure Change
TYPE: Modify
COMPONENT: Database
DESCRIPTION: Add a read replica to orders-db
JUSTIFICATION: Read traffic doubled since March
TIMELINE: Before 2026-12-01
IMPACT: None expected; replica builds online
REQUESTER: Development"""

INCIDENT_TEXT = """INCIDENT: Checkout API returns 502
SEVERITY: P1
STATUS: Identified
IMPACT: All checkouts fail
CURRENT_ACTION: Rolling back load balancer config
ETA: 20 min
COMMANDER: Site Reliability Engineer"""

MAINTENANCE_TEXT = """MAINTENANCE: Scheduled
WINDOW: 2026-12-01 02:00 - 2026-12-01 04:00 UTC
AFFECTED: orders-db, checkout API
TYPE: Upgrade
IMPACT: Read-only for up to 5 minutes
ROLLBACK: Available
CONTACT: Site Reliability Engineer on call"""

MESSAGES = [(CHANGE, CHANGE_TEXT), (INCIDENT, INCIDENT_TEXT), (MAINTENANCE, MAINTENANCE_TEXT)]
EXAMPLES: dict[type[BaseModel], BaseModel] = {type(message): message for message, _ in MESSAGES}
M = TypeVar("M", bound=BaseModel)


def _locs(exc: ValidationError) -> list[tuple[str | int, ...]]:
    return [tuple(err["loc"]) for err in exc.errors()]


def changed(cls: type[M], values: dict[str, object]) -> M:
    """The example ``cls`` message with ``values`` in place of its own, validated afresh."""
    return cls.model_validate({**EXAMPLES[cls].model_dump(), **values})


def refused(cls: type[BaseModel], field: str, value: object) -> ValidationError:
    """The error for the example ``cls`` message with ``field`` set to ``value``.

    It must locate the defect at ``field`` and nowhere else.
    """
    with pytest.raises(ValidationError) as caught:
        changed(cls, {field: value})
    assert _locs(caught.value) == [(field,)]
    return caught.value


# --- templates and rendering -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("change", SEED_CHANGE), ("incident", SEED_INCIDENT), ("maintenance", SEED_MAINTENANCE)],
)
def test_blank_template_is_the_seed_text(kind: str, expected: str) -> None:
    assert blank_template(kind) == expected  # type: ignore[arg-type]


def test_blank_template_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match=r"unknown protocol kind `outage`; valid kinds: `change`"):
        blank_template("outage")  # type: ignore[arg-type]


@pytest.mark.parametrize(("message", "text"), MESSAGES)
def test_render_is_exact(message: BaseModel, text: str) -> None:
    assert message.render() == text  # type: ignore[attr-defined]


@pytest.mark.parametrize(("message", "text"), MESSAGES)
def test_round_trip(message: BaseModel, text: str) -> None:
    cls = type(message)
    assert cls.parse(message.render()) == message  # type: ignore[attr-defined]
    assert cls.parse(text).render() == text  # type: ignore[attr-defined]
    assert cls.model_validate_json(message.model_dump_json()) == message


@pytest.mark.parametrize(("message", "text"), MESSAGES)
def test_parse_tolerates_fences_whitespace_and_key_case(message: BaseModel, text: str) -> None:
    cls = type(message)
    fenced = f"\n\n  ```text\n{text}\n```  \n"
    assert cls.parse(fenced) == message  # type: ignore[attr-defined]
    lowered = "\n".join(
        f"  {key.lower()} :  {value}  "
        for key, _, value in (line.partition(": ") for line in text.splitlines())
    )
    assert cls.parse(lowered) == message  # type: ignore[attr-defined]


def test_parse_picks_the_fenced_block_holding_the_message() -> None:
    text = f"Status below.\n```\nnot this one\n```\nand\n```\n{INCIDENT_TEXT}\n```\nThanks."
    assert IncidentCommunication.parse(text) == INCIDENT


def test_parse_joins_wrapped_values() -> None:
    wrapped = CHANGE_TEXT.replace(
        "DESCRIPTION: Add a read replica to orders-db",
        "DESCRIPTION: Add a read replica\n   to orders-db",
    )
    assert ChangeRequest.parse(wrapped).description == "Add a read replica to orders-db"


def test_values_are_one_line() -> None:
    request = changed(ChangeRequest, {"impact": "  Replica lag\n\n during   build  "})
    assert request.impact == "Replica lag during build"
    assert "IMPACT: Replica lag during build\n" in request.render()


def test_schema_version_frozen_and_extra_forbidden() -> None:
    assert CHANGE.schema_version == 1
    assert CHANGE.model_dump()["schema_version"] == 1
    with pytest.raises(ValidationError, match="frozen"):
        CHANGE.component = "Network"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        changed(ChangeRequest, {"owner": "x"})


@pytest.mark.parametrize("cls", [ChangeRequest, IncidentCommunication, MaintenanceNotification])
def test_every_field_is_documented(cls: type[BaseModel]) -> None:
    undocumented = [name for name, field in cls.model_fields.items() if not field.description]
    assert undocumented == []


def test_incident_commander_defaults_to_sre() -> None:
    assert INCIDENT.commander == "Site Reliability Engineer"


# --- enumerations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "field", "given", "expected"),
    [
        (ChangeRequest, "type", "new", ChangeType.NEW),
        (ChangeRequest, "type", " REMOVE ", ChangeType.REMOVE),
        (IncidentCommunication, "severity", "p3", Severity.P3),
        (IncidentCommunication, "status", "resolved", IncidentStatus.RESOLVED),
        (MaintenanceNotification, "type", "patching", MaintenanceType.PATCHING),
        (MaintenanceNotification, "rollback", "not  available", RollbackAvailability.NOT_AVAILABLE),
    ],
)
def test_enums_match_ignoring_case(
    cls: type[BaseModel], field: str, given: str, expected: str
) -> None:
    value = changed(cls, {field: given})
    assert getattr(value, field) == expected
    assert str(getattr(value, field)) == expected.value  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("cls", "field", "given", "allowed"),
    [
        (ChangeRequest, "type", "Change", "'New', 'Modify' or 'Remove'"),
        (IncidentCommunication, "severity", "P5", "'P1', 'P2', 'P3' or 'P4'"),
        (
            IncidentCommunication,
            "status",
            "Mitigated",
            "'Investigating', 'Identified', 'Fixing' or 'Resolved'",
        ),
        (MaintenanceNotification, "type", "Reboot", "'Patching', 'Upgrade' or 'Migration'"),
        (MaintenanceNotification, "rollback", "Maybe", "'Available' or 'Not Available'"),
    ],
)
def test_invalid_enum_names_field_and_allowed_values(
    cls: type[BaseModel], field: str, given: str, allowed: str
) -> None:
    assert refused(cls, field, given).errors()[0]["msg"] == f"Input should be {allowed}"


# --- role names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "field", "given", "suggested"),
    [
        (ChangeRequest, "requester", "INF-002", "Systems Administrator"),
        (ChangeRequest, "requester", "team inf_003", "team Network Engineer"),
        (IncidentCommunication, "commander", "INF-005", "Site Reliability Engineer"),
        (IncidentCommunication, "commander", "Inf 001", "Infrastructure Architect"),
        (MaintenanceNotification, "contact", "INF-004 on call", "Database Administrator on call"),
    ],
)
def test_role_names_refuse_internal_ids(
    cls: type[BaseModel], field: str, given: str, suggested: str
) -> None:
    error = refused(cls, field, given)
    assert error.errors()[0]["msg"] == (
        "Value error, must name a role or team, not an internal identifier; "
        f"write `{suggested}` instead"
    )
    assert scrub(str(error)) == str(error)


@pytest.mark.parametrize("name", ["Development", "Site Reliability Engineer", "Security team"])
def test_role_names_accept_plain_names(name: str) -> None:
    assert changed(ChangeRequest, {"requester": name}).requester == name


def test_placeholder_values_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        ChangeRequest.parse(SEED_CHANGE)
    assert _locs(caught.value) == [
        ("type",),
        ("component",),
        ("description",),
        ("justification",),
        ("timeline",),
        ("impact",),
        ("requester",),
    ]
    assert "`[Server/Network/Database/etc.]` is a template placeholder" in str(caught.value)


def test_empty_value_is_refused() -> None:
    refused(IncidentCommunication, "eta", "   ")


# --- maintenance window ----------------------------------------------------------------------


def test_window_is_converted_to_utc_and_truncated_to_the_minute() -> None:
    cet = timezone(timedelta(hours=1))
    notice = changed(
        MaintenanceNotification,
        {
            "window_start": datetime(2026, 12, 1, 3, 0, 45, 12, tzinfo=cet),
            "window_end": "2026-12-01T05:00:00+01:00",
        },
    )
    assert notice.window_start == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert notice.window_end == datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert notice.window_start.tzinfo is UTC
    assert notice.window_text == "2026-12-01 02:00 - 2026-12-01 04:00 UTC"
    assert notice == MAINTENANCE


def test_naive_window_is_refused() -> None:
    error = refused(MaintenanceNotification, "window_start", datetime(2026, 12, 1, 2))
    assert "must carry a timezone" in error.errors()[0]["msg"]


@pytest.mark.parametrize("end", ["2026-12-01T02:00:00Z", "2026-12-01T01:00:00Z"])
def test_window_end_must_follow_start(end: str) -> None:
    error = refused(MaintenanceNotification, "window_end", end)
    assert "must be after window_start" in error.errors()[0]["msg"]


@pytest.mark.parametrize(
    "window",
    [
        "2026-12-01 02:00 - 2026-12-01 04:00 UTC",
        "2026-12-01T02:00 - 2026-12-01T04:00 UTC",
        "2026-12-01 02:00 - 2026-12-01 04:00",
        "2026-12-01 02:00 – 2026-12-01 04:00 utc",
        "2026-12-01 02:00 to 2026-12-01 04:00 UTC",
    ],
)
def test_window_line_forms(window: str) -> None:
    text = MAINTENANCE_TEXT.replace("2026-12-01 02:00 - 2026-12-01 04:00 UTC", window)
    assert MaintenanceNotification.parse(text) == MAINTENANCE


@pytest.mark.parametrize(
    "window",
    [
        "2026-12-01 02:00 - 2026-12-01 04:00 CET",
        "02:00 - 04:00 UTC",
        "2026-02-30 02:00 - 2026-03-01 04:00 UTC",
        "tonight",
    ],
)
def test_window_line_refused(window: str) -> None:
    text = MAINTENANCE_TEXT.replace("2026-12-01 02:00 - 2026-12-01 04:00 UTC", window)
    with pytest.raises(ValidationError) as caught:
        MaintenanceNotification.parse(text)
    assert _locs(caught.value) == [("WINDOW",)]
    assert "`WINDOW` must read `YYYY-MM-DD HH:MM - YYYY-MM-DD HH:MM UTC`" in str(caught.value)


# --- layout errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "text", "loc", "message"),
    [
        (
            ChangeRequest,
            CHANGE_TEXT.replace("REQUEST: Infrastructure Change\n", ""),
            "REQUEST",
            "missing the line `REQUEST: Infrastructure Change`",
        ),
        (
            ChangeRequest,
            CHANGE_TEXT.replace("Infrastructure Change", "Coffee"),
            "REQUEST",
            "`REQUEST` must be `Infrastructure Change`",
        ),
        (
            MaintenanceNotification,
            MAINTENANCE_TEXT.replace("MAINTENANCE: Scheduled\n", ""),
            "MAINTENANCE",
            "missing the line `MAINTENANCE: Scheduled`",
        ),
        (
            ChangeRequest,
            CHANGE_TEXT + "\nOWNER: Platform",
            "OWNER",
            "unknown key `OWNER`; change request keys: REQUEST, TYPE, COMPONENT, DESCRIPTION, "
            "JUSTIFICATION, TIMELINE, IMPACT, REQUESTER",
        ),
        (IncidentCommunication, INCIDENT_TEXT + "\nETA: 1 h", "ETA", "`ETA` appears twice"),
        (
            IncidentCommunication,
            "Here is the update\n" + INCIDENT_TEXT,
            "text",
            "line 1 of the incident communication is not a `KEY: value` line",
        ),
        (
            IncidentCommunication,
            INCIDENT_TEXT.replace("CURRENT_ACTION: Rolling back load balancer config\n", ""),
            "CURRENT_ACTION",
            "missing `CURRENT_ACTION: [What's being done]`",
        ),
        (
            MaintenanceNotification,
            MAINTENANCE_TEXT.replace("WINDOW: 2026-12-01 02:00 - 2026-12-01 04:00 UTC\n", ""),
            "WINDOW",
            "missing `WINDOW: [Start time] - [End time] UTC`",
        ),
    ],
)
def test_layout_errors(cls: type[BaseModel], text: str, loc: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        cls.parse(text)  # type: ignore[attr-defined]
    assert _locs(caught.value) == [(loc,)]
    assert caught.value.errors()[0]["msg"] == message


def test_missing_keys_are_all_listed() -> None:
    with pytest.raises(ValidationError) as caught:
        ChangeRequest.parse("REQUEST: Infrastructure Change\nTYPE: New\nCOMPONENT: DNS")
    assert _locs(caught.value) == [
        ("DESCRIPTION",),
        ("JUSTIFICATION",),
        ("TIMELINE",),
        ("IMPACT",),
        ("REQUESTER",),
    ]


def test_layout_errors_do_not_echo_internal_ids() -> None:
    with pytest.raises(ValidationError) as caught:
        ChangeRequest.parse(CHANGE_TEXT + "\nINF_CODE: INF-004")
    assert "INF-004" not in str(caught.value)
    assert caught.value.errors()[0]["input"] == "INF_CODE: Database Administrator"


# --- from_fields -----------------------------------------------------------------------------


def test_from_fields_builds_each_kind() -> None:
    change = from_fields(
        "change",
        {
            "type": "modify",
            "Component": "Database",
            "DESCRIPTION": "Add a read replica to orders-db",
            "justification": "Read traffic doubled since March",
            "timeline": "Before 2026-12-01",
            "impact": "None expected; replica builds online",
            "requester": "Development",
        },
    )
    assert change == CHANGE
    incident = from_fields(
        "incident",
        {
            "incident": "Checkout API returns 502",
            "severity": "P1",
            "status": "identified",
            "impact": "All checkouts fail",
            "current_action": "Rolling back load balancer config",
            "eta": "20 min",
        },
    )
    assert incident == INCIDENT
    maintenance = from_fields(
        "maintenance",
        {
            "maintenance": "scheduled",
            "window": "2026-12-01 02:00 - 2026-12-01 04:00 UTC",
            "affected": "orders-db, checkout API",
            "type": "Upgrade",
            "impact": "Read-only for up to 5 minutes",
            "rollback": "Available",
            "contact": "Site Reliability Engineer on call",
        },
    )
    assert maintenance == MAINTENANCE


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        (
            {"severity_level": "P1"},
            "severity_level",
            "unknown key `severity_level`; incident communication keys: INCIDENT, SEVERITY, "
            "STATUS, IMPACT, CURRENT_ACTION, ETA, COMMANDER",
        ),
        ({"ETA": "5 min", "eta": "10 min"}, "ETA", "`ETA` is given twice"),
    ],
)
def test_from_fields_refuses_bad_keys(fields: dict[str, str], loc: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        from_fields("incident", fields)
    assert _locs(caught.value) == [(loc,)]
    assert caught.value.errors()[0]["msg"] == message


def test_from_fields_checks_fixed_lines_and_missing_keys() -> None:
    with pytest.raises(ValidationError) as caught:
        from_fields("change", {"request": "Something else", "type": "New"})
    assert _locs(caught.value)[0] == ("REQUEST",)
    assert ("COMPONENT",) in _locs(caught.value)


def test_from_fields_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown protocol kind `alert`"):
        from_fields("alert", {})  # type: ignore[call-overload]


def test_from_fields_errors_do_not_echo_internal_ids() -> None:
    with pytest.raises(ValidationError) as caught:
        from_fields("change", {"INF-005": "x"})
    assert _locs(caught.value) == [("Site Reliability Engineer",)]
    assert scrub(str(caught.value)) == str(caught.value)
