"""The statement gate of ``postgres_explain``: one read-only SELECT passes, nothing else."""

from __future__ import annotations

import pytest

from infra_team.tools.live.postgres_sql import RefusedStatement, check_read_only_select

ACCEPTED = {
    "SELECT 1": "SELECT 1",
    "select * from orders where id = 7;": "select * from orders where id = 7",
    "WITH t AS (SELECT 1 AS x) SELECT x FROM t": "WITH t AS (SELECT 1 AS x) SELECT x FROM t",
    "(SELECT 1) UNION (SELECT 2)": "(SELECT 1) UNION (SELECT 2)",
    "VALUES (1), (2)": "VALUES (1), (2)",
    "TABLE orders": "TABLE orders",
    "SELECT 'DELETE FROM t; DROP TABLE t'": "SELECT 'DELETE FROM t; DROP TABLE t'",
    'SELECT "update", "into" FROM t': 'SELECT "update", "into" FROM t',
    "SELECT $$; DROP TABLE t$$": "SELECT $$; DROP TABLE t$$",
    "SELECT $x$ insert $x$ -- delete\n": "SELECT $x$ insert $x$ -- delete",
    "SELECT 1 /* drop /* nested */ table */": "SELECT 1 /* drop /* nested */ table */",
    "SELECT E'it\\'s; delete'": "SELECT E'it\\'s; delete'",
    "SELECT * FROM t WHERE name LIKE '%a%' FOR": None,  # FOR alone is no locking clause
}

REFUSED = {
    "DELETE FROM t": "starts with `DELETE`",
    "SELECT 1; DELETE FROM t": "only one statement",
    "SELECT 1; SELECT 2": "only one statement",
    "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d": "`DELETE` is refused",
    "WITH u AS (UPDATE t SET a = 1 RETURNING a) SELECT a FROM u": "`UPDATE` is refused",
    "WITH i AS (INSERT INTO t VALUES (1) RETURNING 1) SELECT 1": "`INSERT` is refused",
    "SELECT * INTO copy_of_t FROM t": "`INTO` is refused",
    "SELECT * FROM t FOR UPDATE": "locking clause",
    "SELECT * FROM t FOR NO KEY UPDATE": "locking clause",
    "SELECT * FROM t FOR SHARE": "locking clause",
    "EXPLAIN ANALYZE SELECT 1": "starts with `EXPLAIN`",
    "SELECT 1 -- ok\n; DROP TABLE t": "only one statement",
    "SELECT 1 /* unterminated": "unterminated /* comment",
    "SELECT 'open": "unterminated ' quote",
    "SELECT $a$ never closed": "unterminated dollar-quoted",
    "": "empty",
    "  ;  ": "empty",
    "COMMIT; SELECT 1": "only one statement",
    "SET default_transaction_read_only = off": "starts with `SET`",
    "SELECT set_config('a', 'b', false) FROM t WHERE x IN (SELECT 1) LOCK": "`LOCK` is refused",
    "SELECT 1\x00": "NUL byte",
}


@pytest.mark.parametrize(("query", "sent"), sorted(ACCEPTED.items()))
def test_a_single_select_passes_as_is(query: str, sent: str | None) -> None:
    assert check_read_only_select(query) == (sent if sent is not None else query)


@pytest.mark.parametrize(("query", "reason"), sorted(REFUSED.items()))
def test_anything_else_is_refused_with_its_reason(query: str, reason: str) -> None:
    with pytest.raises(RefusedStatement) as caught:
        check_read_only_select(query)
    assert reason in str(caught.value)
    assert caught.value.code == "refused_statement"


def test_blocking_chains_root_depth_and_cycles() -> None:
    from infra_team.tools.live.postgres import blocking_chains

    sessions = [
        {"pid": 1, "blocked_by": []},
        {"pid": 2, "blocked_by": [1]},
        {"pid": 3, "blocked_by": [1, 2]},
        {"pid": 4, "blocked_by": [3]},
        {"pid": 7, "blocked_by": [8]},
        {"pid": 8, "blocked_by": [7]},
    ]
    assert blocking_chains(sessions) == [
        {"root_pid": 1, "blocked_pids": [2, 3, 4], "depth": 3},
        {"root_pid": None, "blocked_pids": [7, 8], "depth": None, "cycle": True},
    ]
