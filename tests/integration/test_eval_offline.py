"""The shipped eval cases on the offline engine, against a floor that may only rise.

``evals/floor.json`` holds the offline engine's score rounded down to one decimal. The
first test fails when the engine gets worse; the second fails when it gets better
without the floor being raised, so the floor follows every improvement.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from infra_team import _paths
from infra_team.evals import EvalResult, load_cases, run_eval

FLOOR_FILE = _paths.evals_dir() / "floor.json"


@pytest.fixture(scope="module")
def measured() -> EvalResult:
    return run_eval(load_cases(), "offline", workers=2)


def floor() -> float:
    return float(json.loads(FLOOR_FILE.read_text(encoding="utf-8"))["score"])


def test_offline_engine_scores_at_least_the_floor(measured: EvalResult) -> None:
    by_role = {role: tally.score for role, tally in measured.by_role.items()}
    assert measured.score >= floor(), f"score {measured.score} below the floor; per role {by_role}"
    assert not [case.id for case in measured.cases if case.error and case.status != "completed"]


def test_floor_is_the_measured_score_rounded_down(measured: EvalResult) -> None:
    expected = math.floor(measured.score * 10) / 10
    assert floor() == expected, f"set `score` in {FLOOR_FILE} to {expected}"


def test_readme_shows_the_floor() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"The offline engine scores **{floor():.1f} %**" in readme
