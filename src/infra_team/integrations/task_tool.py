"""The team as one LangChain tool named ``task``, for any tool-calling host.

The arguments are the ``task`` contract of deepagents (``description`` holds the full
instructions, ``subagent_type`` picks the role), so a host prompt written for deepagents,
or for Claude Code's Task tool, works unchanged. Each call is its own run of the supervisor
graph, isolated from the host's graph: a run that reaches a human decision comes back as
text (the question, the thread id, how to resume) instead of pausing the host.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import jinja2
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, WithJsonSchema

from infra_team.errors import InfraTeamError
from infra_team.gates import ReadinessEvidence
from infra_team.models import ModelArg
from infra_team.registry import SUBAGENT_TYPES, SubagentType, resolve_role
from infra_team.result import TaskResult
from infra_team.run_context import check_opened_at
from infra_team.runner import CheckpointerArg, atask, task
from infra_team.scrub import scrub

TOOL_NAME = "task"

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("infra_team.integrations", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # Markdown for a model, not HTML
    trim_blocks=True,
    lstrip_blocks=True,
)


class TaskArgs(BaseModel):
    """Arguments of the ``task`` tool (and of the MCP server's ``run_team_task``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str = Field(
        min_length=1,
        description="The full instructions for the subagent: the request or the incident "
        "with every detail it needs (systems, numbers, limits, since when) and what to return.",
    )
    subagent_type: SubagentType = Field(
        description="Which subagent works the task; one of the types listed in the tool "
        "description (`infrastructure-team` runs the whole team).",
    )
    opened_at: OpenedAt = None
    evidence: Evidence = None


def _not_in_future(value: datetime | None) -> datetime | None:
    """The run's own check (``run_context.check_opened_at``) as a validation error, so a
    host sees the same one-line reason the API gives."""
    try:
        check_opened_at(value)
    except InfraTeamError as exc:
        raise ValueError(str(exc)) from None
    return value


_EVIDENCE_ITEM = {
    "type": "object",
    "properties": {
        "source": {"type": "string", "maxLength": 500},
        "passed": {"type": "boolean", "default": True},
        "checked_at": {"type": "string", "format": "date-time"},
    },
    "required": ["source"],
    "additionalProperties": False,
}
_EVIDENCE_SCHEMA = {
    "type": "object",
    "description": "Production Readiness evidence per item: where it can be checked "
    "(`source`), `passed` (false keeps the item open), `checked_at`.",
    "propertyNames": {"enum": list(ReadinessEvidence.model_fields)},
    "additionalProperties": _EVIDENCE_ITEM,
}
"""A compact schema of ``ReadinessEvidence`` for the listing (its full one is about 2,300
characters, each call's budget pays for it); the model itself validates the value."""

OpenedAt = Annotated[
    AwareDatetime | None,
    AfterValidator(_not_in_future),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "When the incident began, ISO 8601 with timezone, not in the "
            "future: its age picks the escalation rung.",
        }
    ),
]
Evidence = Annotated[ReadinessEvidence | None, WithJsonSchema(_EVIDENCE_SCHEMA)]


@cache
def tool_description() -> str:
    """The tool description: what the tool does and each subagent type with its own
    description from the agents/ files (scrubbed, like everything a host model reads)."""
    types = [(name, resolve_role(name).description) for name in SUBAGENT_TYPES]
    return scrub(_TEMPLATES.get_template("task_tool.md.j2").render(types=types)).strip()


def render_result(result: TaskResult, *, how_to_resume: str) -> str:
    """The text a host receives: the report, and for a paused run its questions, the thread
    id and ``how_to_resume`` (which differs per host)."""
    if result.status != "interrupted":
        return result.report
    text = _TEMPLATES.get_template("paused.md.j2").render(
        report=result.report.strip(),
        questions=result.interrupts,
        thread_id=result.thread_id,
        how_to_resume=how_to_resume,
    )
    return scrub(text).strip() + "\n"


def _invalid_arguments(exc: Exception) -> str:
    """One line per bad argument for the host model (a ValidationError's own text is a
    multi-line dump with links)."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return f"invalid arguments for `{TOOL_NAME}`: {exc}"
    problems = "; ".join(
        f"`{'.'.join(str(part) for part in error['loc']) or 'arguments'}`: {error['msg']}"
        for error in errors()
    )
    return f"invalid arguments for `{TOOL_NAME}`: {problems}"


def python_resume_hint(thread_id: str, checkpointer: CheckpointerArg) -> str:
    """How a Python host resumes a paused run (and the CLI, when the run is in a file)."""
    hint = (
        "Resume it in this process with "
        f'`infra_team.resume("{thread_id}", "approve", comment="...")` '
        '(or `"reject"`), passing the same checkpointer.'
    )
    if isinstance(checkpointer, str | Path):
        hint += (
            f" From a shell: `infra-team resume {thread_id} --approve --checkpoint {checkpointer}`."
        )
    return hint


def _isolated(func: Callable[..., TaskResult], *args: Any, **kwargs: Any) -> TaskResult:
    """Run with an empty context, so the team graph is a run of its own and not a subgraph
    of the host (which would take over the host's checkpointer and interrupts)."""
    return contextvars.Context().run(func, *args, **kwargs)


def task_tool(model: ModelArg = None, *, checkpointer: CheckpointerArg = None) -> BaseTool:
    """The ``task`` tool: delegates to one of the seven subagent types and returns its
    scrubbed Markdown report (the ``TaskResult`` rides along as the tool message artifact).

    Sync and async: hosts that run tool calls concurrently (several ``task`` calls in one
    model turn) run the teams in parallel.

    Args:
        model: Model for the team: a chat model, a ``provider:model`` string, a per-role
            mapping, or None (``INFRA_TEAM_MODEL``, else the offline engine).
        checkpointer: Where paused runs are kept: a LangGraph checkpointer or a SQLite path.
            Default: in-process memory, enough to resume from the same process.
    """

    def outcome(result: TaskResult) -> tuple[str, dict[str, Any]]:
        hint = python_resume_hint(result.thread_id, checkpointer)
        return render_result(result, how_to_resume=hint), result.model_dump(mode="json")

    def run(
        description: str,
        subagent_type: str,
        opened_at: datetime | None = None,
        evidence: ReadinessEvidence | None = None,
    ) -> tuple[str, dict[str, Any]]:
        try:
            result = _isolated(
                task,
                subagent_type,
                description,
                model=model,
                checkpointer=checkpointer,
                opened_at=opened_at,
                evidence=evidence,
            )
        except InfraTeamError as exc:
            raise ToolException(str(exc)) from exc
        return outcome(result)

    async def arun(
        description: str,
        subagent_type: str,
        opened_at: datetime | None = None,
        evidence: ReadinessEvidence | None = None,
    ) -> tuple[str, dict[str, Any]]:
        coroutine = atask(
            subagent_type,
            description,
            model=model,
            checkpointer=checkpointer,
            opened_at=opened_at,
            evidence=evidence,
        )
        try:
            result = await asyncio.create_task(coroutine, context=contextvars.Context())
        except InfraTeamError as exc:
            raise ToolException(str(exc)) from exc
        return outcome(result)

    return StructuredTool.from_function(
        func=run,
        coroutine=arun,
        name=TOOL_NAME,
        description=tool_description(),
        args_schema=TaskArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=_invalid_arguments,
    )
