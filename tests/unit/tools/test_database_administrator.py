"""Database Administrator tools: query plans (PostgreSQL JSON, real SQLite), backups, replication."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra_team.scrub import scrub
from infra_team.tools._base import ToolInputError, parse_tool_output
from infra_team.tools.analysers.backup_policy import (
    evaluate_backup_policy,
    retention_days,
    schedule_interval_minutes,
)
from infra_team.tools.analysers.cron import cron_interval_minutes
from infra_team.tools.analysers.query_plan import (
    _filter_columns,
    analyze_postgres_plan,
    analyze_sqlite_query,
)
from infra_team.tools.analysers.replication import evaluate_replication, least_squares_slope
from infra_team.tools.database_administrator import (
    ANALYZE_QUERY_PLAN_DESCRIPTION,
    BACKUP_POLICY_CHECK_DESCRIPTION,
    REPLICATION_HEALTH_DESCRIPTION,
    TOOLS,
    analyze_query_plan,
    backup_policy_check,
    replication_health,
)
from tests.test_agent_files import MODULE_TOOLS

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tools" / "dba"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_tools_and_descriptions() -> None:
    assert [tool.name for tool in TOOLS] == list(MODULE_TOOLS["database_administrator"])
    for description in (
        ANALYZE_QUERY_PLAN_DESCRIPTION,
        BACKUP_POLICY_CHECK_DESCRIPTION,
        REPLICATION_HEALTH_DESCRIPTION,
    ):
        assert "\n" not in description
    assert {tool.description for tool in TOOLS[:3]} == {
        ANALYZE_QUERY_PLAN_DESCRIPTION,
        BACKUP_POLICY_CHECK_DESCRIPTION,
        REPLICATION_HEALTH_DESCRIPTION,
    }
    assert all("\n" not in tool.description for tool in TOOLS)


@pytest.mark.parametrize("path", sorted(FIXTURES.iterdir()), ids=lambda p: p.name)
def test_fixtures_are_already_scrubbed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert scrub(text) == text


# --------------------------------------------------------------------------- PostgreSQL


def test_seq_scan_with_selective_filter_is_caught_by_cost() -> None:
    report = analyze_postgres_plan(_fixture("pg_seq_scan_filter.json"))
    assert report.engine == "postgresql"
    assert report.nodes == 2
    assert report.relations_scanned == ("orders",)
    assert report.total_cost == pytest.approx(7567.07)
    kinds = [(f.kind, f.severity, f.relation, f.rows) for f in report.findings]
    # Plan Rows is only 104 (per worker) but the scan costs 6542 > 1000.
    assert kinds == [
        ("seq_scan_large", "medium", "orders", 104),
        ("missing_index", "medium", "orders", 104),
    ]
    index = report.findings[1]
    assert index.columns == ("customer_id",)
    assert index.suggestion == "CREATE INDEX CONCURRENTLY ON orders (customer_id);"


def test_analyze_output_counts_rows_removed_by_filter() -> None:
    report = analyze_postgres_plan(_fixture("pg_seq_scan_filter_analyze.json"))
    assert report.execution_time_ms == pytest.approx(26.573)
    assert report.planning_time_ms == pytest.approx(0.206)
    scan = report.findings[0]
    assert scan.kind == "seq_scan_large"
    assert scan.rows == 500_000  # 250 returned + 499,750 removed by the filter
    assert scan.severity == "high"  # >= 10 x the 10,000-row threshold
    assert report.findings[1].suggestion == "CREATE INDEX CONCURRENTLY ON orders (customer_id);"


def test_sort_spilling_to_disk() -> None:
    report = analyze_postgres_plan(_fixture("pg_sort_spill_analyze.json"))
    spill = next(f for f in report.findings if f.kind == "sort_spill")
    assert spill.node == "Sort"
    assert "external merge" in spill.detail
    assert "11,976 kB" in spill.detail
    assert "work_mem" in spill.suggestion
    scan = next(f for f in report.findings if f.kind == "seq_scan_large")
    assert scan.rows == 500_000
    # No Filter on that scan: nothing to index.
    assert not [f for f in report.findings if f.kind == "missing_index"]


def test_index_scan_has_no_findings() -> None:
    report = analyze_postgres_plan(json.loads(_fixture("pg_index_scan.json")))
    assert report.findings == ()
    assert report.relations_scanned == ("customers",)


def test_join_suggests_equality_column_first_and_skips_small_table() -> None:
    report = analyze_postgres_plan(_fixture("pg_join_aggregate.json"))
    assert report.nodes == 10
    assert report.relations_scanned == ("orders", "customers")
    index = [f for f in report.findings if f.kind == "missing_index"]
    assert len(index) == 1
    assert index[0].node == "Seq Scan on orders (o)"
    assert index[0].rows == 33_660
    assert index[0].columns == ("status", "created_at")
    assert index[0].suggestion == "CREATE INDEX CONCURRENTLY ON orders (status, created_at);"
    # customers: 666 rows at cost 36, below both thresholds.
    assert all(f.relation != "customers" for f in report.findings)


def test_thresholds_are_configurable() -> None:
    plan = _fixture("pg_join_aggregate.json")
    quiet = analyze_postgres_plan(plan, rows_threshold=100_000, cost_threshold=50_000)
    assert quiet.findings == ()
    loud = analyze_postgres_plan(plan, rows_threshold=500, cost_threshold=50_000)
    assert {f.relation for f in loud.findings} == {"orders", "customers"}
    customers = next(
        f for f in loud.findings if f.relation == "customers" and f.kind == "missing_index"
    )
    assert customers.columns == ("region",)


def test_row_misestimate_and_hash_spill() -> None:
    plan = [
        {
            "Plan": {
                "Node Type": "Hash Join",
                "Plan Rows": 10,
                "Actual Rows": 50_000,
                "Actual Loops": 1,
                "Total Cost": 10.0,
                "Plans": [
                    {
                        "Node Type": "Hash",
                        "Hash Batches": 8,
                        "Original Hash Batches": 1,
                        "Plan Rows": 100,
                        "Actual Rows": 100,
                        "Actual Loops": 1,
                    }
                ],
            },
            "Execution Time": 12.5,
        }
    ]
    report = analyze_postgres_plan(plan)
    assert [f.kind for f in report.findings] == ["row_misestimate", "hash_spill"]
    assert "5,000x off" in report.findings[0].detail
    assert "8 batches" in report.findings[1].detail


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("(customer_id = 42)", [(None, "customer_id", True)]),
        ("((status)::text = 'open'::text)", [(None, "status", True)]),
        (
            "((created_at >= '2024-01-03 00:00:00+00'::timestamp with time zone) "
            "AND (status = 'open'::text))",
            [(None, "created_at", False), (None, "status", True)],
        ),
        ("(o.region = 'eu'::text)", [("o", "region", True)]),
        ("(deleted_at IS NULL)", [(None, "deleted_at", True)]),
        ("(lower(email) = 'a@b.c'::text)", [(None, "email", True)]),
        ("(42 < amount)", [(None, "amount", False)]),
        ("(name ~~ 'abc%'::text)", [(None, "name", False)]),
        ('("Tenant" = $1)', [(None, "Tenant", True)]),
        ("(NOT (hashed SubPlan 1))", []),
    ],
)
def test_filter_columns(expression: str, expected: list[tuple[str | None, str, bool]]) -> None:
    assert _filter_columns(expression) == expected


@pytest.mark.parametrize(
    ("plan", "fragment"),
    [
        ("Seq Scan on orders  (cost=0.00..8938.00 rows=500000 width=14)", "text-format EXPLAIN"),
        ('[{"Plan": {', "not valid JSON (line 1"),
        ("[]", "empty list"),
        ('{"rows": 3}', "EXPLAIN (FORMAT JSON)"),
        ("[1, 2]", "EXPLAIN (FORMAT JSON)"),
    ],
)
def test_bad_plans_are_errors_a_model_can_fix(plan: str, fragment: str) -> None:
    with pytest.raises(ToolInputError, match=r".") as caught:
        analyze_postgres_plan(plan)
    assert fragment in str(caught.value)
    result = parse_tool_output(analyze_query_plan.invoke({"plan": plan}))
    assert result.status == "error"
    assert result.code == "invalid_arguments"
    assert fragment in (result.error or "")


def _nested_plan(depth: int) -> dict[str, object]:
    node: dict[str, object] = {"Node Type": "Seq Scan", "Relation Name": "t"}
    for _ in range(depth):
        node = {"Node Type": "Nested Loop", "Plans": [node]}
    return node


@pytest.mark.parametrize("depth", [250, 5_000, 40_000])
def test_deeply_nested_plan_text_is_an_argument_error(depth: int) -> None:
    text = '{"Node Type": "Nested Loop", "Plans": [' * depth + "{}" + "]}" * depth
    result = parse_tool_output(analyze_query_plan.invoke({"plan": text}))
    assert result.status == "error"
    assert result.code == "invalid_arguments"
    assert "200 levels" in (result.error or "")


def test_deeply_nested_plan_object_is_an_argument_error() -> None:
    with pytest.raises(ToolInputError, match="more than 200 levels"):
        analyze_postgres_plan([{"Plan": _nested_plan(300)}])
    result = parse_tool_output(analyze_query_plan.invoke({"plan": [{"Plan": _nested_plan(300)}]}))
    assert result.code == "invalid_arguments"


def test_plan_at_the_depth_limit_is_read() -> None:
    report = analyze_postgres_plan([{"Plan": _nested_plan(199)}])
    assert report.nodes == 200


def test_tool_wraps_postgres_plan() -> None:
    result = parse_tool_output(
        analyze_query_plan.invoke({"plan": _fixture("pg_seq_scan_filter.json")})
    )
    assert result.status == "success"
    assert result.data["engine"] == "postgresql"
    assert result.data["findings"][1]["columns"] == ["customer_id"]
    assert result.summary.startswith("postgresql plan (2 nodes): 2 findings")


@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"query": "SELECT 1"},
        {"plan": "[]", "sqlite_path": "x.db", "query": "SELECT 1"},
        {"plan": "[]", "rows_threshold": "many"},
        {"plan": "[]", "rows_threshold": 0},
    ],
)
def test_tool_argument_errors(arguments: dict[str, object]) -> None:
    result = parse_tool_output(analyze_query_plan.invoke(arguments))
    assert result.status == "error"
    assert "analyze_query_plan" in (result.error or "")


# --------------------------------------------------------------------------- SQLite


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, region TEXT NOT NULL);
            CREATE TABLE orders (
                id INTEGER PRIMARY KEY,
                customer_id INTEGER NOT NULL,
                status TEXT NOT NULL,
                total REAL NOT NULL
            );
            CREATE INDEX idx_orders_status ON orders (status);
            """
        )
        conn.executemany(
            "INSERT INTO customers (id, region) VALUES (?, ?)",
            [(i, ("eu", "us", "apac")[i % 3]) for i in range(1, 101)],
        )
        conn.executemany(
            "INSERT INTO orders (customer_id, status, total) VALUES (?, ?, ?)",
            [(1 + i % 100, ("open", "paid")[i % 2], i / 10) for i in range(12_000)],
        )
    conn.close()
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sqlite_full_scan_with_where_suggests_index(shop_db: Path) -> None:
    before = _digest(shop_db)
    report = analyze_sqlite_query(str(shop_db), "SELECT * FROM orders WHERE customer_id = 42;")
    assert report.engine == "sqlite"
    assert report.plan_lines == ("SCAN orders",)
    assert report.relations_scanned == ("orders",)
    assert [(f.kind, f.severity, f.rows) for f in report.findings] == [
        ("seq_scan_large", "medium", 12_000),
        ("missing_index", "medium", 12_000),
    ]
    assert report.findings[1].columns == ("customer_id",)
    assert (
        report.findings[1].suggestion
        == "CREATE INDEX idx_orders_customer_id ON orders (customer_id);"
    )
    assert _digest(shop_db) == before  # opened read-only: nothing written


