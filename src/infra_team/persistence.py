"""Where runs are saved: the checkpointer (paused and interrupted runs) and the store (the
incident log, the record of external writes), from what a caller passes.

Why this module exists: concurrent runs must never fail for storage reasons.

- One saver per SQLite file and process (per event loop for async runs), shared by every
  run that uses the file at the same time and closed when the last one leaves: a second
  connection to the same file is what made concurrent runs fail with
  ``database is locked``. Files run in WAL mode with a busy timeout, so other processes
  wait their turn instead of failing.
- Set-up (the savers' migrations) happens once per file or database: under the shared
  saver's lock in this process, under a PostgreSQL advisory lock across processes, and a
  SQLite migration another process finished first is accepted.
- A bad argument (wrong type, a folder, a file that is not SQLite, a Postgres URL that
  does not connect) raises ``CheckpointerError`` before any role runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.store.base import BaseStore
from langgraph.store.sqlite import SqliteStore

from infra_team._memory import MEMORY
from infra_team.errors import CheckpointerError, ErrorCode, HostAdapterError

CheckpointerArg: TypeAlias = BaseCheckpointSaver[Any] | str | Path | None
Persistence: TypeAlias = tuple[BaseCheckpointSaver[Any], BaseStore]
"""A run's checkpointer (paused runs) and store (the incident log, the write records)."""

BUSY_TIMEOUT_SECONDS = 30.0
"""How long a SQLite write waits for another process's lock before it fails."""
POSTGRES_POOL_SIZE = 10
"""Connections one process keeps to a Postgres checkpointer (runs share them)."""
_SQLITE_HEADER = b"SQLite format 3\x00"


# --- what the caller passed ------------------------------------------------------------


def is_postgres(checkpointer: CheckpointerArg) -> bool:
    return isinstance(checkpointer, str) and checkpointer.startswith(
        ("postgres://", "postgresql://")
    )


def check_checkpointer(checkpointer: CheckpointerArg) -> None:
    """Raise ``CheckpointerError`` for an argument that cannot work, before any I/O."""
    if checkpointer is None or isinstance(checkpointer, BaseCheckpointSaver):
        return
    if not isinstance(checkpointer, str | Path):
        msg = (
            f"checkpointer must be a LangGraph checkpointer, a SQLite file path or a "
            f"postgresql:// URL, not {type(checkpointer).__name__}"
        )
        raise CheckpointerError(msg)
    if is_postgres(checkpointer):
        return
    if not str(checkpointer).strip():
        raise CheckpointerError("checkpointer is an empty path; give a SQLite file path")
    if str(checkpointer) == ":memory:":
        return
    path = Path(checkpointer)
    if path.is_dir():
        msg = (
            f"checkpointer `{path}` is a folder; give a file path such as `{path / 'runs.sqlite'}`"
        )
        raise CheckpointerError(msg)
    if path.is_file() and path.stat().st_size > 0:
        try:
            with path.open("rb") as handle:
                header = handle.read(len(_SQLITE_HEADER))
        except OSError as exc:
            msg = f"checkpointer `{path}` cannot be read: {exc.strerror or exc}"
            raise CheckpointerError(msg) from exc
        if header != _SQLITE_HEADER:
            msg = f"checkpointer `{path}` is not a SQLite database; give a new or a SQLite file"
            raise CheckpointerError(msg)


def incident_log_path(checkpoints: Path) -> Path:
    """The incident log beside a SQLite checkpoint file (its own file: the checkpointer and
    the store write from different threads and each keeps one connection)."""
    if str(checkpoints) == ":memory:":
        return checkpoints
    return checkpoints.with_name(f"{checkpoints.stem}-incidents{checkpoints.suffix or '.sqlite'}")


def _sqlite_failure(path: Path, exc: BaseException) -> CheckpointerError:
    if isinstance(exc, CheckpointerError):
        return exc
    reason = str(exc) or type(exc).__name__
    if "not a database" in reason or "file is encrypted" in reason:
        reason = "it is not a SQLite database"
    msg = f"cannot use the SQLite checkpointer `{path}`: {reason}"
    return CheckpointerError(msg)


# --- sharing ----------------------------------------------------------------------------


