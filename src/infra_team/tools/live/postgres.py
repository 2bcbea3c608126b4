"""The Database Administrator's live tools: what the configured PostgreSQL server is doing now.

- ``postgres_activity``: sessions and long-running queries (``pg_stat_activity``);
- ``postgres_locks``: lock waits and blocking chains (``pg_blocking_pids``);
- ``postgres_replication``: lag per standby (``pg_stat_replication``), judged by the
  replication analyser;
- ``postgres_explain``: ``EXPLAIN (FORMAT JSON)`` of one SELECT, never ``ANALYZE``, judged by
  the query-plan analyser;
- ``postgres_settings_audit``: ``pg_settings`` against the manual's practice.

All read through ``postgres_session`` (READ ONLY sessions with a statement timeout); without
``INFRA_TEAM_POSTGRES_DSN`` each answers ``not_configured``. Views and functions:
https://www.postgresql.org/docs/current/monitoring-stats.html (pg_stat_activity,
pg_stat_replication), https://www.postgresql.org/docs/current/functions-info.html
(pg_blocking_pids), https://www.postgresql.org/docs/current/view-pg-locks.html.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from infra_team.tools._base import ToolResult, infra_tool, no_data, ok
from infra_team.tools._limits import Query
from infra_team.tools.analysers.postgres_settings import (
    AUDITED_SETTINGS,
    SettingRow,
    audit_postgres_settings,
)
from infra_team.tools.analysers.query_plan import (
    DEFAULT_COST_THRESHOLD,
    DEFAULT_ROWS_THRESHOLD,
    analyze_postgres_plan,
)
from infra_team.tools.analysers.replication import evaluate_replication
from infra_team.tools.live import postgres_session as session
from infra_team.tools.live.postgres_session import (
    MAX_ROWS,
    PLAN_CHARS,
    QUERY_TEXT_CHARS,
    Target,
    mask_literals,
    rows,
    run_read,
)
from infra_team.tools.live.postgres_sql import check_read_only_select

if TYPE_CHECKING:
    import psycopg

SETTINGS = ("postgres.dsn",)
_ARGS = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
_BOUNDS = (
    f"Read-only session with a statement timeout; at most {MAX_ROWS} rows, query texts cut "
    f"to {QUERY_TEXT_CHARS} characters with string literals masked."
)

# --------------------------------------------------------------------------- activity

ACTIVITY_SQL = """
SELECT pid, usename AS user, application_name, client_addr::text AS client_addr, state,
       wait_event_type, wait_event,
       EXTRACT(EPOCH FROM now() - query_start)::float8 AS query_seconds,
       EXTRACT(EPOCH FROM now() - xact_start)::float8 AS transaction_seconds,
       left(query, %(chars)s) AS query
FROM pg_stat_activity
WHERE pid <> pg_backend_pid()
  AND backend_type = 'client backend'
  AND (%(include_idle)s OR state IS DISTINCT FROM 'idle')
  AND coalesce(EXTRACT(EPOCH FROM now() - coalesce(xact_start, query_start)), 0)
      >= %(min_seconds)s
