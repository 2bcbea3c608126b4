"""Eval results as rich tables: one run, or two runs side by side."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from infra_team.evals._results import EvalResult, Tally
from infra_team.registry import display_name


def _pct(value: float) -> str:
    return f"{value:.1f} %"


def _delta(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return "-"
    change = after - before
    if abs(change) < 0.05:
        return "="
    colour = "green" if change > 0 else "red"
    return f"[{colour}]{change:+.1f}[/]"


def _group_table(title: str, first: str, groups: dict[str, Tally], *, cases: bool) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    if cases:
        table.add_column("cases", justify="right")
        table.add_column("all checks pass", justify="right")
    table.add_column("checks passed", justify="right")
    table.add_column("skipped", justify="right")
    table.add_column("score", justify="right")
    for name, tally in groups.items():
        row = [name]
        if cases:
            row += [str(tally.cases), str(tally.cases_passed)]
        row += [f"{tally.checks_passed}/{tally.checks}", str(tally.skipped), _pct(tally.score)]
        table.add_row(*row)
    return table


def render_result(result: EvalResult, console: Console, *, details: bool = True) -> None:
    """Tables per role, per flow and per expectation kind, then each case's failed checks."""
    roles = {display_name(role): tally for role, tally in result.by_role.items()}
    console.print(_group_table("By role", "role", roles, cases=True))
    console.print(_group_table("By flow", "flow", result.by_flow, cases=True))
    console.print(_group_table("By expectation kind", "kind", result.by_kind, cases=False))
    if details:
        table = Table(title="Cases", title_justify="left")
        for column in ("case", "role", "status", "score", "failed checks"):
            table.add_column(column, overflow="fold")
        for case in result.cases:
            failed = [f"{c.kind}: {c.name}" for c in case.checks if c.passed is False]
            table.add_row(
                case.id,
                display_name(case.role),
                case.status,
                _pct(case.score * 100),
                "; ".join(failed) or ("-" if not case.error else f"error: {case.error}"),
            )
        console.print(table)
    total = result.total
    judge = f", judge {result.judge}" if result.judge else ""
    console.print(
        f"[bold]Score {_pct(result.score)}[/] ({result.model}{judge}): "
        f"{total.cases_passed}/{total.cases} cases pass every check, "
        f"{total.checks_passed}/{total.checks} checks passed, {total.skipped} skipped; "
        f"{result.duration_s:.1f} s; tokens {result.usage.input_tokens} in, "
        f"{result.usage.output_tokens} out",
        highlight=False,
    )


def _side_by_side(
    title: str, first: str, a: dict[str, Tally], b: dict[str, Tally], labels: tuple[str, str]
) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first)
    table.add_column(labels[0], justify="right")
    table.add_column(labels[1], justify="right")
    table.add_column("change", justify="right")
    for name in sorted(set(a) | set(b)):
        left, right = a.get(name), b.get(name)
        table.add_row(
            display_name(name) if first == "role" else name,
            _pct(left.score) if left else "-",
            _pct(right.score) if right else "-",
            _delta(left.score if left else None, right.score if right else None),
        )
    return table


def render_comparison(a: EvalResult, b: EvalResult, console: Console) -> None:
    """Two results side by side: per role, flow and kind, then every case whose score moved."""
    labels = (f"A: {a.model}", f"B: {b.model}")
    console.print(_side_by_side("By role", "role", a.by_role, b.by_role, labels))
    console.print(_side_by_side("By flow", "flow", a.by_flow, b.by_flow, labels))
    console.print(_side_by_side("By expectation kind", "kind", a.by_kind, b.by_kind, labels))
    left = {case.id: case for case in a.cases}
    right = {case.id: case for case in b.cases}
    moved = Table(title="Cases that changed", title_justify="left")
    for column in ("case", labels[0], labels[1], "change"):
        moved.add_column(column)
    for case_id in sorted(set(left) | set(right)):
        before, after = left.get(case_id), right.get(case_id)
        if before and after and abs(before.score - after.score) < 1e-9:
            continue
        moved.add_row(
            case_id,
            _pct(before.score * 100) if before else "not run",
            _pct(after.score * 100) if after else "not run",
            _delta(before.score * 100 if before else None, after.score * 100 if after else None),
        )
    if moved.row_count:
        console.print(moved)
    else:
        console.print("No case changed its score.")
    console.print(
        f"[bold]Score[/] A {_pct(a.score)} · B {_pct(b.score)} · change {_delta(a.score, b.score)}",
        highlight=False,
    )


__all__ = ["render_comparison", "render_result"]
