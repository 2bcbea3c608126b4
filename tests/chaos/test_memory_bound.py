"""The default in-process memory never drops a running run or one waiting for a person;
it is bounded, and full of live runs it refuses a new one with a clear error."""

from __future__ import annotations

import asyncio

import pytest

from infra_team import atask, resume, task
from infra_team._memory import MEMORY
from infra_team.errors import CapacityError, ErrorCode
from infra_team.result import TaskResult
from tests.support.chaos import figure, staged_model

RUNS = 300


async def test_three_hundred_concurrent_runs_all_complete_with_real_reports(monkeypatch):
    # Room for exactly these runs: finished runs of earlier tests make room, live ones never.
    monkeypatch.setattr(MEMORY, "limit", MEMORY.live() + RUNS)
    model = staged_model()
    results = await asyncio.gather(
        *(atask("network-engineer", f"Plan subnets for VPC {n}", model=model) for n in range(RUNS)),
        return_exceptions=True,
    )
    good = [
        r
        for r in results
        if isinstance(r, TaskResult)
        and r.status == "completed"
        and r.kind == "request"
        and "Network Engineer" in r.report
    ]
    figure(
        f"{RUNS} concurrent atask on the default memory: completed with a real report",
        RUNS,
        len(good),
    )
    assert len(good) == RUNS, [r for r in results if r not in good][:3]


def test_a_full_memory_keeps_paused_runs_and_refuses_new_ones(monkeypatch):
    model = staged_model(change_type="Remove")
    monkeypatch.setattr(MEMORY, "limit", MEMORY.live() + 2)
    paused = [
        task("infrastructure-team", "Remove the legacy billing database", model=model)
        for _ in range(2)
    ]
    assert [p.status for p in paused] == ["interrupted", "interrupted"]
    with pytest.raises(CapacityError) as caught:
        task("infrastructure-team", "Remove the legacy billing database", model=model)
    assert caught.value.code == ErrorCode.MEMORY_FULL
    assert "pass a checkpointer" in str(caught.value)
    # Nothing paused was dropped: both can still be answered, which makes room again.
    done = [resume(p.thread_id, "approve", model=model) for p in paused]
    held = all(d.status == "completed" for d in done)
    figure("memory full of paused runs: paused kept, new run refused clearly", 3, 1 + 2 * int(held))
    assert held
    assert task("network-engineer", "Plan subnets", model=model).status == "completed"
