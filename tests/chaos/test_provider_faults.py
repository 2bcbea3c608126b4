"""Provider faults through the real client: ``langchain-openai``'s ``ChatOpenAI`` (with a
small ``max_retries`` and ``timeout``) against the fake OpenAI-compatible server on
loopback (``tests/support/openai_server.py``), driving ``task()`` and the CLI.

Each fault ends the run ``completed`` when the client's own retries get past it, or
``failed`` with words, never a raw exception; the server counts the HTTP requests, which
shows that a model call is retried in one layer (the client's), not in two (3 x 3).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from infra_team import atask, resume, task
from tests.support.chaos import ROOT, figure
from tests.support.openai_server import ChatRequest, FakeOpenAIServer, Fault, Reply, chat_model
from tests.support.openai_team import answer_tool, team_responder

REQUEST = "New PostgreSQL cluster for billing with a hot standby"
RETRIES = 2
"""The client's ``max_retries``: one model call may make at most three HTTP requests."""
ATTEMPTS = RETRIES + 1


class Faulty:
    """A responder that answers the first requests with ``faults`` (in order), or every
    request with ``always``, and the rest as the scripted team; it stamps each request."""

    def __init__(
        self,
        faults: tuple[Fault, ...] = (),
        *,
        always: Fault | None = None,
        when: Callable[[ChatRequest], bool] | None = None,
    ) -> None:
        self.faults = list(faults)
        self.always = always
        self.when = when
        self.team = team_responder()
        self.times: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, request: ChatRequest) -> Reply | Fault:
        with self._lock:
            self.times.append(time.monotonic())
            if self.when is not None and not self.when(request):
                return self.team(request)
            if self.always is not None:
                return self.always
            if self.faults:
                return self.faults.pop(0)
        return self.team(request)

    @property
    def requests(self) -> int:
        return len(self.times)


def _model(server: FakeOpenAIServer, **kwargs: object) -> object:
    return chat_model(server, max_retries=RETRIES, timeout=2, **kwargs)


def _run(responder: Faulty, **kwargs: object):
    with FakeOpenAIServer(responder) as server:
        return task("infrastructure-team", REQUEST, model=_model(server), **kwargs)


def test_a_429_with_retry_after_is_honoured_then_the_run_completes():
    responder = Faulty((Fault.http(429, "rate limited", Retry_After="1"),))
    result = _run(responder)
    waited = responder.times[1] - responder.times[0]
    held = result.status == "completed" and waited >= 0.9
    figure("429 + Retry-After: 1, then success", 1, int(held), f"waited {waited:.2f} s")
    assert result.status == "completed", result.error
    assert waited >= 0.9  # the client waited as the server asked, not its own 0.5 s backoff


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_then_success_completes(status):
    responder = Faulty((Fault.http(status, "upstream hiccup"),))
    result = _run(responder)
    figure(f"HTTP {status} once, then success", 1, int(result.status == "completed"))
    assert result.status == "completed", result.error
    assert result.error is None


def test_5xx_until_the_retries_are_spent_fails_with_a_message_after_one_layer_of_retries():
    responder = Faulty(always=Fault.http(503, "service overloaded"))
    result = _run(responder)
    held = result.status == "failed" and responder.requests == ATTEMPTS
    figure(
        "HTTP 503 on every request: HTTP requests for one model call",
        1,
        int(held),
        f"{responder.requests} requests with max_retries={RETRIES} (3 x 3 would be 9)",
    )
    assert result.status == "failed"
    assert "the model provider failed" in (result.error or "")
    assert "service overloaded" in (result.error or "")
    assert responder.requests == ATTEMPTS  # the client's retries only: no second layer


def test_a_500_on_every_request_is_bounded_by_the_answer_mode_fallback():
    """A 500 is also how llama.cpp refuses a forced tool choice, so the team asks once
    more in the next answer mode: at most two rounds of the client's retries."""
    responder = Faulty(always=Fault.http(500, "internal error"))
    result = _run(responder)
    figure(
        "HTTP 500 on every request: HTTP requests for one stage",
        1,
        int(result.status == "failed" and responder.requests <= 2 * ATTEMPTS),
        f"{responder.requests} requests (one retry round per answer mode)",
    )
    assert result.status == "failed"
    assert "internal error" in (result.error or "")
    assert responder.requests == 2 * ATTEMPTS


def test_a_reset_connection_is_retried_then_completes():
    responder = Faulty((Fault("reset"), Fault("reset")))
    result = _run(responder)
    figure("connection reset twice, then success", 1, int(result.status == "completed"))
    assert result.status == "completed", result.error


def test_resets_until_the_retries_are_spent_fail_with_a_message():
    responder = Faulty(always=Fault("reset"))
    result = _run(responder)
    held = result.status == "failed" and responder.requests == ATTEMPTS
    figure("connection reset on every request", 1, int(held), f"{responder.requests} requests")
    assert result.status == "failed"
    assert "the model provider failed: OpenAIConnectionError: Connection error" in (
        result.error or ""
    )
    assert responder.requests == ATTEMPTS


