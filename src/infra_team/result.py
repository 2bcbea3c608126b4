"""What a task run returns and what it streams: typed, and scrubbed of internal IDs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from infra_team.registry import display_name


class GateResult(BaseModel):
    """One operational gate and its checklist."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: str
    passed: bool
    open_items: list[str] = Field(default_factory=list)
    items: list[dict[str, Any]] = Field(default_factory=list)


class EscalationStep(BaseModel):
    """One rung the incident reached."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rung: str
    role: str
    """Subagent type, or ``human``."""
    role_name: str
    outcome: str
    summary: str = ""
    reason: str = ""
    actions: list[str] = Field(default_factory=list)
    """What this rung proposes (checks, remediation), also when it passes the incident up."""
    at: str | None = None
    """When the rung finished (ISO 8601, UTC): the incident's timeline."""


class PendingQuestion(BaseModel):
    """A question the run is waiting on (an interrupt)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    gate: str
    question: str
    details: dict[str, Any] = Field(default_factory=dict)
    options: list[str] = Field(default_factory=list)


class TaskResult(BaseModel):
    """The outcome of a task: report, typed artifacts and where the run stands."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subagent_type: str
    kind: Literal["request", "incident"] | None
    status: Literal["completed", "interrupted", "failed"]
    engaged_roles: list[str]
    """Subagent types of every role node that ran, in start order."""
    assigned_roles: list[str]
    """Specialists the architect assigned."""
    severity: Literal["P1", "P2", "P3", "P4"] | None = None
    component_owner: str | None = None
    escalation_trail: list[EscalationStep] = Field(default_factory=list)
    gates: list[GateResult] = Field(default_factory=list)
    interrupts: list[PendingQuestion] = Field(default_factory=list)
    artifacts: dict[str, str] = Field(default_factory=dict)
    """Rendered protocol messages: ``change_request``, ``maintenance_notification``,
    ``incident_communication``; and ``postmortem``, a Markdown draft for a P1 or P2 incident
    that was resolved or handed to a person."""
    report: str
    thread_id: str
    model: str
    error: str | None = None

    @property
    def engaged_role_names(self) -> list[str]:
        return [display_name(role) for role in self.engaged_roles]


EventType = Literal[
    "role_started", "role_finished", "tool_called", "tool_result", "token", "interrupt", "result"
]


class TaskEvent(BaseModel):
    """One progress event of a streamed run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: EventType
    role: str | None = None
    """Subagent type of the role the event belongs to."""
    role_name: str | None = None
    tool: str | None = None
    stage: str | None = None
    text: str = ""
    """Token text, tool summary or interrupt question."""
    data: dict[str, Any] = Field(default_factory=dict)
    result: TaskResult | None = None