@dataclass
class _Shared:
    """One opened persistence, shared by the runs using it now."""

    users: int = 0
    value: Persistence | None = None
    close: Callable[[], Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_SYNC: dict[str, _Shared] = {}
_SYNC_LOCK = threading.Lock()


@contextlib.contextmanager
def _shared_sync(
    key: str, opener: Callable[[], tuple[Persistence, Callable[[], Any]]]
) -> Iterator[Persistence]:
    with _SYNC_LOCK:
        entry = _SYNC.setdefault(key, _Shared())
        entry.users += 1
    try:
        with entry.lock:
            if entry.value is None:
                entry.value, entry.close = opener()
        yield entry.value
    finally:
        with _SYNC_LOCK:
            entry.users -= 1
            last = entry.users == 0
            if last and _SYNC.get(key) is entry:
                del _SYNC[key]
        if last and entry.close is not None:
            entry.close()


@dataclass
class _AsyncShared:
    users: int = 0
    value: Persistence | None = None
    close: Callable[[], Any] | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_ASYNC: dict[tuple[str, int], _AsyncShared] = {}


@contextlib.asynccontextmanager
async def _shared_async(key: str, opener: Callable[[], Any]) -> AsyncIterator[Persistence]:
    """Like ``_shared_sync`` within one event loop (async connections belong to a loop)."""
    loop_key = (key, id(asyncio.get_running_loop()))
    entry = _ASYNC.setdefault(loop_key, _AsyncShared())  # no await since the lookup
    entry.users += 1
    try:
        async with entry.lock:
            if entry.value is None:
                entry.value, entry.close = await opener()
        yield entry.value
    finally:
        entry.users -= 1
        if entry.users == 0:
            if _ASYNC.get(loop_key) is entry:
                del _ASYNC[loop_key]
            if entry.close is not None:
                await entry.close()


# --- SQLite -----------------------------------------------------------------------------


def _tune(connection: sqlite3.Connection) -> None:
    """WAL lets readers run beside the writer; NORMAL sync in WAL mode survives a killed
    process (only a power loss can drop the last commits)."""
    connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


def _sqlite_connect(path: Path, *, autocommit: bool = False) -> sqlite3.Connection:
    if autocommit:
        connection = sqlite3.connect(
            str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
        )
    else:
        connection = sqlite3.connect(
            str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_SECONDS
        )
    try:
        _tune(connection)
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def _setup_store(setup: Callable[[], Any]) -> Any:
    """Run a store's migrations; one that another process applied first is accepted."""
    try:
        return setup()
    except sqlite3.IntegrityError:
        return setup()


def _open_sqlite(path: Path) -> tuple[Persistence, Callable[[], Any]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    connections: list[sqlite3.Connection] = []
    try:
        connections.append(_sqlite_connect(path))
        saver = SqliteSaver(connections[0])
        # The store manages its own transactions: it wants an autocommit connection.
        connections.append(_sqlite_connect(incident_log_path(path), autocommit=True))
        store = SqliteStore(connections[1])
        saver.setup()
        _setup_store(store.setup)
    except (sqlite3.Error, OSError) as exc:
        for connection in connections:
            connection.close()
        raise _sqlite_failure(path, exc) from exc

    def close() -> None:
        for connection in connections:
            connection.close()

    return (saver, store), close


async def _aopen_sqlite(path: Path) -> tuple[Persistence, Callable[[], Any]]:
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    from langgraph.store.sqlite.aio import AsyncSqliteStore

    path.parent.mkdir(parents=True, exist_ok=True)
    connections: list[aiosqlite.Connection] = []

    async def connect(target: Path, *, autocommit: bool = False) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(
            str(target),
            timeout=BUSY_TIMEOUT_SECONDS,
            **({"isolation_level": None} if autocommit else {}),
        )
        connections.append(connection)
        await connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        await connection.execute("PRAGMA journal_mode=WAL")
        await connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    async def close() -> None:
        for connection in connections:
            await connection.close()

    try:
        saver = AsyncSqliteSaver(await connect(path))
        store = AsyncSqliteStore(await connect(incident_log_path(path), autocommit=True))
        await saver.setup()
        try:
            await store.setup()
        except sqlite3.IntegrityError:
            await store.setup()
    except (sqlite3.Error, OSError) as exc:
        await close()
        raise _sqlite_failure(path, exc) from exc
    return (saver, store), close


def _sqlite_key(path: Path) -> str:
    return str(path) if str(path) == ":memory:" else str(path.resolve())


# --- PostgreSQL -------------------------------------------------------------------------


def _postgres_module(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        msg = (
            "a Postgres checkpointer URL needs the optional extra: "
            "pip install 'infra-team[postgres]'"
        )
        raise HostAdapterError(msg, code=ErrorCode.MISSING_EXTRA) from exc


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "the Postgres URL"
    return url


def _postgres_failure(url: str, exc: BaseException) -> CheckpointerError:
    reason = " ".join(str(exc).split()) or type(exc).__name__
    password = _password(url)
    if password:
        reason = reason.replace(password, "***")
    msg = f"cannot use the Postgres checkpointer `{_redacted(url)}`: {reason}"
    return CheckpointerError(msg)


def _password(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password
    except ValueError:
        return None


_POSTGRES_READY: set[str] = set()
_POSTGRES_READY_LOCK = threading.Lock()
_ADVISORY_KEY = 0x1AF7A7E4
"""The advisory lock that serialises set-up across processes (any fixed 64-bit number)."""


def _setup_postgres_once(url: str) -> None:
    """Create or migrate the checkpoint and store tables once per database: once per process
    under a lock, once across processes under a Postgres advisory lock."""
    with _POSTGRES_READY_LOCK:
        if url in _POSTGRES_READY:
            return
        psycopg = _postgres_module("psycopg")
        saver_module = _postgres_module("langgraph.checkpoint.postgres")
        store_module = _postgres_module("langgraph.store.postgres")
        from psycopg.rows import dict_row

        try:
            with psycopg.connect(
                url, autocommit=True, prepare_threshold=0, row_factory=dict_row, connect_timeout=10
            ) as connection:
                connection.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_KEY,))
                try:
                    saver_module.PostgresSaver(connection).setup()
                    store_module.PostgresStore(connection).setup()
                finally:
                    connection.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_KEY,))
        except psycopg.Error as exc:
            raise _postgres_failure(url, exc) from exc
        _POSTGRES_READY.add(url)


