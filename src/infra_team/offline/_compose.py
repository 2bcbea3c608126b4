"""Fill a stage's structured output from the brief, the plan and the tools' real results.

The stage decides the writer (intake, design, role report, triage, escalation). The
result is fitted to the bound schema tool's JSON schema, so the call validates even if
the schema gained a field; without a schema tool the same content is rendered as Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra_team.graph._schemas import STAGE_SCHEMAS
from infra_team.offline._binding import BoundTool
from infra_team.offline._conform import conform
from infra_team.offline._conversation import SCHEMA_STAGES, Conversation
from infra_team.offline._design import compose_design, compose_intake
from infra_team.offline._evidence import Evidence
from infra_team.offline._extract import extract_facts
from infra_team.offline._handoffs import with_handoffs
from infra_team.offline._incident import compose_escalation, compose_triage
from infra_team.offline._plans import build_plan
from infra_team.offline._proposal import with_change
from infra_team.offline._reports import compose_report
from infra_team.offline._templates import render
from infra_team.registry import display_name

_WRITERS: dict[str, Callable[[Evidence], dict[str, Any]]] = {
    "intake": compose_intake,
    "design": compose_design,
    "implement": compose_report,
    "codify": compose_report,
    "operate": compose_report,
    "triage": compose_triage,
    "escalation": compose_escalation,
}
_TITLES = {
    "intake": "Intake",
    "design": "Design",
    "implement": "Implementation",
    "codify": "Automation",
    "operate": "Operations",
    "triage": "Triage",
    "escalation": "Escalation",
}


def evidence_for(conversation: Conversation) -> Evidence:
    """The brief, facts, plan and results one answer is written from."""
    brief = conversation.brief
    facts = extract_facts(brief.request)
    return Evidence(
        brief=brief,
        facts=facts,
        plan=build_plan(brief, facts),
        results=conversation.results,
    )


def _stage_for(conversation: Conversation) -> str:
    """The stage whose output is wanted: the schema tool's, when it names a stage."""
    schema = conversation.schema_tool
    stage = conversation.brief.stage
    if schema is None or schema.name not in SCHEMA_STAGES:
        return stage
    wanted = SCHEMA_STAGES[schema.name]
    return stage if STAGE_SCHEMAS[stage].__name__ == schema.name else wanted


def compose_output(conversation: Conversation) -> dict[str, Any]:
    """The stage output as a plain dict (not yet fitted to a schema), with the cross-team
    hand-offs and a lone role's change proposal where this stage decides them."""
    stage = _stage_for(conversation)
    evidence = evidence_for(conversation)
    output = _WRITERS[stage](evidence)
    return with_change(stage, evidence, with_handoffs(stage, evidence, output))


def fit_to(tool: BoundTool, output: dict[str, Any]) -> dict[str, Any]:
    """``output`` fitted to the schema tool's JSON schema (see ``_conform``)."""
    return conform(output, tool.parameters) if tool.properties else output


def as_markdown(conversation: Conversation, output: dict[str, Any]) -> str:
    """The stage output rendered for a reader, when no schema tool is bound."""
    stage = _stage_for(conversation)
    role = display_name(conversation.brief.role)
    fields = {key.replace("_", " ").capitalize(): value for key, value in output.items()}
    return render("answer.md.j2", title=f"{role}: {_TITLES[stage]}", fields=fields)
