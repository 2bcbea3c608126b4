"""The command line: listings, protocol templates, errors as one line, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from infra_team.cli import app
from infra_team.registry import SUBAGENT_TYPES
from tests.leaks import leaks

runner = CliRunner()


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra_team", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_agents_json_lists_the_seven_types():
    result = runner.invoke(app, ["agents", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [row["name"] for row in rows] == list(SUBAGENT_TYPES)
    assert leaks(result.stdout) == []


def test_tools_json_marks_writes():
    result = runner.invoke(app, ["tools", "site-reliability-engineer", "--json"])
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["pagerduty_event"]["writes"] is True
    assert rows["error_budget"]["writes"] is False


def test_protocol_blank_template():
    result = runner.invoke(app, ["protocol", "incident"])
    assert result.exit_code == 0
    assert "SEVERITY: [P1/P2/P3/P4]" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "COMMANDER: Site Reliability Engineer"


def test_protocol_filled_from_fields():
    result = runner.invoke(
        app,
        [
            "protocol",
            "incident",
            "--field",
            "INCIDENT=Checkout 502s",
            "--field",
            "SEVERITY=P1",
            "--field",
            "STATUS=Investigating",
            "--field",
            "IMPACT=40% of checkouts",
            "--field",
            "CURRENT_ACTION=draining the bad pool",
            "--field",
            "ETA=30 min",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "SEVERITY: P1" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["protocol", "incident", "--field", "SEVERITY=P9"],
        ["protocol", "change", "--field", "nonsense"],
        ["task", "database-wizard", "fix it"],
        ["task", "infrastructure-team", "   "],
        ["resume", "no-such-thread", "--approve"],
        ["resume", "t", "--approve", "--reject"],
        ["tools", "database-wizard"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, tmp_path, monkeypatch):
    monkeypatch.setenv("INFRA_TEAM_STATE_DIR", str(tmp_path))
    result = _main(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error:")
    assert len(result.stderr.strip().splitlines()) <= 2


def test_unknown_type_error_lists_valid_types():
    result = _main("task", "database-wizard", "fix it")
    assert "site-reliability-engineer" in result.stderr


def test_graph_is_mermaid_with_role_names():
    result = runner.invoke(app, ["graph"])
    assert result.exit_code == 0
    assert "graph TD" in result.stdout or "flowchart" in result.stdout
    for role in ("site-reliability-engineer", "human-escalation", "gates"):
        assert role in result.stdout
    assert leaks(result.stdout) == []


def test_task_prints_token_usage_after_the_report():
    result = runner.invoke(app, ["task", "site-reliability-engineer", "Error budget for 99.9%"])
    assert result.exit_code == 0, result.output
    assert "Token usage\nnone reported (the offline engine uses no tokens" in result.stderr
    assert result.output.index("Token usage") > result.output.index("Model: ")
