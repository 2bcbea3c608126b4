"""The command line: listings, protocol templates, errors as one line, exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from infra_team.cli import app
from infra_team.inputs import MAX_DESCRIPTION_BYTES
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


def test_tools_json_and_text_say_which_tools_are_live_and_what_they_need():
    result = runner.invoke(app, ["tools", "site-reliability-engineer", "--json"])
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["query_prometheus"]["live"] is True
    assert rows["query_prometheus"]["settings"] == ["INFRA_TEAM_PROMETHEUS_URL"]
    assert rows["error_budget"]["live"] is False
    assert rows["error_budget"]["settings"] == []
    text = runner.invoke(app, ["tools", "site-reliability-engineer"], terminal_width=200).stdout
    line = next(line for line in text.splitlines() if "query_prometheus " in line)
    assert "│ yes  │" in line
    assert "INFRA_TEAM_PROMETHEUS_URL" in text


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


def _run(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """The console entry point in a subprocess: stdout is a pipe, not a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "infra_team", *args],
        input=stdin,
        capture_output=True,
        check=False,
        timeout=300,
        env={**os.environ, "COLUMNS": "80", **(env or {})},
    )


USAGE_ERRORS = [
    (["task"], "Missing argument"),
    (["bogus"], "No such command 'bogus'"),
    (["task", "infrastructure-team", "x", "--bogus"], "No such option: --bogus"),
    (["agents", "--nope"], "No such option: --nope"),
    (["protocol", "bogus"], "'bogus' is not one of"),
    (["task", "infrastructure-team", "x", "--format", "html"], "'html' is not one of"),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS, ids=lambda v: str(v))
def test_usage_error_is_one_clear_line_and_exit_2(args, message):
    result = _run(*args)
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert result.stdout == b""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "--help" in lines[0]
    for class_name in ("MissingParameter", "NoSuchOption", "UsageError", "BadParameter", "Error:"):
        assert class_name not in stderr


@pytest.mark.parametrize("args", [[], ["export"]], ids=["bare", "export"])
def test_no_command_prints_help_and_no_error(args):
    result = _run(*args)
    assert result.returncode == 0
    assert b"Usage:" in result.stdout
    assert result.stderr == b""


def test_agents_at_80_columns_keeps_every_name_whole():
    result = _run("agents")
    assert result.returncode == 0
    shown = result.stdout.decode()
    assert max(len(line) for line in shown.splitlines()) <= 80
    for name in SUBAGENT_TYPES:
        assert name in shown, name


def test_tools_at_80_columns_keeps_every_name_whole():
    from infra_team.tool_index import load_tool_index

    result = _run("tools", "site-reliability-engineer")
    assert result.returncode == 0
    shown = result.stdout.decode()
    for tool in load_tool_index()["site-reliability-engineer"]:
        assert tool["name"] in shown, tool["name"]


def test_protocol_template_is_printed_unwrapped():
    from infra_team.protocols import blank_template

    result = _run("protocol", "change")
    assert result.stdout.decode() == blank_template("change").rstrip("\n") + "\n"


SSHD = "Harden sshd on web-01: audit the sshd_config baseline"
CIPHERS = re.compile(r"^Ciphers (\S+)$", re.MULTILINE)


def test_piped_report_is_the_markdown_as_is(tmp_path):
    """No wrapping at 80 columns: a copied sshd_config line stays one line."""
    result = _run(
        "task", "systems-administrator", SSHD, env={"INFRA_TEAM_STATE_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr.decode()
    report = result.stdout.decode()
    ciphers = CIPHERS.search(report)
    assert ciphers is not None, report
    assert len(ciphers.group(0)) > 80
    assert "aes256-gcm@openssh.com" in ciphers.group(1)
    assert "┏" not in report  # no terminal rendering in a pipe
    assert leaks(report) == []


def test_stdin_description_with_json_format(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRA_TEAM_STATE_DIR", str(tmp_path))
    result = runner.invoke(
        app, ["task", "systems-administrator", "-", "--format", "json"], input=SSHD
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "completed"
    assert payload["subagent_type"] == "systems-administrator"
    assert CIPHERS.search(payload["report"])


def test_non_utf8_bytes_on_stdin_are_kept_as_escapes(tmp_path):
    description = b"Harden sshd on web-01 (owner: caf\xe9 team): audit the sshd_config baseline"
    result = _run(
        "task",
        "systems-administrator",
        "-",
        "--format",
        "json",
        stdin=description,
        env={"INFRA_TEAM_STATE_DIR": str(tmp_path)},
    )
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "1 byte(s) of the description are not UTF-8" in stderr
    assert "surrogates" not in stderr
    assert json.loads(result.stdout)["status"] == "completed"


def test_description_from_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("INFRA_TEAM_STATE_DIR", str(tmp_path))
    write_up = tmp_path / "incident.md"
    write_up.write_bytes(SSHD.encode())
    result = runner.invoke(
        app, ["task", "systems-administrator", "--file", str(write_up), "--format", "markdown"]
    )
    assert result.exit_code == 0, result.output
    assert CIPHERS.search(result.stdout)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["-"], b"x" * (MAX_DESCRIPTION_BYTES + 1), "more than the limit of 256 KiB"),
        (["--file", "{big}"], None, "1,048,576 bytes, over the limit of 256 KiB"),
        (["--file", "{missing}"], None, "No such file"),
        (["--file", "{folder}"], None, "Is a directory"),
        (["words", "--file", "{big}"], None, "not two of them"),
        ([], None, "missing the description"),
        (["-"], b"   ", "the task description is empty"),
    ],
    ids=["stdin-too-big", "file-too-big", "missing-file", "folder", "two-sources", "none", "empty"],
)
def test_bad_description_source_is_one_line_and_exit_2(args, stdin, message, tmp_path):
    big = tmp_path / "big.log"
    big.write_bytes(b"y" * 1024 * 1024)
    paths = {"big": big, "missing": tmp_path / "nope.md", "folder": tmp_path}
    argv = [arg.format(**paths) for arg in args]
    result = _run(
        "task",
        "systems-administrator",
        *argv,
        stdin=stdin,
        env={"INFRA_TEAM_STATE_DIR": str(tmp_path / "state")},
    )
    stderr = result.stderr.decode()
    assert result.returncode == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("error: ")
    assert message in stderr


def test_json_and_format_must_agree():
    result = _run("task", "systems-administrator", "x", "--json", "--format", "rich")
    assert result.returncode == 2
    assert b"disagree" in result.stderr
