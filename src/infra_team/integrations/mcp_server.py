"""The team's tools over the Model Context Protocol (stdio), for Claude Code and other MCP hosts.

Every tool of the catalog is served under its own name, with its argument schema as the
input schema and annotations from its metadata (read-only, or a write to an external
system). Two more tools run the supervisor graph: ``run_team_task`` (the ``task`` contract:
``subagent_type``, ``description``) and ``resume_team_task`` for a run that paused for a
human decision.

Replies are text only, never ``structuredContent``: Claude Code hands a model only the
structured part of a result when there is one, so the text is the one rendering a model
reads. It keeps catalog results inside their ``<tool-output trust="untrusted">`` marker and
carries a team run's whole report, its pending question and how to answer it. Every reply,
errors included, is scrubbed of internal IDs.

A person approves, never the model. A write tool called directly returns
``approval_required`` without acting; inside a team run it pauses the run. The server then
asks the person through MCP elicitation when the client offers it (the client shows the
question and the person's answer resumes the run). Otherwise no tool call can approve:
``resume_team_task`` only asks the person again or rejects, and the reply says how a person
approves from a shell (``infra-team resume <thread-id> --approve``).

The server answers ``initialize`` and ``tools/list`` without loading the team (the listing
is stored with the package, see ``mcp_listing``): LangChain, LangGraph and HTTP clients are
imported when a tool is called, so Claude Code connects quickly. Over stdio the handshake
is answered even before the SDK is imported (``mcp_front``).

Needs the ``infra-team[mcp]`` extra (the ``mcp`` SDK, version 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infra_team._version import __version__
from infra_team.errors import ErrorCode, HostAdapterError, InfraTeamError, ThreadNotFoundError
from infra_team.integrations.mcp_front import INSTRUCTIONS
from infra_team.registry import MCP_SERVER_NAME
from infra_team.scrub import scrub

if TYPE_CHECKING:
    from langchain_core.tools import BaseTool
    from mcp.server import Server, ServerRequestContext
    from mcp.types import CallToolRequestParams, CallToolResult, ListToolsResult, Tool

    from infra_team.models import ModelArg
    from infra_team.result import PendingQuestion, TaskResult
    from infra_team.runner import CheckpointerArg

TEAM_TOOL = "run_team_task"
RESUME_TOOL = "resume_team_task"
ADDITIVE_WRITES = frozenset(
    {"create_alertmanager_silence", "create_grafana_annotation", "create_statuspage_incident"}
)
"""Write tools that only add (a silence, an annotation, an incident): not destructive in
the MCP sense. Any other write tool may change what exists and is marked destructive."""


class ResumeArgs(BaseModel):
    """Arguments of ``resume_team_task``: the model may reject or ask the person, never
    approve."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    thread_id: str = Field(min_length=1, description="Thread id the paused run printed.")
    action: Literal["ask_person", "reject"] = Field(
        default="ask_person",
        description="`ask_person`: show the user the question in this client and let their "
        "answer decide (the only way to approve). `reject`: decline the change or the "
        "escalation now.",
    )
    comment: str = Field(default="", description="Comment recorded with a rejection.")


class PersonsAnswer(BaseModel):
    """The form a person fills in when the server asks through elicitation."""

    model_config = ConfigDict(extra="ignore")

    decision: Literal["approve", "reject"]
    comment: str = ""


_ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {
            "type": "string",
            "title": "Decision",
            "description": "Approve or reject the change (or taking ownership).",
            "enum": ["approve", "reject"],
        },
        "comment": {
            "type": "string",
            "title": "Comment",
            "description": "Recorded with the decision (for example a change ticket).",
        },
    },
    "required": ["decision"],
}
"""A flat form of primitive fields, as MCP elicitation requires."""


def _require_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError as exc:
        msg = "the MCP server needs the `mcp` package: pip install '.[mcp]' in a checkout"
        raise HostAdapterError(msg, code=ErrorCode.MISSING_EXTRA) from exc


def _reply(text: str, *, is_error: bool = False) -> CallToolResult:
    """A text-only tool result, scrubbed (errors too: they may quote a tool name or input)."""
    from mcp.types import CallToolResult, TextContent

    return CallToolResult(content=[TextContent(text=scrub(text))], is_error=is_error)


