"""A write whose outcome is unknown is never sent twice; a read still is.

A real HTTP server on loopback counts the requests that reach it while it fails in the
ways that leave a client unsure whether a write happened (the request arrived, then the
connection dropped, the answer never came, or a 500/502 came back), and in the ways that
prove it did not happen (429, 503 with ``Retry-After``, nothing listening). The client is
the package's own ``call_api`` with three retries.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from infra_team.settings import HttpSettings
from infra_team.tools._base import ToolResult
from infra_team.tools.integrations.http import ApiRequest, ApiTarget, call_api
from tests.support.chaos import figure

HTTP = HttpSettings(timeout=0.5, retries=3, backoff_initial=0.0, backoff_max=0.0)
ATTEMPTS = HTTP.retries + 1


@dataclass
class Counter:
    url: str
    hits: int = 0


@contextmanager
def failing_server(behaviour: str) -> Iterator[Counter]:
    """Every request is read in full, counted, then met with ``behaviour``."""
    counter = Counter(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            counter.hits += 1
            if behaviour == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if behaviour == "hang":
                time.sleep(HTTP.timeout * 3)
                self.close_connection = True
                return
            status, headers = {
                "500": (500, {}),
                "502": (502, {}),
                "429": (429, {"Retry-After": "0"}),
                "503-retry-after": (503, {"Retry-After": "0"}),
            }[behaviour]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = _answer
        do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    counter.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield counter
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _call(url: str, method: str) -> ToolResult:
    target = ApiTarget(service="Grafana", base_url=url)
    body = {"text": "deploy"} if method == "POST" else None
    request = ApiRequest(method=method, path="/api/annotations", json_body=body)  # type: ignore[arg-type]
    return call_api(
        "grafana_annotate",
        target,
        request,
        lambda answer: ToolResult(tool="grafana_annotate", status="success", summary="ok"),
        http=HTTP,
        sleep=lambda seconds: None,
    )


@pytest.mark.parametrize("behaviour", ["drop", "hang", "500", "502"])
def test_a_write_that_may_have_happened_is_sent_once(behaviour):
    with failing_server(behaviour) as server:
        result = _call(server.url, "POST")
    figure(
        f"POST answered by {behaviour}: sent once",
        1,
        int(server.hits == 1),
        f"{server.hits} request(s), {ATTEMPTS} allowed",
    )
    assert server.hits == 1
    assert result.status == "error"
    if behaviour in {"drop", "hang"}:
        assert result.code == "outcome_unknown"
        assert "may or may not have been made, so it was not sent again" in (result.error or "")
    else:
        assert result.code == "http_error"


@pytest.mark.parametrize("behaviour", ["drop", "hang", "500", "502"])
def test_a_read_is_still_retried(behaviour):
    with failing_server(behaviour) as server:
        result = _call(server.url, "GET")
    figure(f"GET answered by {behaviour}: retried", 1, int(server.hits == ATTEMPTS))
    assert server.hits == ATTEMPTS
    assert result.code in {"timeout", "retries_exhausted"}


@pytest.mark.parametrize("behaviour", ["429", "503-retry-after"])
def test_a_write_the_server_proves_it_refused_is_retried(behaviour):
    with failing_server(behaviour) as server:
        result = _call(server.url, "POST")
    figure(f"POST answered by {behaviour}: retried", 1, int(server.hits == ATTEMPTS))
    assert server.hits == ATTEMPTS
    assert result.code == "retries_exhausted"


def test_a_write_that_could_not_connect_is_retried(caplog):
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with caplog.at_level("WARNING", logger="infra_team.tools.integrations.http"):
        result = _call(f"http://127.0.0.1:{port}", "POST")
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert result.code == "retries_exhausted"
    assert len(retries) == HTTP.retries  # nothing was sent, so sending again is safe