def test_a_401_fails_at_once_with_a_clear_message_and_no_retry_storm():
    responder = Faulty(always=Fault.http(401, "Incorrect API key provided"))
    started = time.monotonic()
    result = _run(responder)
    took = time.monotonic() - started
    held = result.status == "failed" and responder.requests == 1
    figure("HTTP 401: requests sent", 1, int(held), f"{responder.requests} request, {took:.1f} s")
    assert result.status == "failed"
    assert "the model provider failed" in (result.error or "")
    assert "401" in (result.error or "")
    assert "Incorrect API key provided" in (result.error or "")
    assert responder.requests == 1  # a wrong key does not get better with a retry


def _at_design(request: ChatRequest) -> bool:
    return answer_tool(request) == "ArchitectDesign"


def test_a_provider_sending_one_byte_a_second_is_stopped_at_the_deadline(tmp_path):
    """The read timeout never fires (each byte comes in time); the run's deadline does,
    and the checkpoint keeps the finished intake for a later resume."""
    path = tmp_path / "runs.sqlite"
    slow = Fault("slow", seconds=1.0, reply=Reply(content="late"))
    responder = Faulty(always=slow, when=_at_design)
    started = time.monotonic()
    result = _run(responder, checkpointer=path, timeout=3)
    took = time.monotonic() - started
    figure(
        "one byte a second, task(timeout=3): stopped in time",
        1,
        int(result.status == "failed" and took < 8),
        f"{took:.1f} s",
    )
    assert result.status == "failed"
    assert "deadline of 3 s" in (result.error or "")
    assert took < 8
    assert result.kind == "request"  # intake's answer is in the kept checkpoint

    healthy = Faulty()
    with FakeOpenAIServer(healthy) as server:
        done = resume(result.thread_id, model=_model(server), checkpointer=path)
        asked = [answer_tool(ChatRequest(body=b, messages=b["messages"])) for b in server.requests]
    assert done.status == "completed", done.error
    assert "IntakeDecision" not in asked  # intake finished before the deadline: not re-run


async def test_the_async_path_stops_a_byte_a_second_provider_at_the_deadline(tmp_path):
    slow = Fault("slow", seconds=1.0, reply=Reply(content="late"))
    with FakeOpenAIServer(Faulty(always=slow, when=_at_design)) as server:
        started = time.monotonic()
        result = await atask(
            "infrastructure-team",
            REQUEST,
            model=_model(server),
            checkpointer=tmp_path / "r.sqlite",
            timeout=3,
        )
        took = time.monotonic() - started
    figure(
        "one byte a second, atask(timeout=3): stopped in time",
        1,
        int(result.status == "failed" and took < 8),
        f"{took:.1f} s",
    )
    assert result.status == "failed"
    assert "deadline of 3 s" in (result.error or "")
    assert took < 8


@pytest.mark.parametrize(
    ("fault", "streaming", "words"),
    [
        (Fault("empty_choices"), False, "no choices (empty `choices`)"),
        (Fault("bad_json"), False, "the model provider returned invalid JSON"),
        (Fault("bad_json"), True, "the model provider returned invalid JSON"),
        # A stream of chunks without choices is a valid empty stream to the client (the
        # usage chunk has none either): the stage asks again, then fails in words.
        (Fault("empty_choices"), True, "wrote nothing readable in its 6 model calls"),
    ],
    ids=["empty-choices-json", "invalid-json-json", "invalid-json-sse", "empty-choices-sse"],
)
def test_an_unusable_answer_fails_with_words_not_a_raw_exception(fault, words, streaming):
    with FakeOpenAIServer(Faulty(always=fault)) as server:
        result = task("infrastructure-team", REQUEST, model=_model(server, streaming=streaming))
    error = result.error or ""
    held = result.status == "failed" and words in error
    figure(f"{fault.kind} ({'sse' if streaming else 'json'})", 1, int(held), error[:80])
    assert result.status == "failed"
    assert words in error, error
    assert "Traceback" not in error


# --- the CLI ------------------------------------------------------------------------------


def _cli(server: FakeOpenAIServer, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "INFRA_TEAM_MODEL": "openai:x",
        "OPENAI_BASE_URL": server.base_url,
        "OPENAI_API_KEY": "dummy",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "NO_COLOR": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    return subprocess.run(
        [sys.executable, "-m", "infra_team", "task", "infrastructure-team", REQUEST],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (Fault.http(401, "Incorrect API key provided"), "Incorrect API key provided"),
        (Fault.http(503, "service overloaded"), "service overloaded"),
    ],
    ids=["401", "503"],
)
def test_the_cli_exits_1_with_one_clear_line_on_a_provider_failure(tmp_path, fault, words):
    responder = Faulty(always=fault)
    with FakeOpenAIServer(responder) as server:
        done = _cli(server, tmp_path)
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed:")]
    held = done.returncode == 1 and len(failed) == 1 and "Traceback" not in done.stderr
    figure(f"CLI on HTTP {fault.status}: exit 1, one line", 1, int(held), f"exit {done.returncode}")
    assert done.returncode == 1, done.stderr[-2000:]
    assert len(failed) == 1, done.stderr
    assert words in failed[0]
    assert "Traceback" not in done.stderr
    assert responder.requests >= 1  # the failure came from the server, not from set-up