def test_sqlite_index_search_is_clean(shop_db: Path) -> None:
    report = analyze_sqlite_query(str(shop_db), "SELECT * FROM orders WHERE status = 'open'")
    assert report.plan_lines == ("SEARCH orders USING INDEX idx_orders_status (status=?)",)
    assert report.findings == ()


def test_sqlite_alias_join_and_order_by(shop_db: Path) -> None:
    query = (
        "SELECT o.id FROM orders AS o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.total > 100 AND c.region = 'eu' ORDER BY o.total"
    )
    report = analyze_sqlite_query(str(shop_db), query)
    assert report.plan_lines[0] == "SCAN o"
    assert report.relations_scanned == ("orders", "customers")
    kinds = [f.kind for f in report.findings]
    assert kinds == ["seq_scan_large", "missing_index", "temp_btree"]
    # Only the scanned table's own WHERE column; c.region belongs to customers.
    assert report.findings[1].columns == ("total",)


def test_sqlite_small_table_scan_is_below_threshold(shop_db: Path) -> None:
    report = analyze_sqlite_query(str(shop_db), "SELECT * FROM customers WHERE region = 'eu'")
    assert report.plan_lines == ("SCAN customers",)
    assert report.findings == ()
    low = analyze_sqlite_query(
        str(shop_db), "SELECT * FROM customers WHERE region = 'eu'", rows_threshold=50
    )
    assert [f.kind for f in low.findings] == ["seq_scan_large", "missing_index"]
    assert low.findings[1].suggestion == "CREATE INDEX idx_customers_region ON customers (region);"


