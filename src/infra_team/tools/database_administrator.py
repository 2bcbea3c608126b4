"""Database Administrator tools: query-plan analysis, backup policy, replication health.

Each tool has a pure function that computes the answer (``analyze_postgres_plan``,
``analyze_sqlite_query``, ``evaluate_backup_policy``, ``evaluate_replication``) and a thin
``@infra_tool`` wrapper that turns the result into a ``ToolResult``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import sqlite3
import statistics
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, model_validator

from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, ok

ANALYZE_QUERY_PLAN_DESCRIPTION = (
    "Analyse a PostgreSQL `EXPLAIN (FORMAT JSON)` plan, or run `EXPLAIN QUERY PLAN` read-only "
    "on a SQLite file, and report large sequential scans, sorts spilling to disk and missing indexes."
)
BACKUP_POLICY_CHECK_DESCRIPTION = (
    "Check a backup schedule (minutes or cron), retention and recent successful backups "
    "against a recovery point objective (RPO) in minutes."
)
REPLICATION_HEALTH_DESCRIPTION = (
    "Summarise replica lag samples in seconds (max, p95, latest, least-squares trend) and "
    "judge the replica healthy, lagging or falling behind against a threshold."
)

Severity = Literal["high", "medium", "low"]
DEFAULT_ROWS_THRESHOLD = 10_000
"""Rows read by a full scan from which it counts as large (override per call)."""
DEFAULT_COST_THRESHOLD = 1_000.0
"""PostgreSQL planner cost from which a Seq Scan counts as large even when its row estimate is
small (a selective Filter hides the table size; with the default seq_page_cost of 1.0 this is
on the order of 1,000 pages, 8 MB, read)."""
MISESTIMATE_FACTOR = 10.0
"""Estimated vs actual rows differing by this factor (and by at least 1,000 rows) is reported."""
MISESTIMATE_MIN_ROWS = 1_000
DEFAULT_MIN_RETENTION_DAYS = 7.0
"""Minimum retention: a week of restore points, so corruption noticed after a weekend or a
release cycle can still be rolled back (Google SRE book ch. 26, Data Integrity: damage is often
found late, so restore points must reach back past the detection delay)."""
MIN_RESTORE_POINTS = 2
"""Retention must hold at least this many backups, so one bad backup is not the only copy."""
TREND_TOLERANCE = 0.1
"""A fitted lag change over the sample window within this fraction of the threshold is flat."""


# --------------------------------------------------------------------------- query plans


class PlanFinding(BaseModel):
    """One problem found in a query plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal[
        "seq_scan_large",
        "missing_index",
        "sort_spill",
        "hash_spill",
        "row_misestimate",
        "temp_btree",
        "full_index_scan",
    ]
    severity: Severity
    node: str
    """The plan node, e.g. ``Seq Scan on orders (o)`` or ``SCAN o``."""
    relation: str | None = None
    rows: int | None = None
    """Rows read (estimated or measured) where known."""
    columns: tuple[str, ...] = ()
    """Columns behind a missing-index suggestion, equality columns first."""
    detail: str
    suggestion: str


