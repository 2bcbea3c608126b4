"""The ``infra-team`` command: thin over the library, errors as one line, never a traceback.

Exit codes: 0 completed, 1 failed, 2 usage error, 3 waiting for a human decision.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

from infra_team.errors import InfraTeamError
from infra_team.scrub import scrub, scrub_obj

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_WAITING = 0, 1, 2, 3

app = typer.Typer(
    name="infra-team",
    help="An Infrastructure & Operations agent team: architect, sysadmin, network, DBA, SRE, automation.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)


class ProtocolKind(StrEnum):
    change = "change"
    incident = "incident"
    maintenance = "maintenance"


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(scrub(message))}", highlight=False)
    raise typer.Exit(code)


def _print_json(value: Any) -> None:
    out.print_json(json.dumps(scrub_obj(value), default=str))


def state_dir() -> Path:
    """Where the CLI keeps its checkpoints: ``INFRA_TEAM_STATE_DIR`` or the user state dir."""
    from platformdirs import user_state_dir

    from infra_team.settings import get_settings

    return get_settings().state_dir or Path(user_state_dir("infra-team"))


def default_checkpoint() -> Path:
    return state_dir() / "checkpoints.sqlite"


def _checkpoint_file(option: Path | None) -> Path:
    """The SQLite checkpoint file to use; a folder or an unwritable place is a usage error."""
    path = option or default_checkpoint()
    if str(path) != ":memory:" and path.is_dir():
        _fail(
            f"--checkpoint `{path}` is a folder; give a file path such as `{path / 'runs.sqlite'}`"
        )
    return path


@app.command()
def agents(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the seven subagent types and when to use each."""
    from infra_team.registry import registry

    specs = registry()
    if as_json:
        _print_json(
            [{"name": s.name, "role": s.role, "description": s.description} for s in specs.values()]
        )
        return
    table = Table("subagent type", "role", "use when", show_lines=True)
    for spec in specs.values():
        table.add_row(spec.name, spec.role, scrub(spec.description))
    out.print(table)


