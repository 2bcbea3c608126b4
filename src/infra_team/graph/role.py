"""One role at one stage: an agent with the stage's prompt and tools.

The role node hands its agent a brief (the request plus only the outputs this stage
depends on), never the whole history, and takes back the stage's structured output. An
agent bound with a write tool may pause for Change Approval, so it is a ``create_agent``
agent, resumed from its own checkpoint; any other runs its loop in the role node's own
step (``graph._loop``), with the same middleware.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware
from langchain.agents.structured_output import ToolStrategy
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import BaseModel

from infra_team.graph._checkpoints import role_agent_config
from infra_team.graph._loop import RoleLoop
from infra_team.graph._middleware import ScrubOutputMiddleware, tool_result
from infra_team.graph._request import TypedRequestMiddleware, shown_brief
from infra_team.graph._schemas import (
    BRIEF_KEY,
    Stage,
    StageBrief,
    is_solo,
    stage_schema,
    unstructured_output,
)
from infra_team.graph._stage_agent import StageAgents
from infra_team.graph._stage_middleware import (
    inline_hooks,
    install_inline_hooks,
    with_tool_events,
)
from infra_team.graph._structured import (
    LimitedAnswerReminderMiddleware,
    StructuredAnswerMiddleware,
    prose_answer,
)
from infra_team.prompts import build_stage_prompt
from infra_team.registry import RoleSpec, display_name
from infra_team.scrub import scrub, scrub_obj
from infra_team.stages import stage_tools
from infra_team.tools import writes as writes_to
from infra_team.toolsets import get_tools

MODEL_CALL_LIMIT = 6
"""Model calls one role may make at one stage (tool turns, the answer, reminders after
prose or unreadable arguments)."""
# Failed model calls are retried in one layer only: the provider's client (``max_retries``
# of ChatOpenAI, ChatAnthropic ...), which honours Retry-After. A second layer here made one
# model call up to 3 x 3 HTTP requests.

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("infra_team.graph", "templates"),
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)


RoleAgent = Runnable[Any, Any] | RoleLoop
"""A ``create_agent`` agent (bound with a write tool: it may pause), else a ``RoleLoop``."""


def build_role_agent(spec: RoleSpec, model: BaseChatModel, stage: Stage) -> StageAgents[RoleAgent]:
    """The agents for one role at one stage: the stage's prompt, the stage's tools, the
    stage schema (each brief goes to the agent bound with the write and capability tools
    its request asks for, ``graph._stage_agent``)."""
    install_inline_hooks()
    return StageAgents(
        spec.name,
        stage,
        lambda writes, asked, solo: _build_agent(spec, model, stage, writes, asked, solo),
    )


def _build_agent(
    spec: RoleSpec,
    model: BaseChatModel,
    stage: Stage,
    writes: frozenset[str],
    asked: tuple[str, ...] = (),
    solo: bool = False,
) -> RoleAgent:
    """The answer is asked for in the mode the model's provider accepts, and read from
    wherever the model put it (``graph._structured``); the reminder follows the call
    limit's count, and the answer middleware is innermost so that a rejected mode is
    retried in the next one. In a ``create_agent`` agent tool progress events come from a
    callback (``with_tool_events``), not a hook, and the wrap hooks are composed into one
    middleware, to save thread-pool hops and graph steps."""
    tools = list(stage_tools(spec.name, stage, writes, asked))
    schema = stage_schema(stage, solo)
    prompt = build_stage_prompt(spec, stage, tuple(tool.name for tool in tools))
    if not any(writes_to(tool) for tool in tools):
        return RoleLoop(
            role=spec.name,
            name=agent_name(spec.name, stage),
            model=model,
            tools=tools,
            system_prompt=prompt,
            schema=schema,
            run_limit=MODEL_CALL_LIMIT,
        )
    middleware: list[AgentMiddleware[Any, Any, Any]] = [
        LimitedAnswerReminderMiddleware(
            schema,
            ScrubOutputMiddleware(spec.name),
            TypedRequestMiddleware(),  # model and tools get the request as typed
            StructuredAnswerMiddleware(schema),  # innermost: reads the answer, retries a mode
            run_limit=MODEL_CALL_LIMIT,
        ),
    ]
    return create_agent(
        model,
        tools,
        system_prompt=prompt,
        response_format=ToolStrategy(schema),
        middleware=middleware,
        name=agent_name(spec.name, stage),
    )


def agent_name(role: str, stage: str) -> str:
    """The name a role's agent gives its messages at a stage."""
    return f"{role}.{stage}"