def _catalog() -> dict[str, BaseTool]:
    from infra_team.tools import TOOL_CATALOG

    return TOOL_CATALOG


@cache
def _live_tools() -> frozenset[str]:
    """Tools that reach an external system (Prometheus, Alertmanager, PagerDuty, Grafana,
    Statuspage): the open-world ones."""
    from infra_team.tools import integrations

    return frozenset(tool.name for tool in integrations.TOOLS)


def annotations_of(tool: BaseTool) -> dict[str, bool]:
    """MCP tool annotations from the tool's metadata: read-only unless it writes; a write
    is destructive unless it only adds; reads are idempotent, writes are not; open-world
    when it talks to an external system."""
    from infra_team.tools import writes

    changes = writes(tool)
    return {
        "read_only_hint": not changes,
        "destructive_hint": changes and tool.name not in ADDITIVE_WRITES,
        "idempotent_hint": not changes,
        "open_world_hint": tool.name in _live_tools(),
    }


def _listing(tool: BaseTool) -> Tool:
    """The MCP description of one catalog tool (its pydantic argument schema)."""
    from mcp.types import Tool, ToolAnnotations
    from pydantic import BaseModel as Model

    schema = tool.args_schema
    assert isinstance(schema, type) and issubclass(schema, Model)  # every infra_tool has one
    return Tool(
        name=tool.name,
        description=scrub(tool.description),
        input_schema=schema.model_json_schema(),
        annotations=ToolAnnotations(**annotations_of(tool)),
    )


TEAM_ANNOTATIONS = {
    "read_only_hint": False,
    "destructive_hint": True,
    "idempotent_hint": False,
    "open_world_hint": True,
}
"""A team run may, after a person approves, run any write tool of the team."""


def tool_listing() -> list[Tool]:
    """Every tool the server offers: the catalog, then the two team tools."""
    from mcp.types import Tool, ToolAnnotations

    from infra_team.integrations.task_tool import TaskArgs, tool_description

    team = [
        Tool(
            name=TEAM_TOOL,
            description=tool_description(),
            input_schema=TaskArgs.model_json_schema(),
            annotations=ToolAnnotations(**TEAM_ANNOTATIONS),
        ),
        Tool(
            name=RESUME_TOOL,
            description="Continue a team run that paused for a human decision (Change "
            "Approval or human escalation): `ask_person` shows the user the question in this "
            "client and their answer decides; `reject` declines. Only a person can approve. "
            "Returns the report.",
            input_schema=ResumeArgs.model_json_schema(),
            annotations=ToolAnnotations(**TEAM_ANNOTATIONS),
        ),
    ]
    return [*(_listing(tool) for tool in _catalog().values()), *team]


async def call_catalog_tool(name: str, arguments: Mapping[str, Any]) -> CallToolResult:
    """Run one catalog tool; its wrapper turns every failure into a ``ToolResult``, and its
    text stays inside the untrusted-data marker."""
    from infra_team.tools import parse_tool_output

    content = await _catalog()[name].ainvoke(dict(arguments))
    result = parse_tool_output(content)
    return _reply(str(content), is_error=result.status == "error")


def _invalid(name: str, exc: ValidationError) -> CallToolResult:
    problems = "; ".join(
        f"`{'.'.join(str(part) for part in error['loc']) or 'arguments'}`: {error['msg']}"
        for error in exc.errors()
    )
    return _reply(f"invalid arguments for `{name}`: {problems}", is_error=True)


def _can_elicit(ctx: ServerRequestContext[Any, Any]) -> bool:
    """Whether the client offers elicitation and this connection can send it a request
    mid-call (Claude Code's protocol, 2025-11-25, can). Partial: a 2026-07-28 connection
    asks through an ``InputRequiredResult`` round trip, not implemented here, so such a
    client gets the shell instructions instead."""
    capabilities = ctx.session.client_capabilities
    return bool(
        capabilities is not None
        and capabilities.elicitation is not None
        and ctx.session.can_send_request
    )


