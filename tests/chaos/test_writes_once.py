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

INCIDENT = "checkout 502 for 40% of requests"
TRIGGER: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "site-reliability-engineer": [
        (
            "pagerduty_event",
            {
                "action": "trigger",
                "summary": "Checkout 502s",
                "source": "lb-1",
                "severity": "critical",
            },
        )
    ]
}


def _env(fake: FakePagerDuty) -> dict[str, str]:
    return {
        "INFRA_TEAM_PAGERDUTY_URL": fake.url,
        "INFRA_TEAM_PAGERDUTY_ROUTING_KEY": "r" * 32,
        "INFRA_TEAM_HTTP_RETRIES": "0",
        "INFRA_TEAM_HTTP_TIMEOUT": "30",
    }


def _model() -> ScriptedChatModel:
    return staged_model(first_tools=TRIGGER, resolved_at="on-call")


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


def _killed_while_writing(folder: Path, *, answered: bool) -> tuple[Path, str, int]:
    """A run paused for Change Approval of a PagerDuty trigger; a new process approves it
    and is killed with SIGKILL once the POST reached the API: before the API answered
    (``answered=False``: the write's outcome is unknown to the run) or after (the model
    blocks on its next call). Returns the folder of the SQLite files, the thread id and
    the POSTs the API received."""
    folder.mkdir()
    checkpoints = folder / "runs.sqlite"
    fake = FakePagerDuty(hold=not answered).start()
    try:
        with _Env(_env(fake)):
            paused = task("infrastructure-team", INCIDENT, model=_model(), checkpointer=checkpoints)
        assert paused.status == "interrupted"
        marker = folder / "blocked"
        process = driver(
            {
                "op": "resume",
                "thread_id": paused.thread_id,
                "decision": "approve",
                "checkpointer": str(checkpoints),
                "first_tools": TRIGGER,
                "resolved_at": "on-call",
                "block_at": "after-tool",
                "marker": str(marker),
            },
            _env(fake),
        )
        if answered:
            wait_for(marker, process)
        else:
            assert fake.received.wait(90), "the POST never reached the fake API"
        kill9(process)
        return folder, paused.thread_id, len(fake.events)
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str, int]]:
    """Both crash points, each killed once; every test resumes its own copy of the files."""
    root = tmp_path_factory.mktemp("killed")
    return {
        "answered": _killed_while_writing(root / "answered", answered=True),
        "cut_off": _killed_while_writing(root / "cut_off", answered=False),
    }


@pytest.fixture
def pagerduty(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty().start()
    for name, value in _env(fake).items():
        monkeypatch.setenv(name, value)
    reset_settings()
    yield fake
    fake.stop()


def _resume(killed: tuple[Path, str, int], tmp_path: Path, decision: str) -> Any:
    folder, thread, sent_before = killed
    assert sent_before == 1
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    return resume(thread, decision, model=_model(), checkpointer=copy / "runs.sqlite")


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_write_answered_before_the_kill_is_not_sent_again(killed, tmp_path, pagerduty, decision):
    done = _resume(killed["answered"], tmp_path, decision)
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
    done = _resume(killed["cut_off"], tmp_path, "approve")
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
    done = _resume(killed["cut_off"], tmp_path, "reject")
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
    resume(thread, "approve", model=_model(), checkpointer=copy / "runs.sqlite")
    assert pagerduty.events[0]["dedup_key"] == records[0].key
