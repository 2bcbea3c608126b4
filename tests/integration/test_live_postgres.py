"""The DBA's live tools against a real PostgreSQL primary and streaming standby on loopback.

The cluster (``tests/support/postgres.py``) is made once for the module: ``initdb``, a
primary, and a standby from ``pg_basebackup -R``. Every tool is called as a model calls it
(``tool.invoke``), so its output is the wrapped, scrubbed text a model reads.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from infra_team.settings import get_settings, reset_settings
from infra_team.tools import TOOL_CATALOG, parse_tool_output
from infra_team.tools._base import ToolResult
from infra_team.tools.live import postgres_session
from tests.support.postgres import Cluster, postgres_cluster

PASSWORD = "Sup3r-Secret-Passw0rd"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with postgres_cluster() as made:
        with psycopg.connect(made.primary, autocommit=True) as conn:
            conn.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)")
            conn.execute("INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 10) g")
            conn.execute("CREATE TABLE events (id bigint, kind int, payload text)")
            conn.execute(
                "INSERT INTO events SELECT g, g % 1000, md5(g::text) "
                "FROM generate_series(1, 60000) g"
            )
            conn.execute("ANALYZE")
        _wait_streaming(made)
        yield made


def _wait_streaming(made: Cluster) -> None:
    with psycopg.connect(made.primary, autocommit=True) as conn:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            row = conn.execute(
                "SELECT state FROM pg_stat_replication WHERE application_name = %s",
                (made.standby_name,),
            ).fetchone()
            if row and row[0] == "streaming":
                return
            time.sleep(0.2)
    raise AssertionError("the standby never reached the streaming state")


def _use(monkeypatch: pytest.MonkeyPatch, dsn: str, **extra: str) -> None:
    monkeypatch.setenv("INFRA_TEAM_POSTGRES_DSN", dsn)
    for key, value in extra.items():
        monkeypatch.setenv(f"INFRA_TEAM_POSTGRES_{key.upper()}", value)
    reset_settings()


def _with_password(url: str) -> str:
    return url.replace("postgres@", f"postgres:{PASSWORD}@", 1)


def _call(name: str, **args: Any) -> tuple[str, ToolResult]:
    text = TOOL_CATALOG[name].invoke(args)
    assert text.startswith(f'<tool-output trust="untrusted" tool="{name}">')
    return text, parse_tool_output(text)


def _wait_for(conn: psycopg.Connection[Any], pid: int, what: str) -> None:
    end = time.monotonic() + 20
    while time.monotonic() < end:
        row = conn.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
        ).fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} never waited on a lock")


def test_every_live_tool_answers_not_configured_without_a_dsn() -> None:
    for name in (
        "postgres_activity",
        "postgres_locks",
        "postgres_replication",
        "postgres_settings_audit",
    ):
        _, result = _call(name)
        assert result.status == "not_configured", name
        assert "INFRA_TEAM_POSTGRES_DSN" in result.summary
    _, result = _call("postgres_explain", query="SELECT 1")
    assert result.status == "not_configured"


def test_session_is_read_only_with_the_configured_timeout(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a write that got past the gate is refused by the server itself."""
    _use(monkeypatch, cluster.primary, statement_timeout_ms="300")
    config = get_settings().postgres
    with postgres_session.read_only_session(config) as conn:
        assert conn.execute("SHOW transaction_read_only").fetchone() == ("on",)
        assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert conn.execute("SHOW statement_timeout").fetchone() == ("300ms",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("UPDATE accounts SET balance = 0")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute(
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; DROP TABLE accounts"
            )
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(2)")
    with psycopg.connect(cluster.primary) as check:
        assert check.execute("SELECT sum(balance) FROM accounts").fetchone() == (1000,)
        assert check.execute("SELECT to_regclass('accounts')").fetchone() == ("accounts",)


def test_a_slow_statement_becomes_a_timeout_result(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, cluster.primary, statement_timeout_ms="200")

    def slow(conn: psycopg.Connection[Any], target: postgres_session.Target) -> ToolResult:
        postgres_session.rows(conn, "SELECT pg_sleep(1)")
        return ToolResult(tool="postgres_activity", status="success", summary="slept")

    result = postgres_session.run_read("postgres_activity", slow)
    assert result.status == "error"
    assert result.code == "timeout"
    assert "200 ms" in result.summary


def test_a_write_is_refused_before_any_connection(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, cluster.primary)
    opened: list[object] = []
    real_connect = psycopg.connect

    def counting(*args: Any, **kwargs: Any) -> Any:
        opened.append(args)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", counting)
    for query in (
        "DELETE FROM accounts",
        "WITH gone AS (DELETE FROM accounts RETURNING *) SELECT count(*) FROM gone",
        "SELECT 1; UPDATE accounts SET balance = 0",
        "SELECT * INTO stolen FROM accounts",
        "SELECT * FROM accounts FOR UPDATE",
    ):
        _, result = _call("postgres_explain", query=query)
        assert result.status == "error", query
        assert result.code == "refused_statement", query
    assert opened == []
    _, allowed = _call("postgres_explain", query="SELECT count(*) FROM accounts")
    assert allowed.status == "success"
    assert len(opened) == 1
    with psycopg.connect(cluster.primary) as check:
        assert check.execute("SELECT count(*), sum(balance) FROM accounts").fetchone() == (10, 1000)


def test_explain_plans_without_running_and_feeds_the_plan_analyser(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, cluster.primary)
    _, result = _call(
        "postgres_explain", query="SELECT * FROM events WHERE kind = 42 AND payload LIKE '%ab%'"
    )
    assert result.status == "success", result.error
    plan = result.data["plan"][0]["Plan"]
    assert plan["Node Type"] in {"Seq Scan", "Gather"}
    assert "Actual Rows" not in str(result.data["plan"])  # planned only: no ANALYZE
    analysis = result.data["analysis"]
    assert analysis["engine"] == "postgresql"
    assert analysis["relations_scanned"] == ["events"]
    missing = [f for f in analysis["findings"] if f["kind"] == "missing_index"]
    assert missing and missing[0]["columns"][0] == "kind"
    assert f"total cost {analysis['total_cost']}" in result.summary


def test_activity_lists_a_long_query_with_its_literals_masked(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, cluster.primary)
    slow = psycopg.connect(cluster.primary, autocommit=True)
    pid = slow.info.backend_pid
    worker = threading.Thread(
        target=lambda: slow.execute("SELECT pg_sleep(4), 'card-4111111111111111'"), daemon=True
    )
    worker.start()
    try:
        time.sleep(1.2)
        text, result = _call("postgres_activity", min_duration_seconds=1)
    finally:
        worker.join()
        slow.close()
    assert result.status == "success", result.error
    mine = [row for row in result.data["sessions"] if row["pid"] == pid]
    assert len(mine) == 1
    assert mine[0]["state"] == "active"
    assert mine[0]["query_seconds"] >= 1
    assert mine[0]["query"].startswith("SELECT pg_sleep(4), '…'")
    assert "4111111111111111" not in text
    assert result.data["max_connections"] == 200
    assert result.data["connections_used"] >= 1


def test_locks_show_a_real_blocking_chain(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A holds a row lock; B waits on A for the row; C waits on both for the table."""
    _use(monkeypatch, cluster.primary)
    holder = psycopg.connect(cluster.primary)
    second = psycopg.connect(cluster.primary)
    third = psycopg.connect(cluster.primary)
    watcher = psycopg.connect(cluster.primary, autocommit=True)
    pids = [c.info.backend_pid for c in (holder, second, third)]
    threads: list[threading.Thread] = []
    try:
        holder.execute("UPDATE accounts SET balance = balance WHERE id = 1")
        threads.append(
            threading.Thread(
                target=lambda: second.execute("UPDATE accounts SET balance = 1 WHERE id = 1"),
                daemon=True,
            )
        )
        threads[-1].start()
        _wait_for(watcher, pids[1], "the second session")
        threads.append(
            threading.Thread(
                target=lambda: third.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE"),
                daemon=True,
            )
        )
        threads[-1].start()
        _wait_for(watcher, pids[2], "the third session")
        _, result = _call("postgres_locks")
    finally:
        holder.rollback()
        for thread in threads:
            thread.join(timeout=20)
        for conn in (second, third):
            conn.rollback()
        for conn in (holder, second, third, watcher):
            conn.close()
    assert result.status == "success", result.error
    by_pid = {row["pid"]: row for row in result.data["sessions"]}
    assert by_pid[pids[0]]["blocked_by"] == []
    assert by_pid[pids[1]]["blocked_by"] == [pids[0]]
    assert set(by_pid[pids[2]]["blocked_by"]) == {pids[0], pids[1]}
    assert by_pid[pids[2]]["waiting_for"] == "AccessExclusiveLock on accounts"
    assert result.data["chains"] == [
        {"root_pid": pids[0], "blocked_pids": sorted(pids[1:]), "depth": 2}
    ]
    assert f"root blockers: {pids[0]}" in result.summary


def test_replication_lag_per_standby_is_measured_and_judged(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay paused on the standby while the primary writes: real, growing lag."""
    _use(monkeypatch, _with_password(cluster.primary))
    stop = threading.Event()

    def keep_writing() -> None:  # WAL keeps flowing, so the standby keeps reporting
        with psycopg.connect(cluster.primary, autocommit=True) as primary:
            while not stop.is_set():
                primary.execute("INSERT INTO events VALUES (0, 1, 'lag')")
                time.sleep(0.05)

    with psycopg.connect(cluster.standby, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        writer = threading.Thread(target=keep_writing, daemon=True)
        writer.start()
        try:
            time.sleep(2)
            text, result = _call(
                "postgres_replication", threshold_seconds=0.5, samples=3, interval_seconds=0.5
            )
            _use(monkeypatch, cluster.standby)
            _, on_standby = _call("postgres_replication")
        finally:
            stop.set()
            writer.join(timeout=10)
            standby.execute("SELECT pg_wal_replay_resume()")
    assert result.status == "success", result.error
    (one,) = result.data["standbys"]
    assert one["name"] == cluster.standby_name
    assert one["state"] == "streaming"
    assert one["replay_lag_bytes"] > 0
    assert len(one["replay_lag_seconds_samples"]) == 3
    samples = one["replay_lag_seconds_samples"]
    assert samples[-1] > 1.0  # replay stopped about 2 s before the first reading
    assert samples[-1] > samples[0]
    assert one["replay_lag_seconds"] == samples[-1]
    assert one["health"]["verdict"] in {"lagging", "falling behind"}
    assert one["health"]["latest_seconds"] == one["replay_lag_seconds"]
    assert f"replay lag {one['replay_lag_seconds']:.3f}s" in result.summary
    assert PASSWORD not in text
    assert on_standby.data["role"] == "standby"
    assert on_standby.data["standby"]["replay_paused"] is True


def test_settings_audit_reads_the_real_server(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, cluster.primary)
    with psycopg.connect(cluster.primary) as conn:
        buffers_mb = conn.execute(
            "SELECT setting::float8 * 8192 / 1048576 FROM pg_settings WHERE name = 'shared_buffers'"
        ).fetchone()[0]  # type: ignore[index]
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    memory = buffers_mb * 20  # shared_buffers is then 5 % of RAM
    _, result = _call("postgres_settings_audit", memory_mb=memory)
    assert result.status == "success", result.error
    assert result.data["version"] == version
    assert result.data["settings"]["fsync"] == "on"
    by_setting = {f["setting"]: f for f in result.data["findings"]}
    assert "fsync" not in by_setting
    assert "5% of" in by_setting["shared_buffers"]["detail"]
    assert by_setting["log_min_duration_statement"]["source"].startswith(
        "https://www.postgresql.org/docs/current/"
    )


def test_the_password_never_shows_even_in_errors(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, _with_password(cluster.primary))
    text, result = _call("postgres_activity", include_idle=True)
    assert result.status in {"success", "no_data"}
    assert PASSWORD not in text
    assert result.data["server"].startswith("postgres@127.0.0.1:")
    closed = _with_password("postgresql://postgres@127.0.0.1:1/postgres")
    _use(monkeypatch, closed, connect_timeout="2")
    text, result = _call("postgres_locks")
    assert result.status == "error"
    assert result.code == "unreachable"
    assert PASSWORD not in text
    assert "postgres@127.0.0.1:1/postgres" in result.summary


def test_a_team_run_reports_the_lag_it_measured(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The team graph with a scripted model: the DBA reads the live primary at its
    implement stage, and the report's tool evidence carries the lag the server gave."""
    from infra_team import task
    from tests.integration.conftest import team_script

    _use(monkeypatch, cluster.primary)
    stop = threading.Event()

    def keep_writing() -> None:
        with psycopg.connect(cluster.primary, autocommit=True) as primary:
            while not stop.is_set():
                primary.execute("INSERT INTO events VALUES (0, 2, 'team')")
                time.sleep(0.05)

    model = team_script(
        assign=("database-administrator",),
        first_tools={
            "database-administrator": [
                (
                    "postgres_replication",
                    {"threshold_seconds": 0.5, "samples": 2, "interval_seconds": 0.5},
                )
            ]
        },
    )
    with psycopg.connect(cluster.standby, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        writer = threading.Thread(target=keep_writing, daemon=True)
        writer.start()
        try:
            time.sleep(2)
            result = task("infrastructure-team", "New Postgres replica for billing", model=model)
        finally:
            stop.set()
            writer.join(timeout=10)
            standby.execute("SELECT pg_wal_replay_resume()")
    assert result.status == "completed", result.error
    port = cluster.primary.rsplit(":", 1)[1].split("/")[0]
    evidence = result.report.split("## Tool evidence", 1)[1]
    line = next(row for row in evidence.splitlines() if "`postgres_replication`" in row)
    assert f"postgres@127.0.0.1:{port}/postgres" in line
    measured = re.search(r"standby1 streaming, replay lag (\d+\.\d{3})s / (\d+) bytes", line)
    assert measured is not None, line
    assert float(measured[1]) > 1.0  # replay stopped 2 s before: only the server knows this
    assert int(measured[2]) > 0
