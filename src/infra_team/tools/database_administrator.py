"""Database Administrator tools: query-plan analysis, backup policy, replication health.

Each tool has a pure function that computes the answer (``analyze_postgres_plan`` and
``analyze_sqlite_query`` in ``_query_plan``, ``evaluate_backup_policy`` in ``_backup_policy``,
``evaluate_replication`` in ``_replication``) and a thin ``@infra_tool`` wrapper that turns
the result into a ``ToolResult``. The live read-only tools on a configured server
(``postgres_activity``, ``postgres_locks``, ``postgres_replication``, ``postgres_explain``,
``postgres_settings_audit``) live in ``tools.live.postgres`` and feed the same analysers.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from langchain_core.tools import BaseTool
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    model_validator,
)

from infra_team.tools._base import ToolResult, infra_tool, ok
from infra_team.tools._limits import (
    DOCUMENT_CHARS,
    MAX_COUNT,
    MAX_ITEMS,
    MAX_SERIES,
    Document,
    Instant,
    Query,
    json_kind,
)
from infra_team.tools.analysers._tool import analyser_tool
from infra_team.tools.analysers.backup_policy import (
    DEFAULT_MIN_RETENTION_DAYS,
    evaluate_backup_policy,
)
from infra_team.tools.analysers.failover_plan import FailoverPlanArgs, plan_failover
from infra_team.tools.analysers.migration_plan import MigrationPlanArgs, plan_migration
from infra_team.tools.analysers.pg_settings import PgSettingsArgs, tune_postgres
from infra_team.tools.analysers.query_plan import (
    DEFAULT_COST_THRESHOLD,
    DEFAULT_ROWS_THRESHOLD,
    MAX_PLAN_DEPTH,
    QueryPlanReport,
    analyze_postgres_plan,
    analyze_sqlite_query,
)
from infra_team.tools.analysers.replication import evaluate_replication
from infra_team.tools.analysers.timestamps import parse_instant
from infra_team.tools.live import postgres as live_postgres

ANALYZE_QUERY_PLAN_DESCRIPTION = (
    "Analyse a PostgreSQL `EXPLAIN (FORMAT JSON)` plan, or run `EXPLAIN QUERY PLAN` read-only "
    "on a SQLite file, and report large sequential scans, sorts spilling to disk and missing indexes."
)
BACKUP_POLICY_CHECK_DESCRIPTION = (
    "Check a backup schedule (minutes or cron), retention and, when given, recent successful "
    "backups against a recovery point objective (RPO) in minutes; without a backup history "
    "it judges the proposed policy only."
)
_ARGS = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
PlanInput = Annotated[
    Annotated[Document, Tag("text")]
    | Annotated[list[Any], Field(max_length=MAX_ITEMS), Tag("array")]
    | Annotated[dict[str, Any], Tag("object")],
    Discriminator(
        json_kind,
        custom_error_type="document_kind",
        custom_error_message="Input should be text, a JSON object or a JSON array",
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": DOCUMENT_CHARS},
                {"type": "array", "items": {}, "maxItems": MAX_ITEMS},
                {"type": "object", "additionalProperties": True},
            ]
        }
    ),
]
"""EXPLAIN JSON as text or parsed; its depth is bounded by the analyser (``MAX_PLAN_DEPTH``)."""
PATH_CHARS = 4096
"""Longest path accepted (Linux PATH_MAX)."""
MAX_MINUTES = 5_256_000
"""Ten years in minutes: the longest schedule or RPO accepted."""
MAX_DAYS = 36_500
"""A hundred years: the longest retention accepted."""

REPLICATION_HEALTH_DESCRIPTION = (
    "Summarise replica lag samples in seconds (max, p95, latest, least-squares trend) and "
    "judge the replica healthy, lagging or falling behind against a threshold."
)


# --------------------------------------------------------------------------- query plans


class AnalyzeQueryPlanArgs(BaseModel):
    """Arguments of ``analyze_query_plan``: a PostgreSQL plan, or a SQLite file and a query."""

    model_config = _ARGS

    plan: PlanInput | None = Field(
        default=None,
        description=f"PostgreSQL EXPLAIN (FORMAT JSON) output, text or parsed. At most "
        f"{MAX_PLAN_DEPTH} plan levels deep.",
    )
    sqlite_path: str | None = Field(default=None, max_length=PATH_CHARS)
    """Path of a SQLite database file, opened read-only."""
    query: Query | None = None
    """SQL statement to plan on ``sqlite_path`` (literal values, no placeholders)."""
    rows_threshold: int = Field(default=DEFAULT_ROWS_THRESHOLD, ge=1, le=MAX_COUNT)
    """Rows read from which a full scan is reported as large."""
    cost_threshold: float = Field(default=DEFAULT_COST_THRESHOLD, gt=0, le=MAX_COUNT)
    """PostgreSQL only: planner cost from which a Seq Scan is reported as large."""

    @model_validator(mode="after")
    def _one_source(self) -> AnalyzeQueryPlanArgs:
        sqlite = self.sqlite_path is not None or self.query is not None
        if self.plan is not None and sqlite:
            msg = "pass either `plan` (PostgreSQL) or `sqlite_path` + `query`, not both"
            raise ValueError(msg)
        if self.plan is None and (self.sqlite_path is None or self.query is None):
            msg = "pass `plan` (PostgreSQL EXPLAIN JSON) or both `sqlite_path` and `query`"
            raise ValueError(msg)
        return self


def _plan_summary(report: QueryPlanReport) -> str:
    if not report.findings:
        return f"{report.engine} plan ({report.nodes} nodes): no expensive operations found."
    kinds = ", ".join(dict.fromkeys(f.kind.replace("_", " ") for f in report.findings))
    return (
        f"{report.engine} plan ({report.nodes} nodes): {len(report.findings)} findings ({kinds})."
    )


@infra_tool(
    name="analyze_query_plan",
    description=ANALYZE_QUERY_PLAN_DESCRIPTION,
    args_schema=AnalyzeQueryPlanArgs,
)
def analyze_query_plan(
    *,
    plan: str | list[Any] | dict[str, Any] | None,
    sqlite_path: str | None,
    query: str | None,
    rows_threshold: int,
    cost_threshold: float,
) -> ToolResult:
    """Analyse a query plan (see ``analyze_postgres_plan`` and ``analyze_sqlite_query``)."""
    if plan is None:  # the schema guarantees `sqlite_path` and `query` then
        report = analyze_sqlite_query(str(sqlite_path), str(query), rows_threshold=rows_threshold)
    else:
        report = analyze_postgres_plan(
            plan, rows_threshold=rows_threshold, cost_threshold=cost_threshold
        )
    return ok("analyze_query_plan", _plan_summary(report), report.model_dump(mode="json"))


# --------------------------------------------------------------------------- backups


class BackupPolicyCheckArgs(BaseModel):
    """Arguments of ``backup_policy_check``."""

    model_config = _ARGS

    schedule: Instant | Annotated[float, Field(ge=0, le=MAX_MINUTES)]
    """Minutes between backups (``60``, ``"6h"``) or cron (``"*/15 * * * *"``, ``"0 2 * * *"``)."""
    retention: Instant | Annotated[float, Field(ge=0, le=MAX_DAYS)]
    """Days kept (``14``) or a duration (``"14d"``, ``"2w"``)."""
    last_success_times: list[Instant] | None = Field(default=None, max_length=MAX_ITEMS)
    """ISO-8601 times of recent successful backups (no offset = UTC). Omit it to judge a
    proposed policy (schedule and retention only); ``[]`` means no backup has succeeded."""
    rpo_minutes: float = Field(gt=0, le=MAX_MINUTES)
    """Recovery point objective in minutes."""
    now: Instant | None = None
    """Evaluation time of the history, ISO-8601; default the current UTC time."""
    min_retention_days: float = Field(default=DEFAULT_MIN_RETENTION_DAYS, gt=0, le=MAX_DAYS)


@infra_tool(
    name="backup_policy_check",
    description=BACKUP_POLICY_CHECK_DESCRIPTION,
    args_schema=BackupPolicyCheckArgs,
)
def backup_policy_check(
    *,
    schedule: str | float,
    retention: str | float,
    last_success_times: list[str] | None,
    rpo_minutes: float,
    now: str | None,
    min_retention_days: float,
) -> ToolResult:
    """Check a backup policy (see ``evaluate_backup_policy``); the summary says when only a
    proposed policy was judged, so it never reads as a check of backups that ran."""
    report = evaluate_backup_policy(
        schedule,
        retention,
        last_success_times,
        rpo_minutes,
        now=parse_instant(now, "now") if now else None,
        min_retention_days=min_retention_days,
    )
    verdict = "meets" if report.compliant else "does not meet"
    if report.history_checked:
        summary = (
            f"Backup policy {verdict} the RPO of {rpo_minutes:g} min ({len(report.findings)} "
            f"findings; schedule every {report.schedule_interval_minutes:g} min)."
        )
    else:
        summary = (
            f"Proposed backup policy {verdict} the RPO of {rpo_minutes:g} min on paper "
            f"({len(report.findings)} findings; schedule every "
            f"{report.schedule_interval_minutes:g} min, retention {report.retention_days:g} "
            "days); no backup history checked."
        )
    return ok("backup_policy_check", summary, report.model_dump(mode="json"))


# --------------------------------------------------------------------------- replication


class ReplicationHealthArgs(BaseModel):
    """Arguments of ``replication_health``."""

    model_config = _ARGS

    lag_samples_seconds: list[Annotated[float, Field(le=MAX_COUNT)]] = Field(
        min_length=1, max_length=MAX_SERIES
    )
    """Lag samples in seconds, oldest first, taken at a regular interval."""
    threshold_seconds: float = Field(gt=0, le=MAX_COUNT)
    """Acceptable lag in seconds."""
    sample_interval_seconds: float | None = Field(default=None, gt=0, le=MAX_COUNT)
    """Seconds between samples, to express the trend per minute."""

    @model_validator(mode="after")
    def _non_negative(self) -> ReplicationHealthArgs:
        bad = [v for v in self.lag_samples_seconds if not math.isfinite(v) or v < 0]
        if bad:
            msg = f"lag samples must be finite and >= 0 seconds; got {bad[:3]}"
            raise ValueError(msg)
        return self


@infra_tool(
    name="replication_health",
    description=REPLICATION_HEALTH_DESCRIPTION,
    args_schema=ReplicationHealthArgs,
)
def replication_health(
    *,
    lag_samples_seconds: list[float],
    threshold_seconds: float,
    sample_interval_seconds: float | None,
) -> ToolResult:
    """Judge replica lag (see ``evaluate_replication``)."""
    report = evaluate_replication(
        lag_samples_seconds, threshold_seconds, sample_interval_seconds=sample_interval_seconds
    )
    summary = f"Replication {report.verdict}: {report.reason}."
    return ok("replication_health", summary, report.model_dump(mode="json"))


# --------------------------------------------------------------------------- capabilities

PG_SETTINGS_DESCRIPTION = "PostgreSQL memory, I/O and parallel settings and pool size for a server's RAM, cores and storage."
pg_settings = analyser_tool("pg_settings", PG_SETTINGS_DESCRIPTION, PgSettingsArgs, tune_postgres)

FAILOVER_PLAN_DESCRIPTION = (
    "Pick the replica to promote, its data loss (RPO), zone-loss survival and DCS quorum."
)
failover_plan = analyser_tool(
    "failover_plan", FAILOVER_PLAN_DESCRIPTION, FailoverPlanArgs, plan_failover
)

MIGRATION_PLAN_DESCRIPTION = "Plan a data migration (offline or online): copy time, catch-up and write downtime from size and throughput."
migration_plan = analyser_tool(
    "migration_plan", MIGRATION_PLAN_DESCRIPTION, MigrationPlanArgs, plan_migration
)


TOOLS: tuple[BaseTool, ...] = (
    analyze_query_plan,
    backup_policy_check,
    replication_health,
    pg_settings,
    failover_plan,
    migration_plan,
    *live_postgres.TOOLS,
)
"""The pure analysers above, then the live read-only tools on the configured server."""