class QueryPlanReport(BaseModel):
    """What a query plan says about the query's cost."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    engine: Literal["postgresql", "sqlite"]
    nodes: int
    """Plan nodes (PostgreSQL) or EXPLAIN QUERY PLAN rows (SQLite) examined."""
    relations_scanned: tuple[str, ...]
    total_cost: float | None = None
    planning_time_ms: float | None = None
    execution_time_ms: float | None = None
    findings: tuple[PlanFinding, ...]
    plan_lines: tuple[str, ...] = ()
    """SQLite only: the EXPLAIN QUERY PLAN detail lines, indented by depth."""


_COMPARISON = (
    r"(?P<op>=|<>|!=|<=|>=|<|>|!?~~\*?|!?~\*?|@>|<@|&&"
    r"|\bIS\b|\bIN\b|\bNOT\s+IN\b|\bLIKE\b|\bILIKE\b|\bBETWEEN\b|\bGLOB\b)"
)
_IDENT = r'(?:"[^"]+"|[A-Za-z_][\w$]*)'
_REF = rf"(?:(?P<qual>{_IDENT})\.)?(?P<col>{_IDENT})"
_REF_BEFORE_OP = re.compile(rf"{_REF}\)*\s*{_COMPARISON}", re.IGNORECASE)
_REF_AFTER_OP = re.compile(
    rf"{_COMPARISON}\s*\(*\s*(?:(?P<qual2>{_IDENT})\.)?(?P<col2>{_IDENT})(?!\s*[(.\w])",
    re.IGNORECASE,
)
_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
_PG_CAST = re.compile(
    r"::(?:\"[^\"]+\"|[A-Za-z_]\w*)"
    r"(?:\s+(?:with|without)\s+time\s+zone|\s+varying|\s+precision)?"
    r"(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])*",
    re.IGNORECASE,
)
# fmt: off
_NOT_COLUMNS = frozenset({
    "and", "or", "not", "null", "true", "false", "any", "all", "some", "is", "in", "like",
    "ilike", "between", "distinct", "from", "subplan", "hashed", "array", "case", "when",
    "then", "else", "end", "exists", "select", "where", "escape", "glob", "collate", "unknown",
})
# fmt: on
_EQUALITY_OPS = frozenset({"=", "is", "in", "not in"})


def _unquote(identifier: str) -> str:
    return identifier[1:-1] if identifier.startswith('"') else identifier


def _filter_columns(expression: str) -> list[tuple[str | None, str, bool]]:
    """Column references in a condition: (qualifier, column, used with an equality operator).

    PostgreSQL prints Filter expressions fully parenthesised with casts (``(status)::text``);
    literals and casts are removed first so that only identifiers next to comparison
    operators remain. Function arguments (``lower(email) = ...``) count as their column.
    """
    text = _PG_CAST.sub("", _STRING_LITERAL.sub("''", expression))
    refs: list[tuple[str | None, str, str]] = []
    for match in _REF_BEFORE_OP.finditer(text):
        refs.append((match["qual"], match["col"], " ".join(match["op"].lower().split())))
    for match in _REF_AFTER_OP.finditer(text):
        refs.append((match["qual2"], match["col2"], " ".join(match["op"].lower().split())))
    seen: dict[tuple[str | None, str], bool] = {}
    for qual, col, op in refs:
        name = _unquote(col)
        if name.lower() in _NOT_COLUMNS or name.startswith("$"):
            continue
        key = (_unquote(qual) if qual else None, name)
        seen[key] = seen.get(key, False) or op in _EQUALITY_OPS
    return [(qual, col, equality) for (qual, col), equality in seen.items()]


def _index_columns(refs: list[tuple[str | None, str, bool]]) -> tuple[str, ...]:
    """Equality columns first, then range columns (PostgreSQL docs 11.3, Multicolumn Indexes)."""
    ordered = [col for _, col, eq in refs if eq] + [col for _, col, eq in refs if not eq]
    return tuple(dict.fromkeys(ordered))


def _sql_ident(name: str) -> str:
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def _load_plan(plan: str | list[Any] | dict[str, Any]) -> list[dict[str, Any]]:
    """The top-level EXPLAIN objects (each holding ``Plan``) from any accepted input shape."""
    if isinstance(plan, str):
        try:
            plan = json.loads(plan)
        except json.JSONDecodeError as exc:
            if "cost=" in plan or "->" in plan:
                msg = (
                    "`plan` looks like text-format EXPLAIN output; run "
                    "`EXPLAIN (FORMAT JSON) <query>` and pass that JSON instead"
                )
                raise ToolInputError(msg) from exc
            msg = f"`plan` is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            raise ToolInputError(msg) from exc
    items = plan if isinstance(plan, list) else [plan]
    tops: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("Plan"), dict):
            tops.append(item)
        elif isinstance(item, dict) and "Node Type" in item:
            tops.append({"Plan": item})
        else:
            msg = (
                "`plan` must be PostgreSQL `EXPLAIN (FORMAT JSON)` output: a list holding an "
                'object with a "Plan" key (or that object, or a plan node with "Node Type")'
            )
            raise ToolInputError(msg)
    if not tops:
        msg = "`plan` is an empty list; pass the full `EXPLAIN (FORMAT JSON)` output"
        raise ToolInputError(msg)
    return tops


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans") or ():
        if isinstance(child, dict):
            yield from _walk(child)


def _number(node: dict[str, Any], key: str) -> float | None:
    value = node.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _node_label(node: dict[str, Any]) -> str:
    label = str(node.get("Node Type", "?"))
    relation = node.get("Relation Name")
    if relation:
        label += f" on {relation}"
        alias = node.get("Alias")
        if alias and alias != relation:
            label += f" ({alias})"
    return label


def _rows_read(node: dict[str, Any]) -> int:
    """Rows a scan reads: measured (rows returned + removed by filter, times loops) under
    EXPLAIN ANALYZE, otherwise the planner's estimate."""
    actual = _number(node, "Actual Rows")
    if actual is not None:
        loops = _number(node, "Actual Loops") or 1.0
        removed = _number(node, "Rows Removed by Filter") or 0.0
        return round((actual + removed) * loops)
    return round(_number(node, "Plan Rows") or 0.0)


def _pg_scan_findings(
    node: dict[str, Any], rows_threshold: int, cost_threshold: float
) -> list[PlanFinding]:
    relation = str(node.get("Relation Name") or "?")
    rows = _rows_read(node)
    cost = _number(node, "Total Cost") or 0.0
    if rows < rows_threshold and cost < cost_threshold:
        return []
    label = _node_label(node)
    findings = [
        PlanFinding(
            kind="seq_scan_large",
            severity="high" if rows >= 10 * rows_threshold else "medium",
            node=label,
            relation=relation,
            rows=rows,
            detail=f"{label} reads about {rows:,} rows (cost {cost:,.2f}); "
            f"thresholds: {rows_threshold:,} rows or cost {cost_threshold:,.0f}.",
            suggestion="Add an index matching the query's WHERE/JOIN columns, or confirm "
            "that reading the whole table is intended (reports, small tables).",
        )
    ]
    condition = node.get("Filter")
    if isinstance(condition, str):
        alias = node.get("Alias") or relation
        refs = [
            ref
            for ref in _filter_columns(condition)
            if ref[0] is None or ref[0] in {alias, relation}
        ]
        columns = _index_columns(refs)
        if columns:
            column_list = ", ".join(_sql_ident(col) for col in columns)
            findings.append(
                PlanFinding(
                    kind="missing_index",
                    severity="high" if rows >= 10 * rows_threshold else "medium",
                    node=label,
                    relation=relation,
                    rows=rows,
                    columns=columns,
                    detail=f"Filter `{condition}` is evaluated row by row on a sequential scan.",
                    suggestion=f"CREATE INDEX CONCURRENTLY ON {_sql_ident(relation)} "
                    f"({column_list});",
                )
            )
    return findings