def _question_text(result: TaskResult, question: PendingQuestion) -> str:
    lines = [
        f"{question.gate}: {question.question}",
        f"Thread `{result.thread_id}`.",
    ]
    tool, arguments = question.details.get("tool"), question.details.get("arguments")
    if tool:
        lines.append(f"Tool `{tool}` with arguments: {arguments}")
    return scrub("\n".join(lines))


class _Handlers:
    """The server's request handlers, bound to one model and checkpoint store."""

    def __init__(self, model: ModelArg, checkpointer: CheckpointerArg) -> None:
        self.model, self.checkpointer = model, checkpointer
        self.waiting: dict[str, TaskResult] = {}
        """Runs of this server that wait on a person, by thread id (their questions)."""
        self.listing: list[Tool] | None = None

    def shell_hint(self, thread_id: str) -> str:
        """How a person answers a paused run outside the client."""
        if isinstance(self.checkpointer, str | Path):
            return (
                f"A person approves in a shell with `infra-team resume {thread_id} "
                f'--checkpoint {self.checkpointer} --approve --comment "..."` (or `--reject`).'
            )
        return (
            "This server keeps runs in memory, so only a client that can ask the user "
            "(MCP elicitation) can approve; `infra-team mcp` keeps runs in a file that "
            "`infra-team resume` can answer."
        )

    def person_hint(self, thread_id: str, *, asked: bool) -> str:
        """What the model reads under a paused run: why it waits, how a person answers,
        and what the model itself may still do."""
        first = (
            "This client was asked to show the user the question and returned no decision "
            "(dismissed, declined, or no one to ask); the run stays paused."
            if asked
            else "This client cannot ask the user directly, and no tool call can approve: "
            "the run stays paused until a person decides."
        )
        return (
            f"{first} {self.shell_hint(thread_id)} Tell the user; you may call "
            f"`{RESUME_TOOL}` with thread_id `{thread_id}` and action `ask_person` to ask them "
            "here again, or `reject` to decline."
        )

    async def list_tools(self, ctx: ServerRequestContext[Any, Any], params: Any) -> ListToolsResult:
        """The stored listing when it matches the sources (no tool imported), else the live
        one (see ``mcp_listing``)."""
        from mcp.types import ListToolsResult, Tool

        from infra_team.integrations.mcp_listing import stored_listing

        if self.listing is None:
            stored = stored_listing()
            self.listing = (
                tool_listing() if stored is None else [Tool.model_validate(t) for t in stored]
            )
        return ListToolsResult(tools=self.listing)

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams
    ) -> CallToolResult:
        arguments = params.arguments or {}
        try:
            if params.name == TEAM_TOOL:
                return await self.run_team(ctx, arguments)
            if params.name == RESUME_TOOL:
                return await self.resume_team(ctx, arguments)
            if params.name in _catalog():
                return await call_catalog_tool(params.name, arguments)
        except ValidationError as exc:
            return _invalid(params.name, exc)
        except InfraTeamError as exc:
            return _reply(str(exc), is_error=True)
        known = ", ".join(f"`{name}`" for name in [*_catalog(), TEAM_TOOL, RESUME_TOOL])
        return _reply(f"unknown tool `{params.name}`; known: {known}", is_error=True)

    async def run_team(
        self, ctx: ServerRequestContext[Any, Any], arguments: Mapping[str, Any]
    ) -> CallToolResult:
        from infra_team.integrations.task_tool import TaskArgs
        from infra_team.runner import atask

        args = TaskArgs.model_validate(arguments)
        result = await atask(
            args.subagent_type,
            args.description,
            model=self.model,
            checkpointer=self.checkpointer,
            opened_at=args.opened_at,
            evidence=args.evidence,
        )
        return await self.settle(ctx, result)

    async def resume_team(
        self, ctx: ServerRequestContext[Any, Any], arguments: Mapping[str, Any]
    ) -> CallToolResult:
        from infra_team.runner import aresume

        args = ResumeArgs.model_validate(arguments)
        if args.action == "reject":
            result = await aresume(
                args.thread_id,
                False,
                comment=args.comment,
                model=self.model,
                checkpointer=self.checkpointer,
            )
            return await self.settle(ctx, result)
        return await self.settle(ctx, self.paused_run(args.thread_id))

    def paused_run(self, thread_id: str) -> TaskResult:
        """The last result of a run this server saw pause (its pending questions)."""
        result = self.waiting.get(thread_id)
        if result is None:
            msg = (
                f"no run with thread id `{thread_id}` is waiting in this server; "
                f"{self.shell_hint(thread_id)}"
            )
            raise ThreadNotFoundError(msg, code=ErrorCode.THREAD_NOT_FOUND)
        return result

    async def settle(
        self, ctx: ServerRequestContext[Any, Any], result: TaskResult
    ) -> CallToolResult:
        """While the run waits on a person and the client can ask them, ask and resume with
        their answer; then reply with the report (and, if still paused, how to answer)."""
        from infra_team.runner import aresume

        asked = False
        while result.status == "interrupted" and _can_elicit(ctx):
            answer = await self.ask_person(ctx, result)
            asked = True
            if answer is None:
                break
            result = await aresume(
                result.thread_id,
                answer.decision == "approve",
                comment=answer.comment,
                model=self.model,
                checkpointer=self.checkpointer,
            )
        if result.status == "interrupted":
            self.waiting[result.thread_id] = result
        else:
            self.waiting.pop(result.thread_id, None)
        return self.answer(result, asked=asked)

    async def ask_person(
        self, ctx: ServerRequestContext[Any, Any], result: TaskResult
    ) -> PersonsAnswer | None:
        """The person's answer to the first pending question, or None when there is no
        answer: they declined or dismissed the form, or the client could not show it. No
        answer decides nothing (a client that declines on its own must not reject either)."""
        from mcp import MCPError

        question = result.interrupts[0]
        try:
            reply = await ctx.session.elicit_form(
                _question_text(result, question), _ANSWER_SCHEMA, related_request_id=ctx.request_id
            )
        except (MCPError, RuntimeError, ValueError):
            return None
        if reply.action != "accept":
            return None
        try:
            return PersonsAnswer.model_validate(reply.content or {})
        except ValidationError:
            return None

    def answer(self, result: TaskResult, *, asked: bool) -> CallToolResult:
        """The whole report; for a paused run also its questions, thread id and how a person
        answers."""
        from infra_team.integrations.task_tool import render_result

        hint = self.person_hint(result.thread_id, asked=asked)
        return _reply(render_result(result, how_to_resume=hint), is_error=result.status == "failed")


