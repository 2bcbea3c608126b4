"""Answer quality, measured: run eval cases through the team and score the answers.

A case (``evals/cases/``) is a request, the integration answers it needs and what a good
answer does; see ``infra_team.evals._case``. ``run_eval`` runs every case with one model
(the offline engine or any ``provider:model``), scores each expectation, and returns the
figures per role, flow and expectation kind (``EvalResult``). ``infra-team eval`` is the
command over it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from infra_team.evals._case import EvalCase, Expectations, RecordedResponse, Source, Text
from infra_team.evals._judge import ModelJudge, resolve_judge
from infra_team.evals._load import default_cases_dir, load_cases
from infra_team.evals._results import (
    CaseResult,
    EvalResult,
    Tally,
    case_result,
    load_result,
    summarise,
    write_result,
)
from infra_team.evals._run import CASE_TIMEOUT, CaseRun, run_cases
from infra_team.evals._score import Check, Verdict, score
from infra_team.models import ModelSpec, model_label, resolve_models

Finished = Callable[[EvalCase, CaseRun], None]
"""Called as each case's run ends, before scoring (progress display)."""


def run_eval(
    cases: Sequence[EvalCase],
    model: ModelSpec,
    *,
    judge: Verdict | None = None,
    judge_label: str | None = None,
    workers: int = 1,
    cases_dir: Path | None = None,
    on_case: Finished | None = None,
    case_timeout: float = CASE_TIMEOUT,
) -> EvalResult:
    """Run and score every case with ``model``; ``judge`` decides the free-text claims.
    A case that takes longer than ``case_timeout`` seconds fails on its own.

    Raises:
        ModelResolutionError: ``model`` cannot be loaded (checked before any case runs).
    """
    resolve_models(model)
    started = time.perf_counter()

    runs = run_cases(cases, model, workers=workers, progress=on_case, timeout=case_timeout)
    results = [
        case_result(case, run, score(case, run, judge=judge))
        for case, run in zip(cases, runs, strict=True)
    ]
    return summarise(
        results,
        model=model_label(model),
        judge=judge_label,
        cases_dir=str(cases_dir or default_cases_dir()),
        duration_s=time.perf_counter() - started,
    )


__all__ = [
    "CASE_TIMEOUT",
    "CaseResult",
    "CaseRun",
    "Check",
    "EvalCase",
    "EvalResult",
    "Expectations",
    "ModelJudge",
    "RecordedResponse",
    "Source",
    "Tally",
    "Text",
    "Verdict",
    "default_cases_dir",
    "load_cases",
    "load_result",
    "resolve_judge",
    "run_eval",
    "write_result",
]
