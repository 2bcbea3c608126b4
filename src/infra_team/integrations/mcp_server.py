"""The team's tools over the Model Context Protocol (stdio), for Claude Code and other MCP hosts.

Every tool of the catalog is served under its own name, with its argument schema as the
input schema and the tool's own JSON content as the result (the ``ToolResult`` also goes
out as structured content). Write tools keep their gate: outside a checkpointed graph they
return ``approval_required`` without acting, so no MCP client can bypass Change Approval.
Two more tools run the supervisor graph: ``run_team_task`` (the ``task`` contract:
``subagent_type``, ``description``) and ``resume_team_task`` for a run that paused for a
human decision; paused runs are kept in memory for the life of the server process unless a
SQLite checkpoint file is given.

Needs the ``infra-team[mcp]`` extra (the ``mcp`` SDK, version 2).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infra_team._version import __version__
from infra_team.errors import ErrorCode, HostAdapterError, InfraTeamError
from infra_team.integrations.task_tool import TaskArgs, render_result, tool_description
from infra_team.models import ModelArg
from infra_team.registry import MCP_SERVER_NAME
from infra_team.result import TaskResult
from infra_team.runner import CheckpointerArg, aresume, atask
from infra_team.scrub import scrub, scrub_obj
from infra_team.tools import TOOL_CATALOG, ToolResult, parse_tool_output, writes

if TYPE_CHECKING:
    from mcp.server import Server, ServerRequestContext
    from mcp.types import CallToolRequestParams, CallToolResult, ListToolsResult, Tool

TEAM_TOOL = "run_team_task"
RESUME_TOOL = "resume_team_task"
INSTRUCTIONS = (
    "Infrastructure & Operations tools: exact calculators and audits (capacity, DR, SLOs, "
    "CIDR plans, firewalls, sshd, query plans, Terraform plans), read-only monitoring "
    "queries, and incident actions that wait for Change Approval. `run_team_task` runs the "
    "whole team or one role on a request or an incident and returns its report."
)


class ResumeArgs(BaseModel):
    """Arguments of ``resume_team_task``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    thread_id: str = Field(min_length=1, description="Thread id the paused run printed.")
    approved: bool = Field(description="True: approve / take ownership. False: reject.")
    comment: str = Field(default="", description="Comment recorded with the decision.")


def _require_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError as exc:
        msg = "the MCP server needs the `mcp` package: pip install 'infra-team[mcp]'"
        raise HostAdapterError(msg, code=ErrorCode.MISSING_EXTRA) from exc


def _text_result(text: str, *, structured: Any = None, is_error: bool = False) -> CallToolResult:
    from mcp.types import CallToolResult, TextContent

    return CallToolResult(
        content=[TextContent(text=text)], structured_content=structured, is_error=is_error
    )


def _listing(tool: BaseTool) -> Tool:
    """The MCP description of one catalog tool (its pydantic argument schema, as every
    ``infra_tool`` has); read-only unless it writes."""
    from mcp.types import Tool, ToolAnnotations

    changes = writes(tool)
    return Tool(
        name=tool.name,
        description=scrub(tool.description),
        input_schema=cast("type[BaseModel]", tool.args_schema).model_json_schema(),
        output_schema=ToolResult.model_json_schema(),
        annotations=ToolAnnotations(
            read_only_hint=not changes, destructive_hint=changes, idempotent_hint=not changes
        ),
    )


def tool_listing() -> list[Tool]:
    """Every tool the server offers: the catalog, then the two team tools."""
    from mcp.types import Tool, ToolAnnotations

    team = [
        Tool(
            name=TEAM_TOOL,
            description=tool_description(),
            input_schema=TaskArgs.model_json_schema(),
            annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False),
        ),
        Tool(
            name=RESUME_TOOL,
            description="Answer the question of a team run that paused for a human decision "
            "(Change Approval or human escalation) and let it finish; returns its report.",
            input_schema=ResumeArgs.model_json_schema(),
            annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False),
        ),
    ]
    return [*(_listing(tool) for tool in TOOL_CATALOG.values()), *team]


