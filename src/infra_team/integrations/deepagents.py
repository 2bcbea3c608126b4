"""deepagents: the six roles as declarative subagents and the team as a compiled one.

``create_deep_agent(model, subagents=subagents())`` gives the host's ``task`` tool seven
new ``subagent_type`` values. A role runs as a deepagents subagent with its own system
prompt and tools; ``infrastructure-team`` runs the supervisor graph itself, so its flows,
gates and escalation ladder are the same as in any other host. Interrupts of the team graph
(a write waiting for Change Approval, the human rung of an escalation) pause the host, as
deepagents' own human-in-the-loop does: give ``create_deep_agent`` a checkpointer to answer
them with ``Command(resume=...)``.

Needs the ``infra-team[deepagents]`` extra only to run the specs; building them does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool

from infra_team.graph._middleware import ScrubOutputMiddleware
from infra_team.models import ModelArg, ModelSpec, resolve_model
from infra_team.prompts import build_system_prompt
from infra_team.registry import ROLE_TYPES, TEAM, resolve_role
from infra_team.runner import build_graph
from infra_team.scrub import scrub
from infra_team.toolsets import get_tools

if TYPE_CHECKING:
    from deepagents import CompiledSubAgent, SubAgent

ToolsArg: TypeAlias = Sequence[BaseTool] | Mapping[str, Sequence[BaseTool]] | None
"""A list given to every role, or a mapping from role to its list (roles left out keep theirs)."""


def _role_model(model: ModelArg, role: str) -> BaseChatModel | None:
    """The model for one role, or None to let deepagents use the host's model."""
    spec: ModelSpec | None = (
        model.get(role, model.get("default")) if isinstance(model, Mapping) else model
    )
    return None if spec is None else resolve_model(spec)


def _role_tools(tools: ToolsArg, role: str) -> list[BaseTool]:
    if tools is None:
        return get_tools(role)
    if isinstance(tools, Mapping):
        return list(tools[role]) if role in tools else get_tools(role)
    return list(tools)


def role_subagent(role: str, *, model: ModelArg = None, tools: ToolsArg = None) -> SubAgent:
    """One role as a deepagents ``SubAgent``: its agents/ description (scrubbed), its full
    system prompt and its tools. Responses are scrubbed by middleware, so the host's tool
    message never carries an internal identifier. No ``model`` key unless a model is given."""
    spec = resolve_role(role)
    entry: dict[str, Any] = {
        "name": spec.name,
        "description": scrub(spec.description),
        "system_prompt": build_system_prompt(spec),
        "tools": _role_tools(tools, role),
        "middleware": [ScrubOutputMiddleware(spec.name)],
    }
    chosen = _role_model(model, role)
    if chosen is not None:
        entry["model"] = chosen
    return cast("SubAgent", entry)


def team_subagent(*, model: ModelArg = None) -> CompiledSubAgent:
    """The whole team as a deepagents ``CompiledSubAgent``: the supervisor graph, whose
    last message is the scrubbed report. ``model=None`` means ``INFRA_TEAM_MODEL``, else
    the offline engine (a compiled graph cannot borrow the host's model)."""
    spec = resolve_role(TEAM)
    entry = {
        "name": spec.name,
        "description": scrub(spec.description),
        "runnable": build_graph(TEAM, model=model),
    }
    return cast("CompiledSubAgent", entry)


def subagents(model: ModelArg = None, tools: ToolsArg = None) -> list[SubAgent | CompiledSubAgent]:
    """The six roles and the team, ready for ``create_deep_agent(subagents=...)``.

    Args:
        model: A chat model, a ``provider:model`` string, or a per-role mapping (key
            ``default`` for the rest). None: roles use the host's model and the team uses
            ``INFRA_TEAM_MODEL``, else the offline engine.
        tools: Replace the roles' own tools: one list for every role, or a mapping from
            role to its list.
    """
    roles: list[SubAgent | CompiledSubAgent] = [
        role_subagent(role, model=model, tools=tools) for role in ROLE_TYPES
    ]
    return [*roles, team_subagent(model=model)]
