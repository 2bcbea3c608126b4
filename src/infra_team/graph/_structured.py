"""A stage's structured answer from any chat model, whatever the provider accepts.

Real models and servers differ in how they can be made to answer in a schema:

- ``native``: provider-native structured output (a JSON-schema ``response_format``), used
  when the model's profile says it supports it;
- ``forced``: the answer tool with a forced tool choice (``tool_choice="required"``), the
  default;
- ``auto``: the answer tool offered with ``tool_choice="auto"`` and an explicit
  instruction, for servers that reject a forced choice (llama.cpp answers HTTP 500).

A provider that rejects one mode (an HTTP 400, 422 or 500 that the next mode does not
get) is moved down the ladder, and the model keeps the lower mode from then on: the
rejection is a property of the server, so later stages and runs do not pay for it again.

Whatever the mode, ``StructuredAnswerMiddleware`` also takes an answer from where weak
models put it: tool-call arguments with text after the JSON, the JSON object written in
the reply's text (bare, fenced, or wrapped as ``{"name": ..., "arguments": ...}``).
Arguments that cannot be read are answered with a tool error the model can act on.
``AnswerReminderMiddleware`` asks again, within the call budget, when a model answers in
prose; the role node keeps that prose as an unstructured deliverable if no answer comes.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Awaitable, Callable, Iterator
from functools import cache
from typing import Any, Literal

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.agents.middleware.model_call_limit import ModelCallLimitState
from langchain.agents.middleware.types import hook_config
from langchain.agents.structured_output import (
    ProviderStrategy,
    StructuredOutputValidationError,
    ToolStrategy,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.runtime import Runtime
from pydantic import BaseModel, ValidationError

from infra_team.graph._stage_middleware import ComposedCallMiddleware
from infra_team.prompts import render_fragment

AnswerMode = Literal["native", "forced", "auto"]

REJECTION_STATUSES = frozenset({400, 422, 500, 501})
"""HTTP statuses with which servers refuse a request shape they do not support (a
rate limit, an auth error or an overload is not a rejection of the shape)."""

ANSWER_RECORDED = "Answer recorded."
"""The tool result the model sees after a valid answer."""

_NEXT_MODE: dict[AnswerMode, AnswerMode] = {"native": "forced", "forced": "auto"}
_LOWERED: dict[int, tuple[weakref.ref[BaseChatModel], AnswerMode]] = {}
"""Models moved down the ladder (by ``id``, with a weak reference to rule out reuse)."""


def answer_mode(model: BaseChatModel) -> AnswerMode:
    """The mode to ask ``model`` for: what it was lowered to, else native when its profile
    supports structured output, else a forced tool choice."""
    lowered = _LOWERED.get(id(model))
    if lowered is not None and lowered[0]() is model:
        return lowered[1]
    profile = getattr(model, "profile", None) or {}
    return "native" if profile.get("structured_output") else "forced"


def _lower(model: BaseChatModel, mode: AnswerMode) -> None:
    key = id(model)
    _LOWERED[key] = (weakref.ref(model, lambda _: _LOWERED.pop(key, None)), mode)


def _rejected(exc: BaseException) -> bool:
    """A provider error that says the request's shape is not supported."""
    return getattr(exc, "status_code", None) in REJECTION_STATUSES


# --- the schema, described for a prompt -------------------------------------------------