def _pg_sort_findings(node: dict[str, Any]) -> list[PlanFinding]:
    label = _node_label(node)
    spills = [node, *[w for w in node.get("Workers") or () if isinstance(w, dict)]]
    for entry in spills:
        method = str(entry.get("Sort Method") or "")
        if entry.get("Sort Space Type") == "Disk" or method.startswith("external"):
            used = _number(entry, "Sort Space Used")
            keys = ", ".join(str(key) for key in node.get("Sort Key") or ())
            size = f" using {used:,.0f} kB of temporary files" if used is not None else ""
            return [
                PlanFinding(
                    kind="sort_spill",
                    severity="medium",
                    node=label,
                    detail=f"Sort on ({keys}) spilled to disk ({method or 'Disk'}){size}.",
                    suggestion="Raise `work_mem` for this query (SET LOCAL work_mem) above the "
                    "spilled size, or add an index on the sort key so rows arrive sorted.",
                )
            ]
    return []


def _pg_node_findings(
    node: dict[str, Any], rows_threshold: int, cost_threshold: float
) -> list[PlanFinding]:
    findings: list[PlanFinding] = []
    node_type = node.get("Node Type")
    if node_type in {"Seq Scan", "Parallel Seq Scan"}:
        findings += _pg_scan_findings(node, rows_threshold, cost_threshold)
    if node_type in {"Sort", "Incremental Sort"}:
        findings += _pg_sort_findings(node)
    batches = _number(node, "Hash Batches")
    if node_type == "Hash" and batches is not None and batches > 1:
        findings.append(
            PlanFinding(
                kind="hash_spill",
                severity="medium",
                node=_node_label(node),
                detail=f"Hash table was split into {batches:.0f} batches written to disk.",
                suggestion="Raise `work_mem` (or `hash_mem_multiplier`) so the hash fits in "
                "memory in one batch.",
            )
        )
    actual, planned = _number(node, "Actual Rows"), _number(node, "Plan Rows")
    if actual is not None and planned is not None:
        high, low = max(actual, planned), max(min(actual, planned), 1.0)
        if high >= MISESTIMATE_MIN_ROWS and high / low >= MISESTIMATE_FACTOR:
            findings.append(
                PlanFinding(
                    kind="row_misestimate",
                    severity="low",
                    node=_node_label(node),
                    relation=node.get("Relation Name"),
                    detail=f"Planner estimated {planned:,.0f} rows, measured {actual:,.0f} "
                    f"per loop ({high / low:,.0f}x off).",
                    suggestion="Run ANALYZE on the tables involved; raise the column's "
                    "statistics target or add extended statistics for correlated columns.",
                )
            )
    return findings


def analyze_postgres_plan(
    plan: str | list[Any] | dict[str, Any],
    *,
    rows_threshold: int = DEFAULT_ROWS_THRESHOLD,
    cost_threshold: float = DEFAULT_COST_THRESHOLD,
) -> QueryPlanReport:
    """Find the expensive parts of a PostgreSQL plan.

    Reads the JSON shape documented in PostgreSQL's EXPLAIN reference and "Using EXPLAIN"
    (docs ch. 14.1): nodes with ``Node Type``, ``Relation Name``, ``Plan Rows``,
    ``Total Cost``, ``Filter``, ``Sort Method``/``Sort Space Type``, child ``Plans``, and with
    ANALYZE ``Actual Rows``, ``Actual Loops``, ``Rows Removed by Filter`` and
    ``Execution Time``. A Seq Scan is large when it reads at least ``rows_threshold`` rows
    or costs at least ``cost_threshold`` (a selective Filter makes ``Plan Rows`` small even
    on a big table). Missing-index suggestions use the Filter's columns on large Seq Scans,
    equality columns first (docs 11.3, Multicolumn Indexes).

    Raises:
        ToolInputError: the input is not EXPLAIN JSON.
    """
    tops = _load_plan(plan)
    findings: list[PlanFinding] = []
    relations: list[str] = []
    nodes = 0
    for top in tops:
        for node in _walk(top["Plan"]):
            nodes += 1
            relation = node.get("Relation Name")
            if isinstance(relation, str) and relation not in relations:
                relations.append(relation)
            findings += _pg_node_findings(node, rows_threshold, cost_threshold)
    first = tops[0]
    return QueryPlanReport(
        engine="postgresql",
        nodes=nodes,
        relations_scanned=tuple(relations),
        total_cost=_number(first["Plan"], "Total Cost"),
        planning_time_ms=_number(first, "Planning Time"),
        execution_time_ms=_number(first, "Execution Time"),
        findings=tuple(findings),
    )


