"""The ``infra-team`` command: thin over the library, errors as one line, never a traceback.

Exit codes: 0 completed, 1 failed, 2 usage error, 3 waiting for a human decision.

Start-up is kept short: this module imports only typer and rich at the top, and each
command imports what it needs, so ``--help``, ``agents``, ``tools`` and ``protocol`` never
load LangGraph, LangChain or httpx (``tests/unit/test_startup.py`` holds that).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from infra_team.errors import InfraTeamError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from infra_team.result import TaskEvent, TaskResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_WAITING = 0, 1, 2, 3

app = typer.Typer(
    name="infra-team",
    help="An Infrastructure & Operations agent team: architect, sysadmin, network, DBA, SRE, automation.",
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: typer's rich help formatter alone takes ~0.2 s to import
)
out = Console()
err = Console(stderr=True, soft_wrap=True)


def _help_without_command(ctx: typer.Context) -> None:
    """Bare ``infra-team`` (or ``infra-team export``) shows the help and exits 0."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(EXIT_OK)


app.callback(invoke_without_command=True)(_help_without_command)


class ProtocolKind(StrEnum):
    change = "change"
    incident = "incident"
    maintenance = "maintenance"


class OutputFormat(StrEnum):
    """How ``task`` and ``resume`` print the report."""

    markdown = "markdown"
    """The report's Markdown as is: for pipes, files and copy-paste (nothing is wrapped)."""
    json = "json"
    """The whole ``TaskResult`` as JSON."""
    rich = "rich"
    """The report rendered for a terminal."""


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    from infra_team.scrub import scrub

    err.print(f"[bold red]error:[/] {escape(scrub(message))}", highlight=False)
    raise typer.Exit(code)


def _write(text: str) -> None:
    """Plain text to stdout, exactly as given: no wrapping, no markup."""
    sys.stdout.write(text if text.endswith("\n") else f"{text}\n")
    sys.stdout.flush()


