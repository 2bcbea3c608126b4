"""``infra-team eval``: tables, --json, --compare, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from infra_team.cli import app
from infra_team.evals import EvalResult, load_result, write_result
from infra_team.evals._render import render_comparison
from tests.leaks import leaks

runner = CliRunner()

CASE = {
    "title": "Error budget left",
    "source": {
        "title": "SRE book, Embracing Risk",
        "url": "https://sre.google/sre-book/embracing-risk/",
    },
    "subagent_type": "site-reliability-engineer",
    "flow": "request",
    "request": "Our API has a 99.9 % SLO over 30 days; 10000000 requests, 9992500 good. Budget left?",
    "expect": {
        "engaged": ["site-reliability-engineer"],
        "facts": ["99.9"],
        "absent": ["P1 outage"],
    },
}


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "budget.yaml").write_text(yaml.safe_dump(CASE), encoding="utf-8")
    return folder


def test_eval_prints_tables_and_writes_json(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "offline.json"
    result = runner.invoke(app, ["eval", "--cases", str(cases), "--json", str(out)])
    assert result.exit_code == 0, result.output
    for title in ("By role", "By flow", "By expectation kind", "Cases", "Score 100.0 %"):
        assert title in result.stdout
    assert "Site Reliability Engineer" in result.stdout
    assert leaks(result.stdout) == []
    saved = load_result(out)
    assert saved.model == "offline"
    assert [case.id for case in saved.cases] == ["budget"]
    assert saved.by_role["site-reliability-engineer"].checks == 3
    assert json.loads(out.read_text())["schema_version"] == 1


def test_fail_under_exits_1(cases: Path) -> None:
    result = runner.invoke(app, ["eval", "--cases", str(cases), "--fail-under", "100.5"])
    assert result.exit_code == 1
    assert "below --fail-under" in result.stderr


def two_results(cases: Path, tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "a.json"
    assert runner.invoke(app, ["eval", "--cases", str(cases), "--json", str(first)]).exit_code == 0
    before = load_result(first)
    worse = before.cases[0].model_copy(update={"score": 0.5, "passed": False})
    after = before.model_copy(update={"model": "openai:gpt-x", "score": 50.0, "cases": [worse]})
    second = tmp_path / "b.json"
    write_result(EvalResult.model_validate(after.model_dump()), second)
    return first, second


def test_compare_shows_both_runs_side_by_side(cases: Path, tmp_path: Path) -> None:
    first, second = two_results(cases, tmp_path)
    result = runner.invoke(app, ["eval", "--compare", str(first), str(second)])
    assert result.exit_code == 0, result.output
    assert "A: offline" in result.stdout and "B: openai:gpt-x" in result.stdout
    assert "Cases that changed" in result.stdout and "budget" in result.stdout
    assert "-50.0" in result.stdout


def test_compare_of_equal_runs_says_nothing_changed(cases: Path, tmp_path: Path) -> None:
    first, _ = two_results(cases, tmp_path)
    console = Console(record=True, width=120)
    same = load_result(first)
    render_comparison(same, same, console)
    assert "No case changed its score." in console.export_text()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--compare", "{tmp}/missing.json", "{tmp}/missing.json"], "does not exist"),
        (["--compare", "{cases}/budget.yaml", "{cases}/budget.yaml"], "is not a readable JSON"),
        (["--cases", "{tmp}/nowhere"], "does not exist"),
        (["--cases", "{tmp}/bad"], "bad.yaml: `expect.severity`"),
        (["--cases", "{cases}", "--judge", "offline"], "--judge needs a language model"),
        (["--cases", "{cases}", "--model", "nosuchprovider:x"], "cannot load model"),
        (["--cases", "{cases}", "--workers", "0"], "--workers must be at least 1"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    cases: Path, tmp_path: Path, args: list[str], expected: str
) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "bad.yaml").write_text(
        yaml.safe_dump({**CASE, "expect": {"severity": "P7"}}), encoding="utf-8"
    )
    filled = [arg.format(tmp=tmp_path, cases=cases) for arg in args]
    result = runner.invoke(app, ["eval", *filled])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error:")
    assert expected in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_console_script_reports_bad_cases_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("title: [", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "infra_team", "eval", "--cases", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "x.yaml: not valid YAML" in done.stderr