def test_sqlite_covering_index_full_scan(shop_db: Path) -> None:
    report = analyze_sqlite_query(str(shop_db), "SELECT count(*) FROM orders")
    assert report.plan_lines == ("SCAN orders USING COVERING INDEX idx_orders_status",)
    assert [(f.kind, f.severity) for f in report.findings] == [("full_index_scan", "low")]


def test_sqlite_tool_wrapper(shop_db: Path) -> None:
    result = parse_tool_output(
        analyze_query_plan.invoke(
            {"sqlite_path": str(shop_db), "query": "SELECT * FROM orders WHERE customer_id = 7"}
        )
    )
    assert result.status == "success"
    assert result.data["plan_lines"] == ["SCAN orders"]
    assert result.data["findings"][1]["kind"] == "missing_index"


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("SELECT * FROM nowhere", "no such table"),
        ("SELECT * FROM orders WHERE id = ?", "placeholders"),
        ("SELECT 1; SELECT 2", "one SQL statement"),
    ],
)
def test_sqlite_query_errors(shop_db: Path, query: str, fragment: str) -> None:
    result = parse_tool_output(
        analyze_query_plan.invoke({"sqlite_path": str(shop_db), "query": query})
    )
    assert result.status == "error"
    assert fragment in (result.error or "")


