"""Structured outputs of each stage: what a role hands to the next node.

A model fills these at the points that need judgement (kind of request, design and
assignment, severity and owner, "is it resolved"). The graph's edges read them; the
model never chooses an edge the seed does not document.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from infra_team.handoffs import HandOff

Specialist = Literal["systems-administrator", "network-engineer", "database-administrator"]
ComponentOwner = Specialist


class _Stage(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntakeDecision(_Stage):
    """Is this a request for new or changed infrastructure, or an incident in progress?"""

    kind: Literal["request", "incident"]
    """``incident``: something is broken or degraded now; ``request``: build or change."""
    reason: str = Field(description="One sentence: which words or facts decided the kind.")


class Assignment(_Stage):
    """One specialist's part of the implementation."""

    role: Specialist
    task: str = Field(description="What this specialist must deliver, in one or two sentences.")


class ArchitectDesign(_Stage):
    """The architect's review, design and assignment for an infrastructure request."""

    summary: str = Field(description="The design in a short paragraph.")
    design: str = Field(description="Design details as Markdown: components, sizing, DR, cost.")
    assignments: list[Assignment] = Field(
        description="Specialists to implement it; only those the request needs."
    )
    change_type: Literal["New", "Modify", "Remove"]
    component: str = Field(description="Main component: Server, Network, Database, ...")
    justification: str
    timeline: str
    impact: str
    risks: list[str] = Field(description="Risk assessment: each risk with its mitigation.")
    rollback_plan: str = Field(description="How to undo the change; empty if none exists.")
    handoffs: list[HandOff] = Field(
        default_factory=list,
        description="Work for another team (Development, Security, QA): only when it needs them.",
    )


class ChangeProposal(_Stage):
    """A change a single role proposes when it works alone (no architect's design): the
    fields of an Infrastructure Change Request, its risks and its rollback."""

    change_type: Literal["New", "Modify", "Remove"]
    component: str = Field(description="Main component: Server, Network, Database, ...")
    justification: str
    timeline: str
    impact: str
    risks: list[str] = Field(description="Risk assessment: each risk with its mitigation.")
    rollback_plan: str = Field(description="How to undo the change; empty if none exists.")


class RoleReport(_Stage):
    """A role's deliverable in the request flow (specialists, automation, SRE)."""

    summary: str = Field(description="What this role did and concluded, in two sentences.")
    findings: list[str] = Field(description="Facts found, each naming the tool that showed it.")
    actions: list[str] = Field(description="Concrete next steps or changes this role proposes.")
    deliverable: str = Field(description="The role's artifact as Markdown (config, code, plan).")
    handoffs: list[HandOff] = Field(
        default_factory=list,
        description="Work for another team (Development, Security, QA): only when it needs them.",
    )


class SoloRoleReport(RoleReport):
    """A role's deliverable when it works alone (no architect's design in its brief): it
    may propose the change itself. The model sees it under ``RoleReport``'s name: one
    answer tool a stage, whichever flow runs; in the team flow the architect writes the
    change, so the team's schema leaves the field out (about 1,200 characters a call)."""

    model_config = ConfigDict(extra="forbid", title="RoleReport")

    change: ChangeProposal | None = Field(
        default=None,
        description="The change to request, when this role proposes one (a config, patch "
        "or cutover).",
    )


SoloRoleReport.__name__ = SoloRoleReport.__qualname__ = "RoleReport"


class TriageDecision(_Stage):
    """The on-call SRE's triage of an incident; feeds the Incident Communication."""

    incident: str = Field(description="Brief description of the incident.")
    severity: Literal["P1", "P2", "P3", "P4"]
    impact: str
    current_action: str
    eta: str
    component: str = Field(description="Failing component: database, network, server, ...")
    component_owner: ComponentOwner | None = Field(
        description="Specialist who owns the failing component, if one is needed."
    )
    resolved: bool = Field(description="True only if the on-call SRE has resolved it.")
    summary: str
    findings: list[str]
    handoffs: list[HandOff] = Field(
        default_factory=list,
        description="Work for another team (Development, Security, QA): only when it needs them.",
    )