ORDER BY coalesce(xact_start, query_start) ASC NULLS LAST
LIMIT %(limit)s
"""
STATES_SQL = """
SELECT coalesce(state, 'unknown') AS state, count(*)::int AS sessions
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
GROUP BY 1 ORDER BY 1
"""
CONNECTIONS_SQL = "SELECT current_setting('max_connections')::int AS max_connections"


class ActivityArgs(BaseModel):
    """Arguments of ``postgres_activity``."""

    model_config = _ARGS

    min_duration_seconds: float = Field(default=0, ge=0, le=86_400 * 30)
    """Only sessions whose transaction (or query) has run at least this long."""
    include_idle: bool = False
    """Also list idle sessions (they hold a connection, no transaction)."""
    limit: int = Field(default=20, ge=1, le=MAX_ROWS)
    """Most sessions returned, longest-running first."""


def _activity(conn: psycopg.Connection[Any], target: Target, args: ActivityArgs) -> ToolResult:
    found = rows(
        conn,
        ACTIVITY_SQL,
        {
            "chars": QUERY_TEXT_CHARS,
            "include_idle": args.include_idle,
            "min_seconds": args.min_duration_seconds,
            "limit": args.limit,
        },
    )
    states = {row["state"]: row["sessions"] for row in rows(conn, STATES_SQL)}
    max_connections = rows(conn, CONNECTIONS_SQL)[0]["max_connections"]
    sessions = [{**row, "query": mask_literals(row["query"])} for row in found]
    for row in sessions:
        for key in ("query_seconds", "transaction_seconds"):
            if row[key] is not None:
                row[key] = round(row[key], 3)
    total = sum(states.values())
    data = {
        "server": target.describe(),
        "sessions": sessions,
        "sessions_by_state": states,
        "connections_used": total,
        "max_connections": max_connections,
        "idle_in_transaction": states.get("idle in transaction", 0)
        + states.get("idle in transaction (aborted)", 0),
        "waiting_on_locks": sum(1 for r in sessions if r["wait_event_type"] == "Lock"),
    }
    if not sessions:
        return no_data(
            "postgres_activity",
            f"No session matches on {target.describe()} ({total} client sessions of "
            f"{max_connections} allowed).",
            data,
        )
    longest = max(sessions, key=lambda r: r["transaction_seconds"] or r["query_seconds"] or 0)
    age = longest["transaction_seconds"] or longest["query_seconds"] or 0
    return ok(
        "postgres_activity",
        f"{len(sessions)} sessions listed on {target.describe()}; longest running is pid "
        f"{longest['pid']} ({longest['state']}) for {age:.1f}s; {total}/{max_connections} "
        "connections used.",
        data,
    )


@infra_tool(
    name="postgres_activity",
    description="List the configured PostgreSQL server's sessions now (pg_stat_activity), "
    "longest-running first: state, waits, query and transaction age, query text. " + _BOUNDS,
    args_schema=ActivityArgs,
    live=True,
    settings=SETTINGS,
)
def postgres_activity(**fields: Any) -> ToolResult:
    """Sessions and long-running queries (pg_stat_activity)."""
    args = ActivityArgs.model_validate(fields)
    return run_read("postgres_activity", lambda conn, target: _activity(conn, target, args))


# --------------------------------------------------------------------------- locks

LOCKS_SQL = """
SELECT a.pid, pg_blocking_pids(a.pid) AS blocked_by, a.usename AS user, a.application_name,
       a.state, a.wait_event_type, a.wait_event,
       EXTRACT(EPOCH FROM now() - a.query_start)::float8 AS query_seconds,
       EXTRACT(EPOCH FROM now() - a.xact_start)::float8 AS transaction_seconds,
       left(a.query, %(chars)s) AS query,
       (SELECT l.mode || ' on ' || coalesce(l.relation::regclass::text, l.locktype)
          FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted LIMIT 1) AS waiting_for
FROM pg_stat_activity a
WHERE a.pid <> pg_backend_pid()
  AND (cardinality(pg_blocking_pids(a.pid)) > 0
       OR a.pid IN (SELECT unnest(pg_blocking_pids(b.pid)) FROM pg_stat_activity b))
ORDER BY a.pid
LIMIT %(limit)s
"""


class LocksArgs(BaseModel):
    """Arguments of ``postgres_locks``."""

    model_config = _ARGS

    limit: int = Field(default=50, ge=1, le=MAX_ROWS)
    """Most sessions (blockers and waiters) returned."""


def blocking_chains(sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Trees of who blocks whom, one per root blocker (a blocker that waits on nobody).

    ``blocked_by`` is ``pg_blocking_pids(pid)``. Each chain gives the root, every session
    waiting on it directly or through others, and the depth: the longest chain of waits
    from the root (1 = everyone waits on the root itself; 2 = someone waits on a waiter). Sessions that only block each other (a deadlock not yet broken) have no root
    and are reported as a cycle.
    """
    waits_on = {row["pid"]: set(row["blocked_by"] or []) for row in sessions}
    blocked_of: dict[int, set[int]] = {}
    for pid, blockers in waits_on.items():
        for blocker in blockers:
            blocked_of.setdefault(blocker, set()).add(pid)
    roots = sorted(pid for pid in blocked_of if not waits_on.get(pid))

    def longest(pid: int, path: frozenset[int]) -> int:
        below = [longest(w, path | {w}) for w in blocked_of.get(pid, ()) if w not in path]
        return 1 + max(below) if below else 0

    chains: list[dict[str, Any]] = []
    reached: set[int] = set()
    for root in roots:
        seen = {root}
        todo = [root]
        while todo:
            for waiter in blocked_of.get(todo.pop(), ()):
                if waiter not in seen:
                    seen.add(waiter)
                    todo.append(waiter)
        reached |= seen
        chains.append(
            {
                "root_pid": root,
                "blocked_pids": sorted(seen - {root}),
                "depth": longest(root, frozenset({root})),
            }
        )
    cycle = sorted(pid for pid in waits_on if waits_on[pid] and pid not in reached)
    if cycle:
        chains.append({"root_pid": None, "blocked_pids": cycle, "depth": None, "cycle": True})
    return chains


