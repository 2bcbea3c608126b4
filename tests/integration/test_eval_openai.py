"""``infra-team eval`` with ``--model openai:...`` and ``--judge openai:...``, run as a user
runs it (a subprocess, ``OPENAI_BASE_URL`` pointing at a server), through the real
``langchain-openai`` client against the fake OpenAI-compatible server on loopback
(``tests/support/openai_server.py``) playing every role (``tests/support/openai_team.py``).

The eval mocks the integrations by patching httpx for hosts under ``.eval.invalid``; these
tests show that the model's own HTTP traffic still reaches the loopback server, that the
recorded integration answers still reach the tools, and that token usage is recorded per
case and in total.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra_team import _paths
from tests.support.openai_server import (
    ChatRequest,
    FakeOpenAIServer,
    Fault,
    Quirks,
    Reply,
)
from tests.support.openai_team import answer_tool, team_responder

CASES = _paths.evals_dir() / "cases"
LLAMA_CPP = Quirks(reject_required_tool_choice=True, drop_tool_messages=True, null_content=True)
PROMETHEUS_CALL = ("query_prometheus", {"query": "sum(pg_stat_activity_count)"})
JUDGE = "judge"


def user_env(server: FakeOpenAIServer, tmp_path: Path) -> dict[str, str]:
    """A user's environment with ``OPENAI_BASE_URL`` at ``server`` and no config of ours."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INFRA_TEAM_", "OPENAI_"))
    }
    return env | {
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "dummy",
        "INFRA_TEAM_CONFIG": str(tmp_path / "none.toml"),
        "NO_COLOR": "1",
    }


