"""One role at one stage: a ``create_agent`` agent with the role's prompt and tools.

The role node hands its agent a brief (the request plus only the outputs this stage
depends on), never the whole history, and takes back the stage's structured output.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelCallLimitMiddleware
from langchain.agents.structured_output import ToolStrategy
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import BaseModel

from infra_team.graph._middleware import tool_result
from infra_team.graph._schemas import BRIEF_KEY, STAGE_SCHEMAS, Stage, StageBrief
from infra_team.graph._stage_agent import route_by_writes
from infra_team.graph._stage_middleware import RetryScrubMiddleware, with_tool_events
from infra_team.prompts import build_stage_prompt
from infra_team.registry import RoleSpec, display_name
from infra_team.stages import stage_tools, write_variants
from infra_team.tools import get_tools

MODEL_CALL_LIMIT = 6
"""Model calls one role may make at one stage (a tool turn, the answer, one retry)."""
MODEL_RETRIES = 2
"""Retries of a failed model call (rate limit, timeout) before the run reports a failure."""

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("infra_team.graph", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)


def build_role_agent(spec: RoleSpec, model: BaseChatModel, stage: Stage) -> Runnable[Any, Any]:
    """The agent for one role at one stage: the stage's prompt, the stage's tools, the
    stage schema (a stage that may propose writes routes each brief to the agent bound
    with write tools only when the request asks for a write)."""
    variants = {
        writes: _build_agent(spec, model, stage, writes)
        for writes in write_variants(spec.name, stage)
    }
    return route_by_writes(variants)


def _build_agent(
    spec: RoleSpec, model: BaseChatModel, stage: Stage, writes: frozenset[str]
) -> Runnable[Any, Any]:
    tools = list(stage_tools(spec.name, stage, writes))
    middleware: list[AgentMiddleware[Any, Any, Any]] = [
        ModelCallLimitMiddleware(run_limit=MODEL_CALL_LIMIT, exit_behavior="end"),
        RetryScrubMiddleware(spec.name, max_retries=MODEL_RETRIES),
    ]
    return create_agent(
        model,
        tools,
        system_prompt=build_stage_prompt(spec, stage, tuple(tool.name for tool in tools)),
        response_format=ToolStrategy(STAGE_SCHEMAS[stage]),
        middleware=middleware,
        name=f"{spec.name}.{stage}",
    )


@cache
def _brief_template(stage: str) -> jinja2.Template:
    return _TEMPLATES.get_template(f"brief_{stage}.md.j2")


def brief_message(brief: StageBrief) -> HumanMessage:
    """The brief a role reads: Markdown for a model, the typed brief for the offline engine."""
    text = _brief_template(brief.stage).render(
        role=display_name(brief.role), request=brief.request, **brief.context
    )
    return HumanMessage(content=text, additional_kwargs={BRIEF_KEY: brief.model_dump(mode="json")})


@dataclass(frozen=True)
class StageOutcome:
    """What one role produced at one stage."""

    output: dict[str, Any] | None
    """The structured output, or None when the role gave none within its call limit."""
    tool_log: list[dict[str, Any]]


def _outcome(role: str, result: dict[str, Any]) -> StageOutcome:
    structured = result.get("structured_response")
    output = structured.model_dump(mode="json") if isinstance(structured, BaseModel) else None
    log = []
    for message in result.get("messages", []):
        if isinstance(message, ToolMessage) and message.name in _tool_names(role):
            log.append({"role": role, **tool_result(message)})
    return StageOutcome(output=output, tool_log=log)


@cache
def _tool_names(role: str) -> frozenset[str]:
    """The role's own tools (the structured-output tool's messages are not logged)."""
    return frozenset(tool.name for tool in get_tools(role))


def run_stage(agent: Runnable[Any, Any], brief: StageBrief, config: RunnableConfig) -> StageOutcome:
    result = agent.invoke(
        {"messages": [brief_message(brief)]}, with_tool_events(config, brief.role)
    )
    return _outcome(brief.role, result)


async def arun_stage(
    agent: Runnable[Any, Any], brief: StageBrief, config: RunnableConfig
) -> StageOutcome:
    result = await agent.ainvoke(
        {"messages": [brief_message(brief)]}, with_tool_events(config, brief.role)
    )
    return _outcome(brief.role, result)
