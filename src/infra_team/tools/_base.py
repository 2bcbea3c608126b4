"""The tool wrapper every role tool is built with.

It gives each tool a pydantic argument schema, the ``writes`` flag the graph gates on,
one result shape (``ToolResult``), conversion of every failure into a result a model
can act on, scrubbing of output, and a Change Approval pause before any write.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import re
from collections.abc import Callable
from typing import Any, Literal, cast

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler, CallbackManager
from langchain_core.messages import ToolCall, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import ensure_config, patch_config, set_config_context
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from infra_team._listeners import unheard
from infra_team.approvals import ApprovalRequest, can_interrupt, request_decision
from infra_team.scrub import scrub, scrub_obj
from infra_team.tools._writes import WriteLedger, WriteRecord, sending_with

logger = logging.getLogger(__name__)

ToolStatus = Literal[
    "success", "error", "no_data", "approval_required", "not_configured", "rejected"
]
UNTRUSTED_OPEN = '<tool-output trust="untrusted" tool="{tool}">'
UNTRUSTED_CLOSE = "</tool-output>"
_WRAPPED = re.compile(
    r'<tool-output trust="untrusted" tool="[^"]*">\n?(?P<body>.*?)\n?</tool-output>', re.DOTALL
)


class ToolResult(BaseModel):
    """The one result shape of every tool. ``no_data`` and ``not_configured`` are not errors."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    tool: str
    status: ToolStatus
    summary: str = ""
    """One line a person can read."""
    data: dict[str, Any] = Field(default_factory=dict)
    """The computed answer (JSON-serialisable)."""
    code: str | None = None
    """lower_snake reason for a non-success status: ``invalid_arguments``, ``timeout`` ..."""
    error: str | None = None
    """What went wrong and how to fix the call."""


class ToolInputError(ValueError):
    """Raised inside a tool body for input the model can correct; becomes ``status=error``."""

    def __init__(self, message: str, *, code: str = "invalid_arguments") -> None:
        super().__init__(message)
        self.code = code


def ok(tool: str, summary: str, data: dict[str, Any] | None = None) -> ToolResult:
    return ToolResult(tool=tool, status="success", summary=summary, data=data or {})


def no_data(tool: str, summary: str, data: dict[str, Any] | None = None) -> ToolResult:
    return ToolResult(tool=tool, status="no_data", summary=summary, data=data or {})


def error(tool: str, message: str, *, code: str = "invalid_arguments") -> ToolResult:
    return ToolResult(tool=tool, status="error", code=code, error=message, summary=message)


def wrap_untrusted(tool: str, body: str) -> str:
    """Mark tool output as data, never instructions (see prompts/_untrusted_data.md)."""
    return f"{UNTRUSTED_OPEN.format(tool=tool)}\n{body}\n{UNTRUSTED_CLOSE}"


def parse_tool_output(content: Any) -> ToolResult:
    """Turn a tool's message content (wrapped JSON) back into a ``ToolResult``."""
    if isinstance(content, ToolResult):
        return content
    text = content if isinstance(content, str) else json.dumps(content)
    match = _WRAPPED.search(text)
    body = match["body"] if match else text
    return ToolResult.model_validate_json(body)


def _render(result: ToolResult) -> tuple[str, ToolResult]:
    clean = ToolResult.model_validate(scrub_obj(result.model_dump(mode="json")))
    return wrap_untrusted(clean.tool, clean.model_dump_json()), clean


def _invalid_arguments(name: str, exc: ValidationError) -> tuple[str, ToolResult]:
    """The error result for arguments that fail the tool's schema, worded so that the
    model can fix them: each field and what is wrong with it."""
    problems = "; ".join(
        f"`{'.'.join(str(p) for p in err['loc']) or 'arguments'}`: {err['msg']}"
        for err in exc.errors()
    )
    message = f"invalid arguments for `{name}`: {problems}. Fix the arguments and call again."
    return _render(error(name, message))


_CALL_ID = "__infra_team_tool_call_id"


