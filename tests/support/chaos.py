"""Chaos test helpers: figures (tried / held), models that block or fail at a chosen
stage, a fake PagerDuty Events API on loopback, and a driver run in a subprocess that a
test kills with SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from tests.fakes import ScriptedChatModel, brief_of, tool_turns

ROOT = Path(__file__).resolve().parents[2]


# --- figures --------------------------------------------------------------------------


@dataclass
class Figure:
    check: str
    tried: int
    held: int
    note: str = ""


FIGURES: list[Figure] = []


def figure(check: str, tried: int, held: int, note: str = "") -> None:
    """Record a chaos figure; the chaos conftest prints them all at the end of the run."""
    FIGURES.append(Figure(check, tried, held, note))
    print(f"\n[chaos] {check}: tried {tried}, held {held}{f' ({note})' if note else ''}")


# --- models ---------------------------------------------------------------------------


def staged_model(
    *,
    block_at: str | None = None,
    marker: Path | None = None,
    log: Path | None = None,
    fail_at: str | None = None,
    failure: Callable[[], BaseException] | None = None,
    delay: float = 0.0,
    **script: Any,
) -> ScriptedChatModel:
    """The scripted team model (``tests.integration.conftest.team_script``), which:

    - appends ``role:stage`` to ``log`` for each call it answers;
    - blocks for good at the first call of stage ``block_at`` (``"after-tool"``: the first
      call that sees a tool result), after touching ``marker``;
    - raises ``failure()`` at stage ``fail_at``;
    - sleeps ``delay`` seconds per call (a slow provider).
    """
    from tests.integration.conftest import team_script

    base = team_script(**script).script

    def answer(messages: list[BaseMessage], bound: tuple[str, ...]) -> AIMessage:
        brief = brief_of(messages)
        stage, role = brief["stage"], brief["role"]
        here = "after-tool" if tool_turns(messages) else stage
        if block_at is not None and here == block_at:
            if marker is not None:
                marker.write_text(f"{role}:{stage}")
            while True:
                time.sleep(3600)
        if fail_at is not None and stage == fail_at and failure is not None:
            raise failure()
        if delay and not _in_event_loop():
            time.sleep(delay)
        if log is not None:
            with log.open("a") as handle:
                handle.write(f"{role}:{stage}\n")
        return base(messages, bound)

    if delay:
        return _StallingModel(script=answer, stall=delay)
    return ScriptedChatModel(script=answer)


class _StallingModel(ScriptedChatModel):
    """A provider that stalls for ``stall`` seconds per call: the sync path blocks its
    thread (as a sync HTTP read does), the async path awaits (and can be cancelled, as an
    async HTTP read can)."""

    stall: float = 0.0

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        await asyncio.sleep(self.stall)
        return ChatResult(generations=[ChatGeneration(message=self.script(messages, self.bound))])


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


# --- fake PagerDuty -------------------------------------------------------------------


@dataclass
class FakePagerDuty:
    """PagerDuty Events API v2 on loopback: ``POST /v2/enqueue`` answers 202 with the
    event's ``dedup_key``; events with the same key make one alert, as PagerDuty does.
    With ``hold`` set (or for a trigger whose summary is ``hold_summary``) the answer waits
    until ``release``: the client may be killed first."""

    events: list[dict[str, Any]] = field(default_factory=list)
    hold: bool = False
    hold_summary: str | None = None
    received: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/v2/enqueue"

    @property
    def alerts(self) -> set[str]:
        return {e["dedup_key"] for e in self.events if e.get("event_action") == "trigger"}

    def release(self) -> None:
        self._release.set()

    def start(self) -> FakePagerDuty:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.events.append(body)
                fake.received.set()
                summary = (body.get("payload") or {}).get("summary")
                if fake.hold or (fake.hold_summary is not None and summary == fake.hold_summary):
                    fake.holding.set()
                    fake._release.wait(60)
                answer = json.dumps(
                    {
                        "status": "success",
                        "message": "Event processed",
                        "dedup_key": body["dedup_key"],
                    }
                ).encode()
                try:
                    self.send_response(202)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the client was killed while we held the answer
                    return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


# --- the subprocess driver ------------------------------------------------------------


def driver(args: dict[str, Any], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``tests.chaos._driver`` with ``args``; it prints the result as JSON."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = f"{ROOT}{os.pathsep}{environment.get('PYTHONPATH', '')}"
    return subprocess.Popen(
        [sys.executable, "-m", "tests.chaos._driver", json.dumps(args)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 60.0) -> None:
    """Until ``path`` exists (the driver reached its blocking point)."""
    end = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"driver ended early: {process.communicate()}")
        if time.monotonic() > end:
            raise AssertionError(f"driver never reached {path.name}")
        time.sleep(0.05)


def kill9(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def finished(process: subprocess.Popen[str], timeout: float = 120.0) -> dict[str, Any]:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-2000:]
    return dict(json.loads(out.strip().splitlines()[-1]))
