"""What ``infra-team eval`` does; ``infra_team.cli`` only declares its options.

Exit codes: 0 the eval ran (or the comparison was shown), 1 the score is below
``--fail-under``, 2 bad input (cases, model, result files), as for every command.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from infra_team.errors import ConfigError
from infra_team.evals import load_cases, load_result, resolve_judge, run_eval, write_result
from infra_team.evals._case import EvalCase
from infra_team.evals._judge import ModelJudge
from infra_team.evals._render import render_comparison, render_result
from infra_team.evals._run import CASE_TIMEOUT, CaseRun
from infra_team.models import OFFLINE

EXIT_OK, EXIT_BELOW = 0, 1


def eval_main(
    model: str | None,
    cases: Path | None,
    json_path: Path | None,
    compare: tuple[Path, Path] | None,
    judge: str | None,
    workers: int,
    fail_under: float | None,
    out: Console,
    err: Console,
    case_timeout: float = CASE_TIMEOUT,
) -> int:
    """Run the eval (or compare two results) and print the tables; returns the exit code."""
    if compare is not None:
        render_comparison(load_result(compare[0]), load_result(compare[1]), out)
        return EXIT_OK
    if workers < 1:
        msg = f"--workers must be at least 1, got {workers}"
        raise ConfigError(msg)
    if not case_timeout > 0:
        msg = f"--case-timeout must be a positive number of seconds, got {case_timeout:g}"
        raise ConfigError(msg)
    spec = model or _configured_model()
    loaded = load_cases(cases)
    verdict: ModelJudge | None = resolve_judge(judge) if judge else None
    done = 0

    def progress(case: EvalCase, run: CaseRun) -> None:
        nonlocal done
        done += 1
        status = run.result.status if run.result else "error"
        err.print(f"[dim]{done}/{len(loaded)}[/] {case.id}: {status}", highlight=False)

    result = run_eval(
        loaded,
        spec,
        judge=verdict,
        judge_label=judge,
        workers=workers,
        cases_dir=cases,
        on_case=progress,
        case_timeout=case_timeout,
    )
    render_result(result, out)
    if json_path is not None:
        write_result(result, json_path)
        err.print(f"results written to {json_path}", highlight=False)
    if fail_under is not None and result.score < fail_under:
        err.print(
            f"[red]score {result.score:.2f} % is below --fail-under {fail_under:g} %[/]",
            highlight=False,
        )
        return EXIT_BELOW
    return EXIT_OK


def _configured_model() -> str:
    """The model ``infra-team task`` would use: ``INFRA_TEAM_MODEL`` or the offline engine."""
    from infra_team.settings import get_settings

    return get_settings().model or OFFLINE


__all__ = ["eval_main"]
