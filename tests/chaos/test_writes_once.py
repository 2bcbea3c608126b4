"""An approved external write cut off by kill -9 is never sent twice, and the report says
what really happened (a fake PagerDuty Events API on loopback, a real subprocess killed
with SIGKILL, its SQLite files then resumed with approve and with reject)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra_team import resume, task
from infra_team.settings import reset_settings
from tests.fakes import ScriptedChatModel
from tests.support.chaos import FakePagerDuty, driver, figure, kill9, staged_model, wait_for

INCIDENT = "checkout 502 for 40% of requests; page the on-call"
ANSWERED, CUT_OFF = "Checkout 502s", "Checkout 502s, second page"
"""Trigger summaries: the fake API answers the first at once and holds the second."""


def _trigger(summary: str) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    args = {"action": "trigger", "summary": summary, "source": "lb-1", "severity": "critical"}
    return {"site-reliability-engineer": [("pagerduty_event", args)]}


def _env(fake: FakePagerDuty) -> dict[str, str]:
    return {
        "INFRA_TEAM_PAGERDUTY_URL": fake.url,
        "INFRA_TEAM_PAGERDUTY_ROUTING_KEY": "r" * 32,
        "INFRA_TEAM_HTTP_RETRIES": "0",
        "INFRA_TEAM_HTTP_TIMEOUT": "30",
    }


def _model(summary: str) -> ScriptedChatModel:
    return staged_model(first_tools=_trigger(summary), resolved_at="on-call")


class _Env:
    """INFRA_TEAM_* settings for in-process runs outside a function-scoped fixture."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def __enter__(self) -> None:
        self.saved = {name: os.environ.get(name) for name in self.values}
        os.environ.update(self.values)
        reset_settings()

    def __exit__(self, *exc: object) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str, int]]:
    """Two runs paused for Change Approval of a PagerDuty trigger; one new process approves
    both and is killed with SIGKILL once each POST reached the API: one after the API
    answered (its model then blocks on the next call), one before (the API holds it, so
    the write's outcome is unknown to the run). Every test resumes its own copy of the
    SQLite files; values are the folder, the thread id and the POSTs the API received."""
    root = tmp_path_factory.mktemp("killed")
    fake = FakePagerDuty(hold_summary=CUT_OFF).start()
    try:
        threads: dict[str, str] = {}
        jobs = []
        for name, summary in (("answered", ANSWERED), ("cut_off", CUT_OFF)):
            folder = root / name
            folder.mkdir()
            with _Env(_env(fake)):
                paused = task(
                    "infrastructure-team",
                    INCIDENT,
                    model=_model(summary),
                    checkpointer=folder / "runs.sqlite",
                )
            assert paused.status == "interrupted"
            threads[name] = paused.thread_id
            jobs.append(
                {
                    "op": "resume",
                    "thread_id": paused.thread_id,
                    "decision": "approve",
                    "checkpointer": str(folder / "runs.sqlite"),
                    "first_tools": _trigger(summary),
                    "resolved_at": "on-call",
                    "block_at": "after-tool",
                    "marker": str(folder / "blocked"),
                }
            )
        process = driver({"jobs": jobs}, _env(fake))
        wait_for(root / "answered" / "blocked", process, timeout=180)
        assert fake.holding.wait(180), "the second POST never reached the fake API"
        kill9(process)
        summaries = [event["payload"]["summary"] for event in fake.events]
        return {
            name: (root / name, threads[name], summaries.count(summary))
            for name, summary in (("answered", ANSWERED), ("cut_off", CUT_OFF))
        }
    finally:
        fake.stop()


@pytest.fixture
def pagerduty(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty().start()
    for name, value in _env(fake).items():
        monkeypatch.setenv(name, value)
    reset_settings()
    yield fake
    fake.stop()


def _resume(killed: tuple[Path, str, int], tmp_path: Path, decision: str, summary: str) -> Any:
    folder, thread, sent_before = killed
    assert sent_before == 1
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    return resume(thread, decision, model=_model(summary), checkpointer=copy / "runs.sqlite")


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_write_answered_before_the_kill_is_not_sent_again(killed, tmp_path, pagerduty, decision):
    done = _resume(killed["answered"], tmp_path, decision, ANSWERED)
    sent = "PagerDuty accepted the trigger" in done.report
    held = done.status == "completed" and not pagerduty.events and sent
    held = held and "nothing was changed" not in done.report
    figure(
        f"write answered then kill -9, resume {decision}: not resent, reported sent",
        1,
        int(held),
        f"{len(pagerduty.events)} new POST",
    )
    assert done.status == "completed", done.error
    assert pagerduty.events == []  # never sent again
    assert sent, done.report  # what really happened
    assert "nothing was changed" not in done.report


def test_a_write_cut_off_then_approved_again_opens_one_alert(killed, tmp_path, pagerduty):
    before = {killed["cut_off"][1]}
    done = _resume(killed["cut_off"], tmp_path, "approve", CUT_OFF)
    keys = {event["dedup_key"] for event in pagerduty.events}
    figure(
        "write cut off by kill -9, resume approve: one alert (same dedup_key)",
        1,
        int(done.status == "completed" and len(keys) == 1),
        f"{len(pagerduty.events)} new POST",
    )
    assert before
    assert done.status == "completed", done.error
    # Resent once with the run's dedup_key, which PagerDuty merges into the first alert.
    assert len(pagerduty.events) == 1
    assert pagerduty.events[0]["dedup_key"].startswith("infra-team-")
    assert "PagerDuty accepted the trigger" in done.report


def test_a_write_cut_off_then_rejected_is_reported_as_possibly_sent(killed, tmp_path, pagerduty):
    done = _resume(killed["cut_off"], tmp_path, "reject", CUT_OFF)
    honest = "may have changed the external system" in done.report
    figure(
        "write cut off by kill -9, resume reject: not resent, reported possibly sent",
        1,
        int(honest and not pagerduty.events),
    )
    assert done.status == "completed", done.error
    assert pagerduty.events == []  # a reject never sends
    assert honest, done.report
    assert "nothing was changed" not in done.report


def test_the_dedup_key_is_the_same_across_the_crash(killed, tmp_path, pagerduty):
    """The key the killed process sent is the key the resumed one sends."""
    folder, thread, _ = killed["cut_off"]
    from langgraph.store.sqlite import SqliteStore

    from infra_team.persistence import incident_log_path
    from infra_team.tools._writes import WRITES_NAMESPACE

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    with SqliteStore.from_conn_string(str(incident_log_path(copy / "runs.sqlite"))) as store:
        records = store.search(WRITES_NAMESPACE)
    assert [record.value["state"] for record in records] == ["sending"]
    resume(thread, "approve", model=_model(CUT_OFF), checkpointer=copy / "runs.sqlite")
    assert pagerduty.events[0]["dedup_key"] == records[0].key
