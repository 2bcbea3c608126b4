"""A stalled provider cannot hold a run past its deadline, and a failing model call is not
retried in two layers.

Stand-ins: a scripted model that sleeps (a provider that stalls) and one that raises.
The same checks through ``langchain-openai`` against the fake OpenAI-compatible server
(slow bytes, 5xx, request counts) are in ``test_provider_faults.py``.
"""

from __future__ import annotations

import time

import pytest

from infra_team import atask, resume, stream, task
from infra_team.errors import InvalidRequestError
from tests.support.chaos import figure, staged_model

REQUEST = "New Postgres cluster for billing with a hot standby"
STALL = 20.0
"""Seconds each model call of the stalled provider takes."""
TIMEOUT = 2.0


def test_task_stops_at_its_deadline_and_keeps_its_checkpoint(tmp_path):
    path = tmp_path / "runs.sqlite"
    started = time.monotonic()
    stopped = task(
        "infrastructure-team",
        REQUEST,
        model=staged_model(delay=STALL, block_at=None),
        checkpointer=path,
        timeout=TIMEOUT,
    )
    took = time.monotonic() - started
    figure(
        "task(timeout=2) on a stalled provider: stopped in time",
        1,
        int(took < TIMEOUT + 8),
        f"{took:.1f} s",
    )
    assert stopped.status == "failed"
    assert "deadline of 2 s" in (stopped.error or "")
    assert took < TIMEOUT + 8
    done = resume(stopped.thread_id, model=staged_model(), checkpointer=path)
    assert done.status == "completed"  # the checkpoint was kept: the run continues


async def test_atask_stops_at_its_deadline(tmp_path):
    started = time.monotonic()
    stopped = await atask(
        "infrastructure-team",
        REQUEST,
        model=staged_model(delay=STALL),
        checkpointer=tmp_path / "r.sqlite",
        timeout=TIMEOUT,
    )
    took = time.monotonic() - started
    figure(
        "atask(timeout=2) on a stalled provider: stopped in time",
        1,
        int(took < TIMEOUT + 8),
        f"{took:.1f} s",
    )
    assert stopped.status == "failed"
    assert "deadline of 2 s" in (stopped.error or "")
    assert took < TIMEOUT + 8


def test_stream_stops_at_its_deadline():
    started = time.monotonic()
    events = list(
        stream("infrastructure-team", REQUEST, model=staged_model(delay=STALL), timeout=TIMEOUT)
    )
    took = time.monotonic() - started
    assert events[-1].result is not None
    assert events[-1].result.status == "failed"
    assert took < TIMEOUT + 8


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "soon", True])
def test_a_bad_timeout_is_a_typed_error(bad):
    with pytest.raises(InvalidRequestError, match="timeout"):
        task("network-engineer", "Plan subnets", model=staged_model(), timeout=bad)


def test_the_cli_takes_a_timeout():
    from typer.testing import CliRunner

    from infra_team.cli import app

    result = CliRunner().invoke(
        app, ["task", "network-engineer", "Plan subnets", "--timeout", "-1"]
    )
    assert result.exit_code != 0
    assert "timeout must be more than 0 seconds" in str(result.exception or result.output)


class _Overloaded(Exception):
    """What a provider client raises once its own retries are spent."""


def test_a_failing_model_call_is_tried_once_per_layer(tmp_path):
    log = tmp_path / "calls.log"
    calls = {"n": 0}

    def failure() -> BaseException:
        calls["n"] += 1
        return _Overloaded("503 Service Unavailable")

    result = task(
        "network-engineer",
        "Plan subnets",
        model=staged_model(fail_at="implement", failure=failure, log=log),
    )
    figure(
        "one failing model call: attempts made by the team (client retries aside)",
        1,
        int(calls["n"] == 1),
        f"{calls['n']} attempt",
    )
    assert result.status == "failed"
    assert "503 Service Unavailable" in (result.error or "")
    assert calls["n"] == 1  # the provider's client retries; the team adds no second layer