async def call_catalog_tool(name: str, arguments: Mapping[str, Any]) -> CallToolResult:
    """Run one catalog tool; its wrapper turns every failure into a ``ToolResult``."""
    content = await TOOL_CATALOG[name].ainvoke(dict(arguments))
    result = parse_tool_output(content)
    return _text_result(
        str(content),
        structured=result.model_dump(mode="json"),
        is_error=result.status == "error",
    )


def _team_answer(result: TaskResult) -> CallToolResult:
    hint = (
        f"Ask the user, then call `{RESUME_TOOL}` with thread_id `{result.thread_id}`, "
        "approved true or false, and their comment."
    )
    summary = {
        "status": result.status,
        "thread_id": result.thread_id,
        "engaged_roles": result.engaged_roles,
        "interrupts": [question.model_dump(mode="json") for question in result.interrupts],
        "error": result.error,
    }
    return _text_result(
        render_result(result, how_to_resume=hint),
        structured=scrub_obj(summary),
        is_error=result.status == "failed",
    )


def _invalid(name: str, exc: ValidationError) -> CallToolResult:
    problems = "; ".join(
        f"`{'.'.join(str(part) for part in error['loc']) or 'arguments'}`: {error['msg']}"
        for error in exc.errors()
    )
    return _text_result(f"invalid arguments for `{name}`: {problems}", is_error=True)


class _Handlers:
    """The server's request handlers, bound to one model and checkpoint store."""

    def __init__(self, model: ModelArg, checkpointer: CheckpointerArg) -> None:
        self.model, self.checkpointer = model, checkpointer
        self.routes: dict[str, Callable[[Mapping[str, Any]], Awaitable[CallToolResult]]] = {
            TEAM_TOOL: self.run_team,
            RESUME_TOOL: self.resume_team,
        }

    async def list_tools(self, ctx: ServerRequestContext[Any, Any], params: Any) -> ListToolsResult:
        from mcp.types import ListToolsResult

        return ListToolsResult(tools=tool_listing())

    async def call_tool(
        self, ctx: ServerRequestContext[Any, Any], params: CallToolRequestParams
    ) -> CallToolResult:
        arguments = params.arguments or {}
        if params.name in TOOL_CATALOG:
            return await call_catalog_tool(params.name, arguments)
        route = self.routes.get(params.name)
        if route is None:
            known = ", ".join(f"`{name}`" for name in [*TOOL_CATALOG, *self.routes])
            return _text_result(f"unknown tool `{params.name}`; known: {known}", is_error=True)
        try:
            answer = await route(arguments)
        except ValidationError as exc:
            return _invalid(params.name, exc)
        except InfraTeamError as exc:
            return _text_result(str(exc), is_error=True)
        return answer

    async def run_team(self, arguments: Mapping[str, Any]) -> CallToolResult:
        args = TaskArgs.model_validate(arguments)
        result = await atask(
            args.subagent_type, args.description, model=self.model, checkpointer=self.checkpointer
        )
        return _team_answer(result)

    async def resume_team(self, arguments: Mapping[str, Any]) -> CallToolResult:
        args = ResumeArgs.model_validate(arguments)
        result = await aresume(
            args.thread_id,
            args.approved,
            comment=args.comment,
            model=self.model,
            checkpointer=self.checkpointer,
        )
        return _team_answer(result)


def build_mcp_server(
    model: ModelArg = None, *, checkpointer: CheckpointerArg = None
) -> Server[Any]:
    """The MCP server (low-level ``mcp.server.Server``), named like the tool prefix of the
    agents/ files (``mcp__infra-team__<tool>``).

    Args:
        model: Model for ``run_team_task``: a chat model, a ``provider:model`` string, or
            None (``INFRA_TEAM_MODEL``, else the offline engine).
        checkpointer: Where paused team runs are kept (a checkpointer or a SQLite path);
            default: memory, for the life of the server process.

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
    """Run the MCP server over stdio (what ``infra-team mcp`` does; Claude Code starts it).

    Raises:
        HostAdapterError: the ``mcp`` package is not installed.
    """
    import anyio

    anyio.run(serve_stdio, build_mcp_server(model, checkpointer=checkpointer))