def _pool_kwargs() -> dict[str, Any]:
    from psycopg.rows import dict_row

    return {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}


def _open_postgres(url: str) -> tuple[Persistence, Callable[[], Any]]:
    _setup_postgres_once(url)
    pool_module = _postgres_module("psycopg_pool")
    saver_module = _postgres_module("langgraph.checkpoint.postgres")
    store_module = _postgres_module("langgraph.store.postgres")
    pool = pool_module.ConnectionPool(
        url, max_size=POSTGRES_POOL_SIZE, kwargs=_pool_kwargs(), open=True
    )
    return (saver_module.PostgresSaver(pool), store_module.PostgresStore(pool)), pool.close


async def _aopen_postgres(url: str) -> tuple[Persistence, Callable[[], Any]]:
    await asyncio.to_thread(_setup_postgres_once, url)
    pool_module = _postgres_module("psycopg_pool")
    saver_module = _postgres_module("langgraph.checkpoint.postgres.aio")
    store_module = _postgres_module("langgraph.store.postgres.aio")
    pool = pool_module.AsyncConnectionPool(
        url, max_size=POSTGRES_POOL_SIZE, kwargs=_pool_kwargs(), open=False
    )
    await pool.open()
    saver = saver_module.AsyncPostgresSaver(pool)
    store = store_module.AsyncPostgresStore(pool)
    return (saver, store), pool.close


# --- pruning ---------------------------------------------------------------------------

_LATEST = (
    "SELECT checkpoint_ns, max(checkpoint_id) FROM checkpoints WHERE thread_id = ? "
    "GROUP BY checkpoint_ns"
)
_PRUNE = (
    f"DELETE FROM writes WHERE thread_id = ? AND (checkpoint_ns, checkpoint_id) NOT IN ({_LATEST})",
    f"DELETE FROM checkpoints WHERE thread_id = ? AND (checkpoint_ns, checkpoint_id) NOT IN ({_LATEST})",
)


def prune_run(saver: BaseCheckpointSaver[Any], thread_id: str) -> None:
    """Keep only the latest checkpoint of each namespace of a thread (and its pending
    writes): all that reading a result or resuming needs. The earlier steps of a run are
    history nobody reads, and kept they made every request grow the file by their sum.

    Done for the SQLite files and Postgres databases this module opens; a checkpointer
    instance the caller passes keeps its whole history."""
    if isinstance(saver, SqliteSaver):
        with saver.cursor() as cursor:
            for statement in _PRUNE:
                cursor.execute(statement, (thread_id, thread_id))
    elif type(saver).__name__ == "PostgresSaver":
        saver.prune([thread_id], strategy="keep_latest")


async def aprune_run(saver: BaseCheckpointSaver[Any], thread_id: str) -> None:
    """Async twin of ``prune_run``."""
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    if isinstance(saver, AsyncSqliteSaver):
        async with saver.lock:
            for statement in _PRUNE:
                await saver.conn.execute(statement, (thread_id, thread_id))
            await saver.conn.commit()
    elif type(saver).__name__ == "AsyncPostgresSaver":
        await saver.aprune([thread_id], strategy="keep_latest")


# --- entry points -----------------------------------------------------------------------


@contextlib.contextmanager
def sync_persistence(checkpointer: CheckpointerArg) -> Iterator[Persistence]:
    """Checkpointer and store from what the caller gave: an instance, a SQLite path (the
    incident log beside it), a Postgres URL; nothing means this process's bounded memory."""
    check_checkpointer(checkpointer)
    if isinstance(checkpointer, BaseCheckpointSaver):
        yield checkpointer, MEMORY.store
        return
    if checkpointer is None:
        yield MEMORY.saver, MEMORY.store
        return
    if is_postgres(checkpointer):
        url = str(checkpointer)
        with _shared_sync(f"pg:{url}", lambda: _open_postgres(url)) as persistence:
            yield persistence
        return
    path = Path(checkpointer)
    with _shared_sync(_sqlite_key(path), lambda: _open_sqlite(path)) as persistence:
        yield persistence


@contextlib.asynccontextmanager
async def async_persistence(checkpointer: CheckpointerArg) -> AsyncIterator[Persistence]:
    """Async twin of ``sync_persistence``."""
    check_checkpointer(checkpointer)
    if isinstance(checkpointer, BaseCheckpointSaver):
        yield checkpointer, MEMORY.store
        return
    if checkpointer is None:
        yield MEMORY.saver, MEMORY.store
        return
    if is_postgres(checkpointer):
        url = str(checkpointer)
        async with _shared_async(f"pg:{url}", lambda: _aopen_postgres(url)) as persistence:
            yield persistence
        return
    path = Path(checkpointer)
    async with _shared_async(_sqlite_key(path), lambda: _aopen_sqlite(path)) as persistence:
        yield persistence