_SQLITE_STEP = re.compile(
    r"^(?P<verb>SCAN|SEARCH)\s+(?:TABLE\s+)?(?P<name>\S+)(?:\s+AS\s+(?P<alias>\S+))?"
    r"(?:\s+USING\s+(?P<using>.+))?$"
)
_FROM_ITEM = re.compile(
    rf"\b(?:FROM|JOIN)\s+(?P<table>{_IDENT}(?:\.{_IDENT})?)(?:\s+(?:AS\s+)?(?P<alias>{_IDENT}))?",
    re.IGNORECASE,
)
_WHERE_CLAUSE = re.compile(
    r"\bWHERE\b(?P<body>.*?)(?=\bGROUP\s+BY\b|\bORDER\s+BY\b|\bLIMIT\b|\bHAVING\b|\bWINDOW\b"
    r"|\bUNION\b|\bEXCEPT\b|\bINTERSECT\b|\bRETURNING\b|\bWHERE\b|$)",
    re.IGNORECASE | re.DOTALL,
)
# fmt: off
_SQL_KEYWORDS = frozenset({
    "where", "on", "join", "inner", "left", "right", "full", "cross", "natural", "using",
    "group", "order", "limit", "window", "union", "except", "intersect", "set", "outer",
    "having", "returning", "values", "indexed", "not",
})
# fmt: on


def _sqlite_aliases(query: str) -> dict[str, str]:
    """Alias (lower case) -> table name, from the FROM and JOIN items of a query."""
    aliases: dict[str, str] = {}
    for match in _FROM_ITEM.finditer(_STRING_LITERAL.sub("''", query)):
        table = _unquote(match["table"].split(".")[-1])
        aliases[table.lower()] = table
        alias = match["alias"]
        if alias and _unquote(alias).lower() not in _SQL_KEYWORDS:
            aliases[_unquote(alias).lower()] = table
    return aliases


def _sqlite_where_refs(query: str) -> list[tuple[str | None, str, bool]]:
    text = _STRING_LITERAL.sub("''", query)
    refs: list[tuple[str | None, str, bool]] = []
    for match in _WHERE_CLAUSE.finditer(text):
        refs += _filter_columns(match["body"])
    return refs


def _connect_read_only(sqlite_path: str) -> sqlite3.Connection:
    path = Path(sqlite_path).expanduser()
    if not path.is_file():
        msg = f"no SQLite database file at `{sqlite_path}`; pass the path of an existing file"
        raise ToolInputError(msg, code="not_found")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _sqlite_tables(conn: sqlite3.Connection) -> dict[str, str]:
    rows = conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchall()
    return {str(name).lower(): str(name) for (name,) in rows}


def _sqlite_explain(conn: sqlite3.Connection, query: str) -> list[tuple[int, int, str]]:
    statement = query.strip().rstrip(";").strip()
    try:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall()
    except sqlite3.Error as exc:
        msg = (
            f"SQLite could not plan the query: {exc}. Pass one SQL statement with literal "
            "values in place of `?` or `:name` placeholders."
        )
        raise ToolInputError(msg) from exc
    return [(int(node_id), int(parent), str(detail)) for node_id, parent, _, detail in rows]


def _sqlite_lines(rows: list[tuple[int, int, str]]) -> tuple[str, ...]:
    depth: dict[int, int] = {0: -1}
    lines = []
    for node_id, parent, detail in rows:
        depth[node_id] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node_id] + detail)
    return tuple(lines)


def _sqlite_scan_findings(
    conn: sqlite3.Connection,
    step: re.Match[str],
    table: str,
    refs: list[tuple[str | None, str, bool]],
    rows_threshold: int,
) -> list[PlanFinding]:
    detail = step.string
    quoted = '"' + table.replace('"', '""') + '"'
    rows = int(conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0])
    if step["using"]:
        if rows < rows_threshold:
            return []
        return [
            PlanFinding(
                kind="full_index_scan",
                severity="low",
                node=detail,
                relation=table,
                rows=rows,
                detail=f"`{detail}` walks the whole index ({rows:,} rows).",
                suggestion="Fine for counts and ordered reads of the whole table; add a "
                "WHERE-matching index if only a few rows are needed.",
            )
        ]
    if rows < rows_threshold:
        return []
    columns_here = {
        str(name).lower(): str(name)
        for (name,) in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))
    }
    names = {table.lower(), (step["alias"] or step["name"]).lower(), step["name"].lower()}
    matching = [
        (qual, columns_here[col.lower()], eq)
        for qual, col, eq in refs
        if col.lower() in columns_here and (qual is None or qual.lower() in names)
    ]
    findings = [
        PlanFinding(
            kind="seq_scan_large",
            severity="high" if rows >= 10 * rows_threshold else "medium",
            node=detail,
            relation=table,
            rows=rows,
            detail=f"`{detail}` reads all {rows:,} rows of `{table}`; "
            f"threshold {rows_threshold:,} rows.",
            suggestion="Add an index matching the query's WHERE/JOIN columns, or confirm "
            "that reading the whole table is intended.",
        )
    ]
    columns = _index_columns(matching)
    if columns:
        index_name = _sql_ident(f"idx_{table}_{'_'.join(columns)}".lower())
        column_list = ", ".join(_sql_ident(col) for col in columns)
        findings.append(
            PlanFinding(
                kind="missing_index",
                severity=findings[0].severity,
                node=detail,
                relation=table,
                rows=rows,
                columns=columns,
                detail=f"WHERE filters `{table}` on {', '.join(columns)} without an index.",
                suggestion=f"CREATE INDEX {index_name} ON {_sql_ident(table)} ({column_list});",
            )
        )
    return findings


