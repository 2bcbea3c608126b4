"""What one request writes to the checkpointer: the team graph's steps, not every step of
every role agent (which once made 69 checkpoints and 1.5 MB a request)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from infra_team import resume, task
from tests.support.chaos import figure, staged_model

REQUEST = "New Postgres cluster for billing with a hot standby"
MAX_CHECKPOINTS = 12
MAX_GROWTH = 150 * 1024


def _size(folder: Path) -> int:
    """Bytes of the SQLite files once the write-ahead logs are folded in."""
    for path in folder.glob("*.sqlite"):
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(path.stat().st_size for path in folder.iterdir())


def _checkpoints(path: Path, thread: str) -> tuple[int, int]:
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "select count(*), count(distinct checkpoint_ns) from checkpoints where thread_id = ?",
            (thread,),
        ).fetchone()
    return int(row[0]), int(row[1])


def test_one_request_writes_few_checkpoints(tmp_path):
    """Counted on a saver instance, which keeps every checkpoint a run writes."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = tmp_path / "history.sqlite"
    with SqliteSaver.from_conn_string(str(path)) as saver:
        done = task("infrastructure-team", REQUEST, model=staged_model(), checkpointer=saver)
    count, namespaces = _checkpoints(path, done.thread_id)
    figure(
        f"checkpoints written by one request (at most {MAX_CHECKPOINTS})",
        1,
        int(count <= MAX_CHECKPOINTS and namespaces == 1),
        f"{count} checkpoints in {namespaces} namespace(s)",
    )
    assert done.status == "completed"
    assert count <= MAX_CHECKPOINTS
    assert namespaces == 1  # role agents keep no checkpoints of their own


def test_one_request_grows_a_sqlite_file_little(tmp_path):
    """On a SQLite path the run keeps only what resuming needs: the latest checkpoint."""
    path = tmp_path / "runs.sqlite"
    model = staged_model()
    task("infrastructure-team", REQUEST, model=model, checkpointer=path)  # tables created
    before = _size(tmp_path)
    done = task("infrastructure-team", REQUEST, model=model, checkpointer=path)
    growth = _size(tmp_path) - before
    kept, _ = _checkpoints(path, done.thread_id)
    figure(
        f"SQLite growth of one request (at most {MAX_GROWTH // 1024} KB)",
        1,
        int(growth <= MAX_GROWTH),
        f"+{growth / 1024:.0f} KB, {kept} checkpoint kept",
    )
    assert done.status == "completed"
    assert kept == 1
    assert growth <= MAX_GROWTH


def test_a_pruned_paused_run_still_resumes(tmp_path):
    model = staged_model(change_type="Remove")
    path = tmp_path / "runs.sqlite"
    paused = task(
        "infrastructure-team", "Remove the legacy billing database", model=model, checkpointer=path
    )
    assert paused.status == "interrupted"
    assert _checkpoints(path, paused.thread_id)[0] == 1
    done = resume(paused.thread_id, "approve", model=model, checkpointer=path)
    assert done.status == "completed"
    assert "must not be executed" not in done.report


def test_a_role_agent_paused_by_a_write_still_resumes_that_call(tmp_path, monkeypatch):
    """The one case a role agent saves: a write tool waiting for Change Approval."""
    import httpx
    import respx

    from infra_team.settings import reset_settings

    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_PAGE_ID", "page-1")
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_TOKEN", "secret-token")
    reset_settings()
    path = tmp_path / "runs.sqlite"
    log = tmp_path / "calls.log"
    model = staged_model(
        log=log,
        resolved_at="on-call",
        first_tools={
            "site-reliability-engineer": [
                (
                    "create_statuspage_incident",
                    {"name": "Checkout errors", "status": "investigating"},
                )
            ]
        },
    )
    paused = task(
        "infrastructure-team",
        "checkout 502 for 40% of requests; open a status page incident",
        model=model,
        checkpointer=path,
    )
    assert paused.status == "interrupted"
    _, namespaces = _checkpoints(path, paused.thread_id)
    assert namespaces == 2  # the team graph, and the one paused role agent
    calls_before = log.read_text().count("triage")
    with respx.mock(assert_all_called=True) as router:
        route = router.post("https://api.statuspage.io/v1/pages/page-1/incidents").mock(
            return_value=httpx.Response(
                201, json={"id": "p1", "name": "Checkout errors", "status": "investigating"}
            )
        )
        done = resume(paused.thread_id, "approve", model=model, checkpointer=path)
    assert done.status == "completed"
    assert route.call_count == 1
    # The approved call ran from the saved agent step: the model was asked once more for the
    # answer after the tool, not again for the tool call.
    assert log.read_text().count("triage") == calls_before + 1