def _type_text(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        target = defs.get(prop["$ref"].rsplit("/", 1)[-1], {})
        fields = ", ".join(target.get("properties", {}))
        return f"object with {fields}"
    if "enum" in prop:
        return "one of " + ", ".join(json.dumps(value) for value in prop["enum"])
    if "anyOf" in prop:
        return " or ".join(_type_text(option, defs) for option in prop["anyOf"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type_text(prop.get('items', {}), defs)}"
    return "null" if kind == "null" else str(kind)


@cache
def _fields(schema: type[BaseModel]) -> tuple[dict[str, str], ...]:
    """Name, type and description of each field, from the schema's JSON schema."""
    spec = schema.model_json_schema()
    defs = spec.get("$defs", {})
    return tuple(
        {
            "name": name,
            "type": _type_text(prop, defs),
            "description": str(prop.get("description", "")).strip(),
        }
        for name, prop in spec.get("properties", {}).items()
    )


@cache
def answer_instruction(schema: type[BaseModel], *, forced: bool) -> str:
    """What closes the stage prompt's "Your answer" section: the answer tool's name and
    fields (with their descriptions only when the tool's schema is not sent)."""
    return render_fragment(
        "answer_tool.md", tool=schema.__name__, fields=_fields(schema), forced=forced
    ).strip()


@cache
def reminder(schema: type[BaseModel]) -> str:
    """What the model is told after an answer in prose."""
    names = [field["name"] for field in _fields(schema)]
    return render_fragment("answer_reminder.md", tool=schema.__name__, fields=names).strip()


# --- reading an answer out of what a model wrote -----------------------------------------

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


def _json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``text``: fenced blocks first, then each ``{`` that starts one."""
    for block in _FENCE.findall(text):
        yield from _json_objects_at(block.strip())
    yield from _json_objects_at(text)


def _json_objects_at(text: str) -> Iterator[dict[str, Any]]:
    start = text.find("{")
    while start != -1:
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            yield value
        start = text.find("{", end)


def leading_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in malformed tool-call arguments (text after it is dropped)."""
    return next(_json_objects(text), None)


def _candidates(value: dict[str, Any], tool: str) -> Iterator[dict[str, Any]]:
    """The object itself, and the answer inside the wrappers models use for a tool call in
    text: ``{"name": tool, "arguments": {...}}`` (or ``parameters``), ``{tool: {...}}``."""
    yield value
    if value.get("name") == tool:
        for key in ("arguments", "parameters", "args"):
            inner = value.get(key)
            if isinstance(inner, str):
                inner = leading_json_object(inner)
            if isinstance(inner, dict):
                yield inner
    if isinstance(value.get(tool), dict):
        yield value[tool]


def parse_text_answer(text: str, schema: type[BaseModel]) -> BaseModel | None:
    """The first JSON object in ``text`` that is a valid ``schema`` answer, else None."""
    for value in _json_objects(text):
        for candidate in _candidates(value, schema.__name__):
            try:
                return schema.model_validate(candidate)
            except ValidationError:
                continue
    return None


def _validation_text(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors()[:8]:
        where = ".".join(str(part) for part in error["loc"]) or "(the object)"
        problems.append(f"`{where}`: {error['msg']}")
    return "; ".join(problems)


# --- the middleware ------------------------------------------------------------------


class StructuredAnswerMiddleware(AgentMiddleware[Any, Any, Any]):
    """Asks each model for the stage's answer in the mode its provider accepts, and reads
    the answer from tool calls, repaired arguments or text (see the module docstring).

    Put it last in the middleware list (innermost), so that a rejected mode is retried in
    the next mode at once, before any retry middleware waits and repeats the same request.
    """

    def __init__(self, schema: type[BaseModel]) -> None:
        super().__init__()
        self.schema = schema
        self.tool = schema.__name__
        self._tool_spec = convert_to_openai_tool(schema)
        # Built once: a strategy derives the schema's JSON schema when constructed, which
        # cost more than the rest of a model call's middleware together.
        self._native = ProviderStrategy(schema)
        self.forced = ToolStrategy(schema)
        """The forced-choice strategy (``graph._loop`` binds its answer tool)."""
        self._last_system: tuple[SystemMessage | None, AnswerMode, SystemMessage] | None = None

    # --- the request in each mode -------------------------------------------------------

    def _system(self, given: SystemMessage | None, mode: AnswerMode) -> SystemMessage:
        """The stage prompt with the answer instruction of ``mode``; the last one made is
        kept, as an agent sends the same prompt object at every call."""
        last = self._last_system
        if last is not None and last[0] is given and last[1] == mode:
            return last[2]
        instruction = answer_instruction(self.schema, forced=mode != "auto")
        base = given.text if given else ""
        system = SystemMessage(content=f"{base}\n\n{instruction}".strip())
        self._last_system = (given, mode, system)
        return system

    def _request(self, request: ModelRequest[Any], mode: AnswerMode) -> ModelRequest[Any]:
        system = self._system(request.system_message, mode)
        if mode == "native":
            return request.override(system_message=system, response_format=self._native)
        if mode == "forced":
            return request.override(system_message=system, response_format=self.forced)
        return request.override(
            system_message=system,
            response_format=None,
            tools=[*request.tools, self._tool_spec],
            tool_choice="auto",
        )

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        mode = answer_mode(request.model)
        try:
            response = handler(self._request(request, mode))
        except StructuredOutputValidationError as exc:  # native mode: prose or bad JSON
            response = ModelResponse(result=[exc.ai_message])
        except Exception as exc:
            if not _rejected(exc) or mode not in _NEXT_MODE:
                raise
            mode = _NEXT_MODE[mode]
            response = handler(self._request(request, mode))
            _lower(request.model, mode)
        return self._read(response)

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        mode = answer_mode(request.model)
        try:
            response = await handler(self._request(request, mode))
        except StructuredOutputValidationError as exc:
            response = ModelResponse(result=[exc.ai_message])
        except Exception as exc:
            if not _rejected(exc) or mode not in _NEXT_MODE:
                raise
            mode = _NEXT_MODE[mode]
            response = await handler(self._request(request, mode))
            _lower(request.model, mode)
        return self._read(response)

    # --- the response -----------------------------------------------------------------

    def _read(self, response: ModelResponse[Any]) -> ModelResponse[Any]:
        """The answer, wherever the model put it; tool errors for what cannot be read."""
        if response.structured_response is not None:
            return response
        index = next((i for i, m in enumerate(response.result) if isinstance(m, AIMessage)), None)
        if index is None:
            return response
        message = response.result[index]
        assert isinstance(message, AIMessage)
        answered = {m.tool_call_id for m in response.result if isinstance(m, ToolMessage)}
        message, replies = self._repair(message)
        structured: BaseModel | None = None
        for call in message.tool_calls:
            if call["name"] != self.tool or call["id"] in answered:
                continue
            try:
                structured = self.schema.model_validate(call["args"])
            except ValidationError as exc:
                replies.append(self._error(call, _validation_text(exc)))
                continue
            replies.append(
                ToolMessage(content=ANSWER_RECORDED, tool_call_id=call["id"], name=self.tool)
            )
            break
        if structured is None and not message.tool_calls and not replies:
            structured = parse_text_answer(message.text, self.schema)
        result = [*response.result[:index], message, *response.result[index + 1 :], *replies]
        return ModelResponse(result=result, structured_response=structured)

    def _repair(self, message: AIMessage) -> tuple[AIMessage, list[ToolMessage]]:
        """Tool calls whose arguments are not plain JSON: the leading JSON object is taken
        (text after it dropped); a call with none is answered with an error to act on."""
        if not message.invalid_tool_calls:
            return message, []
        calls: list[ToolCall] = list(message.tool_calls)
        replies: list[ToolMessage] = []
        for invalid in message.invalid_tool_calls:
            name, call_id = invalid.get("name") or "", invalid.get("id") or ""
            args = leading_json_object(invalid.get("args") or "")
            call = ToolCall(name=name, args=args or {}, id=call_id, type="tool_call")
            if args is not None and name:
                calls.append(call)
                continue
            reason = "the arguments are not a JSON object" if name else "the call has no tool name"
            calls.append(call)
            replies.append(self._error(call, reason))
        repaired = message.model_copy(update={"tool_calls": calls, "invalid_tool_calls": []})
        return repaired, replies

    def _error(self, call: ToolCall, problem: str) -> ToolMessage:
        name = call["name"] or "(none)"
        if call["name"] == self.tool:
            fields = ", ".join(f"`{f['name']}`" for f in _fields(self.schema))
            fix = f"Call `{self.tool}` again with one JSON object holding {fields}."
        else:
            fix = "Call the tool again with only a JSON object of its parameters."
        return ToolMessage(
            content=f"Error: tool `{name}` was not run: {problem}. {fix}",
            tool_call_id=call["id"] or "",
            name=call["name"] or "unknown",
            status="error",
        )


class AnswerReminderMiddleware(AgentMiddleware[Any, Any, Any]):
    """After a model call that gave no answer, go back to the model: with a reminder of the
    answer tool after prose, with the tool error repeated after unreadable arguments.

    Put it first in the middleware list: its ``after_model`` then runs after the call
    limit has counted the call, so the limit still ends the loop.
    """

    def __init__(self, schema: type[BaseModel]) -> None:
        super().__init__()
        self.schema = schema

    @hook_config(can_jump_to=["model"])
    def after_model(self, state: Any, runtime: Runtime[Any]) -> dict[str, Any] | None:
        if state.get("structured_response") is not None:
            return None
        messages: list[BaseMessage] = state.get("messages", [])
        last = messages[-1] if messages else None
        if isinstance(last, ToolMessage) and last.status == "error":
            # Repeated as a user message: some servers drop ``role: tool`` messages.
            return {"messages": [HumanMessage(content=last.text)], "jump_to": "model"}
        if isinstance(last, AIMessage) and not last.tool_calls:
            return {"messages": [HumanMessage(content=reminder(self.schema))], "jump_to": "model"}
        return None

    @hook_config(can_jump_to=["model"])
    async def aafter_model(self, state: Any, runtime: Runtime[Any]) -> dict[str, Any] | None:
        return self.after_model(state, runtime)


class LimitedAnswerReminderMiddleware(ComposedCallMiddleware):
    """The model call limit, ``AnswerReminderMiddleware`` and the wrap hooks of ``parts``
    in one middleware, with one node a turn (each node is a step of the agent's graph):

    - ``after_model`` counts the call, then reminds (``AnswerReminderMiddleware``), so the
      limit still ends the loop;
    - at the limit the next model call is not made: the wrap answers with the limit's
      message, unnamed, as ``ModelCallLimitMiddleware`` does from its ``before_model``
      node (its exit behaviour ``end``: the tools of the last call have run), and the
      count past the limit ends the loop there.
    """

    state_schema = ModelCallLimitState

    def __init__(
        self,
        schema: type[BaseModel],
        *parts: AgentMiddleware[Any, Any, Any],
        run_limit: int,
    ) -> None:
        super().__init__(*parts)
        self.run_limit = run_limit
        self._reminder = AnswerReminderMiddleware(schema)

    @property
    def name(self) -> str:
        return f"LimitedAnswerReminder[{super().name}]"

    @hook_config(can_jump_to=["model"])
    def after_model(self, state: Any, runtime: Runtime[Any]) -> dict[str, Any] | None:
        count = state.get("run_model_call_count", 0) + 1
        update: dict[str, Any] = {
            "thread_model_call_count": state.get("thread_model_call_count", 0) + 1,
            "run_model_call_count": count,
        }
        if count > self.run_limit:  # the limit's message: nothing more to ask
            return update
        return {**update, **(self._reminder.after_model(state, runtime) or {})}

    @hook_config(can_jump_to=["model"])
    async def aafter_model(self, state: Any, runtime: Runtime[Any]) -> dict[str, Any] | None:
        return self.after_model(state, runtime)

    def _spent(self, request: ModelRequest[Any]) -> ModelResponse[Any] | None:
        state: Any = request.state
        count = int(state.get("run_model_call_count", 0))
        if count < self.run_limit:
            return None
        text = f"Model call limits exceeded: run limit ({count}/{self.run_limit})"
        return ModelResponse(result=[AIMessage(content=text)])

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> ModelResponse[Any]:
        return self._spent(request) or super().wrap_model_call(request, handler)

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> ModelResponse[Any]:
        return self._spent(request) or await super().awrap_model_call(request, handler)


def prose_answer(messages: list[BaseMessage], agent_name: str) -> str:
    """The model's last prose reply in a stage (what is kept when no answer came): the last
    reply without tool calls, else the longest text it wrote."""
    replies = [
        m for m in messages if isinstance(m, AIMessage) and m.name == agent_name and m.text.strip()
    ]
    plain = [m for m in replies if not m.tool_calls]
    if plain:
        return plain[-1].text.strip()
    return max((m.text.strip() for m in replies), key=len, default="")
