"""A role agent that cannot pause: its model and tool loop, run in the team node's own step.

A ``create_agent`` agent is a compiled graph of its own: each of its model and tool turns
is a Pregel step with its tasks, channel writes, callbacks and (for the middleware hooks)
tracing wrappers; at zero model latency that machinery was most of a team request's
time. It is needed only where a role may pause: a write tool asks for Change Approval with
``interrupt()``, and the answer must resume that very tool call, from the agent's own
checkpoint. A role agent bound with no write tool never pauses, so ``RoleLoop`` runs its
loop as plain calls inside the team node's step, with the very middleware objects the
``create_agent`` agents use (``graph.role``): the call limit and the reminders
(``LimitedAnswerReminderMiddleware``) and the answer read from wherever the model put it.

Nothing of the loop is kept or shown but what the role node takes from it (the answer,
the tool log, the usage), and the node scrubs that (``graph.role``). So the loop works
on the request as the user typed it throughout: the brief, the model's messages and the
tool-call arguments are never scrubbed and typed back, as a ``create_agent`` agent's
must be, whose state is checkpointed and streamed.

The loop follows ``create_agent``'s routing: after a model call, the reminder (after prose
or unreadable arguments) goes back to the model; tool calls other than the answer run
(concurrently in an async run, on the event loop's thread when they only compute,
``_runs_inline``); an answer ends the loop once the tools of its turn ran.
Progress events of tool calls are emitted where the tool runs, and the role's scrubbed
tokens come from a handler on its model calls alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, NamedTuple

from langchain.agents.factory import (
    STRUCTURED_OUTPUT_ERROR_TEMPLATE,
    _is_openai_compatible_model,
)
from langchain.agents.middleware import ModelRequest, ModelResponse
from langchain.agents.structured_output import (
    MultipleStructuredOutputsError,
    OutputToolBinding,
    ProviderStrategy,
    ProviderStrategyBinding,
    StructuredOutputValidationError,
    ToolStrategy,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolCall,
    ToolMessage,
)
from langchain_core.runnables import Runnable, RunnableBinding, RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.config import get_store
from langgraph.prebuilt.tool_node import INVALID_TOOL_NAME_ERROR_TEMPLATE
from langgraph.store.memory import InMemoryStore
from pydantic import BaseModel

from infra_team.graph._middleware import tool_result
from infra_team.graph._progress import emit
from infra_team.graph._structured import LimitedAnswerReminderMiddleware, StructuredAnswerMiddleware
from infra_team.graph._tokens import with_scrubbed_tokens
from infra_team.tools import is_live

_Next = list[ToolCall] | bool
"""After a model call: the tool calls to run, True to end the loop, False to call again."""


class RoleLoop:
    """One role at one stage, bound with no write tool: a model and tool loop whose
    ``run``/``arun`` take the brief as typed and return what a ``create_agent`` agent
    returns (``messages`` and ``structured_response``), unscrubbed."""

    def __init__(
        self,
        *,
        role: str,
        name: str,
        model: BaseChatModel,
        tools: Sequence[BaseTool],
        system_prompt: str,
        schema: type[BaseModel],
        run_limit: int,
    ) -> None:
        self.role, self.name, self.model = role, name, model
        self.tools = list(tools)
        self._by_name = {tool.name: tool for tool in tools}
        self._system = SystemMessage(content=system_prompt)
        answer = StructuredAnswerMiddleware(schema)
        self._initial = answer.forced
        self._answer = answer.tool
        self._answer_binding = OutputToolBinding.from_schema_spec(answer.forced.schema_specs[0])
        self._calls = LimitedAnswerReminderMiddleware(schema, answer, run_limit=run_limit)
        self._bound: dict[tuple[Any, ...], _Bound] = {}

    # --- the loop ------------------------------------------------------------------------

    def run(self, brief: HumanMessage, config: RunnableConfig) -> dict[str, Any]:
        state = _start(brief)
        model_config = self._model_config(config)
        while True:
            request = self._request(state)
            response = self._calls.wrap_model_call(
                request, lambda r: self._call_model(r, model_config)
            )
            step = self._after_model(state, response)
            if step is True:
                break
            if step is False:
                continue
            state["messages"].extend(self._run_tool(call, config, state) for call in step)
            if self._answered(state["messages"]):
                break
        return _result(state)

    async def arun(self, brief: HumanMessage, config: RunnableConfig) -> dict[str, Any]:
        state = _start(brief)
        model_config = self._model_config(config)

        async def call_model(request: ModelRequest[Any]) -> ModelResponse[Any]:
            return await self._acall_model(request, model_config)

        while True:
            response = await self._calls.awrap_model_call(self._request(state), call_model)
            step = self._after_model(state, response)
            if step is True:
                break
            if step is False:
                continue
            if len(step) == 1:
                state["messages"].append(await self._arun_tool(step[0], config, state))
            else:
                done = await asyncio.gather(*(self._arun_tool(c, config, state) for c in step))
                state["messages"].extend(done)
            if self._answered(state["messages"]):
                break
        return _result(state)

    def _request(self, state: dict[str, Any]) -> ModelRequest[Any]:
        return ModelRequest(
            model=self.model,
            tools=self.tools,  # type: ignore[arg-type]
            system_message=self._system,
            response_format=self._initial,
            messages=list(state["messages"]),
            tool_choice=None,
            state=state,  # type: ignore[arg-type]
            runtime=None,
        )

    def _after_model(self, state: dict[str, Any], response: ModelResponse[Any]) -> _Next:
        """Record the response, count the call, remind; then what comes next, as
        ``create_agent``'s edges after its model node decide it."""
        messages: list[BaseMessage] = state["messages"]
        messages.extend(response.result)
        state["structured_response"] = response.structured_response
        update = self._calls.after_model(state, None) or {}  # type: ignore[arg-type]
        messages.extend(update.pop("messages", []))
        state.update(
            {key: value for key, value in update.items() if key.endswith("_model_call_count")}
        )
        if update.get("jump_to") == "model":
            return False
        last, answered = _last_turn(messages)
        if last is None or not last.tool_calls:
            return True
        pending = [
            call
            for call in last.tool_calls
            if call["id"] not in answered and call["name"] != self._answer
        ]
        if pending:
            return pending
        return response.structured_response is not None

    def _answered(self, messages: list[BaseMessage]) -> bool:
        """After the tools ran: whether the turn also gave the answer."""
        _, replies = _last_turn(messages)
        return any(m.name == self._answer and m.status != "error" for m in replies.values())

    # --- the model -------------------------------------------------------------------------

    def _model_config(self, config: RunnableConfig) -> RunnableConfig:
        """The node's config with the role's token handler (``graph._tokens``) and the
        agent's name, for the model calls only."""
        scoped = with_scrubbed_tokens(config, self.role)
        return {
            **scoped,
            # As a ``RunnableBinding`` merges them before the model sees them (``_Bound``).
            "tags": sorted(set(scoped.get("tags", []))),
            "metadata": {**scoped.get("metadata", {}), "lc_agent_name": self.name},
        }

    def _bind(self, request: ModelRequest[Any]) -> _Bound:
        """The model bound for the request's answer mode, bound once per mode."""
        fmt = request.response_format
        key = (id(fmt), request.tool_choice, *(id(tool) for tool in request.tools))
        bound = self._bound.get(key)
        if bound is None:
            bound = self._bound[key] = _unwrap(self._bind_new(request), fmt)
        return bound

    def _bind_new(self, request: ModelRequest[Any]) -> Runnable[Any, Any]:
        model, tools, fmt = request.model, list(request.tools), request.response_format
        if isinstance(fmt, ProviderStrategy):
            kwargs: dict[str, Any] = dict(fmt.to_model_kwargs())
            if _is_openai_compatible_model(model) and not getattr(
                model, "use_responses_api", False
            ):
                kwargs["strict"] = True
            return model.bind_tools(tools, **kwargs)
        if isinstance(fmt, ToolStrategy):
            return model.bind_tools([*tools, self._answer_binding.tool], tool_choice="any")
        if tools:
            return model.bind_tools(tools, tool_choice=request.tool_choice)
        return model

    def _messages(self, request: ModelRequest[Any]) -> list[AnyMessage]:
        system = request.system_message
        return [system, *request.messages] if system else list(request.messages)

    def _call_model(self, request: ModelRequest[Any], config: RunnableConfig) -> ModelResponse[Any]:
        bound = self._bind(request)
        output = bound.runnable.invoke(self._messages(request), config, **bound.kwargs)
        return self._read(output, bound.fmt)

    async def _acall_model(
        self, request: ModelRequest[Any], config: RunnableConfig
    ) -> ModelResponse[Any]:
        bound = self._bind(request)
        output = await bound.runnable.ainvoke(self._messages(request), config, **bound.kwargs)
        return self._read(output, bound.fmt)

    def _read(self, output: AIMessage, fmt: Any) -> ModelResponse[Any]:
        """The answer as ``create_agent`` reads it in the mode asked for; what it cannot
        read is left to ``StructuredAnswerMiddleware`` around this call."""
        output.name = self.name
        if isinstance(fmt, ProviderStrategy):
            if output.tool_calls:
                return ModelResponse(result=[output])
            binding = ProviderStrategyBinding.from_schema_spec(fmt.schema_spec)
            try:
                parsed = binding.parse(output)
            except Exception as exc:
                raise StructuredOutputValidationError(self._answer, exc, output) from exc
            return ModelResponse(result=[output], structured_response=parsed)
        if not isinstance(fmt, ToolStrategy):
            return ModelResponse(result=[output])
        calls = [call for call in output.tool_calls if call["name"] == self._answer]
        if len(calls) > 1:
            many = MultipleStructuredOutputsError([c["name"] for c in calls], output)
            text = STRUCTURED_OUTPUT_ERROR_TEMPLATE.format(error=str(many))
            replies = [_reply(call, text) for call in calls]
            return ModelResponse(result=[output, *replies])
        if not calls:
            return ModelResponse(result=[output])
        call = calls[0]
        try:
            parsed = self._answer_binding.parse(call["args"])
        except Exception as exc:
            error = StructuredOutputValidationError(call["name"], exc, output)
            text = STRUCTURED_OUTPUT_ERROR_TEMPLATE.format(error=str(error))
            return ModelResponse(result=[output, _reply(call, text)])
        text = fmt.tool_message_content or f"Returning structured response: {parsed}"
        return ModelResponse(result=[output, _reply(call, text)], structured_response=parsed)

    # --- the tools ---------------------------------------------------------------------------

    def _prepare(self, call: ToolCall) -> tuple[BaseTool | None, ToolCall]:
        """The tool and its call; the call is reported."""
        tool = self._by_name.get(call["name"])
        if tool is not None:
            event = {"type": "tool_called", "role": self.role, "tool": tool.name}
            emit({**event, "args": call["args"]})
        return tool, {**call, "type": "tool_call"}

    def _unknown(self, call: ToolCall) -> ToolMessage:
        available = ", ".join(self._by_name)
        text = INVALID_TOOL_NAME_ERROR_TEMPLATE.format(
            requested_tool=call["name"], available_tools=available
        )
        return ToolMessage(text, name=call["name"], tool_call_id=call["id"], status="error")

    def _done(self, output: Any, name: str, state: dict[str, Any]) -> ToolMessage:
        """Report the tool's result; the result read from its message is kept in the
        run's ``tool_results`` (by the message's identity) for the role's tool log."""
        message = (
            output
            if isinstance(output, ToolMessage)
            else ToolMessage(str(output), name=name, tool_call_id="")  # no message returned
        )
        result = state["tool_results"][id(message)] = tool_result(message)
        emit(
            {
                "type": "tool_result",
                "role": self.role,
                "tool": message.name or name,
                "status": result.get("status", message.status),
                "text": result.get("summary", ""),
            }
        )
        return message

    def _run_tool(
        self, call: ToolCall, config: RunnableConfig, state: dict[str, Any]
    ) -> ToolMessage:
        tool, typed = self._prepare(call)
        if tool is None:
            return self._unknown(call)
        return self._done(tool.invoke(typed, config), tool.name, state)

    async def _arun_tool(
        self, call: ToolCall, config: RunnableConfig, state: dict[str, Any]
    ) -> ToolMessage:
        tool, typed = self._prepare(call)
        if tool is None:
            return self._unknown(call)
        if _runs_inline(tool):
            return self._done(tool.invoke(typed, config), tool.name, state)
        return self._done(await tool.ainvoke(typed, config), tool.name, state)


