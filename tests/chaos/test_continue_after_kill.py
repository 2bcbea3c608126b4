"""A run killed with SIGKILL at any stage continues from its last checkpoint, from the API
(``resume(thread_id)``) and from the CLI (``infra-team resume <id>``), without running
the roles that had finished again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra_team import resume
from infra_team.cli import EXIT_OK, app
from tests.support.chaos import driver, figure, kill9, staged_model, wait_for

REQUEST = "New Postgres cluster for billing with a hot standby"
ORDER = ["intake", "design", "implement", "codify", "operate"]
"""Stages of the request flow with a model call, in order."""
KILLED_AT = ORDER[1:]


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """One process runs a task per stage (each in its own thread and SQLite file) and is
    killed with SIGKILL once every run blocks at its stage."""
    root = tmp_path_factory.mktemp("stages")
    jobs = []
    for stage in KILLED_AT:
        folder = root / stage
        folder.mkdir()
        jobs.append(
            {
                "op": "task",
                "description": REQUEST,
                "checkpointer": str(folder / "runs.sqlite"),
                "thread_id": f"killed-at-{stage}",
                "block_at": stage,
                "marker": str(folder / "blocked"),
                "log": str(folder / "before.log"),
            }
        )
    process = driver({"jobs": jobs})
    for stage in KILLED_AT:
        wait_for(root / stage / "blocked", process, timeout=180)
    kill9(process)
    return {stage: (root / stage, f"killed-at-{stage}") for stage in KILLED_AT}


def _copy(killed: dict[str, tuple[Path, str]], stage: str, tmp_path: Path) -> tuple[Path, str]:
    """This test's own copy of the killed run's files (each test continues it once)."""
    folder, thread = killed[stage]
    shutil.copytree(folder, tmp_path / "copy")
    return tmp_path / "copy", thread


def _stages(log: Path) -> list[str]:
    return [line.split(":")[1] for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.parametrize("stage", KILLED_AT)
def test_resume_continues_without_rerunning_finished_roles(killed, tmp_path, stage):
    folder, thread = _copy(killed, stage, tmp_path)
    before = _stages(folder / "before.log")
    log = tmp_path / "after.log"
    done = resume(thread, model=staged_model(log=log), checkpointer=folder / "runs.sqlite")
    after = _stages(log)
    finished_before = ORDER[: ORDER.index(stage)]
    rerun = [s for s in after if s in finished_before]
    held = done.status == "completed" and not rerun and stage in after
    figure(
        f"kill -9 at {stage}, resume(thread_id): finished roles not re-run",
        1,
        int(held),
        f"re-ran {rerun or 'none'}",
    )
    assert set(before) == set(finished_before)  # the killed process got that far
    assert done.status == "completed", done.error
    assert not rerun, after
    assert after[0] == stage  # the stage that was cut off runs again, then the rest
    assert "operate" in after
    assert done.report.startswith("# Infrastructure Team")


def test_the_cli_continues_a_killed_run(killed, tmp_path):
    """``infra-team resume <id>`` with no decision continues the run (the model is named:
    the killed run used a model instance, which cannot be rebuilt from its name)."""
    folder, thread = _copy(killed, "codify", tmp_path)
    result = CliRunner().invoke(
        app,
        [
            "resume",
            thread,
            "--checkpoint",
            str(folder / "runs.sqlite"),
            "--model",
            "offline",
            "--json",
        ],
    )
    held = result.exit_code == EXIT_OK and '"status": "completed"' in result.stdout
    figure("kill -9 at codify, CLI resume: completed", 1, int(held))
    assert result.exit_code == EXIT_OK, result.output
    assert '"status": "completed"' in result.stdout


def test_a_finished_run_has_nothing_to_resume(tmp_path):
    from infra_team import task
    from infra_team.errors import ErrorCode, ThreadNotFoundError

    model = staged_model()
    done = task("network-engineer", "Plan subnets", model=model, checkpointer=tmp_path / "r.sqlite")
    with pytest.raises(ThreadNotFoundError) as caught:
        resume(done.thread_id, model=model, checkpointer=tmp_path / "r.sqlite")
    assert caught.value.code == ErrorCode.NOTHING_TO_RESUME


def test_a_paused_run_needs_a_decision(tmp_path):
    from infra_team import task
    from infra_team.errors import ErrorCode, InvalidRequestError

    model = staged_model(change_type="Remove")
    paused = task(
        "infrastructure-team",
        "Remove the legacy billing database",
        model=model,
        checkpointer=tmp_path / "r.sqlite",
    )
    assert paused.status == "interrupted"
    with pytest.raises(InvalidRequestError) as caught:
        resume(paused.thread_id, model=model, checkpointer=tmp_path / "r.sqlite")
    assert caught.value.code == ErrorCode.DECISION_NEEDED