class _InfraTool(StructuredTool):
    """A ``StructuredTool`` that hands a write tool the id of the model's tool call (part
    of its idempotency key, see ``tools._writes``), and runs a synchronous tool call
    without LangChain's tool-run machinery when no callback handler listens to tool runs.

    ``BaseTool.run`` opens a tool run for the callbacks, filters the inputs for them,
    reads the function's signature and type hints for injected arguments, and validates
    the arguments, which the function validates again: at zero model latency that was two
    thirds of a tool call's time. An ``infra_tool`` function takes no injected argument
    and needs none of it when no handler would see the run (``_deaf``), so ``invoke``
    then validates once and calls the tool's body directly, in the same config context
    and with the same message, status and artifact as ``BaseTool.run`` returns.
    """

    _execute: Callable[[BaseModel, str | None], tuple[str, ToolResult]] | None = PrivateAttr(
        default=None
    )

    def _to_args_and_kwargs(
        self, tool_input: str | dict[str, Any], tool_call_id: str | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        args, kwargs = super()._to_args_and_kwargs(tool_input, tool_call_id)
        if (self.metadata or {}).get("writes"):
            kwargs = {**kwargs, _CALL_ID: tool_call_id}
        return args, kwargs

    def invoke(
        self,
        input: str | dict[str, Any] | ToolCall,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> Any:
        if self._execute is None or kwargs or not _is_call(input):
            return super().invoke(input, config, **kwargs)
        call = cast("ToolCall", input)
        if not (self.callbacks or self.verbose) and unheard((config or {}).get("callbacks")):
            return self._run_call(call, ensure_config(config))  # no handler to configure
        config = ensure_config(config)
        manager = CallbackManager.configure(
            config.get("callbacks"), self.callbacks, self.verbose, inheritable_tags=None
        )
        if not all(_deaf(handler) for handler in manager.handlers):
            return super().invoke(input, config)
        return self._run_call(call, patch_config(config, callbacks=manager))

    def _run_call(self, call: ToolCall, config: RunnableConfig) -> ToolMessage:
        """The tool call as ``BaseTool.run`` answers it, without the callbacks' tool run."""
        schema = cast("type[BaseModel]", self.args_schema)
        with set_config_context(config) as context:
            try:
                args = schema.model_validate(call["args"] if schema.model_fields else {})
            except ValidationError as exc:
                text = _invalid_arguments(self.name, exc)[0]
                return ToolMessage(text, tool_call_id=call["id"], name=self.name, status="error")
            execute = cast(
                "Callable[[BaseModel, str | None], tuple[str, ToolResult]]", self._execute
            )
            content, artifact = context.run(execute, args, call["id"])
        return ToolMessage(content, artifact=artifact, tool_call_id=call["id"], name=self.name)


def _is_call(value: object) -> bool:
    """A model's tool call with its id: ``BaseTool.run`` answers it with a ``ToolMessage``."""
    return isinstance(value, dict) and value.get("type") == "tool_call" and bool(value.get("id"))


_TOOL_EVENTS = ("on_tool_start", "on_tool_end", "on_tool_error")


def _deaf(handler: BaseCallbackHandler) -> bool:
    """Whether a callback handler ignores tool runs: it says so, or it keeps the no-op
    tool hooks it inherited."""
    if handler.ignore_agent:
        return True
    cls = type(handler)
    return all(
        getattr(cls, event)
        in (getattr(BaseCallbackHandler, event), getattr(AsyncCallbackHandler, event))
        for event in _TOOL_EVENTS
    )


def infra_tool(
    *,
    name: str,
    description: str,
    args_schema: type[BaseModel],
    writes: bool = False,
    resend_safe: bool = False,
    live: bool = False,
    settings: tuple[str, ...] = (),
) -> Callable[[Callable[..., ToolResult]], BaseTool]:
    """Build a LangChain tool from a function returning ``ToolResult``.

    The function receives the validated arguments as keyword arguments. ``ToolInputError``
    and any other exception become an error result (a model can react to it; a traceback
    would end the run). With ``writes=True`` the call first asks for Change Approval: inside
    a checkpointed graph it pauses with ``interrupt()``; elsewhere it returns
    ``approval_required`` without acting. An approved write is recorded before it is
    sent and never sent twice (``tools._writes``); ``resend_safe`` marks an API that
    deduplicates by the idempotency key the tool sends, so a write cut off mid-request
    may be sent again with the same key.

    ``live`` marks a tool that reads (or, with ``writes``, changes) a running system rather
    than computing from its arguments; ``settings`` names the settings fields it needs, as
    ``section.field`` paths of ``infra_team.settings.Settings`` (``"postgres.dsn"``). Both
    are metadata: ``infra-team tools`` lists them, and a live tool still answers
    ``not_configured`` itself when they are unset.
    """

    def decorator(func: Callable[..., ToolResult]) -> BaseTool:
        @functools.wraps(func)
        def call(call_args: dict[str, Any]) -> ToolResult:
            try:
                return func(**call_args)
            except ToolInputError as exc:
                return error(name, str(exc), code=exc.code)
            except Exception as exc:  # the one broad catch: tools never raise into the graph
                logger.warning("tool %s failed: %s", name, scrub(repr(exc)))
                return error(name, f"{type(exc).__name__}: {exc}", code="internal_error")

        def run(**kwargs: Any) -> tuple[str, ToolResult]:
            call_id = kwargs.pop(_CALL_ID, None)
            try:
                args = args_schema.model_validate(kwargs)
            except ValidationError as exc:
                return _invalid_arguments(name, exc)
            return execute(args, call_id)

        def execute(args: BaseModel, call_id: str | None) -> tuple[str, ToolResult]:
            call_args = {field: getattr(args, field) for field in type(args).model_fields}
            if not writes:
                return _render(call(call_args))
            arguments = args.model_dump(mode="json")
            ledger = WriteLedger.current(name, arguments, call_id)
            return _render(
                _write_once(name, arguments, ledger, resend_safe, lambda: call(call_args))
            )

        def on_invalid(exc: ValidationError) -> str:
            return _invalid_arguments(name, exc)[0]

        tool = _InfraTool.from_function(
            func=run,
            name=name,
            description=description,
            args_schema=args_schema,
            response_format="content_and_artifact",
            metadata={"writes": writes, "live": live, "settings": settings},
            handle_validation_error=on_invalid,
        )
        tool.__doc__ = inspect.getdoc(func)
        tool._execute = execute
        return tool

    return decorator


def _write_once(
    name: str,
    arguments: dict[str, Any],
    ledger: WriteLedger | None,
    resend_safe: bool,
    send: Callable[[], ToolResult],
) -> ToolResult:
    """Ask, record, send, record: the write path that survives a crash at any point."""
    recorded = ledger.record() if ledger is not None else None
    if recorded is not None and recorded.state == "sent":
        return _already_sent(recorded)
    gate = _approve_write(name, arguments)
    if recorded is not None:  # "sending": the process stopped while the request was out
        if gate is not None and gate.status == "rejected":
            return _maybe_sent(recorded, "a later reject cannot undo it")
        if gate is None and not resend_safe:
            return _maybe_sent(recorded, "it is not sent again, as the API cannot tell a repeat")
    if gate is not None:
        return gate
    if ledger is None:
        return send()
    ledger.mark_sending()
    with sending_with(ledger.key):
        result = send()
    if result.status == "success":
        ledger.mark_sent(result.model_dump(mode="json"))
        result.data.setdefault("idempotency_key", ledger.key)
    elif result.code == "http_error":
        ledger.forget()  # the API refused it: nothing changed
    return result


def _already_sent(record: WriteRecord) -> ToolResult:
    """A write the record shows as done: reported as done, never sent again."""
    done = ToolResult.model_validate(record.result or {"tool": record.tool, "status": "success"})
    return done.model_copy(
        update={
            "summary": f"Already done before the run was interrupted (not sent again): "
            f"{done.summary}",
            "data": {**done.data, "idempotency_key": record.key, "replayed": True},
        }
    )


def _maybe_sent(record: WriteRecord, why: str) -> ToolResult:
    """A write that was approved and on its way when the process stopped."""
    text = (
        f"`{record.tool}` was approved and being sent when the run stopped, so it may have "
        f"changed the external system; {why}. Check it there (idempotency key "
        f"`{record.key}`) before acting again."
    )
    return ToolResult(
        tool=record.tool,
        status="error",
        code="outcome_unknown",
        summary=text,
        error=text,
        data={"idempotency_key": record.key, "arguments": record.arguments},
    )


def _approve_write(name: str, call_args: dict[str, Any]) -> ToolResult | None:
    """None when the write may go ahead; otherwise the result to return instead."""
    request = ApprovalRequest(
        kind="change_approval",
        gate="Change Approval",
        question=f"Approve the change `{name}`? It modifies an external system.",
        details={"tool": name, "arguments": call_args},
    )
    if not can_interrupt():
        return ToolResult(
            tool=name,
            status="approval_required",
            code="approval_required",
            summary=f"`{name}` changes an external system and needs Change Approval; "
            "run it inside the team graph (with a checkpointer) to ask a person.",
            data={"arguments": call_args},
        )
    decision = request_decision(request)
    if decision.approved:
        return None
    return ToolResult(
        tool=name,
        status="rejected",
        code="change_rejected",
        summary=f"Change Approval rejected `{name}`; nothing was changed."
        + (f" Comment: {decision.comment}" if decision.comment else ""),
    )


def writes(tool: BaseTool) -> bool:
    """Whether a tool changes an external system (the flag gates key on)."""
    return bool((tool.metadata or {}).get("writes", False))


def is_live(tool: BaseTool) -> bool:
    """Whether a tool talks to a running system (reads it, or writes to it after approval)."""
    return bool((tool.metadata or {}).get("live", False))


def setting_paths(tool: BaseTool) -> tuple[str, ...]:
    """The ``section.field`` settings a live tool reads its system from, the one that
    switches it on first (``postgres.dsn``); none for a tool that reads this host."""
    return tuple((tool.metadata or {}).get("settings", ()))


def switched_on(tool: BaseTool, settings: object) -> bool:
    """Whether a live tool's system is configured in ``settings`` (an
    ``infra_team.settings.Settings``): the first of its ``settings`` paths, the one that
    switches it on (``postgres.dsn``, ``prometheus.url``, ``network.targets``), is set. The
    others are options or are checked by the tool itself, which still answers
    ``not_configured`` when one is missing. A live tool that needs no setting (it reads
    this host) is always on; a tool that is not live is never "switched on"."""
    if not is_live(tool):
        return False
    paths = setting_paths(tool)
    if not paths:
        return True
    node: Any = settings
    for part in paths[0].split("."):
        node = getattr(node, part, None)
    return node not in (None, "", [], ())


def needed_settings(tool: BaseTool) -> tuple[str, ...]:
    """The environment variables a tool needs set, e.g. ``("INFRA_TEAM_POSTGRES_DSN",)``.

    Each has a TOML twin (``[postgres] dsn``); both come from the ``section.field`` paths the
    tool was built with, through ``infra_team.settings.env_name``.
    """
    from infra_team.settings import env_name

    return tuple(env_name(*path.split(".")) for path in setting_paths(tool))