def _print_json(value: Any) -> None:
    from infra_team.scrub import scrub_obj

    _write(json.dumps(scrub_obj(value), indent=2, ensure_ascii=False, default=str))


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
    from rich.table import Table

    from infra_team import _paths
    from infra_team.registry import SUBAGENT_TYPES, parse_agent_file
    from infra_team.scrub import scrub

    # Each file is parsed and validated; whether its tools exist is checked by every run
    # (building the tools would triple this command's start-up).
    specs = {name: parse_agent_file(_paths.agents_dir() / f"{name}.md") for name in SUBAGENT_TYPES}
    if as_json:
        _print_json(
            [{"name": s.name, "role": s.role, "description": s.description} for s in specs.values()]
        )
        return
    table = Table(show_lines=True)
    table.add_column("subagent type", no_wrap=True)  # the names a user types: never cut
    table.add_column("role")
    table.add_column("use when", ratio=1)
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
    """List each role's tools: whether they write, whether they read a live system, and
    the settings a live one needs."""
    from rich.table import Table

    from infra_team.registry import ROLE_TYPES, SUBAGENT_TYPES
    from infra_team.tool_index import load_tool_index

    if role is not None and role not in SUBAGENT_TYPES:
        valid = ", ".join(f"`{name}`" for name in SUBAGENT_TYPES)
        _fail(f"unknown subagent type `{role}`; valid types: {valid}")
    index = load_tool_index()
    rows: list[dict[str, Any]] = [
        {
            "name": tool["name"],
            "role": name,
            "description": tool["description"],
            "writes": tool["writes"],
            "live": tool["live"],
            "settings": tool["settings"],
        }
        for name in ([role] if role else ROLE_TYPES)
        for tool in index[name]
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table()
    table.add_column("tool", no_wrap=True)  # the names a user types: never cut
    if role is None:
        table.add_column("role", no_wrap=True)
    table.add_column("writes", no_wrap=True)
    table.add_column("live", no_wrap=True)
    table.add_column("description", ratio=1)
    for row in rows:
        needs = f"\nNeeds {', '.join(row['settings'])}." if row["settings"] else ""
        cells = [
            row["name"],
            row["role"],
            "yes" if row["writes"] else "no",
            "yes" if row["live"] else "no",
            row["description"] + needs,
        ]
        table.add_row(*(cells if role is None else cells[:1] + cells[2:]))
    out.print(table)


@app.command()
def capabilities(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the team's 30 capabilities, the role that owns each and what serves it."""
    from infra_team.capabilities import capability_rows

    rows = capability_rows()
    if as_json:
        _print_json([row.model_dump(mode="json") for row in rows])
        return
    served = sum(row.served for row in rows)
    header = ("area", "capability", "owner", "tools / templates")
    cells = [
        (row.area, row.capability, row.owner, ", ".join([*row.tools, *row.templates]) or "-")
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(3)]
    lines = [
        "  ".join(value.ljust(width) for value, width in zip(line[:3], widths, strict=True))
        + "  "
        + line[3]
        for line in [header, *cells]
    ]
    lines.append(f"\n{served}/{len(rows)} capabilities served by a tool or template")
    _write("\n".join(lines))


@app.command()
def protocol(
    kind: Annotated[ProtocolKind, typer.Argument(help="Which message.")],
    field: Annotated[
        list[str] | None,
        typer.Option("--field", "-f", help="KEY=VALUE (template keys, e.g. SEVERITY=P2)."),
    ] = None,
) -> None:
    """Print a protocol template, or a filled one from --field KEY=VALUE options."""
    from pydantic import ValidationError

    from infra_team.protocols import blank_template, from_fields

    if not field:
        _write(blank_template(kind.value))
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
    _write(message.render())


@app.command()
def graph() -> None:
    """Print the supervisor graph as Mermaid."""
    from infra_team.graph.team import build_team_graph
    from infra_team.models import resolve_models
    from infra_team.scrub import scrub

    models = resolve_models("offline").models
    _write(scrub(build_team_graph(models).get_graph().draw_mermaid()))


def _show_progress(event: TaskEvent) -> None:
    if event.type == "role_started":
        err.print(f"[cyan]▶[/] {escape(event.role_name or '')}: {event.stage}", highlight=False)
    elif event.type == "tool_called":
        err.print(f"    [dim]tool[/] {escape(event.tool or '')}", highlight=False)
    elif event.type == "tool_result":
        line = f"{event.tool}: {event.data.get('status', '')} {event.text}"
        err.print(f"    [dim]{escape(line)}[/]", highlight=False)
    elif event.type == "role_finished":
        err.print(f"[green]✓[/] {escape(event.role_name or '')}", highlight=False)
    elif event.type == "interrupt":
        err.print(
            f"[yellow]⏸[/] waiting for a human decision: {escape(event.text)}", highlight=False
        )


def _print_result(result: TaskResult, output: OutputFormat) -> None:
    if output is OutputFormat.json:
        _print_json(result.model_dump(mode="json"))
        return
    if output is OutputFormat.rich:
        from rich.markdown import Markdown

        out.print(Markdown(result.report))
    else:
        _write(result.report)
    # Token usage goes to stderr, so a piped report stays the Markdown report as is.
    err.print(f"\nToken usage\n{result.usage.render()}", highlight=False, markup=False)


def _run_events(
    events: Iterable[TaskEvent], *, output: OutputFormat, checkpoint: Path | None = None
) -> None:
    """Show live progress on stderr, then the report on stdout; exit with the run's code."""
    result: TaskResult | None = None
    with err.status("starting ...", spinner="dots") as status:
        for event in events:
            if event.type == "role_started":
                status.update(f"{event.role_name} is working ({event.stage}) ...")
            if event.type == "result":
                result = event.result
            else:
                _show_progress(event)
    if result is None:
        _fail("the run produced no result", EXIT_FAILED)
    _print_result(result, output)
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


def _output_format(chosen: OutputFormat | None, as_json: bool) -> OutputFormat:
    """``--format`` wins; ``--json`` is its shorthand; else rich on a terminal, Markdown in a pipe."""
    if as_json and chosen not in (None, OutputFormat.json):
        _fail(f"--json and --format {chosen} disagree; give one of them")
    if chosen is not None:
        return chosen
    if as_json:
        return OutputFormat.json
    return OutputFormat.rich if sys.stdout.isatty() else OutputFormat.markdown


def _read_description(argument: str | None, file: Path | None) -> str:
    """The description from the argument, stdin (``-``) or ``--file``, by one rule for size
    and for bytes that are not UTF-8 (see ``infra_team.inputs``)."""
    from infra_team.inputs import (
        MAX_DESCRIPTION_BYTES,
        check_description,
        check_size,
        clean_text,
        decode_text,
    )

    if argument is not None and file is not None:
        _fail("give the description as an argument, `-` (stdin) or --file PATH, not two of them")
    if file is not None:
        try:
            check_size(file.stat().st_size)
            with file.open("rb") as stream:
                data = stream.read(MAX_DESCRIPTION_BYTES + 1)
        except OSError as exc:
            _fail(f"--file `{file}`: {exc.strerror or exc}")
        clean = decode_text(data)
    elif argument == "-":
        data = sys.stdin.buffer.read(MAX_DESCRIPTION_BYTES + 1)
        if len(data) > MAX_DESCRIPTION_BYTES:
            check_size(len(data), at_least=True)
        clean = decode_text(data)
    elif argument is not None:
        clean = clean_text(argument)
    else:
        _fail(
            "missing the description: give it as an argument, `-` to read stdin, or "
            "--file PATH; see `infra-team task --help`"
        )
    check_description(clean.text)  # the size limit, counted in UTF-8 bytes
    if clean.escaped:
        err.print(
            f"note: {clean.escaped} byte(s) of the description are not UTF-8; they are kept "
            "as \\xNN escapes",
            highlight=False,
            markup=False,
        )
    return clean.text


FORMAT_HELP = "markdown (as is, the default in a pipe), json, or rich (the default on a terminal)."


@app.command(name="task")
def task_command(
    subagent_type: Annotated[str, typer.Argument(help="One of the seven subagent types.")],
    description: Annotated[
        str | None,
        typer.Argument(help="The request or incident, in full; `-` reads it from stdin."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the description from this file.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model: offline, openai:gpt-4.1, ...")] = None,
    thread: Annotated[str | None, typer.Option(help="Thread id to save the run under.")] = None,
    checkpoint: Annotated[
        Path | None, typer.Option(help="SQLite checkpoint file (default: user state dir).")
    ] = None,
    output_format: Annotated[
        OutputFormat | None, typer.Option("--format", help=FORMAT_HELP, show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds before the run stops (failed).")] = 900,
    opened_at: Annotated[
        str | None,
        typer.Option(
            "--opened-at",
            help="When the incident began (ISO 8601 with timezone, e.g. 2026-03-01T12:00:00Z): "
            "picks the escalation rung from its age; recovery time counts from it.",
        ),
    ] = None,
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="JSON file of Production Readiness evidence: {item: {source, passed, "
            "checked_at}} for infrastructure_provisioned, security_hardening_applied, "
            "monitoring_configured, alerts_defined, runbooks_created, dr_tested.",
        ),
    ] = None,
) -> None:
    """Run a task: the team, or one role, works the request and prints a report.

    The description is at most 256 KiB; bytes that are not UTF-8 are kept as \\xNN escapes.
    """
    output = _output_format(output_format, as_json)
    text = _read_description(description, file)

    from infra_team.run_context import check_opened_at, read_evidence_file
    from infra_team.runner import stream

    events = stream(
        subagent_type,
        text,
        model=model,
        thread_id=thread,
        checkpointer=_checkpoint_file(checkpoint),
        timeout=timeout,
        opened_at=check_opened_at(opened_at),
        evidence=read_evidence_file(evidence) if evidence is not None else None,
    )
    _run_events(events, output=output, checkpoint=checkpoint)


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
    output_format: Annotated[
        OutputFormat | None, typer.Option("--format", help=FORMAT_HELP, show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds before the run stops (failed).")] = 900,
) -> None:
    """Answer a paused run's question and let it finish; without --approve/--reject,
    continue a run that stopped part-way from its last checkpoint."""
    from infra_team.inputs import clean_text

    output = _output_format(output_format, as_json)
    if approve and reject:
        _fail("give at most one of --approve or --reject")

    from infra_team.runner import stream

    events = stream(
        "infrastructure-team",
        model=model,
        thread_id=thread,
        checkpointer=_checkpoint_file(checkpoint),
        resume_with=approve if approve or reject else None,
        comment=clean_text(comment).text,
        timeout=timeout,
        continue_run=True,
    )
    _run_events(events, output=output, checkpoint=checkpoint)


@app.command(name="kpi")
def kpi_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    days: Annotated[
        float, typer.Option(help="Length of the measurement window, ending now.", min=0.001)
    ] = 30,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            help="SQLite checkpoint file whose incident log to read (default: user state dir)."
        ),
    ] = None,
) -> None:
    """Print the team's five KPIs, with availability and MTTR from the stored incident log."""
    from datetime import UTC, datetime, timedelta

    from infra_team.incident_record import kpi_figures, kpi_json
    from infra_team.kpis import MeasurementWindow
    from infra_team.persistence import sync_persistence

    path = _checkpoint_file(checkpoint)
    end = datetime.now(UTC)
    window = MeasurementWindow(start=end - timedelta(days=days), end=end)
    if str(path) != ":memory:" and not path.exists():
        # No run has stored anything yet: read nothing rather than create the files.
        from langgraph.store.memory import InMemoryStore

        figures = kpi_figures(InMemoryStore(), window)
    else:
        with sync_persistence(path) as (_, store):
            figures = kpi_figures(store, window)
    if as_json:
        _print_json(kpi_json(figures))
        return
    lines = [
        f"KPIs over {window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC: "
        f"{figures.incidents} incident(s) in the log, {figures.resolved} resolved",
        "",
    ]
    rows = [("KPI", "Value", "Target", "Status", "How measured")]
    for kpi in figures.report.kpis:
        # Four decimals: 99.9027 % must not print as the 99.9 % target it exceeds.
        shown = f"{kpi.value:.4f}".rstrip("0").rstrip(".") if kpi.value is not None else "-"
        value = shown if kpi.value is None else f"{shown} {kpi.unit}".replace(" %", "%")
        rows.append((kpi.name, value, kpi.target, kpi.status, kpi.how_measured))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        lines.append(
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        )
    lines += ["", figures.report.summary()]
    _write("\n".join(lines))


incident_app = typer.Typer(
    help="The incident log a team run keeps: list its incidents, close one a person resolved.",
    rich_markup_mode=None,
)
incident_app.callback(invoke_without_command=True)(_help_without_command)
app.add_typer(incident_app, name="incident")

_CheckpointOption = Annotated[
    Path | None,
    typer.Option(
        help="SQLite checkpoint file whose incident log to use (default: user state dir)."
    ),
]


def _stored_log(checkpoint: Path | None) -> Path:
    """The checkpoint file holding the incident log; a missing file is a usage error (no
    run has logged anything there, and closing must not create one)."""
    path = _checkpoint_file(checkpoint)
    if str(path) != ":memory:" and not path.exists():
        _fail(f"no incident log at `{path}`: no team run has stored anything there")
    return path


def _resolved_moment(value: str | None) -> datetime:
    """``--resolved-at`` as an aware UTC time (default: now); no timezone or a time in the
    future is a usage error (``run_context.CLOCK_SKEW`` allowed, as for ``opened_at``)."""
    from datetime import UTC, datetime

    from infra_team.run_context import CLOCK_SKEW

    now = datetime.now(UTC)
    if value is None:
        return now
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        _fail(f"--resolved-at `{value[:40]}` is not an ISO 8601 time, e.g. 2026-03-01T12:00:00Z")
    if moment.tzinfo is None or moment.utcoffset() is None:
        _fail("--resolved-at has no timezone; add one, e.g. 2026-03-01T12:00:00Z")
    moment = moment.astimezone(UTC)
    if moment > now + CLOCK_SKEW:
        _fail(f"--resolved-at {moment.isoformat()} is in the future")
    return moment


@incident_app.command(name="list")
def incident_list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only incidents not resolved.")] = False,
    checkpoint: _CheckpointOption = None,
) -> None:
    """List the incidents in the log, oldest first: ID, status, severity, opened, title."""
    from infra_team.incident_record import stored_incidents
    from infra_team.persistence import sync_persistence

    path = _checkpoint_file(checkpoint)
    records = []
    if str(path) == ":memory:" or path.exists():
        with sync_persistence(path) as (_, store):
            records = [
                r for r in stored_incidents(store) if not (open_only and r.status == "Resolved")
            ]
    if as_json:
        _print_json([r.model_dump(mode="json", exclude={"timeline"}) for r in records])
        return
    if not records:
        _write("No incidents in the log.")
        return
    _write(
        "\n".join(
            f"{r.incident_id}  {r.status:<13} {r.severity}  opened {r.opened_at:%Y-%m-%d %H:%M} "
            f"UTC  {r.title}"
            for r in records
        )
    )


@incident_app.command(name="close")
def incident_close_command(
    incident_id: Annotated[
        str, typer.Argument(help="Incident ID, from `infra-team incident list`.")
    ],
    resolved_at: Annotated[
        str | None,
        typer.Option(
            "--resolved-at",
            help="When service was restored, ISO 8601 with timezone (default: now).",
        ),
    ] = None,
    resolution: Annotated[
        str, typer.Option(help="What restored service, for the timeline.")
    ] = "closed by a person",
    checkpoint: _CheckpointOption = None,
) -> None:
    """Close an incident a person resolved (one the team handed over stays open until
    then), so its recovery time counts in `infra-team kpi`."""
    from infra_team.persistence import sync_persistence
    from infra_team.tools._base import ToolInputError
    from infra_team.tools.analysers.incidents import close_incident

    moment = _resolved_moment(resolved_at)
    note = " ".join(resolution.split())[:500]
    if not note:
        _fail("--resolution is blank; say what restored service")
    with sync_persistence(_stored_log(checkpoint)) as (_, store):
        try:
            record = close_incident(store, incident_id.strip(), resolution=note, at=moment)
        except ToolInputError as exc:
            _fail(str(exc))
    minutes = record.time_to_recovery_minutes or 0.0
    met = "met" if record.mttr_target_met else "missed"
    _write(
        f"Closed {record.incident_id} at {moment:%Y-%m-%d %H:%M} UTC: recovered in "
        f"{minutes:.0f} min (MTTR target under 30 min {met})."
    )


export_app = typer.Typer(help="Write the team's files for a host.", rich_markup_mode=None)
export_app.callback(invoke_without_command=True)(_help_without_command)
app.add_typer(export_app, name="export")


@export_app.command(name="claude-code")
def export_claude_code_command(
    directory: Annotated[Path, typer.Argument(help="Folder, e.g. .claude/agents")],
    overwrite: Annotated[bool, typer.Option(help="Replace files that differ.")] = False,
) -> None:
    """Copy the seven subagent files for Claude Code (``.claude/agents/``)."""
    from infra_team.integrations.claude_code import export_claude_code

    for path in export_claude_code(directory, overwrite=overwrite):
        _write(str(path))


@app.command()
def mcp(
    model: Annotated[str | None, typer.Option(help="Model for run_team_task.")] = None,
    checkpoint: Annotated[Path | None, typer.Option(help="SQLite checkpoint file.")] = None,
) -> None:
    """Serve every tool (and the team) over MCP on stdio, for Claude Code."""
    from infra_team.integrations.mcp_front import serve  # answers before the SDK loads

    serve(model, checkpointer=checkpoint or default_checkpoint())


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
    case_timeout: Annotated[
        float, typer.Option(help="Seconds one case may take before it fails on its own.")
    ] = 600,
) -> None:
    """Measure answer quality: run the eval cases and score every expectation."""
    from infra_team.evals._command import eval_main

    try:
        code = eval_main(
            model,
            cases,
            json_path,
            compare,
            judge,
            workers,
            fail_under,
            out,
            err,
            case_timeout=case_timeout,
        )
    except InfraTeamError as exc:
        _fail(str(exc))
    raise typer.Exit(code)


