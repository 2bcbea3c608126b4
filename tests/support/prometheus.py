"""Real Prometheus and Alertmanager servers on loopback for a test.

Both are the Debian packages (``prometheus``, ``prometheus-alertmanager``), started with a
config in a temporary folder, temporary storage, ``--web.listen-address`` on 127.0.0.1 and
a free port, and stopped by their PID afterwards. Prometheus scrapes itself every second,
so ``up`` and its own metrics have real samples within a few seconds. Alertmanager runs
with clustering off (``--cluster.listen-address=``) and one receiver that sends nothing;
``post_alert`` gives it a real alert through its own API.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.support.real import missing, require_binary

START_TIMEOUT = 60.0
"""Seconds a server may take to answer (a loaded 2-core machine starts Prometheus slowly)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(
    check: Callable[[], bool], what: str, log: Path, process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            missing(f"{what} exited at start: {log.read_text(errors='replace')[-800:]}")
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    missing(f"{what} did not become ready within {START_TIMEOUT:g} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server by its PID: SIGTERM, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@contextlib.contextmanager
def _running(argv: list[str], folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=folder
        )
    try:
        yield process
    finally:
        _stop(process)


@contextlib.contextmanager
def prometheus_server() -> Iterator[str]:
    """Yield the base URL of a Prometheus that scrapes itself every second."""
    binary = require_binary("prometheus", hint="apt-get install prometheus")
    folder = Path(tempfile.mkdtemp(prefix="infra-team-prom-"))
    port = _free_port()
    config = folder / "prometheus.yml"
    config.write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: prometheus\n"
        "    static_configs:\n"
        f"      - targets: ['127.0.0.1:{port}']\n",
        encoding="utf-8",
    )
    argv = [
        str(binary),
        f"--config.file={config}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    url = f"http://127.0.0.1:{port}"

    def has_up() -> bool:
        answer = httpx.get(f"{url}/api/v1/query", params={"query": "up"}, timeout=2)
        return answer.status_code == 200 and bool(answer.json()["data"]["result"])

    try:
        with _running(argv, folder) as process:
            _wait_for(has_up, "prometheus", folder / "server.log", process)
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def alertmanager_server() -> Iterator[str]:
    """Yield the base URL of an Alertmanager with clustering off and a silent receiver."""
    binary = require_binary(
        "prometheus-alertmanager",
        hint="apt-get install prometheus-alertmanager",
    )
    folder = Path(tempfile.mkdtemp(prefix="infra-team-am-"))
    port = _free_port()
    config = folder / "alertmanager.yml"
    config.write_text(
        "route:\n  receiver: nowhere\n  group_wait: 1s\nreceivers:\n  - name: nowhere\n",
        encoding="utf-8",
    )
    argv = [
        str(binary),
        f"--config.file={config}",
        f"--storage.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        return httpx.get(f"{url}/-/ready", timeout=2).status_code == 200

    try:
        with _running(argv, folder) as process:
            _wait_for(ready, "alertmanager", folder / "server.log", process)
            yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def post_alert(url: str, labels: dict[str, str], *, summary: str, minutes_ago: int) -> None:
    """Send one firing alert through Alertmanager's API v2 and wait until it is listed."""
    starts = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    alert: dict[str, Any] = {
        "labels": labels,
        "annotations": {"summary": summary},
        "startsAt": starts.isoformat().replace("+00:00", "Z"),
        "generatorURL": "http://127.0.0.1:9090/graph?g0.expr=up",
    }
    httpx.post(f"{url}/api/v2/alerts", json=[alert], timeout=5).raise_for_status()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        listed = httpx.get(f"{url}/api/v2/alerts", timeout=5).json()
        if any(a["labels"] == labels for a in listed):
            return
        time.sleep(0.1)
    msg = f"alert {labels} was accepted but never listed"
    raise AssertionError(msg)


__all__ = ["alertmanager_server", "post_alert", "prometheus_server"]
