"""What the engine remembers of the tools bound to it: name, JSON schema, writes flag.

``bind_tools`` may receive LangChain tools, pydantic classes, plain functions or tool
dicts in the OpenAI, Anthropic or bare JSON-schema shape (``create_agent`` passes the
role's tools plus one structured-output tool named after the stage schema). Each form
becomes one ``BoundTool``; a form that names no tool (a provider built-in such as
``{"type": "web_search"}``) is skipped rather than refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field


class BoundTool(BaseModel):
    """One tool the engine may call."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    """JSON schema of the arguments (empty when the tool declares none)."""
    writes: bool = False
    """The tool changes an external system (``metadata["writes"]`` of an infra-team tool)."""

    @property
    def required(self) -> tuple[str, ...]:
        """Argument names the schema requires."""
        return tuple(str(name) for name in self.parameters.get("required", ()))

    @property
    def properties(self) -> dict[str, Any]:
        """Argument name -> JSON schema of that argument."""
        value = self.parameters.get("properties", {})
        return dict(value) if isinstance(value, Mapping) else {}


def _from_mapping(tool: Mapping[str, Any]) -> BoundTool | None:
    if isinstance(tool.get("function"), Mapping):
        tool = tool["function"]
    name = tool.get("name") or tool.get("title")
    if not isinstance(name, str) or not name:
        return None
    parameters = tool.get("parameters") or tool.get("input_schema")
    if parameters is None and "properties" in tool:
        parameters = {key: value for key, value in tool.items() if key != "description"}
    return BoundTool(
        name=name, parameters=dict(parameters) if isinstance(parameters, Mapping) else {}
    )


def describe_tool(tool: object) -> BoundTool | None:
    """A ``BoundTool`` for any form ``bind_tools`` accepts, or None when it names no tool."""
    if isinstance(tool, Mapping):
        return _from_mapping(tool)
    if not (isinstance(tool, BaseTool | type) or callable(tool)):
        return None
    try:
        spec = convert_to_openai_tool(tool)
    except (TypeError, ValueError):
        name = getattr(tool, "name", None) or getattr(tool, "__name__", None)
        return BoundTool(name=name) if isinstance(name, str) and name else None
    described = _from_mapping(spec)
    if described is None:
        return None
    if isinstance(tool, BaseTool):
        writes = bool((tool.metadata or {}).get("writes", False))
        return described.model_copy(update={"writes": writes})
    if isinstance(tool, type) and issubclass(tool, BaseModel):
        return described.model_copy(update={"name": tool.__name__})
    return described


def describe_tools(tools: Sequence[object]) -> tuple[BoundTool, ...]:
    """Every nameable tool, once, in the order given."""
    seen: dict[str, BoundTool] = {}
    for tool in tools:
        described = describe_tool(tool)
        if described is not None and described.name not in seen:
            seen[described.name] = described
    return tuple(seen.values())