def test_sqlite_missing_and_invalid_files(tmp_path: Path) -> None:
    missing = parse_tool_output(
        analyze_query_plan.invoke({"sqlite_path": str(tmp_path / "no.db"), "query": "SELECT 1"})
    )
    assert (missing.status, missing.code) == ("error", "not_found")
    junk = tmp_path / "junk.db"
    junk.write_text("this is not a database", encoding="utf-8")
    result = parse_tool_output(
        analyze_query_plan.invoke({"sqlite_path": str(junk), "query": "SELECT 1"})
    )
    assert result.status == "error"
    assert "not a readable SQLite database" in (result.error or "")


# --------------------------------------------------------------------------- backups


@pytest.mark.parametrize(
    ("expression", "gap", "per_day"),
    [
        ("*/15 * * * *", 15, 96),
        ("5 * * * *", 60, 24),
        ("30 2 * * *", 1440, 1),
        ("0 */6 * * *", 360, 4),
        ("0 2,14 * * *", 720, 2),
        ("*/45 * * * *", 45, 48),  # runs at :00 and :45: worst gap 45 min
        ("0 2 * * 1-5", 4320, 5 / 7),  # Friday 02:00 to Monday 02:00
        ("@hourly", 60, 24),
        ("@daily", 1440, 1),
        ("0 3 * * 0", 10080, 1 / 7),
    ],
)
def test_cron_worst_case_interval(expression: str, gap: float, per_day: float) -> None:
    assert cron_interval_minutes(expression) == (pytest.approx(gap), pytest.approx(per_day))


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("0 2 1 * *", "day-of-month and month must be `*`"),
        ("0 2 * * MON", "day-of-week field `MON`"),
        ("61 * * * *", "out of range 0-59"),
        ("every hour", "neither minutes"),
    ],
)
def test_cron_limits(expression: str, fragment: str) -> None:
    with pytest.raises(ToolInputError) as caught:
        schedule_interval_minutes(expression)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("schedule", "minutes", "kind"),
    [(60, 60.0, "interval"), ("90", 90.0, "interval"), ("6h", 360.0, "interval"),
     ("15 min", 15.0, "interval"), ("0 * * * *", 60.0, "cron")],
)  # fmt: skip
def test_schedule_forms(schedule: str | int, minutes: float, kind: str) -> None:
    assert schedule_interval_minutes(schedule) == (minutes, kind)