class EscalationStep(_Stage):
    """One rung of the escalation ladder: resolved here, or passed up."""

    resolved: bool = Field(description="True only if this role resolved the issue.")
    escalate_reason: str = Field(
        description="Why the next rung is needed (architecture or business decision); "
        "empty when resolved."
    )
    summary: str
    findings: list[str]
    actions: list[str]
    handoffs: list[HandOff] = Field(
        default_factory=list,
        description="Work for another team (Development, Security, QA): only when it needs them.",
    )


STAGE_SCHEMAS: dict[str, type[_Stage]] = {
    "intake": IntakeDecision,
    "design": ArchitectDesign,
    "implement": RoleReport,
    "codify": RoleReport,
    "operate": RoleReport,
    "triage": TriageDecision,
    "escalation": EscalationStep,
}
"""Stage name -> the structured output a role returns at that stage."""
SOLO_SCHEMAS: dict[str, type[_Stage]] = dict.fromkeys(
    ("implement", "codify", "operate"), SoloRoleReport
)
"""Stage name -> the structured output of a role working alone there, where it differs."""


def stage_schema(stage: str, solo: bool) -> type[_Stage]:
    """The structured output a role returns at ``stage``; ``solo`` when no architect's
    design is in its brief (the role may then propose the change itself)."""
    return SOLO_SCHEMAS.get(stage, STAGE_SCHEMAS[stage]) if solo else STAGE_SCHEMAS[stage]


def is_solo(brief: StageBrief) -> bool:
    """Whether the brief's role works without an architect's design (a single-role run)."""
    return brief.stage in SOLO_SCHEMAS and not brief.context.get("design")


Stage = Literal["intake", "design", "implement", "codify", "operate", "triage", "escalation"]


class StageBrief(_Stage):
    """What a role node hands its agent besides the Markdown brief.

    It travels in the brief message's ``additional_kwargs[BRIEF_KEY]``: chat-model
    providers ignore it, while the offline engine reads it instead of parsing prose.
    """

    stage: Stage
    role: str
    """Subagent type acting at this stage."""
    request: str
    """The original request, verbatim."""
    context: dict[str, object] = Field(default_factory=dict)
    """Outputs this stage depends on, by name (``design``, ``assignment``, ``results``,
    ``automation``, ``triage``, ``trail``, ``rung``)."""


BRIEF_KEY = "infra_team_brief"


UNSTRUCTURED_NOTE = (
    "Unstructured answer: the model gave no structured result, so its prose is kept as "
    "the deliverable. Nothing in it is verified."
)
"""Summary of a stage whose model answered only in prose."""

_SUMMARY_CHARS = 300


def _first_paragraph(prose: str) -> str:
    paragraph = prose.strip().split("\n\n", 1)[0].strip()
    if len(paragraph) > _SUMMARY_CHARS:
        paragraph = paragraph[: _SUMMARY_CHARS - 1].rstrip() + "…"
    return paragraph


def unstructured_output(stage: Stage, prose: str) -> dict[str, object]:
    """The stage's output when its model answered only in prose: the prose kept as the
    deliverable, marked ``"unstructured": True``, and every judgement left open.

    Nothing is inferred from the prose: an unstructured design assigns no specialist and
    documents no change, an unstructured triage names no severity, and an unstructured
    escalation rung does not count as resolved. Gates treat it as unverified evidence.
    """
    text = prose.strip()
    base: dict[str, object] = {"unstructured": True}
    if stage == "intake":
        return {**base, "kind": None, "reason": _first_paragraph(text)}
    if stage == "design":
        return {
            **base,
            "summary": UNSTRUCTURED_NOTE,
            "design": text,
            "assignments": [],
            "change_type": None,
            "component": "",
            "justification": "",
            "timeline": "",
            "impact": "",
            "risks": [],
            "rollback_plan": "",
        }
    if stage == "triage":
        return {
            **base,
            "incident": "",
            "severity": None,
            "impact": "",
            "current_action": "",
            "eta": "",
            "component": "",
            "component_owner": None,
            "resolved": False,
            "summary": UNSTRUCTURED_NOTE,
            "findings": [],
            "deliverable": text,
        }
    if stage == "escalation":
        return {
            **base,
            "resolved": False,
            "escalate_reason": "the answer was unstructured, so the issue is not shown resolved",
            "summary": _first_paragraph(text),
            "findings": [],
            "actions": [],
            "deliverable": text,
        }
    return {
        **base,
        "summary": UNSTRUCTURED_NOTE,
        "findings": [],
        "actions": [],
        "deliverable": text,
    }