def _locks(conn: psycopg.Connection[Any], target: Target, args: LocksArgs) -> ToolResult:
    found = rows(conn, LOCKS_SQL, {"chars": QUERY_TEXT_CHARS, "limit": args.limit})
    sessions = [
        {
            **row,
            "blocked_by": sorted(row["blocked_by"] or []),
            "query": mask_literals(row["query"]),
            "query_seconds": round(row["query_seconds"], 3)
            if row["query_seconds"] is not None
            else None,
            "transaction_seconds": round(row["transaction_seconds"], 3)
            if row["transaction_seconds"] is not None
            else None,
        }
        for row in found
    ]
    chains = blocking_chains(sessions)
    waiting = [row for row in sessions if row["blocked_by"]]
    data = {"server": target.describe(), "sessions": sessions, "chains": chains}
    if not waiting:
        return no_data(
            "postgres_locks", f"No session waits on a lock on {target.describe()}.", data
        )
    longest = max(waiting, key=lambda r: r["query_seconds"] or 0)
    deepest = max((c["depth"] or 0) for c in chains)
    roots = [c["root_pid"] for c in chains if c["root_pid"] is not None]
    return ok(
        "postgres_locks",
        f"{len(waiting)} sessions wait on locks on {target.describe()} in {len(chains)} "
        f"chains (root blockers: {', '.join(map(str, roots)) or 'none, a cycle'}; deepest "
        f"{deepest}); longest wait pid {longest['pid']} for "
        f"{longest['query_seconds'] or 0:.1f}s.",
        data,
    )


@infra_tool(
    name="postgres_locks",
    description="Show who blocks whom on the configured PostgreSQL server now: sessions "
    "waiting on locks, their blockers (pg_blocking_pids), the lock awaited, and each "
    "blocking chain from its root blocker. " + _BOUNDS,
    args_schema=LocksArgs,
    live=True,
    settings=SETTINGS,
)
def postgres_locks(**fields: Any) -> ToolResult:
    """Lock waits and blocking chains (pg_blocking_pids, pg_locks)."""
    args = LocksArgs.model_validate(fields)
    return run_read("postgres_locks", lambda conn, target: _locks(conn, target, args))


# --------------------------------------------------------------------------- replication

RECOVERY_SQL = "SELECT pg_is_in_recovery() AS standby"
PRIMARY_LAG_SQL = """
SELECT application_name, client_addr::text AS client_addr, state, sync_state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn)::float8 AS sent_lag_bytes,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS replay_lag_bytes,
       EXTRACT(EPOCH FROM write_lag)::float8 AS write_lag_seconds,
       EXTRACT(EPOCH FROM flush_lag)::float8 AS flush_lag_seconds,
       EXTRACT(EPOCH FROM replay_lag)::float8 AS replay_lag_seconds
FROM pg_stat_replication
ORDER BY application_name, client_addr
LIMIT %(limit)s
"""
STANDBY_LAG_SQL = """
SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8
         AS replay_lag_bytes,
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
         AS seconds_since_last_replayed_transaction,
       pg_is_wal_replay_paused() AS replay_paused
"""


class ReplicationArgs(BaseModel):
    """Arguments of ``postgres_replication``."""

    model_config = _ARGS

    threshold_seconds: float = Field(default=30.0, gt=0, le=86_400)
    """Acceptable replay lag in seconds."""
    samples: int = Field(default=3, ge=1, le=10)
    """Readings of pg_stat_replication, to see the lag's trend."""
    interval_seconds: float = Field(default=1.0, ge=0.1, le=5.0)
    """Seconds between readings (so one call lasts at most 45 s)."""


