"""Read-only sessions on the configured PostgreSQL server, and what the DBA's live tools read.

Read-only by construction, three ways over:
- every session starts with ``default_transaction_read_only=on`` and a
  ``statement_timeout`` in its startup options, then runs
  ``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`` and checks that
  ``transaction_read_only`` reads ``on`` before anything else is sent
  (https://www.postgresql.org/docs/current/runtime-config-client.html);
- the SQL text of every query is a constant of this module, with values bound as
  parameters; the one text from outside, the query ``postgres_explain`` plans, must pass
  ``postgres_sql.check_read_only_select`` first and is only ever sent as
  ``EXPLAIN (FORMAT JSON) …`` (planned, never run: no ``ANALYZE``);
- the server itself refuses any write in a read-only transaction.

Rows, query text and plan size are bounded (constants below, also stated in the tool
schemas); the DSN's password never appears in a result or an error (``_redact``), and query
texts read from ``pg_stat_activity`` have their string literals masked.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, LiteralString

from infra_team.errors import ConfigError
from infra_team.settings import PostgresSettings, get_settings
from infra_team.tools._base import ToolResult, error
from infra_team.tools._redact import Redactor
from infra_team.tools.integrations.http import not_configured
from infra_team.tools.live.postgres_sql import check_read_only_select

if TYPE_CHECKING:
    import psycopg

SERVICE = "PostgreSQL"
MAX_ROWS = 100
"""Most rows any live PostgreSQL tool returns (sessions, lock waiters, standbys)."""
QUERY_TEXT_CHARS = 500
"""Characters of a session's query text kept (cut on the server with ``left()``)."""
PLAN_CHARS = 20_000
"""Largest EXPLAIN JSON returned as is; a larger plan is returned as its analysis only."""
APPLICATION_NAME = "infra-team read-only"

_LITERAL = re.compile(r"(?:[eE])?'(?:[^']|'')*'?")


def mask_literals(query: str | None) -> str | None:
    """A query text with its string literals replaced by ``'…'``: they may hold personal data
    or a password (``ALTER ROLE … PASSWORD '…'``)."""
    if query is None:
        return None
    return _LITERAL.sub("'…'", query)


@dataclass(frozen=True)
class Target:
    """Where the tools connect, as shown: never the password."""

    host: str
    port: str
    dbname: str
    user: str

    def describe(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"


class PostgresUnavailable(Exception):
    """The session could not be opened or was not read-only; ``code`` says which."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _config(tool: str) -> PostgresSettings | ToolResult:
    try:
        config = get_settings().postgres
    except ConfigError as exc:
        return error(tool, str(exc), code="invalid_settings")
    if config.dsn is None:
        return not_configured(tool, SERVICE, ["INFRA_TEAM_POSTGRES_DSN"])
    return config


def _redactor(dsn: str) -> Redactor:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(dsn)
    password = params.get("password")
    return Redactor.of([dsn, *([str(password)] if password else [])])


def target_of(dsn: str) -> Target:
    """Host, port, database and user of a DSN (libpq defaults where unset)."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(dsn)
    return Target(
        host=str(params.get("host") or params.get("hostaddr") or "localhost"),
        port=str(params.get("port") or "5432"),
        dbname=str(params.get("dbname") or params.get("user") or "postgres"),
        user=str(params.get("user") or "(default)"),
    )


@contextlib.contextmanager
def read_only_session(config: PostgresSettings) -> Iterator[psycopg.Connection[Any]]:
    """A connection whose every transaction is READ ONLY, with a statement timeout."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    assert config.dsn is not None
    dsn = config.dsn.get_secret_value()
    timeout = config.statement_timeout_ms
    given = str(conninfo_to_dict(dsn).get("options") or "")
    options = (
        f"{given} -c default_transaction_read_only=on -c statement_timeout={timeout} "
        f"-c lock_timeout={timeout} -c idle_in_transaction_session_timeout={timeout * 2}"
    ).strip()
    conninfo = make_conninfo(
        dsn,
        options=options,
        connect_timeout=config.connect_timeout,
        application_name=APPLICATION_NAME,
    )
    try:
        conn = psycopg.connect(conninfo, autocommit=True)
    except psycopg.Error as exc:
        raise PostgresUnavailable(f"cannot connect: {exc}".strip(), "unreachable") from None
    with conn:
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (str(timeout),))
        row = conn.execute("SHOW transaction_read_only").fetchone()
        if row is None or row[0] != "on":
            msg = "the server did not open a read-only session; nothing was run"
            raise PostgresUnavailable(msg, "not_read_only")
        yield conn


def run_read(
    tool: str, work: Callable[[psycopg.Connection[Any], Target], ToolResult]
) -> ToolResult:
    """Open a read-only session from the settings, run ``work``, and turn every failure into a
    result with the password removed. Without a DSN: ``not_configured``."""
    config = _config(tool)
    if isinstance(config, ToolResult):
        return config
    try:
        import psycopg
    except ImportError:
        return ToolResult(
            tool=tool,
            status="not_configured",
            code="not_configured",
            summary="The PostgreSQL client is not installed: pip install 'infra-team[postgres]'.",
        )
    assert config.dsn is not None
    dsn = config.dsn.get_secret_value()
    try:
        redactor = _redactor(dsn)
        target = target_of(dsn)
    except psycopg.ProgrammingError:
        return error(tool, "INFRA_TEAM_POSTGRES_DSN is not a valid connection string or URI.")
    try:
        with read_only_session(config) as conn:
            result = work(conn, target)
    except PostgresUnavailable as exc:
        message = f"{SERVICE} at {target.describe()}: {exc}"
        result = error(tool, redactor.text(message), code=exc.code)
    except psycopg.errors.QueryCanceled:
        message = (
            f"{SERVICE} at {target.describe()} cancelled the statement after "
            f"{config.statement_timeout_ms} ms (statement_timeout)."
        )
        result = error(tool, message, code="timeout")
    except psycopg.errors.ReadOnlySqlTransaction as exc:
        message = f"{SERVICE} refused a write in the read-only session: {exc}"
        result = error(tool, redactor.text(message), code="refused_statement")
    except psycopg.Error as exc:
        message = f"{SERVICE} at {target.describe()}: {type(exc).__name__}: {exc}"
        result = error(tool, redactor.text(message), code="postgres_error")
    return ToolResult.model_validate(redactor.obj(result.model_dump(mode="json")))


def rows(conn: psycopg.Connection[Any], query: LiteralString, params: Any = None) -> list[Any]:
    """All rows of a constant query as dicts."""
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall()


def explain_json(conn: psycopg.Connection[Any], query: str) -> Any:
    """``EXPLAIN (FORMAT JSON)`` of a query that passed ``check_read_only_select``."""
    checked = check_read_only_select(query)
    statement = "EXPLAIN (FORMAT JSON) " + checked  # the one text from outside: checked above
    with conn.cursor() as cur:
        cur.execute(statement.encode())
        row = cur.fetchone()
    return row[0] if row is not None else None


def sleep(seconds: float) -> None:
    """Wait between samples (a seam for tests)."""
    time.sleep(seconds)