@pytest.mark.parametrize(
    ("retention", "days"), [(14, 14.0), ("14", 14.0), ("2w", 14.0), ("36h", 1.5), ("30 days", 30.0)]
)
def test_retention_forms(retention: str | int, days: float) -> None:
    assert retention_days(retention) == days


NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
HOURLY = [f"2025-03-10T{h:02d}:05:00Z" for h in range(12)]  # 00:05 .. 11:05


def test_compliant_hourly_backups() -> None:
    report = evaluate_backup_policy("5 * * * *", "14d", HOURLY, rpo_minutes=60, now=NOW)
    assert report.compliant
    assert report.findings == ()
    assert report.schedule_interval_minutes == 60
    assert report.schedule_kind == "cron"
    assert report.restore_points == 336  # 14 days of hourly backups
    assert report.minutes_since_last_success == 55.0
    assert report.max_gap_minutes == 60.0


def test_policy_breaches_are_all_reported() -> None:
    times = ["2025-03-09T22:00:00Z", "2025-03-10T00:00:00Z", "2025-03-10T06:00:00+00:00"]
    report = evaluate_backup_policy(
        "0 */2 * * *", 0.05, times, rpo_minutes=90, now=NOW, min_retention_days=7
    )
    kinds = [f.kind for f in report.findings]
    assert kinds == [
        "schedule_exceeds_rpo",  # every 120 min > 90
        "rpo_breached_now",  # 360 min since 06:00
        "gap_exceeds_rpo",  # 22:00 -> 00:00 (120) and 00:00 -> 06:00 (360)
        "retention_below_minimum",  # 0.05 d < 7 d
        "too_few_restore_points",  # 72 min of retention / 120 min schedule = 0
    ]
    assert not report.compliant
    assert report.minutes_since_last_success == 360.0
    assert [gap.minutes for gap in report.gaps_over_rpo] == [120.0, 360.0]
    assert report.restore_points == 0