@app.command()
def tools(
    role: Annotated[
        str | None, typer.Argument(help="Subagent type; all roles when omitted.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List each role's tools and whether they write to an external system."""
    from infra_team.registry import ROLE_TYPES, resolve_role
    from infra_team.tools import get_tools, writes

    roles = [resolve_role(role).name] if role else list(ROLE_TYPES)
    rows: list[dict[str, Any]] = [
        {"name": tool.name, "role": name, "description": tool.description, "writes": writes(tool)}
        for name in roles
        for tool in get_tools(name)
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table("tool", "role", "writes", "description")
    for row in rows:
        table.add_row(
            row["name"], row["role"], "yes" if row["writes"] else "no", row["description"]
        )
    out.print(table)


@app.command()
def protocol(
    kind: Annotated[ProtocolKind, typer.Argument(help="Which message.")],
    field: Annotated[
        list[str] | None,
        typer.Option("--field", "-f", help="KEY=VALUE (template keys, e.g. SEVERITY=P2)."),
    ] = None,
) -> None:
    """Print a protocol template, or a filled one from --field KEY=VALUE options."""
    from infra_team.protocols import blank_template, from_fields

    if not field:
        out.print(blank_template(kind.value), highlight=False, markup=False)
        return
    pairs: dict[str, str] = {}
    for item in field:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            _fail(f"--field `{item}` is not KEY=VALUE")
        pairs[key.strip()] = value.strip()
    try:
        message = from_fields(kind.value, pairs)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "fields"
        _fail(f"{kind.value}: `{where}`: {first['msg']}")
    except ValueError as exc:
        _fail(f"{kind.value}: {exc}")
    out.print(message.render(), highlight=False, markup=False)


@app.command()
def graph() -> None:
    """Print the supervisor graph as Mermaid."""
    from infra_team.graph.team import build_team_graph
    from infra_team.models import resolve_models

    models = resolve_models("offline").models
    drawing = build_team_graph(models).get_graph().draw_mermaid()
    out.print(scrub(drawing), highlight=False, markup=False)


def _run_events(events: Any, *, as_json: bool, checkpoint: Path | None = None) -> None:
    """Show live progress, then the report; exit with the run's status code."""
    from infra_team.result import TaskResult

    result: TaskResult | None = None
    with err.status("starting ...", spinner="dots") as status:
        for event in events:
            if event.type == "role_started":
                status.update(f"{event.role_name} is working ({event.stage}) ...")
                err.print(
                    f"[cyan]▶[/] {escape(event.role_name or '')}: {event.stage}", highlight=False
                )
            elif event.type == "tool_called":
                err.print(f"    [dim]tool[/] {escape(event.tool or '')}", highlight=False)
            elif event.type == "tool_result":
                line = f"{event.tool}: {event.data.get('status', '')} {event.text}"
                err.print(f"    [dim]{escape(line)}[/]", highlight=False)
            elif event.type == "role_finished":
                err.print(f"[green]✓[/] {escape(event.role_name or '')}", highlight=False)
            elif event.type == "interrupt":
                err.print(
                    f"[yellow]⏸[/] waiting for a human decision: {escape(event.text)}",
                    highlight=False,
                )
            elif event.type == "result":
                result = event.result
    if result is None:
        _fail("the run produced no result", EXIT_FAILED)
    if as_json:
        _print_json(result.model_dump(mode="json"))
    else:
        out.print(Markdown(result.report))
        err.print(f"\nToken usage\n{result.usage.render()}", highlight=False, markup=False)
    if result.status == "interrupted":
        if len(result.interrupts) > 1:
            first = result.interrupts[0]
            what = first.details.get("tool") or first.gate
            err.print(
                f"\n{len(result.interrupts)} questions are pending; the next resume answers "
                f"the first one ({what}): {first.question}",
                highlight=False,
                markup=False,
            )
        where = f" --checkpoint {checkpoint}" if checkpoint else ""
        err.print(
            f"\nResume with: infra-team resume {result.thread_id}{where} --approve|--reject "
            '[--comment "..."]',
            highlight=False,
            markup=False,
        )
        raise typer.Exit(EXIT_WAITING)
    if result.status == "failed":
        err.print(f"[red]failed:[/] {escape(result.error or '')}", highlight=False)
        raise typer.Exit(EXIT_FAILED)


@app.command(name="task")
def task_command(
    subagent_type: Annotated[str, typer.Argument(help="One of the seven subagent types.")],
    description: Annotated[str, typer.Argument(help="The request or incident, in full.")],
    model: Annotated[str | None, typer.Option(help="Model: offline, openai:gpt-4.1, ...")] = None,
    thread: Annotated[str | None, typer.Option(help="Thread id to save the run under.")] = None,
    checkpoint: Annotated[
        Path | None, typer.Option(help="SQLite checkpoint file (default: user state dir).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the TaskResult as JSON.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds before the run stops (failed).")] = 900,
) -> None:
    """Run a task: the team, or one role, works the request and prints a report."""
    from infra_team.runner import stream

    events = stream(
        subagent_type,
        description,
        model=model,
        thread_id=thread,
        checkpointer=_checkpoint_file(checkpoint),
        timeout=timeout,
    )
    _run_events(events, as_json=as_json, checkpoint=checkpoint)


@app.command(name="resume")
def resume_command(
    thread: Annotated[str, typer.Argument(help="Thread id printed by the paused run.")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve / take ownership.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject / decline.")] = False,
    comment: Annotated[str, typer.Option(help="Comment recorded with the decision.")] = "",
    model: Annotated[
        str | None, typer.Option(help="Model (default: the one the run used).")
    ] = None,
    checkpoint: Annotated[Path | None, typer.Option(help="SQLite checkpoint file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the TaskResult as JSON.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds before the run stops (failed).")] = 900,
) -> None:
    """Answer a paused run's question and let it finish; without --approve/--reject,
    continue a run that stopped part-way from its last checkpoint."""
    from infra_team.runner import stream

    if approve and reject:
        _fail("give at most one of --approve or --reject")
    events = stream(
        "infrastructure-team",
        model=model,
        thread_id=thread,
        checkpointer=_checkpoint_file(checkpoint),
        resume_with=approve if approve or reject else None,
        comment=comment,
        timeout=timeout,
        continue_run=True,
    )
    _run_events(events, as_json=as_json, checkpoint=checkpoint)


export_app = typer.Typer(help="Write the team's files for a host.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command(name="claude-code")
def export_claude_code_command(
    directory: Annotated[Path, typer.Argument(help="Folder, e.g. .claude/agents")],
    overwrite: Annotated[bool, typer.Option(help="Replace files that differ.")] = False,
) -> None:
    """Copy the seven subagent files for Claude Code (``.claude/agents/``)."""
    from infra_team.integrations import export_claude_code

    for path in export_claude_code(directory, overwrite=overwrite):
        out.print(str(path), highlight=False, markup=False)


@app.command()
def mcp(
    model: Annotated[str | None, typer.Option(help="Model for run_team_task.")] = None,
    checkpoint: Annotated[Path | None, typer.Option(help="SQLite checkpoint file.")] = None,
) -> None:
    """Serve every tool (and the team) over MCP on stdio, for Claude Code."""
    from infra_team.integrations.mcp_server import run_mcp_server

    run_mcp_server(model, checkpointer=checkpoint or default_checkpoint())


@app.command(name="eval")
def eval_command(
    model: Annotated[str | None, typer.Option(help="Model: offline, openai:gpt-4.1, ...")] = None,
    cases: Annotated[
        Path | None, typer.Option(help="Case file or folder (default: shipped).")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write results as JSON.")] = None,
    compare: Annotated[
        tuple[Path, Path] | None, typer.Option(help="Compare two --json results: A.json B.json.")
    ] = None,
    judge: Annotated[str | None, typer.Option(help="Model deciding free-text claims.")] = None,
    workers: Annotated[int, typer.Option(help="Cases run at the same time.")] = 1,
    fail_under: Annotated[float | None, typer.Option(help="Exit 1 below this score (%).")] = None,
) -> None:
    """Measure answer quality: run the eval cases and score every expectation."""
    from infra_team.evals._command import eval_main

    try:
        code = eval_main(model, cases, json_path, compare, judge, workers, fail_under, out, err)
    except InfraTeamError as exc:
        _fail(str(exc))
    raise typer.Exit(code)


def main() -> None:
    """Console entry point: maps errors to exit codes and one-line messages."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except InfraTeamError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(EXIT_USAGE)
    except (KeyboardInterrupt, EOFError):
        err.print("interrupted", highlight=False)
        sys.exit(130)
    except Exception as exc:  # the CLI boundary: one line, never a traceback
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(EXIT_FAILED)
        err.print(
            f"[bold red]error:[/] {escape(scrub(f'{type(exc).__name__}: {exc}'))}", highlight=False
        )
        sys.exit(EXIT_FAILED)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
