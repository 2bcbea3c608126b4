"""The team's three communication protocols as typed messages that render and parse.

Each message renders exactly the ``KEY: value`` block of the specification
(``seed/infrastructure-team.md``, "Communication Protocols"): same keys, same order,
one line per key. ``parse`` reads such a block back, tolerating surrounding
whitespace, Markdown code fences, lower-case keys and values wrapped over several
lines; ``from_fields`` builds a message from ``KEY=VALUE`` pairs (``--field`` on the
command line).

Rules every message follows:

- Each value is one line: whitespace runs, line breaks included, become one space,
  so ``parse(render())`` gives the message back unchanged.
- A value still holding a template placeholder (``[What's needed]``) is rejected.
- Enumerated values are matched case-insensitively (``p1`` reads as ``P1``).
- Names of people's roles and teams (``REQUESTER``, ``COMMANDER``, ``CONTACT``) must not
  contain an internal identifier; the error suggests the role's display name.
- Maintenance windows are UTC and minute-precise: ``WINDOW: 2026-12-01 02:00 -
  2026-12-01 04:00 UTC`` (``WINDOW_FORMAT`` for each time). Datetimes must carry a
  timezone; they are converted to UTC and seconds are dropped (the start of the
  minute is kept).

Every defect, in a value or in the text's layout, raises ``pydantic.ValidationError``
(a ``ValueError``) whose location names the field or template key at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Literal, NamedTuple, Self, TypeVar, overload

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from infra_team.scrub import scrub

SCHEMA_VERSION: Literal[1] = 1
WINDOW_FORMAT = "%Y-%m-%d %H:%M"
"""strftime format of each time on the ``WINDOW`` line (UTC, minute precision)."""

ProtocolKind = Literal["change", "incident", "maintenance"]


class ChangeType(StrEnum):
    """``TYPE`` of an infrastructure change request."""

    NEW = "New"
    MODIFY = "Modify"
    REMOVE = "Remove"


class Severity(StrEnum):
    """Incident severity, P1 the most severe."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class IncidentStatus(StrEnum):
    """Where an incident stands."""

    INVESTIGATING = "Investigating"
    IDENTIFIED = "Identified"
    FIXING = "Fixing"
    RESOLVED = "Resolved"


class MaintenanceType(StrEnum):
    """Kind of scheduled maintenance."""

    PATCHING = "Patching"
    UPGRADE = "Upgrade"
    MIGRATION = "Migration"


class RollbackAvailability(StrEnum):
    """Whether a maintenance can be rolled back."""

    AVAILABLE = "Available"
    NOT_AVAILABLE = "Not Available"


class TemplateLine(NamedTuple):
    """One ``KEY: value`` line of a protocol template."""

    key: str
    """The upper-case key, e.g. ``CURRENT_ACTION``."""
    placeholder: str
    """The template's text after the key; for a fixed line, its only allowed value."""
    field: str | None
    """Model field the line carries; None for a fixed line such as ``MAINTENANCE: Scheduled``."""


E = TypeVar("E", bound=StrEnum)
_FENCE = re.compile(r"```[^\n]*\n(?P<body>.*?)```", re.DOTALL)
_KEY_SHAPE = re.compile(r"[A-Z][A-Z_]+")
_STAMP = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"
_WINDOW = re.compile(
    rf"(?P<start>{_STAMP})\s+(?:-|–|to)\s+(?P<end>{_STAMP})(?:\s*UTC)?", re.IGNORECASE
)


def _enum_lookup(enum: type[E]) -> BeforeValidator:
    """Match a string to an enum member ignoring case and extra spaces."""

    def lookup(value: object) -> object:
        if isinstance(value, str):
            wanted = " ".join(value.split()).casefold()
            for member in enum:
                if member.value.casefold() == wanted:
                    return member
        return value

    return BeforeValidator(lookup)


