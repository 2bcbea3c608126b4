"""Benchmark (not a test): what one run writes to a SQLite checkpointer.

``python -m bench.checkpoints`` prints, for a request and an incident on the offline
engine, the checkpoints one run writes (counted on a ``SqliteSaver`` instance, which keeps
its history), the checkpoints kept on a SQLite path (pruned to what resuming needs) and
the growth of those files (write-ahead logs folded in). Targets: at most 12 checkpoints
written and 150 KB of growth a request.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from infra_team import task

REQUEST = "New PostgreSQL cluster for billing with a hot standby and PITR"
INCIDENT = "checkout returns 502 for 40% of requests; resolved by the on-call"


def _size(folder: Path) -> int:
    for path in folder.glob("*.sqlite"):
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(path.stat().st_size for path in folder.iterdir())


def _count(path: Path, thread_id: str) -> tuple[int, int]:
    with sqlite3.connect(path) as connection:
        count, namespaces = connection.execute(
            "select count(*), count(distinct checkpoint_ns) from checkpoints where thread_id = ?",
            (thread_id,),
        ).fetchone()
    return int(count), int(namespaces)


def measure(description: str) -> tuple[int, int, int, int]:
    """Checkpoints written and their namespaces, checkpoints kept, and bytes one run adds
    to an initialised file."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with SqliteSaver.from_conn_string(str(folder / "history.sqlite")) as saver:
            result = task("infrastructure-team", description, checkpointer=saver)
        written, namespaces = _count(folder / "history.sqlite", result.thread_id)
        path = folder / "runs.sqlite"
        task("infrastructure-team", description, checkpointer=path)
        before = _size(folder)
        result = task("infrastructure-team", description, checkpointer=path)
        growth = _size(folder) - before
        kept, _ = _count(path, result.thread_id)
    return written, namespaces, kept, growth


def main() -> None:
    print(f"{'run':<10} {'written':>8} {'namespaces':>11} {'kept':>5} {'SQLite growth':>14}")
    for label, description in (("request", REQUEST), ("incident", INCIDENT)):
        written, namespaces, kept, growth = measure(description)
        print(f"{label:<10} {written:>8} {namespaces:>11} {kept:>5} {growth / 1024:>11.0f} KB")


if __name__ == "__main__":
    main()