def test_no_successes_and_future_times() -> None:
    empty = evaluate_backup_policy(30, 30, [], rpo_minutes=60, now=NOW)
    assert [f.kind for f in empty.findings] == ["no_successful_backup"]
    assert empty.last_success is None
    skewed = evaluate_backup_policy(
        30, 30, ["2025-03-10T11:50:00", "2025-03-10T12:10:00Z"], rpo_minutes=60, now=NOW
    )
    assert [f.kind for f in skewed.findings] == ["future_timestamp"]
    assert skewed.compliant  # a low-severity finding only


def test_backup_tool_with_now_argument() -> None:
    result = parse_tool_output(
        backup_policy_check.invoke(
            {
                "schedule": "*/30 * * * *",
                "retention": 7,
                "last_success_times": ["2025-03-10T11:30:00Z", "2025-03-10T11:00:00Z"],
                "rpo_minutes": 60,
                "now": "2025-03-10T12:00:00Z",
            }
        )
    )
    assert result.status == "success"
    assert result.data["compliant"] is True
    assert result.data["schedule_interval_minutes"] == 30.0
    assert result.data["last_success"] == "2025-03-10T11:30:00Z"
    assert result.summary.startswith("Backup policy meets the RPO of 60 min")


def test_history_given_is_marked_checked() -> None:
    report = evaluate_backup_policy("5 * * * *", "14d", HOURLY, rpo_minutes=60, now=NOW)
    assert report.history_checked is True
    assert report.now == NOW
    assert report.last_success == datetime(2025, 3, 10, 11, 5, tzinfo=UTC)


def test_proposed_policy_judges_schedule_and_retention_only() -> None:
    report = evaluate_backup_policy(5, 14, None, rpo_minutes=5, now=NOW)
    assert report.history_checked is False
    assert report.compliant
    assert report.findings == ()
    assert report.restore_points == 4032  # 14 days x 1440 min / 5 min
    assert (report.now, report.last_success, report.minutes_since_last_success) == (
        None,
        None,
        None,
    )
    assert (report.max_gap_minutes, report.gaps_over_rpo) == (None, ())


def test_proposed_policy_still_catches_schedule_and_retention_breaches() -> None:
    report = evaluate_backup_policy("0 2 * * *", 3, None, rpo_minutes=60)
    assert [f.kind for f in report.findings] == [
        "schedule_exceeds_rpo",  # daily (1440 min) > 60
        "retention_below_minimum",  # 3 d < 7 d
    ]
    assert not report.compliant
    assert report.restore_points == 3


def test_empty_history_is_not_a_proposed_policy() -> None:
    report = evaluate_backup_policy(5, 14, [], rpo_minutes=5, now=NOW)
    assert report.history_checked is True
    assert [f.kind for f in report.findings] == ["no_successful_backup"]
    assert not report.compliant


def test_backup_tool_without_history_says_proposed() -> None:
    result = parse_tool_output(
        backup_policy_check.invoke({"schedule": "15m", "retention": "2w", "rpo_minutes": 15})
    )
    assert result.status == "success"
    assert result.summary == (
        "Proposed backup policy meets the RPO of 15 min on paper (0 findings; schedule every "
        "15 min, retention 14 days); no backup history checked."
    )
    assert result.data["history_checked"] is False
    assert result.data["now"] is None
    assert result.data["restore_points"] == 1344  # 14 x 96 per day


