"""Concurrent runs never fail for storage reasons: first use of a fresh SQLite file and of
an empty real PostgreSQL (set-up once), an initialised SQLite file under 50 async runs
and 20 threads."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra_team import atask, task
from infra_team.result import TaskResult
from tests.support.chaos import figure, staged_model
from tests.support.postgres import postgres_server

REQUEST = "Plan subnets for the billing VPC"


def _ok(result: TaskResult | BaseException) -> bool:
    return isinstance(result, TaskResult) and result.status == "completed" and bool(result.kind)


async def _gather(count: int, checkpointer: str | Path) -> list[TaskResult | BaseException]:
    model = staged_model()
    return await asyncio.gather(
        *(
            atask("network-engineer", REQUEST, model=model, checkpointer=checkpointer)
            for _ in range(count)
        ),
        return_exceptions=True,
    )


def _failures(results: list[TaskResult | BaseException]) -> list[str]:
    return [
        repr(item) if isinstance(item, BaseException) else f"{item.status}: {item.error}"
        for item in results
        if not _ok(item)
    ]


async def test_fifty_concurrent_runs_on_a_fresh_sqlite_file(tmp_path):
    results = await _gather(50, tmp_path / "fresh.sqlite")
    failures = _failures(results)
    figure("50 concurrent atask, fresh SQLite file (set-up once)", 50, 50 - len(failures))
    assert not failures, failures[:3]


async def test_fifty_concurrent_runs_on_an_initialised_sqlite_file(tmp_path):
    path = tmp_path / "used.sqlite"
    task("network-engineer", REQUEST, model=staged_model(), checkpointer=path)
    results = await _gather(50, path)
    failures = _failures(results)
    figure(
        "50 concurrent atask, initialised SQLite file (no `database is locked`)",
        50,
        50 - len(failures),
    )
    assert not failures, failures[:3]


def test_twenty_threads_calling_task_on_one_sqlite_file(tmp_path):
    path = tmp_path / "threads.sqlite"
    model = staged_model()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        futures = [
            pool.submit(task, "network-engineer", REQUEST, model=model, checkpointer=path)
            for _ in range(20)
        ]
        results: list[TaskResult | BaseException] = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception as exc:
                results.append(exc)
    failures = _failures(results)
    figure("20 threads calling task(), one SQLite file", 20, 20 - len(failures))
    assert not failures, failures[:3]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


async def test_fifty_concurrent_runs_on_an_empty_postgres(postgres_url):
    results = await _gather(50, postgres_url)
    failures = _failures(results)
    figure("50 concurrent atask, empty PostgreSQL (set-up once)", 50, 50 - len(failures))
    assert not failures, failures[:3]
    again = task("network-engineer", REQUEST, model=staged_model(), checkpointer=postgres_url)
    assert _ok(again)  # the sync path on the same, now initialised, database


def test_a_bad_postgres_url_is_a_clear_error(postgres_url):
    from infra_team.errors import CheckpointerError

    wrong_port = postgres_url.rsplit(":", 1)[0] + ":1/postgres"
    with pytest.raises(CheckpointerError, match="cannot use the Postgres checkpointer"):
        task("network-engineer", REQUEST, model=staged_model(), checkpointer=wrong_port)
