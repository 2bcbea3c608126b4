"""A real HTTP server on loopback that answers with what a test tells it to.

respx replaces httpx's transport, so header validation (h11) and the wire never run under
it. Tests of what really happens on the wire (a token with a newline, an API that echoes
the ``Authorization`` header back) use this server instead: ``http.server`` on
``127.0.0.1`` and a free port, in a thread, stopped when the ``with`` block ends.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class SeenRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Reply = tuple[int, Any]
"""Status and body: a ``str`` is sent as text, anything else as JSON."""
Responder = Callable[[SeenRequest], Reply]


@dataclass
class LoopbackServer:
    """The running server: its base URL and every request it saw."""

    url: str
    requests: list[SeenRequest] = field(default_factory=list)


@contextmanager
def serve(
    responder: Responder, *, json_type: str = "application/json; charset=utf-8"
) -> Iterator[LoopbackServer]:
    """Run a server whose every answer is ``responder(request)``.

    ``json_type`` is the ``Content-Type`` of JSON answers: the Kubernetes API server sends
    a bare ``application/json``, and its clients compare the header exactly.
    """
    state = LoopbackServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = SeenRequest(
                method=self.command,
                path=self.path,
                headers=dict(self.headers.items()),
                body=self.rfile.read(length) if length else b"",
            )
            state.requests.append(seen)
            status, body = responder(seen)
            is_text = isinstance(body, str)
            payload = (body if is_text else json.dumps(body)).encode("utf-8")
            self.send_response(status)
            kind = "text/plain; charset=utf-8" if is_text else json_type
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