def _lag_seconds(reading: dict[str, Any]) -> float | None:
    """Replay lag of one reading. ``replay_lag`` is NULL once a standby has caught up and no
    WAL is flowing (monitoring-stats, pg_stat_replication): that is no lag when no byte is
    outstanding, and unknown otherwise."""
    seconds = reading["replay_lag_seconds"]
    if seconds is not None:
        return float(seconds)
    if reading["replay_lag_bytes"] == 0:
        return 0.0
    return None


def _replication(
    conn: psycopg.Connection[Any], target: Target, args: ReplicationArgs
) -> ToolResult:
    if rows(conn, RECOVERY_SQL)[0]["standby"]:
        standby = rows(conn, STANDBY_LAG_SQL)[0]
        return ok(
            "postgres_replication",
            f"{target.describe()} is a standby: {standby['replay_lag_bytes'] or 0:.0f} bytes "
            "received and not replayed"
            + (" (replay paused)" if standby["replay_paused"] else "")
            + "; read pg_stat_replication on its primary for lag per standby.",
            {"server": target.describe(), "role": "standby", "standby": standby},
        )
    readings: dict[str, list[dict[str, Any]]] = {}
    for index in range(args.samples):
        if index:
            session.sleep(args.interval_seconds)
        for row in rows(conn, PRIMARY_LAG_SQL, {"limit": MAX_ROWS}):
            name = row["application_name"] or row["client_addr"] or "standby"
            readings.setdefault(name, []).append(row)
    standbys: list[dict[str, Any]] = []
    for name, series in readings.items():
        latest = series[-1]
        lags = [lag for lag in map(_lag_seconds, series) if lag is not None]
        health = (
            evaluate_replication(
                lags, args.threshold_seconds, sample_interval_seconds=args.interval_seconds
            ).model_dump(mode="json")
            if lags
            else None
        )
        standbys.append(
            {
                "name": name,
                "client_addr": latest["client_addr"],
                "state": latest["state"],
                "sync_state": latest["sync_state"],
                "replay_lag_seconds": lags[-1] if lags else None,
                "replay_lag_seconds_samples": [round(v, 6) for v in lags],
                "replay_lag_bytes": latest["replay_lag_bytes"],
                "sent_lag_bytes": latest["sent_lag_bytes"],
                "write_lag_seconds": latest["write_lag_seconds"],
                "flush_lag_seconds": latest["flush_lag_seconds"],
                "health": health,
            }
        )
    data = {
        "server": target.describe(),
        "role": "primary",
        "samples": args.samples,
        "interval_seconds": args.interval_seconds,
        "standbys": standbys,
    }
    if not standbys:
        return no_data(
            "postgres_replication",
            f"{target.describe()} is a primary with no connected standby "
            "(pg_stat_replication is empty).",
            data,
        )
    parts = [
        f"{s['name']} {s['state']}, replay lag "
        + (f"{s['replay_lag_seconds']:.3f}s" if s["replay_lag_seconds"] is not None else "unknown")
        + f" / {s['replay_lag_bytes'] or 0:.0f} bytes"
        + (f" ({s['health']['verdict']})" if s["health"] else "")
        for s in standbys
    ]
    return ok(
        "postgres_replication",
        f"{len(standbys)} standbys of {target.describe()}: " + "; ".join(parts) + ".",
        data,
    )


@infra_tool(
    name="postgres_replication",
    description="Replication lag per standby on the configured PostgreSQL primary "
    "(pg_stat_replication), sampled and judged against a threshold. "
    f"At most {MAX_ROWS} standbys.",
    args_schema=ReplicationArgs,
    live=True,
    settings=SETTINGS,
)
def postgres_replication(**fields: Any) -> ToolResult:
    """Replication lag per standby (pg_stat_replication), fed to ``evaluate_replication``."""
    args = ReplicationArgs.model_validate(fields)
    return run_read("postgres_replication", lambda conn, target: _replication(conn, target, args))


# --------------------------------------------------------------------------- explain


class ExplainArgs(BaseModel):
    """Arguments of ``postgres_explain``."""

    model_config = _ARGS

    query: Query
    """One SELECT (or WITH … SELECT) with literal values; anything else is refused."""
    rows_threshold: int = Field(default=DEFAULT_ROWS_THRESHOLD, ge=1, le=10**12)
    cost_threshold: float = Field(default=DEFAULT_COST_THRESHOLD, gt=0, le=10**15)


