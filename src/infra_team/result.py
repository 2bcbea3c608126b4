"""What a task run returns and what it streams: typed, and scrubbed of internal IDs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from infra_team.handoffs import HandOff, RecordedHandOff
from infra_team.registry import display_name


class GateResult(BaseModel):
    """One operational gate and its checklist."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    gate: str
    passed: bool
    open_items: list[str] = Field(default_factory=list)
    items: list[dict[str, Any]] = Field(default_factory=list)
    unverified: list[str] = Field(default_factory=list)
    """Roles whose answers were unstructured prose: nothing they claimed counts here."""


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
    handoffs: list[HandOff] = Field(default_factory=list)
    """Work this rung handed to another team (its structured answer's decision)."""


class TokenUsage(BaseModel):
    """Tokens the models reported for their calls (``usage_metadata``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class RunUsage(BaseModel):
    """Token usage of a run, per role and in total. Zero for a model that reports none
    (the offline engine calls no language model)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    by_role: dict[str, TokenUsage] = Field(default_factory=dict)
    """Subagent type -> that role's usage over all its stages."""
    total: TokenUsage = Field(default_factory=TokenUsage)

    @classmethod
    def from_state(cls, usage: dict[str, dict[str, int]] | None) -> RunUsage:
        """From the graph state's per-role counts."""
        by_role = {role: TokenUsage(**counts) for role, counts in (usage or {}).items()}
        return cls(
            by_role=by_role,
            total=TokenUsage(
                input_tokens=sum(u.input_tokens for u in by_role.values()),
                output_tokens=sum(u.output_tokens for u in by_role.values()),
            ),
        )

    def render(self) -> str:
        """A small table: role, input, output and total tokens (or why there are none)."""
        if not self.total.total_tokens:
            return (
                "none reported (the offline engine uses no tokens; a provider that sends no "
                "usage, e.g. in streamed replies, reports none)"
            )
        rows = [("Role", "Input tokens", "Output tokens", "Total")]
        for role, usage in self.by_role.items():
            rows.append(
                (
                    display_name(role),
                    str(usage.input_tokens),
                    str(usage.output_tokens),
                    str(usage.total_tokens),
                )
            )
        total = self.total
        rows.append(
            ("Total", str(total.input_tokens), str(total.output_tokens), str(total.total_tokens))
        )
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        return "\n".join(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
            for row in rows
        )


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
    usage: RunUsage = Field(default_factory=RunUsage)
    """Input and output tokens per role and in total, from the models' usage metadata."""
    unstructured_roles: list[str] = Field(default_factory=list)
    """Subagent types whose answer was prose only: kept in the report, marked unverified."""
    handoffs: list[RecordedHandOff] = Field(default_factory=list)
    """Cross-team hand-offs (Development, Security, QA) the roles decided, in run order:
    team, reason, what is handed over and what is expected back."""

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