def build_mcp_server(
    model: ModelArg = None, *, checkpointer: CheckpointerArg = None
) -> Server[Any]:
    """The MCP server (low-level ``mcp.server.Server``) named ``infra-team``: Claude Code
    names its tools ``mcp__infra-team__<tool>`` when added with ``claude mcp add``, and
    ``mcp__plugin_infra-team_infra-team__<tool>`` when the plugin bundles it.

    Args:
        model: Model for ``run_team_task``: a chat model, a ``provider:model`` string, or
            None (``INFRA_TEAM_MODEL``, else the offline engine).
        checkpointer: Where paused team runs are kept (a checkpointer or a SQLite path);
            default: memory, for the life of the server process. With a path, a person can
            answer a paused run with ``infra-team resume``.

    Raises:
        HostAdapterError: the ``mcp`` package is not installed.
    """
    _require_sdk()
    from mcp.server import Server

    handlers = _Handlers(model, checkpointer)
    return Server(
        MCP_SERVER_NAME,
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=handlers.list_tools,
        on_call_tool=handlers.call_tool,
    )


async def serve_stdio(server: Server[Any]) -> None:
    """Serve one MCP connection over this process's stdin and stdout until it closes."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def run_mcp_server(model: ModelArg = None, *, checkpointer: CheckpointerArg = None) -> None:
    """Run the MCP server over stdio (what ``infra-team mcp`` does; Claude Code starts it):
    the handshake is answered at once while the SDK loads (``mcp_front``).

    Raises:
        HostAdapterError: the ``mcp`` package is not installed.
    """
    from infra_team.integrations.mcp_front import serve

    serve(model, checkpointer=checkpointer)