def analyze_sqlite_query(
    sqlite_path: str, query: str, *, rows_threshold: int = DEFAULT_ROWS_THRESHOLD
) -> QueryPlanReport:
    """Run ``EXPLAIN QUERY PLAN`` on a real SQLite file, read-only, and judge the plan.

    The file is opened with the URI ``file:...?mode=ro`` (SQLite "URI Filenames"), so the
    query is planned, never executed, and nothing is written. Rows follow SQLite's
    "EXPLAIN QUERY PLAN" documentation: ``SCAN t`` is a full table scan, ``SCAN t USING
    [COVERING] INDEX i`` a full index scan, ``SEARCH t USING INDEX i (a=?)`` an index
    lookup, ``USE TEMP B-TREE FOR ORDER BY`` a sort without a usable index. The scanned
    table's real row count (``count(*)``) decides whether a full scan is large; WHERE
    columns that belong to that table (``pragma_table_info``) become the index suggestion.

    Raises:
        ToolInputError: missing file, not a database, or a statement SQLite cannot plan.
    """
    with closing(_connect_read_only(sqlite_path)) as conn:
        try:
            tables = _sqlite_tables(conn)
        except sqlite3.DatabaseError as exc:
            msg = f"`{sqlite_path}` is not a readable SQLite database: {exc}"
            raise ToolInputError(msg) from exc
        rows = _sqlite_explain(conn, query)
        aliases = _sqlite_aliases(query)
        refs = _sqlite_where_refs(query)
        findings: list[PlanFinding] = []
        scanned: list[str] = []
        for _, _, detail in rows:
            if detail.startswith("USE TEMP B-TREE"):
                findings.append(
                    PlanFinding(
                        kind="temp_btree",
                        severity="low",
                        node=detail,
                        detail=f"`{detail}`: rows are sorted in a temporary b-tree.",
                        suggestion="An index whose columns match the ORDER BY / GROUP BY "
                        "(after the WHERE equality columns) lets SQLite skip the sort.",
                    )
                )
                continue
            step = _SQLITE_STEP.match(detail)
            if step is None:
                continue
            name = _unquote(step["name"]).lower()
            table = tables.get(name) or aliases.get(name)
            if table is None or table.lower() not in tables:
                continue
            if table not in scanned:
                scanned.append(table)
            if step["verb"] == "SCAN":
                findings += _sqlite_scan_findings(conn, step, table, refs, rows_threshold)
    return QueryPlanReport(
        engine="sqlite",
        nodes=len(rows),
        relations_scanned=tuple(scanned),
        findings=tuple(findings),
        plan_lines=_sqlite_lines(rows),
    )