def usage_line(exc: typer.TyperException) -> str:
    """A usage error as one line: typer's message, then where to find the right usage.

    typer 0.29 raises its own copies of click's exceptions (``MissingParameter``,
    ``NoSuchOption``, ...); all derive from ``typer.TyperException`` and carry the
    offending command's context when there is one.
    """
    message = " ".join(exc.format_message().split())
    context = getattr(exc, "ctx", None)
    command = getattr(context, "command_path", "") or "infra-team"
    if not message.endswith((".", "?", "!")):
        message += "."
    return f"{message} See `{command} --help`."


def main() -> None:
    """Console entry point: maps errors to exit codes and one-line messages."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors: exit 2, one line
        err.print(f"[bold red]error:[/] {escape(usage_line(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except InfraTeamError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(EXIT_USAGE)
    except (typer.Abort, KeyboardInterrupt, EOFError):  # typer turns Ctrl-C into Abort
        err.print("interrupted", highlight=False)
        sys.exit(130)
    except Exception as exc:  # the CLI boundary: one line, never a traceback
        from infra_team.scrub import scrub

        err.print(
            f"[bold red]error:[/] {escape(scrub(f'{type(exc).__name__}: {exc}'))}", highlight=False
        )
        sys.exit(EXIT_FAILED)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