@cache
def _brief_template(stage: str) -> jinja2.Template:
    return _TEMPLATES.get_template(f"brief_{stage}.md.j2")


def typed_brief(brief: StageBrief) -> HumanMessage:
    """The brief a role reads, as typed: Markdown for a model, the typed brief for the
    offline engine."""
    text = _brief_template(brief.stage).render(
        role=display_name(brief.role), request=brief.request, **brief.context
    )
    brief_json = brief.model_dump(mode="json")
    return HumanMessage(content=text, additional_kwargs={BRIEF_KEY: brief_json})


def brief_message(brief: StageBrief) -> HumanMessage:
    """The brief as a ``create_agent`` agent's state holds it (scrubbed)."""
    return shown_brief(typed_brief(brief))


@dataclass(frozen=True)
class StageOutcome:
    """What one role produced at one stage."""

    output: dict[str, Any] | None
    """The structured output; without one, the role's prose as an unstructured output
    (``"unstructured": True``); None when the role wrote nothing within its call limit."""
    tool_log: list[dict[str, Any]]
    usage: dict[str, int]
    """Input and output tokens of the stage's model calls (their ``usage_metadata``)."""

    @property
    def unstructured(self) -> bool:
        return bool(self.output and self.output.get("unstructured"))


def _outcome(brief: StageBrief, result: dict[str, Any], *, scrubbed: bool) -> StageOutcome:
    """The stage's outcome; its output scrubbed unless the agent scrubbed what its model
    wrote (the tool log is scrubbed by the role node with the rest of its update)."""
    messages = result.get("messages", [])
    structured = result.get("structured_response")
    output = structured.model_dump(mode="json") if isinstance(structured, BaseModel) else None
    if output is None:
        prose = prose_answer(messages, agent_name(brief.role, brief.stage))
        output = unstructured_output(brief.stage, prose) if prose else None
    if output is not None and not scrubbed:
        output = scrub_obj(output)
    read: dict[int, dict[str, Any]] = result.get("tool_results", {})  # a RoleLoop's
    log = []
    for message in messages:
        if isinstance(message, ToolMessage) and message.name in _tool_names(brief.role):
            entry = read.get(id(message))
            log.append(
                {"role": brief.role, **(entry if entry is not None else tool_result(message))}
            )
    return StageOutcome(output=output, tool_log=log, usage=token_usage(messages))


def token_usage(messages: list[Any]) -> dict[str, int]:
    """Input and output tokens summed over the model replies that report them."""
    totals = {"input_tokens": 0, "output_tokens": 0}
    for message in messages:
        usage = message.usage_metadata if isinstance(message, AIMessage) else None
        if usage:
            totals["input_tokens"] += int(usage.get("input_tokens", 0))
            totals["output_tokens"] += int(usage.get("output_tokens", 0))
    return totals


@cache
def _tool_names(role: str) -> frozenset[str]:
    """The role's own tools (the structured-output tool's messages are not logged)."""
    return frozenset(tool.name for tool in get_tools(role))


def run_stage(
    agents: StageAgents[RoleAgent], brief: StageBrief, config: RunnableConfig
) -> StageOutcome:
    """Run the stage's agent for the brief; ``config`` is the role node's."""
    agent = agents.pick(scrub(brief.request), is_solo(brief))
    if isinstance(agent, RoleLoop):
        return _outcome(brief, agent.run(typed_brief(brief), config), scrubbed=False)
    agent_config = with_tool_events(role_agent_config(config), brief.role)
    result = agent.invoke({"messages": [brief_message(brief)]}, agent_config)
    return _outcome(brief, result, scrubbed=True)


async def arun_stage(
    agents: StageAgents[RoleAgent], brief: StageBrief, config: RunnableConfig
) -> StageOutcome:
    agent = agents.pick(scrub(brief.request), is_solo(brief))
    if isinstance(agent, RoleLoop):
        return _outcome(brief, await agent.arun(typed_brief(brief), config), scrubbed=False)
    agent_config = with_tool_events(role_agent_config(config), brief.role)
    with inline_hooks():
        result = await agent.ainvoke({"messages": [brief_message(brief)]}, agent_config)
    return _outcome(brief, result, scrubbed=True)