class AnalyzeQueryPlanArgs(BaseModel):
    """Arguments of ``analyze_query_plan``: a PostgreSQL plan, or a SQLite file and a query."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan: str | list[Any] | dict[str, Any] | None = None
    """PostgreSQL ``EXPLAIN (FORMAT JSON)`` output, as JSON text or parsed."""
    sqlite_path: str | None = None
    """Path of a SQLite database file, opened read-only."""
    query: str | None = None
    """SQL statement to plan on ``sqlite_path`` (literal values, no placeholders)."""
    rows_threshold: int = Field(default=DEFAULT_ROWS_THRESHOLD, ge=1)
    """Rows read from which a full scan is reported as large."""
    cost_threshold: float = Field(default=DEFAULT_COST_THRESHOLD, gt=0)
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

MINUTES_PER_WEEK = 7 * 24 * 60
_DURATION = re.compile(
    r"^(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>m|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$",
    re.IGNORECASE,
)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}
_CRON_MACROS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
}


def _duration_minutes(text: str) -> float | None:
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    return float(match["value"]) * _UNIT_MINUTES[match["unit"][0].lower()]


def _cron_field(field: str, low: int, high: int, name: str) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        match = re.fullmatch(r"(?P<range>\*|\d+(?:-\d+)?)(?:/(?P<step>\d+))?", part)
        if match is None:
            msg = f"cron {name} field `{field}` is not supported; use numbers, `*`, `a-b`, `,` and `/n`"
            raise ToolInputError(msg)
        step = int(match["step"] or 1)
        if match["range"] == "*":
            start, end = low, high
        elif "-" in match["range"]:
            start, end = (int(v) for v in match["range"].split("-"))
        else:
            start = int(match["range"])
            end = high if match["step"] else start
        if step < 1 or not low <= start <= end <= high:
            msg = f"cron {name} field `{field}` is out of range {low}-{high}"
            raise ToolInputError(msg)
        values.update(range(start, end + 1, step))
    return values


def cron_interval_minutes(expression: str) -> tuple[float, float]:
    """Worst-case gap between runs of a cron schedule, and runs per day.

    Supports standard five-field cron (crontab(5)) with numbers, ``*``, ranges, lists and
    steps in the minute, hour and day-of-week fields, and the macros ``@hourly``,
    ``@daily``, ``@midnight`` and ``@weekly``: so ``*/N * * * *``, ``M * * * *``,
    ``M H * * *``, ``0 */6 * * *`` and ``30 2 * * 1-5``. Day-of-month and month must be
    ``*``, because intervals that depend on month length have no single worst case; names
    (``MON``, ``JAN``) are not supported. The gap is taken over a week, wrapping around.

    Raises:
        ToolInputError: an unsupported or malformed expression.
    """
    fields = _CRON_MACROS.get(expression.strip().lower(), expression).split()
    if len(fields) != 5:
        msg = (
            f"schedule `{expression}` is neither minutes (e.g. `60`, `6h`) nor a five-field "
            "cron expression (`minute hour day-of-month month day-of-week`)"
        )
        raise ToolInputError(msg)
    minute, hour, day_of_month, month, day_of_week = fields
    if day_of_month != "*" or month != "*":
        msg = (
            f"cron `{expression}`: day-of-month and month must be `*` (schedules that depend "
            "on month length are not supported); give the interval in minutes instead"
        )
        raise ToolInputError(msg)
    minutes = _cron_field(minute, 0, 59, "minute")
    hours = _cron_field(hour, 0, 23, "hour")
    days = {day % 7 for day in _cron_field(day_of_week, 0, 7, "day-of-week")}
    runs = sorted(d * 1440 + h * 60 + m for d in days for h in hours for m in minutes)
    gaps = [later - earlier for earlier, later in itertools.pairwise(runs)]
    gaps.append(runs[0] + MINUTES_PER_WEEK - runs[-1])
    return float(max(gaps)), len(runs) / 7


def schedule_interval_minutes(schedule: str | float) -> tuple[float, Literal["interval", "cron"]]:
    """The worst-case minutes between two scheduled backups, and how it was given."""
    if isinstance(schedule, int | float):
        value = float(schedule)
        kind: Literal["interval", "cron"] = "interval"
    else:
        text = schedule.strip()
        bare_number = re.fullmatch(r"\d+(\.\d+)?", text)
        parsed = float(text) if bare_number else _duration_minutes(text)
        if parsed is None:
            return cron_interval_minutes(text)[0], "cron"
        value, kind = parsed, "interval"
    if not math.isfinite(value) or value <= 0:
        msg = f"schedule interval must be a positive number of minutes, got `{schedule}`"
        raise ToolInputError(msg)
    return value, kind


def retention_days(retention: str | float) -> float:
    """Retention in days from a number of days or a duration such as ``14d``, ``2w``, ``36h``."""
    if isinstance(retention, int | float) or re.fullmatch(r"\s*\d+(\.\d+)?\s*", retention):
        days = float(retention)
    else:
        minutes = _duration_minutes(retention)
        if minutes is None:
            msg = f"retention `{retention}` must be days (e.g. `14`) or a duration (`14d`, `2w`, `36h`)"
            raise ToolInputError(msg)
        days = minutes / 1440
    if not math.isfinite(days) or days <= 0:
        msg = f"retention must be positive, got `{retention}`"
        raise ToolInputError(msg)
    return days


def _parse_instant(value: str, name: str) -> datetime:
    """An ISO-8601 timestamp; without an offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        msg = f"`{name}` value `{value}` is not an ISO-8601 timestamp (e.g. 2025-01-31T09:00:00Z)"
        raise ToolInputError(msg) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class BackupFinding(BaseModel):
    """One way the backup policy misses its objective."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal[
        "schedule_exceeds_rpo",
        "no_successful_backup",
        "rpo_breached_now",
        "gap_exceeds_rpo",
        "retention_below_minimum",
        "too_few_restore_points",
        "future_timestamp",
    ]
    severity: Severity
    detail: str


class BackupGap(BaseModel):
    """Two successive successful backups further apart than the RPO."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    after: datetime
    before: datetime
    minutes: float