class _Bound(NamedTuple):
    """A model bound for one answer mode: what to call, with which arguments, and the
    mode its reply is read in."""

    runnable: Runnable[Any, Any]
    kwargs: dict[str, Any]
    fmt: Any


def _unwrap(bound: Runnable[Any, Any], fmt: Any) -> _Bound:
    """The chat model and its bound arguments when ``bind_tools`` gave a
    ``RunnableBinding`` that calls as a plain one does (no config of its own, ``invoke``
    and ``ainvoke`` not overridden): calling the model with them is what the binding does,
    without merging the call's config twice more at each call. Any other runnable is
    called as it is."""
    kind = type(bound)
    if (
        isinstance(bound, RunnableBinding)
        and kind.invoke is RunnableBinding.invoke
        and kind.ainvoke is RunnableBinding.ainvoke
        and isinstance(bound.bound, BaseChatModel)
        and not bound.config
        and not bound.config_factories
    ):
        return _Bound(bound.bound, dict(bound.kwargs), fmt)
    return _Bound(bound, {}, fmt)


def _runs_inline(tool: BaseTool) -> bool:
    """Whether an async run calls the tool on the event loop's thread, as the graph's
    deterministic nodes run: a tool that computes from its arguments is quick CPU work,
    and a worker thread only adds a hop (and a wait for the thread) to each call. A live
    tool (network I/O) still goes to a worker thread, and so does any tool when the run's
    store is not the in-memory one: an async store refuses synchronous calls on the event
    loop's thread, and the incident tools write to the store."""
    if is_live(tool):
        return False
    try:
        store = get_store()
    except (RuntimeError, KeyError):  # outside a graph run: no store of the run's
        return True
    return store is None or isinstance(store, InMemoryStore)


def _start(brief: HumanMessage) -> dict[str, Any]:
    return {
        "messages": [brief],
        "structured_response": None,
        "run_model_call_count": 0,
        "thread_model_call_count": 0,
        "tool_results": {},
    }


def _result(state: dict[str, Any]) -> dict[str, Any]:
    """What a ``create_agent`` agent returns, and ``tool_results``: each tool message's
    result as read for its progress event, by the message's identity, so the role's tool
    log does not read it again."""
    return {
        "messages": state["messages"],
        "structured_response": state["structured_response"],
        "tool_results": state["tool_results"],
    }


def _reply(call: ToolCall, text: str) -> ToolMessage:
    return ToolMessage(content=text, tool_call_id=call["id"], name=call["name"])


def _last_turn(messages: list[BaseMessage]) -> tuple[AIMessage | None, dict[str, ToolMessage]]:
    """The last model reply and the tool messages after it, by tool call id."""
    replies: dict[str, ToolMessage] = {}
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message, replies
        if isinstance(message, ToolMessage):
            replies[message.tool_call_id] = message
    return None, replies
