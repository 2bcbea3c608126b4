"""Query plan analysis: PostgreSQL ``EXPLAIN (FORMAT JSON)`` and SQLite ``EXPLAIN QUERY PLAN``.

Both engines give the same report: large full scans, sorts and hashes spilling to disk, row
misestimates, and the index a filtered full scan is missing.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from infra_team.tools._base import ToolInputError

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
MAX_PLAN_DEPTH = 200
"""Deepest plan node accepted. Each join adds about one level, so real plans stay far
below; a deeper input is not a plan, and walking it would exhaust the stack."""
MAX_PLAN_NODES = 20_000
"""Most plan nodes examined in one call."""


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
        except RecursionError as exc:
            msg = f"`plan` is nested too deeply to be EXPLAIN output (over {MAX_PLAN_DEPTH} levels)"
            raise ToolInputError(msg) from exc
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
    """Every node, parents before children, without recursion (a hostile plan can be deep).

    Raises:
        ToolInputError: past ``MAX_PLAN_DEPTH`` levels or ``MAX_PLAN_NODES`` nodes.
    """
    stack: list[tuple[dict[str, Any], int]] = [(node, 1)]
    seen = 0
    while stack:
        current, depth = stack.pop()
        seen += 1
        if depth > MAX_PLAN_DEPTH or seen > MAX_PLAN_NODES:
            msg = (
                f"`plan` has more than {MAX_PLAN_DEPTH} levels or {MAX_PLAN_NODES} nodes; "
                "pass the `EXPLAIN (FORMAT JSON)` output of one query"
            )
            raise ToolInputError(msg)
        yield current
        children = current.get("Plans")
        if isinstance(children, list):
            stack.extend(
                (child, depth + 1) for child in reversed(children) if isinstance(child, dict)
            )


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
