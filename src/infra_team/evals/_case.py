"""What an eval case is: a request, the integration answers it needs, and what to expect.

A case is data (YAML), kept apart from the code under ``evals/cases/``. Each case cites
the public postmortem or common ticket it is drawn from, so a reader can check that the
expectations follow from the source and not from what one engine happens to write.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Self, cast

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from infra_team.registry import ROLE_TYPES, RoleType, SubagentType

_CASE = ConfigDict(frozen=True, extra="forbid")

Service = Literal["prometheus", "alertmanager", "pagerduty", "grafana", "statuspage"]
"""The integrations the team's HTTP tools call; each is served from the case's answers."""
GateState = Literal["passed", "open", "absent"]
"""A gate's expected state: evaluated and passed, evaluated with open items, not evaluated."""
Flow = Literal["request", "incident"]
Status = Literal["completed", "interrupted", "failed"]
Severity = Literal["P1", "P2", "P3", "P4"]
Rung = Literal[
    "infrastructure-architect",
    "systems-administrator",
    "network-engineer",
    "database-administrator",
    "site-reliability-engineer",
    "automation-engineer",
    "human",
]


class Source(BaseModel):
    """Where the case comes from: a public postmortem, a vendor's manual, a common ticket."""

    model_config = _CASE

    title: str = Field(min_length=3)
    """The document's title as its publisher gives it."""
    url: HttpUrl
    """A public address of the document."""
    note: str = ""
    """What of the source the case keeps, and what it changes (names, numbers)."""


class RecordedResponse(BaseModel):
    """One recorded answer of an integration, served to the tools during the run.

    A request is answered by the first response whose service, method, path and
    ``query_contains`` match; a request nothing matches gets HTTP 404 with an error body
    in the API's own shape, so a model sees "no data" rather than a made-up value.
    """

    model_config = _CASE

    service: Service
    method: Literal["GET", "POST"] = "GET"
    path: str = Field(pattern=r"^/")
    """Path of the API endpoint, e.g. ``/api/v1/query`` or ``/api/v2/alerts``."""
    query_contains: str | None = None
    """Served only when a query parameter (PromQL ``query``, Alertmanager ``filter``)
    contains this text, e.g. a metric name; any request to the path when unset."""
    status: int = Field(default=200, ge=100, le=599)
    body: Any = None
    """The JSON body, in the API's documented shape."""
    body_file: str | None = None
    """A JSON file beside ``case.yaml`` holding the body (folder cases only)."""

    @model_validator(mode="after")
    def _one_body(self) -> Self:
        if self.body is not None and self.body_file is not None:
            msg = "give `body` or `body_file`, not both"
            raise ValueError(msg)
        return self


class Text(BaseModel):
    """A statement looked for in the report.

    Deterministic matchers (case-insensitive, whitespace collapsed): ``text`` must occur,
    ``any`` needs one of its phrases, ``regex`` must match. ``claim`` is the statement in
    plain words for a judge model (``--judge``); a claim with no deterministic matcher is
    skipped when no judge is given.
    """

    model_config = _CASE

    text: str | None = None
    any: tuple[str, ...] = ()
    regex: str | None = None
    claim: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                msg = f"not a valid regular expression: {exc}"
                raise ValueError(msg) from None
        return value

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not (self.text or self.any or self.regex or self.claim):
            msg = "give at least one of `text`, `any`, `regex` or `claim`"
            raise ValueError(msg)
        return self

    @property
    def label(self) -> str:
        """How the statement is named in tables and JSON."""
        if self.text:
            return self.text
        if self.any:
            return " | ".join(self.any)
        if self.regex:
            return f"/{self.regex}/"
        return self.claim or ""

    @property
    def deterministic(self) -> bool:
        return bool(self.text or self.any or self.regex)


class Expectations(BaseModel):
    """What a good run does; every field left out is not checked.

    Each listed role, tool, statement and gate is one check, so a run earns partial
    credit for a partly right answer.
    """

    model_config = _CASE

    kind: Flow | None = None
    """The intake's classification (team entry) or the flow the role ran."""
    status: Status | None = None
    """Where the run stands at the end: completed, waiting for a person, failed."""
    assigned: tuple[RoleType, ...] = ()
    """Specialists the architect must assign."""
    not_assigned: tuple[RoleType, ...] = ()
    """Specialists the architect must leave out."""
    engaged: tuple[RoleType, ...] = ()
    """Roles that must have worked on the task."""
    severity: Severity | tuple[Severity, ...] | None = None
    """The triage severity; a list accepts any of its values."""
    component_owner: RoleType | None = None
    """The specialist who owns the failing component."""
    tools: tuple[str, ...] = ()
    """Tools some role must have called."""
    facts: tuple[Text, ...] = ()
    """Statements the report must make."""
    absent: tuple[Text, ...] = ()
    """Claims the report must not make (e.g. "healthy" for a replica 9 minutes behind)."""
    gates: dict[Literal["Change Approval", "Production Readiness"], GateState] = Field(
        default_factory=dict
    )
    """Each operational gate's expected state."""
    asked: tuple[str, ...] = ()
    """Questions the run must put to a person: a gate (``Change Approval``, ``Human
    escalation``) or a write tool awaiting approval (``pagerduty_event``)."""
    escalation: tuple[Rung, ...] = ()
    """The escalation trail's rungs, in order (incident flow)."""

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from infra_team.tools import TOOL_CATALOG

        unknown = [name for name in value if name not in TOOL_CATALOG]
        if unknown:
            msg = f"unknown tool `{unknown[0]}`; tools are listed by `infra-team tools`"
            raise ValueError(msg)
        return value

    def count(self) -> int:
        """How many checks these expectations make."""
        return sum(
            (
                self.kind is not None,
                self.status is not None,
                len(self.assigned),
                len(self.not_assigned),
                len(self.engaged),
                self.severity is not None,
                self.component_owner is not None,
                len(self.tools),
                len(self.facts),
                len(self.absent),
                len(self.gates),
                len(self.asked),
                bool(self.escalation),
            )
        )


class EvalCase(BaseModel):
    """One eval case."""

    model_config = _CASE

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """Unique name; the file or folder name without extension."""
    title: str = Field(min_length=3)
    source: Source
    subagent_type: SubagentType
    """Where the request enters: the team, or one role."""
    role: RoleType | None = None
    """The role the case measures (tables group by it); defaults to ``subagent_type``
    and is required for team cases."""
    flow: Flow
    """Request flow or incident (escalation) flow."""
    request: str = Field(min_length=10)
    """The request or incident, as a user would write it."""
    tags: tuple[str, ...] = ()
    http: tuple[RecordedResponse, ...] = ()
    """Recorded integration answers served to the tools."""
    expect: Expectations

    @model_validator(mode="after")
    def _role(self) -> Self:
        if self.role is None:
            if self.subagent_type not in ROLE_TYPES:
                msg = "a case entering at `infrastructure-team` names the `role` it measures"
                raise ValueError(msg)
            object.__setattr__(self, "role", self.subagent_type)
        if self.expect.count() == 0:
            msg = "`expect` makes no check; give at least one expectation"
            raise ValueError(msg)
        return self

    @property
    def measured_role(self) -> RoleType:
        """The role the case measures: ``role``, which validation fills in when left out."""
        return self.role or cast(RoleType, self.subagent_type)


__all__ = [
    "EvalCase",
    "Expectations",
    "Flow",
    "GateState",
    "RecordedResponse",
    "Source",
    "Text",
]