class BackupPolicyReport(BaseModel):
    """Backup schedule, history and retention judged against the RPO."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    compliant: bool
    """No high or medium finding."""
    rpo_minutes: float
    schedule_interval_minutes: float
    """Worst-case minutes between two scheduled runs."""
    schedule_kind: Literal["interval", "cron"]
    retention_days: float
    min_retention_days: float
    restore_points: int
    """Backups the retention keeps at the scheduled interval."""
    now: datetime
    last_success: datetime | None
    minutes_since_last_success: float | None
    max_gap_minutes: float | None
    gaps_over_rpo: tuple[BackupGap, ...]
    findings: tuple[BackupFinding, ...]


def _history_findings(
    times: list[datetime], now: datetime, rpo: float
) -> tuple[list[BackupFinding], list[BackupGap], float | None, float | None]:
    findings: list[BackupFinding] = []
    if not times:
        findings.append(
            BackupFinding(
                kind="no_successful_backup",
                severity="high",
                detail="No successful backup is recorded: there is nothing to restore from.",
            )
        )
        return findings, [], None, None
    future = [t for t in times if t > now]
    if future:
        findings.append(
            BackupFinding(
                kind="future_timestamp",
                severity="low",
                detail=f"{len(future)} success time(s) lie after `now` ({now.isoformat()}); "
                "check clock sync or time zones.",
            )
        )
    since = (now - times[-1]).total_seconds() / 60
    if since > rpo:
        findings.append(
            BackupFinding(
                kind="rpo_breached_now",
                severity="high",
                detail=f"Last success was {since:,.0f} min ago ({times[-1].isoformat()}), "
                f"beyond the RPO of {rpo:,.0f} min: a failure now would lose more data than allowed.",
            )
        )
    gaps = [
        BackupGap(after=a, before=b, minutes=(b - a).total_seconds() / 60)
        for a, b in itertools.pairwise(times)
    ]
    over = [gap for gap in gaps if gap.minutes > rpo]
    if over:
        worst = max(over, key=lambda gap: gap.minutes)
        findings.append(
            BackupFinding(
                kind="gap_exceeds_rpo",
                severity="medium",
                detail=f"{len(over)} gap(s) between successful backups exceed the RPO; the "
                f"longest is {worst.minutes:,.0f} min after {worst.after.isoformat()}.",
            )
        )
    max_gap = max((gap.minutes for gap in gaps), default=None)
    return findings, over, since, max_gap


def evaluate_backup_policy(
    schedule: str | float,
    retention: str | float,
    last_success_times: list[str],
    rpo_minutes: float,
    *,
    now: datetime | None = None,
    min_retention_days: float = DEFAULT_MIN_RETENTION_DAYS,
) -> BackupPolicyReport:
    """Judge a backup policy against its recovery point objective.

    The RPO is the most data, in time, a restore may lose (ISO 22301 / NIST SP 800-34
    contingency planning). So: the scheduled interval must not exceed the RPO (the
    worst-case loss is at least one interval); the last success must be no older than the
    RPO at ``now``; no two successive successes may be further apart than the RPO; the
    retention must reach back at least ``min_retention_days`` (default 7, see
    ``DEFAULT_MIN_RETENTION_DAYS``) and keep at least two restore points. Timestamps are
    ISO-8601; one without an offset is taken as UTC.

    Raises:
        ToolInputError: unreadable schedule, retention or timestamps.
    """
    interval, kind = schedule_interval_minutes(schedule)
    days = retention_days(retention)
    moment = now or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    times = sorted(_parse_instant(value, "last_success_times") for value in last_success_times)
    findings: list[BackupFinding] = []
    if interval > rpo_minutes:
        findings.append(
            BackupFinding(
                kind="schedule_exceeds_rpo",
                severity="high",
                detail=f"Backups run every {interval:,.0f} min at worst, longer than the RPO of "
                f"{rpo_minutes:,.0f} min: the schedule alone cannot meet the RPO.",
            )
        )
    history, over, since, max_gap = _history_findings(times, moment, rpo_minutes)
    findings += history
    if days < min_retention_days:
        findings.append(
            BackupFinding(
                kind="retention_below_minimum",
                severity="medium",
                detail=f"Retention of {days:g} days is below the minimum of "
                f"{min_retention_days:g} days: late-detected corruption may have no clean copy.",
            )
        )
    points = math.floor(days * 1440 / interval)
    if points < MIN_RESTORE_POINTS:
        findings.append(
            BackupFinding(
                kind="too_few_restore_points",
                severity="medium",
                detail=f"Retention keeps {points} backup(s) at this schedule; keep at least "
                f"{MIN_RESTORE_POINTS} so one bad backup is not the only copy.",
            )
        )
    return BackupPolicyReport(
        compliant=not any(f.severity in {"high", "medium"} for f in findings),
        rpo_minutes=rpo_minutes,
        schedule_interval_minutes=interval,
        schedule_kind=kind,
        retention_days=days,
        min_retention_days=min_retention_days,
        restore_points=points,
        now=moment,
        last_success=times[-1] if times else None,
        minutes_since_last_success=round(since, 2) if since is not None else None,
        max_gap_minutes=round(max_gap, 2) if max_gap is not None else None,
        gaps_over_rpo=tuple(over),
        findings=tuple(findings),
    )


class BackupPolicyCheckArgs(BaseModel):
    """Arguments of ``backup_policy_check``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schedule: str | float
    """Minutes between backups (``60``, ``"6h"``) or cron (``"*/15 * * * *"``, ``"0 2 * * *"``)."""
    retention: str | float
    """Days kept (``14``) or a duration (``"14d"``, ``"2w"``)."""
    last_success_times: list[str]
    """ISO-8601 times of recent successful backups (no offset = UTC)."""
    rpo_minutes: float = Field(gt=0)
    """Recovery point objective in minutes."""
    now: str | None = None
    """Evaluation time, ISO-8601; default the current UTC time."""
    min_retention_days: float = Field(default=DEFAULT_MIN_RETENTION_DAYS, gt=0)


