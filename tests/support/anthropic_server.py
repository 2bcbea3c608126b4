"""A scripted Anthropic Messages API on loopback, for driving the real Claude Code CLI.

Claude Code (``ANTHROPIC_BASE_URL``) posts to ``/v1/messages`` (streaming, ``stream: true``),
may post to ``/v1/messages/count_tokens`` and probes ``HEAD /``. Every request is recorded;
the reply to a message request comes from a ``script`` function that sees the request body
and returns the assistant's content blocks (text and ``tool_use``), sent back as the
server-sent events of the Messages streaming API (``message_start``,
``content_block_start`` / ``content_block_delta`` / ``content_block_stop``,
``message_delta``, ``message_stop``), or as one JSON message when the request does not
stream. Shapes: Anthropic API reference, "Messages" and "Streaming Messages".
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Block = dict[str, Any]
Script = Callable[[dict[str, Any]], list[Block]]


def text(value: str) -> Block:
    """A text content block."""
    return {"type": "text", "text": value}


_ids = itertools.count(1)


def tool_use(name: str, arguments: dict[str, Any]) -> Block:
    """A ``tool_use`` content block with a fresh id."""
    return {"type": "tool_use", "id": f"toolu_{next(_ids):04d}", "name": name, "input": arguments}


def tool_names(body: dict[str, Any]) -> list[str]:
    """Names of the tools a request offers the model."""
    return [tool["name"] for tool in body.get("tools", [])]


def system_text(body: dict[str, Any]) -> str:
    """The request's system prompt as one string."""
    system = body.get("system", "")
    if isinstance(system, str):
        return system
    return "\n".join(block.get("text", "") for block in system if isinstance(block, dict))


def message_texts(body: dict[str, Any]) -> list[str]:
    """Every text of every message: prompts, system reminders and tool results."""
    found: list[str] = []

    def walk(content: Any) -> None:
        if isinstance(content, str):
            found.append(content)
        elif isinstance(content, list):
            for block in content:
                if isinstance(block, dict):
                    if "text" in block:
                        found.append(str(block["text"]))
                    if "content" in block:
                        walk(block["content"])

    for message in body.get("messages", []):
        walk(message.get("content"))
    return found


def tool_results(body: dict[str, Any]) -> list[str]:
    """The text of every ``tool_result`` block of the request, in order."""
    results: list[str] = []
    for message in body.get("messages", []):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                inner = block.get("content")
                if isinstance(inner, str):
                    results.append(inner)
                elif isinstance(inner, list):
                    results.append(
                        "\n".join(
                            str(part.get("text", "")) for part in inner if isinstance(part, dict)
                        )
                    )
    return results


def _events(model: str, blocks: list[Block]) -> Iterator[tuple[str, dict[str, Any]]]:
    stop = "tool_use" if any(block["type"] == "tool_use" for block in blocks) else "end_turn"
    usage = {"input_tokens": 10, "output_tokens": 1}
    start = {
        "id": f"msg_{next(_ids):04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    yield "message_start", {"type": "message_start", "message": start}
    for index, block in enumerate(blocks):
        if block["type"] == "text":
            opening: Block = {"type": "text", "text": ""}
            delta: Block = {"type": "text_delta", "text": block["text"]}
        else:
            opening = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        yield (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": index,
                "content_block": opening,
            },
        )
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": 5},
        },
    )
    yield "message_stop", {"type": "message_stop"}


@dataclass
class ScriptedAnthropic:
    """The running server: its base URL and every message request it answered."""

    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Bodies of the ``/v1/messages`` requests, in arrival order."""
    failures: list[str] = field(default_factory=list)
    """Script errors, each answered with HTTP 500 (a test asserts this stays empty)."""


def _handler(state: ScriptedAnthropic, script: Script, lock: threading.Lock) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reports what matters."""

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_HEAD(self) -> None:
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            self._json(404, {"type": "error", "error": {"type": "not_found_error"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            path = self.path.split("?", 1)[0]
            if path.endswith("/count_tokens"):
                self._json(200, {"input_tokens": 100})
                return
            if path != "/v1/messages":
                self._json(404, {"type": "error", "error": {"type": "not_found_error"}})
                return
            with lock:
                state.requests.append(body)
                try:
                    blocks = script(body)
                except Exception as exc:  # reported to the test, answered as a server error
                    state.failures.append(f"{type(exc).__name__}: {exc}")
                    self._json(500, {"type": "error", "error": {"type": "api_error"}})
                    return
            model = str(body.get("model", "claude"))
            if not body.get("stream"):
                stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
                self._json(
                    200,
                    {
                        "id": f"msg_{next(_ids):04d}",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": blocks,
                        "stop_reason": stop,
                        "stop_sequence": None,
                        "usage": {"input_tokens": 10, "output_tokens": 5},
                    },
                )
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.send_header("connection", "close")
            self.end_headers()
            for event, data in _events(model, blocks):
                self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
            self.close_connection = True

    return Handler


@contextmanager
def scripted_anthropic(script: Script) -> Iterator[ScriptedAnthropic]:
    """Serve the scripted Messages API on a free loopback port until the block ends."""
    lock = threading.Lock()
    state = ScriptedAnthropic(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, script, lock))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