def run_eval(server: FakeOpenAIServer, tmp_path: Path, *args: str) -> tuple[int, str, dict]:
    """``python -m infra_team eval --json out.json ARGS`` against ``server``."""
    out = tmp_path / "out.json"
    env = user_env(server, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "infra_team", "eval", "--json", str(out), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    return done.returncode, done.stdout + done.stderr, data


def case_folder(tmp_path: Path, *names: str) -> str:
    """``--cases`` takes one file or folder: the chosen shipped cases copied into one."""
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in names:
        source = CASES / f"{name}.yaml"
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return str(folder)


def sent_usage(server: FakeOpenAIServer, model: str | None = None) -> tuple[int, int]:
    """Tokens the server reported, for the requests made with ``model`` (all when None)."""
    usages = [
        usage
        for asked, usage in zip(server.usage_models, server.usages, strict=True)
        if model is None or asked == model
    ]
    return sum(u["prompt_tokens"] for u in usages), sum(u["completion_tokens"] for u in usages)


def test_an_openai_model_runs_shipped_cases_through_the_eval(tmp_path: Path) -> None:
    team = team_responder(first_tools={"Database Administrator": [PROMETHEUS_CALL]})
    with FakeOpenAIServer(team, quirks=LLAMA_CPP) as server:
        folder = case_folder(tmp_path, "dba-new-database-request", "dba-connections-prometheus")
        code, output, data = run_eval(server, tmp_path, "--model", "openai:qwen", "--cases", folder)

    assert code == 0, output
    assert data["model"] == "openai:qwen"
    by_id = {case["id"]: case for case in data["cases"]}
    assert set(by_id) == {"dba-new-database-request", "dba-connections-prometheus"}
    for case in by_id.values():
        assert case["error"] is None, case["error"]
        assert case["status"] in {"completed", "interrupted"}
        assert 0 < case["score"] <= 1
        assert case["checks"]
        assert case["usage"]["input_tokens"] > 0 and case["usage"]["output_tokens"] > 0
    # Every request went to the loopback server, as the team's model ("qwen"), streamed.
    assert server.requests and {body["model"] for body in server.requests} == {"qwen"}
    assert all(body.get("stream") for body in server.requests)
    assert all(body["stream_options"] == {"include_usage": True} for body in server.requests)
    # The llama.cpp quirk: the forced tool choice was refused (500) and the run went on
    # with auto; the client's own retries resend it, nothing later asks for it again.
    choices = [body.get("tool_choice") for body in server.requests]
    required = [index for index, choice in enumerate(choices) if choice == "required"]
    assert required and required == list(range(len(required)))
    assert "auto" in choices
    # Tokens in the JSON are what the server reported, per case and in total.
    total_in, total_out = sent_usage(server)
    assert data["usage"] == {"input_tokens": total_in, "output_tokens": total_out}
    assert sum(case["usage"]["input_tokens"] for case in by_id.values()) == total_in
    assert f"tokens {total_in} in, {total_out} out" in output
    # The eval's integration mocking served the recorded Prometheus answer to the tool,
    # and the model saw it (in the tool message the client sent).
    prometheus = by_id["dba-connections-prometheus"]
    assert prometheus["http_requests"] >= 1
    assert {"role": "database-administrator", "tool": "query_prometheus"} in prometheus[
        "tools_called"
    ]
    tool_messages = [
        str(message.get("content"))
        for body in server.requests
        for message in body["messages"]
        if message.get("role") == "tool"
    ]
    assert any("482" in text for text in tool_messages)


def judge_or_team(team: Any) -> Any:
    """The team for the team's model; for the judge, "yes" exactly for claims about
    16 nodes (which no scripted report makes), "no" for anything else."""

    def respond(request: ChatRequest) -> Reply | Fault:
        if request.body.get("model") != JUDGE:
            return team(request)
        assert answer_tool(request) is None and not request.tool_names
        claim = request.text("user").split("Claim:", 1)[1].split("\n", 1)[0]
        return Reply(content="Yes." if "16 nodes" in claim else "No")

    return respond


def test_a_judge_model_decides_the_free_text_claims(tmp_path: Path) -> None:
    with FakeOpenAIServer(judge_or_team(team_responder()), quirks=LLAMA_CPP) as server:
        folder = case_folder(tmp_path, "arch-capacity-plan", "arch-atlassian-2022-deletion")
        code, output, data = run_eval(
            server,
            tmp_path,
            "--model",
            "openai:qwen",
            "--judge",
            f"openai:{JUDGE}",
            "--cases",
            folder,
        )

    assert code == 0, output
    assert data["judge"] == f"openai:{JUDGE}"
    judged = {
        (case["id"], check["kind"]): check
        for case in data["cases"]
        for check in case["checks"]
        if check["judged"]
    }
    # The report says nothing of 16 nodes; the regex alone would fail this fact: the
    # judge's "yes" decided it.
    assert judged[("arch-capacity-plan", "facts")]["passed"] is True
    # A claim with no matcher, skipped without a judge, is decided by the judge's "no".
    assert judged[("arch-atlassian-2022-deletion", "absent")]["passed"] is True
    questions = [body for body in server.requests if body["model"] == JUDGE]
    assert len(questions) == len(judged)
    assert all("Answer with one word: yes or no." in str(body["messages"]) for body in questions)
    # The judge's tokens are not the team's: the JSON counts only the cases' runs.
    assert data["usage"]["input_tokens"] == sent_usage(server, "qwen")[0]


def test_a_stuck_case_fails_alone_with_a_note(tmp_path: Path) -> None:
    """The first case's model sends its reply one byte every 20 ms (a slow local model on
    a CPU): past --case-timeout that case fails with a note and the next one runs.

    A blocked HTTP read cannot be interrupted: the stopped run's thread finishes its
    reply (a few seconds here) before the process exits, and then stops at its next step.
    """
    team = team_responder()

    def responder(request: ChatRequest) -> Reply | Fault:
        if "max_connections" in request.text("user"):
            return Fault("slow", seconds=0.02, reply=Reply(content="ok"))
        return team(request)

    with FakeOpenAIServer(responder, quirks=LLAMA_CPP) as server:
        folder = case_folder(tmp_path, "dba-connections-prometheus", "dba-new-database-request")
        code, output, data = run_eval(
            server, tmp_path, "--model", "openai:qwen", "--cases", folder, "--case-timeout", "6"
        )

    assert code == 0, output
    by_id = {case["id"]: case for case in data["cases"]}
    stuck = by_id["dba-connections-prometheus"]
    assert stuck["status"] == "failed"
    assert "did not finish within --case-timeout 6 s" in stuck["error"]
    assert stuck["duration_s"] < 10, stuck
    other = by_id["dba-new-database-request"]
    assert other["status"] in {"completed", "interrupted"}, other["error"]
    assert other["error"] is None
    assert other["score"] > 0


def test_a_bad_case_timeout_is_a_clear_error(tmp_path: Path) -> None:
    with FakeOpenAIServer(team_responder()) as server:
        code, output, _ = run_eval(server, tmp_path, "--case-timeout", "0")
    assert code == 2
    assert "--case-timeout must be a positive number of seconds, got 0" in output
    assert "Traceback" not in output
    assert not server.requests


def test_infra_team_task_prints_the_tokens_a_local_server_reported(tmp_path: Path) -> None:
    """``infra-team task --model openai:...`` with ``OPENAI_BASE_URL`` set: the client asks
    for streamed usage (``stream_options``), so the printed tokens are the server's."""
    with FakeOpenAIServer(team_responder(), quirks=LLAMA_CPP) as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "infra_team",
                "task",
                "infrastructure-team",
                "New PostgreSQL cluster for billing with a hot standby",
                "--model",
                "openai:qwen",
                "--checkpoint",
                str(tmp_path / "runs.sqlite"),
            ],
            env=user_env(server, tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    total_in, total_out = sent_usage(server)
    assert total_in > 0 and total_out > 0
    total_row = next(line for line in output.splitlines() if line.strip().startswith("Total"))
    assert total_row.split()[1:] == [str(total_in), str(total_out), str(total_in + total_out)]
    assert any(body.get("stream_options") == {"include_usage": True} for body in server.requests)