@infra_tool(
    name="backup_policy_check",
    description=BACKUP_POLICY_CHECK_DESCRIPTION,
    args_schema=BackupPolicyCheckArgs,
)
def backup_policy_check(
    *,
    schedule: str | float,
    retention: str | float,
    last_success_times: list[str],
    rpo_minutes: float,
    now: str | None,
    min_retention_days: float,
) -> ToolResult:
    """Check a backup policy (see ``evaluate_backup_policy``)."""
    report = evaluate_backup_policy(
        schedule,
        retention,
        last_success_times,
        rpo_minutes,
        now=_parse_instant(now, "now") if now else None,
        min_retention_days=min_retention_days,
    )
    verdict = "meets" if report.compliant else "does not meet"
    summary = (
        f"Backup policy {verdict} the RPO of {rpo_minutes:g} min "
        f"({len(report.findings)} findings; schedule every {report.schedule_interval_minutes:g} min)."
    )
    return ok("backup_policy_check", summary, report.model_dump(mode="json"))


# --------------------------------------------------------------------------- replication


class ReplicationReport(BaseModel):
    """Replica lag statistics and a verdict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    samples: int
    threshold_seconds: float
    max_seconds: float
    p95_seconds: float
    latest_seconds: float
    mean_seconds: float
    trend_seconds_per_sample: float
    """Least-squares slope of lag over sample index."""
    trend_seconds_per_minute: float | None
    """The slope per minute of wall time, when the sample interval is known."""
    trend: Literal["rising", "flat", "falling"]
    samples_over_threshold: int
    verdict: Literal["healthy", "lagging", "falling behind"]
    reason: str


def least_squares_slope(values: list[float]) -> float:
    """Ordinary least-squares slope of ``values`` against their index 0..n-1."""
    count = len(values)
    if count < 2:
        return 0.0
    mean_x = (count - 1) / 2
    mean_y = statistics.fmean(values)
    numerator = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    denominator = sum((i - mean_x) ** 2 for i in range(count))
    return numerator / denominator


def evaluate_replication(
    lag_samples_seconds: list[float],
    threshold_seconds: float,
    *,
    sample_interval_seconds: float | None = None,
) -> ReplicationReport:
    """Judge replica lag from samples taken at a regular interval, oldest first.

    Lag is what PostgreSQL reports as ``pg_stat_replication.replay_lag`` (or
    ``now() - pg_last_xact_replay_timestamp()`` on the standby) and MySQL as
    ``Seconds_Behind_Source``. p95 is the inclusive (linear interpolation) percentile.
    The trend is the least-squares slope; it is rising or falling when the fitted change
    over the window exceeds ``TREND_TOLERANCE`` (10 %) of the threshold. Verdict: falling
    behind when the latest sample is over the threshold and lag is rising (the replica
    cannot keep up); lagging when the latest sample or the p95 is over the threshold;
    otherwise healthy.
    """
    values = [float(v) for v in lag_samples_seconds]
    count = len(values)
    p95 = values[0] if count == 1 else statistics.quantiles(values, n=100, method="inclusive")[94]
    slope = least_squares_slope(values)
    change = slope * (count - 1)
    tolerance = TREND_TOLERANCE * threshold_seconds
    trend: Literal["rising", "flat", "falling"] = (
        "rising" if change > tolerance else "falling" if change < -tolerance else "flat"
    )
    latest = values[-1]
    over = sum(1 for v in values if v > threshold_seconds)
    verdict: Literal["healthy", "lagging", "falling behind"]
    if latest > threshold_seconds and trend == "rising":
        verdict = "falling behind"
        reason = (
            f"latest lag {latest:g}s is over the {threshold_seconds:g}s threshold and still "
            f"rising ({slope:+.3g}s per sample): the replica is not keeping up"
        )
    elif latest > threshold_seconds or p95 > threshold_seconds:
        verdict = "lagging"
        reason = (
            f"lag over the {threshold_seconds:g}s threshold (latest {latest:g}s, p95 {p95:.3g}s) "
            f"with a {trend} trend"
        )
    else:
        verdict = "healthy"
        reason = f"latest {latest:g}s and p95 {p95:.3g}s are within {threshold_seconds:g}s"
        if trend == "rising":
            reason += f", but lag is rising ({slope:+.3g}s per sample)"
    per_minute = slope * 60 / sample_interval_seconds if sample_interval_seconds else None
    return ReplicationReport(
        samples=count,
        threshold_seconds=threshold_seconds,
        max_seconds=max(values),
        p95_seconds=round(p95, 6),
        latest_seconds=latest,
        mean_seconds=round(statistics.fmean(values), 6),
        trend_seconds_per_sample=round(slope, 6),
        trend_seconds_per_minute=round(per_minute, 6) if per_minute is not None else None,
        trend=trend,
        samples_over_threshold=over,
        verdict=verdict,
        reason=reason,
    )


class ReplicationHealthArgs(BaseModel):
    """Arguments of ``replication_health``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lag_samples_seconds: list[float] = Field(min_length=1)
    """Lag samples in seconds, oldest first, taken at a regular interval."""
    threshold_seconds: float = Field(gt=0)
    """Acceptable lag in seconds."""
    sample_interval_seconds: float | None = Field(default=None, gt=0)
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


TOOLS: tuple[BaseTool, ...] = (analyze_query_plan, backup_policy_check, replication_health)