def test_backup_tool_with_empty_history_reports_no_backup() -> None:
    result = parse_tool_output(
        backup_policy_check.invoke(
            {"schedule": 60, "retention": 7, "last_success_times": [], "rpo_minutes": 60}
        )
    )
    assert (
        result.summary
        == "Backup policy does not meet the RPO of 60 min (1 findings; schedule every 60 min)."
    )
    assert result.data["history_checked"] is True
    assert [f["kind"] for f in result.data["findings"]] == ["no_successful_backup"]


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"last_success_times": ["yesterday"]}, "not an ISO-8601 timestamp"),
        ({"now": "noon"}, "not an ISO-8601 timestamp"),
        ({"schedule": "0 0 1 * *"}, "day-of-month"),
        ({"retention": "forever"}, "retention `forever`"),
        ({"rpo_minutes": 0}, "rpo_minutes"),
        ({"last_success_times": "2025-03-10T11:30:00Z"}, "last_success_times"),
    ],
)
def test_backup_tool_errors(arguments: dict[str, object], fragment: str) -> None:
    base: dict[str, object] = {
        "schedule": 60,
        "retention": 7,
        "last_success_times": [],
        "rpo_minutes": 60,
    }
    result = parse_tool_output(backup_policy_check.invoke({**base, **arguments}))
    assert result.status == "error"
    assert fragment in (result.error or "")


# --------------------------------------------------------------------------- replication


def test_least_squares_slope() -> None:
    assert least_squares_slope([0, 2, 4, 6]) == 2.0
    assert least_squares_slope([5]) == 0.0
    assert least_squares_slope([1, 3, 2, 4]) == pytest.approx(0.8)


def test_p95_and_healthy_verdict() -> None:
    samples = [float(v) for v in range(1, 21)]  # 1 .. 20
    report = evaluate_replication(samples, threshold_seconds=30)
    assert report.max_seconds == 20
    assert report.p95_seconds == pytest.approx(19.05)  # inclusive: 19 + 0.05 x (20 - 19)
    assert report.latest_seconds == 20
    assert report.trend_seconds_per_sample == 1.0
    assert report.trend == "rising"  # +19 s over the window > 3 s (10 % of 30)
    assert report.verdict == "healthy"
    assert "rising" in report.reason


def test_falling_behind() -> None:
    report = evaluate_replication(
        [2, 4, 8, 15, 30, 60], threshold_seconds=10, sample_interval_seconds=30
    )
    assert report.verdict == "falling behind"
    assert report.samples_over_threshold == 3
    # sum((x - 2.5) * y) / sum((x - 2.5) ** 2) = 187.5 / 17.5
    assert report.trend_seconds_per_sample == pytest.approx(75 / 7, abs=1e-6)
    assert report.trend_seconds_per_minute == pytest.approx(150 / 7, abs=1e-6)  # 2 samples/min


def test_lagging_but_catching_up() -> None:
    report = evaluate_replication([60, 45, 30, 20, 12], threshold_seconds=10)
    assert report.trend == "falling"
    assert report.verdict == "lagging"


def test_spike_in_p95_is_lagging() -> None:
    report = evaluate_replication([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 50, 1], threshold_seconds=5)
    assert report.latest_seconds == 1
    assert report.p95_seconds > 5
    assert report.verdict == "lagging"


def test_replication_tool() -> None:
    result = parse_tool_output(
        replication_health.invoke({"lag_samples_seconds": [0.5, 0.4, 0.6], "threshold_seconds": 5})
    )
    assert result.status == "success"
    assert result.data["verdict"] == "healthy"
    assert result.data["trend"] == "flat"
    assert result.summary.startswith("Replication healthy")


@pytest.mark.parametrize(
    "arguments",
    [
        {"lag_samples_seconds": [], "threshold_seconds": 5},
        {"lag_samples_seconds": [1, -2], "threshold_seconds": 5},
        {"lag_samples_seconds": ["fast"], "threshold_seconds": 5},
        {"lag_samples_seconds": [1, 2], "threshold_seconds": 0},
        {"lag_samples_seconds": "1,2,3", "threshold_seconds": 5},
    ],
)
def test_replication_tool_errors(arguments: dict[str, object]) -> None:
    result = parse_tool_output(replication_health.invoke(arguments))
    assert result.status == "error"
    assert result.code == "invalid_arguments"
    assert "replication_health" in (result.error or "")