def _one_line(value: object) -> object:
    """Collapse whitespace runs (line breaks included): each value is one template line."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _not_placeholder(value: str) -> str:
    if value.startswith("[") and value.endswith("]"):
        msg = f"`{value}` is a template placeholder; write the actual value"
        raise ValueError(msg)
    return value


def _no_internal_id(value: str) -> str:
    """Role and team names are shown to users, so internal identifiers are refused."""
    clean = scrub(value)
    if clean != value:
        msg = f"must name a role or team, not an internal identifier; write `{clean}` instead"
        raise ValueError(msg)
    return value


def _utc_minute(value: datetime) -> datetime:
    """Timezone-aware datetime -> UTC, truncated to the minute (the WINDOW line's precision)."""
    if value.tzinfo is None or value.utcoffset() is None:
        msg = (
            "must carry a timezone, e.g. `2026-12-01T02:00:00Z` or `2026-12-01T03:00:00+01:00`; "
            "a time without one is ambiguous"
        )
        raise ValueError(msg)
    return value.astimezone(UTC).replace(second=0, microsecond=0)


Text = Annotated[
    str, BeforeValidator(_one_line), Field(min_length=1), AfterValidator(_not_placeholder)
]
RoleName = Annotated[Text, AfterValidator(_no_internal_id)]
UtcMinute = Annotated[datetime, AfterValidator(_utc_minute)]


def _format_error(title: str, problems: list[tuple[str, str]], snippet: str) -> ValidationError:
    """A ``ValidationError`` for a layout defect, located at the template key at fault."""
    details = [
        InitErrorDetails(
            type=PydanticCustomError("protocol_format", "{detail}", {"detail": scrub(message)}),
            loc=(scrub(key),),
            input=scrub(snippet),
        )
        for key, message in problems
    ]
    return ValidationError.from_exception_data(title, details, hide_input=True)


def _unfence(text: str, anchor: str) -> str:
    """The fenced block holding ``anchor:`` (else the first block), or the text itself."""
    blocks = [match["body"] for match in _FENCE.finditer(text)]
    if not blocks:
        return text
    pattern = re.compile(rf"^\s*{anchor}\s*:", re.IGNORECASE | re.MULTILINE)
    return next((block for block in blocks if pattern.search(block)), blocks[0])


class _Message(BaseModel):
    """Shared rendering and parsing; subclasses declare ``KIND``, ``TITLE`` and ``LINES``."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", hide_input_in_errors=True, use_attribute_docstrings=True
    )

    KIND: ClassVar[ProtocolKind]
    TITLE: ClassVar[str]
    LINES: ClassVar[tuple[TemplateLine, ...]]

    schema_version: Literal[1] = SCHEMA_VERSION
    """Version of this message's schema; changes only with an incompatible change."""

    def render(self) -> str:
        """The message as the specification's ``KEY: value`` block."""
        return "\n".join(f"{line.key}: {self._render_value(line)}" for line in self.LINES)

    def _render_value(self, line: TemplateLine) -> str:
        if line.field is None:
            return line.placeholder
        return str(getattr(self, line.field))

    @classmethod
    def template_keys(cls) -> tuple[str, ...]:
        """The template's keys, in order."""
        return tuple(line.key for line in cls.LINES)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a rendered block back (code fences, blank lines and key case are tolerated).

        A line starting with a known key (any case) opens that key; a line that looks like
        an unknown upper-case key is an error; any other line continues the previous value.

        Raises:
            ValidationError: a fixed line is missing or wrong, a key is unknown, repeated or
                missing, or a value is invalid.
        """
        block = _unfence(text, cls.LINES[0].key)
        known = set(cls.template_keys())
        values: dict[str, str] = {}
        current: str | None = None
        for number, raw in enumerate(block.strip().splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            head, colon, rest = line.partition(":")
            key = head.strip().upper()
            if colon and key in known:
                if key in values:
                    raise _format_error(cls.__name__, [(key, f"`{key}` appears twice")], line)
                values[key] = rest.strip()
                current = key
            elif colon and _KEY_SHAPE.fullmatch(head.strip()):
                message = f"unknown key `{head.strip()}`; {cls.TITLE} keys: {', '.join(cls.template_keys())}"
                raise _format_error(cls.__name__, [(head.strip(), message)], line)
            elif current is None:
                message = f"line {number} of the {cls.TITLE} is not a `KEY: value` line"
                raise _format_error(cls.__name__, [("text", message)], line)
            else:
                values[current] = f"{values[current]} {line}".strip()
        return cls._from_values(values, require_fixed=True)

    @classmethod
    def _from_values(cls, values: Mapping[str, str], *, require_fixed: bool) -> Self:
        problems: list[tuple[str, str]] = []
        for line in cls.LINES:
            given = values.get(line.key)
            if given is None:
                if line.field is None and require_fixed:
                    problems.append(
                        (line.key, f"missing the line `{line.key}: {line.placeholder}`")
                    )
                elif line.field is not None and cls._required(line):
                    problems.append((line.key, f"missing `{line.key}: {line.placeholder}`"))
            elif line.field is None and given.strip().casefold() != line.placeholder.casefold():
                problems.append((line.key, f"`{line.key}` must be `{line.placeholder}`"))
        if problems:
            raise _format_error(cls.__name__, problems, ", ".join(values))
        return cls.model_validate(cls._inputs(values))

    @classmethod
    def _required(cls, line: TemplateLine) -> bool:
        field = cls.model_fields.get(line.field or "")
        return field is None or field.is_required()

    @classmethod
    def _inputs(cls, values: Mapping[str, str]) -> dict[str, object]:
        """Model input from template values (fixed lines dropped)."""
        return {
            line.field: values[line.key]
            for line in cls.LINES
            if line.field is not None and line.key in values
        }


class ChangeRequest(_Message):
    """Infrastructure Change Request: what a team asks the infrastructure team to change."""

    KIND: ClassVar[ProtocolKind] = "change"
    TITLE: ClassVar[str] = "change request"
    LINES: ClassVar[tuple[TemplateLine, ...]] = (
        TemplateLine("REQUEST", "Infrastructure Change", None),
        TemplateLine("TYPE", "[New/Modify/Remove]", "type"),
        TemplateLine("COMPONENT", "[Server/Network/Database/etc.]", "component"),
        TemplateLine("DESCRIPTION", "[What's needed]", "description"),
        TemplateLine("JUSTIFICATION", "[Why needed]", "justification"),
        TemplateLine("TIMELINE", "[When needed]", "timeline"),
        TemplateLine("IMPACT", "[Expected impact]", "impact"),
        TemplateLine("REQUESTER", "[Team/Agent]", "requester"),
    )

    type: Annotated[ChangeType, _enum_lookup(ChangeType)]
    """New, Modify or Remove."""
    component: Text
    """What is changed: server, network, database, load balancer ..."""
    description: Text
    """What is needed."""
    justification: Text
    """Why it is needed."""
    timeline: Text
    """When it is needed."""
    impact: Text
    """Expected impact on users and services."""
    requester: RoleName
    """Requesting team or role, by name (never an internal identifier)."""


class IncidentCommunication(_Message):
    """Incident Communication: the status update sent while an incident is handled."""

    KIND: ClassVar[ProtocolKind] = "incident"
    TITLE: ClassVar[str] = "incident communication"
    LINES: ClassVar[tuple[TemplateLine, ...]] = (
        TemplateLine("INCIDENT", "[Brief description]", "incident"),
        TemplateLine("SEVERITY", "[P1/P2/P3/P4]", "severity"),
        TemplateLine("STATUS", "[Investigating/Identified/Fixing/Resolved]", "status"),
        TemplateLine("IMPACT", "[What's affected]", "impact"),
        TemplateLine("CURRENT_ACTION", "[What's being done]", "current_action"),
        TemplateLine("ETA", "[Estimated resolution]", "eta"),
        TemplateLine("COMMANDER", "Site Reliability Engineer", "commander"),
    )

    incident: Text
    """Brief description of the incident."""
    severity: Annotated[Severity, _enum_lookup(Severity)]
    """P1 (most severe) to P4."""
    status: Annotated[IncidentStatus, _enum_lookup(IncidentStatus)]
    """Investigating, Identified, Fixing or Resolved."""
    impact: Text
    """What is affected."""
    current_action: Text
    """What is being done now."""
    eta: Text
    """Estimated resolution, e.g. ``30 min`` or ``unknown``."""
    commander: RoleName = "Site Reliability Engineer"
    """Incident commander, by role name (never an internal identifier)."""


class MaintenanceNotification(_Message):
    """Maintenance Notification: announces a scheduled maintenance window."""

    KIND: ClassVar[ProtocolKind] = "maintenance"
    TITLE: ClassVar[str] = "maintenance notification"
    LINES: ClassVar[tuple[TemplateLine, ...]] = (
        TemplateLine("MAINTENANCE", "Scheduled", None),
        TemplateLine("WINDOW", "[Start time] - [End time] UTC", "window"),
        TemplateLine("AFFECTED", "[Systems/Services]", "affected"),
        TemplateLine("TYPE", "[Patching/Upgrade/Migration]", "type"),
        TemplateLine("IMPACT", "[Expected impact]", "impact"),
        TemplateLine("ROLLBACK", "[Available/Not Available]", "rollback"),
        TemplateLine("CONTACT", "[On-call team]", "contact"),
    )

    window_start: UtcMinute
    """Start of the window; timezone required, stored in UTC to the minute."""
    window_end: UtcMinute
    """End of the window, after the start; timezone required, stored in UTC to the minute."""
    affected: Text
    """Systems and services affected."""
    type: Annotated[MaintenanceType, _enum_lookup(MaintenanceType)]
    """Patching, Upgrade or Migration."""
    impact: Text
    """Expected impact during the window."""
    rollback: Annotated[RollbackAvailability, _enum_lookup(RollbackAvailability)]
    """Whether the change can be rolled back: Available or Not Available."""
    contact: RoleName
    """On-call team to contact, by name (never an internal identifier)."""

    @field_validator("window_end")
    @classmethod
    def _end_after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("window_start")
        if isinstance(start, datetime) and value <= start:
            msg = (
                f"must be after window_start: `{value:{WINDOW_FORMAT}} UTC` is not after "
                f"`{start:{WINDOW_FORMAT}} UTC`"
            )
            raise ValueError(msg)
        return value

    @property
    def window_text(self) -> str:
        """The ``WINDOW`` value, e.g. ``2026-12-01 02:00 - 2026-12-01 04:00 UTC``."""
        return f"{self.window_start:{WINDOW_FORMAT}} - {self.window_end:{WINDOW_FORMAT}} UTC"

    def _render_value(self, line: TemplateLine) -> str:
        if line.key == "WINDOW":
            return self.window_text
        return super()._render_value(line)

    @classmethod
    def _inputs(cls, values: Mapping[str, str]) -> dict[str, object]:
        inputs = super()._inputs(values)
        window = inputs.pop("window", None)
        if isinstance(window, str):
            inputs["window_start"], inputs["window_end"] = cls._parse_window(window)
        return inputs

    @classmethod
    def _parse_window(cls, text: str) -> tuple[datetime, datetime]:
        """``YYYY-MM-DD HH:MM - YYYY-MM-DD HH:MM UTC`` -> two UTC datetimes."""
        match = _WINDOW.fullmatch(text.strip())
        problem = (
            f"`WINDOW` must read `YYYY-MM-DD HH:MM - YYYY-MM-DD HH:MM UTC` (times in UTC), "
            f"e.g. `2026-12-01 02:00 - 2026-12-01 04:00 UTC`; got `{text.strip()}`"
        )
        if match is None:
            raise _format_error(cls.__name__, [("WINDOW", problem)], text)
        try:
            start, end = (
                datetime.strptime(match[part].replace("T", " "), WINDOW_FORMAT).replace(tzinfo=UTC)
                for part in ("start", "end")
            )
        except ValueError as exc:
            raise _format_error(cls.__name__, [("WINDOW", f"{problem} ({exc})")], text) from exc
        return start, end


ProtocolMessage = ChangeRequest | IncidentCommunication | MaintenanceNotification
MESSAGE_TYPES: dict[ProtocolKind, type[ProtocolMessage]] = {
    message_type.KIND: message_type
    for message_type in (ChangeRequest, IncidentCommunication, MaintenanceNotification)
}


def _message_type(kind: str) -> type[ProtocolMessage]:
    for name, message_type in MESSAGE_TYPES.items():
        if name == kind:
            return message_type
    valid = ", ".join(f"`{name}`" for name in MESSAGE_TYPES)
    msg = f"unknown protocol kind `{kind}`; valid kinds: {valid}"
    raise ValueError(msg)


def blank_template(kind: ProtocolKind) -> str:
    """The specification's template for ``kind``, with its bracket placeholders.

    Raises:
        ValueError: ``kind`` is not ``change``, ``incident`` or ``maintenance``.
    """
    return "\n".join(f"{line.key}: {line.placeholder}" for line in _message_type(kind).LINES)


@overload
def from_fields(kind: Literal["change"], fields: Mapping[str, str]) -> ChangeRequest: ...
@overload
def from_fields(kind: Literal["incident"], fields: Mapping[str, str]) -> IncidentCommunication: ...
@overload
def from_fields(
    kind: Literal["maintenance"], fields: Mapping[str, str]
) -> MaintenanceNotification: ...
@overload
def from_fields(kind: ProtocolKind, fields: Mapping[str, str]) -> ProtocolMessage: ...
def from_fields(kind: ProtocolKind, fields: Mapping[str, str]) -> ProtocolMessage:
    """Build a message from template keys and values (``--field KEY=VALUE``).

    Keys are the template's keys in any case; fixed lines (``REQUEST``, ``MAINTENANCE``)
    may be left out and, if given, must hold their fixed value.

    Raises:
        ValueError: ``kind`` is unknown.
        ValidationError: a key is unknown, repeated or missing, or a value is invalid.
    """
    message_type = _message_type(kind)
    known = message_type.template_keys()
    values: dict[str, str] = {}
    for raw_key, value in fields.items():
        key = raw_key.strip().upper()
        if key not in known:
            message = f"unknown key `{raw_key}`; {message_type.TITLE} keys: {', '.join(known)}"
            raise _format_error(message_type.__name__, [(raw_key, message)], raw_key)
        if key in values:
            message = f"`{key}` is given twice"
            raise _format_error(message_type.__name__, [(key, message)], raw_key)
        values[key] = value
    return message_type._from_values(values, require_fixed=False)