def _explain(conn: psycopg.Connection[Any], target: Target, args: ExplainArgs) -> ToolResult:
    plan = session.explain_json(conn, args.query)
    report = analyze_postgres_plan(
        plan, rows_threshold=args.rows_threshold, cost_threshold=args.cost_threshold
    )
    text = json.dumps(plan)
    data: dict[str, Any] = {
        "server": target.describe(),
        "analysis": report.model_dump(mode="json"),
        "plan": plan if len(text) <= PLAN_CHARS else None,
        "plan_chars": len(text),
    }
    kinds = ", ".join(dict.fromkeys(f.kind.replace("_", " ") for f in report.findings))
    found = f"{len(report.findings)} findings ({kinds})" if report.findings else "no findings"
    return ok(
        "postgres_explain",
        f"Planned (not run) on {target.describe()}: total cost {report.total_cost}, "
        f"{report.nodes} nodes, {found}.",
        data,
    )


@infra_tool(
    name="postgres_explain",
    description="EXPLAIN (FORMAT JSON) one SELECT on the configured PostgreSQL server, "
    "never ANALYZE, and judge the plan. Anything but one read-only SELECT is refused. "
    f"Plans over {PLAN_CHARS} characters return their analysis only.",
    args_schema=ExplainArgs,
    live=True,
    settings=SETTINGS,
)
def postgres_explain(**fields: Any) -> ToolResult:
    """EXPLAIN (FORMAT JSON) of a checked SELECT, fed to ``analyze_postgres_plan``."""
    args = ExplainArgs.model_validate(fields)
    check_read_only_select(args.query)  # refused here, before any connection
    return run_read("postgres_explain", lambda conn, target: _explain(conn, target, args))


# --------------------------------------------------------------------------- settings

SETTINGS_SQL = """
SELECT name, setting, unit, source FROM pg_settings WHERE name = ANY(%(names)s) ORDER BY name
"""
VERSION_SQL = "SELECT current_setting('server_version') AS version"


class SettingsAuditArgs(BaseModel):
    """Arguments of ``postgres_settings_audit``."""

    model_config = _ARGS

    memory_mb: float | None = Field(default=None, gt=0, le=1e9)
    """The server's RAM in MiB, to judge shared_buffers; omit when unknown."""


def _settings(conn: psycopg.Connection[Any], target: Target, args: SettingsAuditArgs) -> ToolResult:
    found = [
        SettingRow.model_validate(row)
        for row in rows(conn, SETTINGS_SQL, {"names": list(AUDITED_SETTINGS)})
    ]
    version = rows(conn, VERSION_SQL)[0]["version"]
    audit = audit_postgres_settings(found, memory_mb=args.memory_mb)
    counts = Counter(f.severity for f in audit.findings)
    data = {
        "server": target.describe(),
        "version": version,
        "settings": {row.name: row.setting + (row.unit or "") for row in found},
        **audit.model_dump(mode="json"),
    }
    tally = ", ".join(f"{n} {level}" for level, n in counts.items()) or "none"
    return ok(
        "postgres_settings_audit",
        f"PostgreSQL {version} at {target.describe()}: {len(found)} settings read, "
        f"{len(audit.findings)} findings ({tally}).",
        data,
    )


@infra_tool(
    name="postgres_settings_audit",
    description="Audit the configured PostgreSQL server's settings (pg_settings) against "
    f"the PostgreSQL manual ({len(AUDITED_SETTINGS)} settings: durability, autovacuum, "
    "WAL, security, logging, timeouts, memory).",
    args_schema=SettingsAuditArgs,
    live=True,
    settings=SETTINGS,
)
def postgres_settings_audit(**fields: Any) -> ToolResult:
    """pg_settings audited by ``audit_postgres_settings``."""
    args = SettingsAuditArgs.model_validate(fields)
    return run_read("postgres_settings_audit", lambda conn, target: _settings(conn, target, args))


TOOLS: tuple[BaseTool, ...] = (
    postgres_activity,
    postgres_locks,
    postgres_replication,
    postgres_explain,
    postgres_settings_audit,
)
