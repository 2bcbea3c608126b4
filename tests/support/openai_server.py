"""A fake OpenAI-compatible chat-completions server on loopback, scriptable per test.

It is a real HTTP server (stdlib ``ThreadingHTTPServer`` in a thread) that speaks
``POST /v1/chat/completions`` in both forms, a JSON body and server-sent events, so the
real ``langchain-openai`` ``ChatOpenAI(base_url=...)`` and the ``openai`` client drive it
exactly as they drive llama.cpp, Ollama or vLLM.

A test scripts it with a *responder*: a function from the request it received
(``ChatRequest``) to what to send back: a ``Reply`` (text and/or tool calls) or a
``Fault``. Server-wide ``Quirks`` reproduce what small local servers do:

- ``reject_required_tool_choice``: HTTP 500 to ``tool_choice: "required"`` (llama.cpp's
  function-calling handler accepts only none, auto or a named tool);
- ``drop_tool_messages``: ``role: tool`` messages never reach the model;
- ``null_content``: ``content: null`` whenever a reply has no text.

A reply's tool-call arguments may be a raw string (``'{"a": 1} I hope this helps'``), and
a reply may be prose where a tool call was expected. Faults reproduce provider failures:
429 with ``Retry-After``, 5xx, 401, connection resets, a reply that never comes (timeouts),
a reply sent one byte at a time, invalid JSON and an empty ``choices`` list.

Token usage is computed the same way for every reply: one token per four characters of
the request's messages and tools (input) and of the reply's text and arguments (output).
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

CHARS_PER_TOKEN = 4
"""The fake tokenizer: usage counts one token per four characters."""


@dataclass(frozen=True)
class ToolCallReply:
    """One tool call in a reply; ``arguments`` as a string is sent verbatim (malformed or not)."""

    name: str
    arguments: dict[str, Any] | str
    id: str = ""

    def arguments_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass(frozen=True)
class Reply:
    """A successful completion: text, tool calls, or both."""

    content: str | None = None
    tool_calls: tuple[ToolCallReply, ...] = ()


@dataclass(frozen=True)
class Fault:
    """A provider failure.

    kinds:
        ``status``: an HTTP error (``status``, ``headers`` such as ``Retry-After``);
        ``reset``: the connection is closed without an answer;
        ``hang``: nothing is sent for ``seconds`` (a client timeout fires first);
        ``slow``: a valid reply sent one byte every ``seconds``;
        ``bad_json``: HTTP 200 with a body that is not JSON;
        ``empty_choices``: HTTP 200 with ``"choices": []``.
    """

    kind: Literal["status", "reset", "hang", "slow", "bad_json", "empty_choices"]
    status: int = 500
    message: str = "internal server error"
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    reply: Reply | None = None

    @classmethod
    def http(cls, status: int, message: str = "", **headers: str) -> Fault:
        """An HTTP error; keyword headers use ``_`` for ``-`` (``Retry_After="1"``)."""
        named = {key.replace("_", "-"): value for key, value in headers.items()}
        return cls("status", status=status, message=message or f"HTTP {status}", headers=named)


@dataclass(frozen=True)
class Quirks:
    """Server-wide behaviours of real OpenAI-compatible servers (see the module docstring)."""

    reject_required_tool_choice: bool = False
    drop_tool_messages: bool = False
    null_content: bool = False


REQUIRED_TOOL_CHOICE_ERROR = (
    "tool_choice 'required' is not supported: expected one of 'none', 'auto' or a named function"
)
"""The body text of the 500 that a llama.cpp-like server sends for a forced tool choice."""


@dataclass
class ChatRequest:
    """What the server received, after its quirks (a dropped message is not here)."""

    body: dict[str, Any]
    messages: list[dict[str, Any]]

    @property
    def tool_names(self) -> list[str]:
        return [tool["function"]["name"] for tool in self.body.get("tools") or []]

    @property
    def tool_choice(self) -> Any:
        return self.body.get("tool_choice")

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.body.get("response_format")

    def text(self, role: str) -> str:
        """Every ``role`` message's text, joined (content parts flattened)."""
        parts = []
        for message in self.messages:
            if message.get("role") == role:
                parts.append(_content_text(message.get("content")))
        return "\n".join(parts)

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("role") == "tool"]


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


Responder = Callable[[ChatRequest], Reply | Fault]


def _tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


class FakeOpenAIServer:
    """The server. Use as a context manager; ``base_url`` is what ``ChatOpenAI`` takes.

    ``requests`` records every request body as received (before quirks), in order.
    """

    def __init__(self, responder: Responder, *, quirks: Quirks | None = None) -> None:
        self.responder = responder
        self.quirks = quirks or Quirks()
        self.requests: list[dict[str, Any]] = []
        self.usages: list[dict[str, int]] = []
        """Usage of every reply sent, as reported to the client."""
        self.usage_models: list[str] = []
        """The model each of ``usages`` was asked of (the ``model`` field of the request)."""
        self.clients: list[Any] = []
        """HTTP clients made by ``chat_model`` for this server, closed with it."""
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self.clients:
            client.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- request handling ----------------------------------------------------------------

    def answer(self, body: dict[str, Any]) -> tuple[ChatRequest, Reply | Fault]:
        with self._lock:
            self.requests.append(body)
        messages = list(body.get("messages") or [])
        if self.quirks.drop_tool_messages:
            messages = [m for m in messages if m.get("role") != "tool"]
        request = ChatRequest(body=body, messages=messages)
        if self.quirks.reject_required_tool_choice and body.get("tool_choice") == "required":
            return request, Fault.http(500, REQUIRED_TOOL_CHOICE_ERROR)
        return request, self.responder(request)

    def completion(self, request: ChatRequest, reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if not reply.content and (self.quirks.null_content or reply.tool_calls):
            message["content"] = None if self.quirks.null_content else ""
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id or f"call_{index}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments_text()},
                }
                for index, call in enumerate(reply.tool_calls)
            ]
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                }
            ],
            "usage": self.usage(request, reply),
        }

    def usage(self, request: ChatRequest, reply: Reply) -> dict[str, int]:
        prompt = _tokens(json.dumps(request.messages) + json.dumps(request.body.get("tools", [])))
        output = _tokens(
            (reply.content or "") + "".join(c.arguments_text() for c in reply.tool_calls)
        )
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": output,
            "total_tokens": prompt + output,
        }
        with self._lock:
            self.usages.append(usage)
            self.usage_models.append(str(request.body.get("model", "")))
        return usage

    def chunks(self, request: ChatRequest, reply: Reply) -> Iterator[dict[str, Any]]:
        """The reply as streamed chunks: text in pieces, then each tool call's arguments in
        pieces, the finish reason, and usage when the client asked for it."""
        base = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": request.body.get("model", "fake"),
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        first: dict[str, Any] = {"role": "assistant", "content": "" if reply.content else None}
        if not self.quirks.null_content and first["content"] is None:
            first["content"] = ""
        yield chunk(first)
        text = reply.content or ""
        for start in range(0, len(text), 7):
            yield chunk({"content": text[start : start + 7]})
        for index, call in enumerate(reply.tool_calls):
            args = call.arguments_text()
            yield chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call.id or f"call_{index}",
                            "type": "function",
                            "function": {"name": call.name, "arguments": ""},
                        }
                    ]
                }
            )
            for start in range(0, len(args), 9):
                yield chunk(
                    {
                        "tool_calls": [
                            {"index": index, "function": {"arguments": args[start : start + 9]}}
                        ]
                    }
                )
        yield chunk({}, "tool_calls" if reply.tool_calls else "stop")
        if (request.body.get("stream_options") or {}).get("include_usage"):
            yield {**base, "choices": [], "usage": self.usage(request, reply)}


def _handler_class(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                self._send_json(400, {"error": {"message": "request body is not JSON"}})
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                return
            request, outcome = server.answer(body)
            if isinstance(outcome, Fault):
                self._fault(request, outcome)
            elif request.stream:
                self._send_stream(request, outcome)
            else:
                self._send_json(200, server.completion(request, outcome))

        # --- writers ---------------------------------------------------------------------

        def _send_bytes(
            self,
            status: int,
            payload: bytes,
            *,
            content_type: str = "application/json",
            headers: dict[str, str] | None = None,
            delay: float = 0.0,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            try:
                if delay:
                    for index in range(len(payload)):
                        self.wfile.write(payload[index : index + 1])
                        self.wfile.flush()
                        time.sleep(delay)
                else:
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up
                return

        def _send_json(self, status: int, data: dict[str, Any], **kwargs: Any) -> None:
            self._send_bytes(status, json.dumps(data).encode(), **kwargs)

        def _send_stream(self, request: ChatRequest, reply: Reply, *, delay: float = 0.0) -> None:
            events = [json.dumps(item) for item in server.chunks(request, reply)]
            self._send_events(events, delay=delay)

        def _send_events(self, events: list[str], *, delay: float = 0.0) -> None:
            """Server-sent events, then ``[DONE]``; with ``delay``, one byte at a time."""
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            payload = "".join(f"data: {event}\n\n" for event in [*events, "[DONE]"]).encode()
            step = 1 if delay else len(payload)
            try:
                for start in range(0, len(payload), step):
                    self.wfile.write(payload[start : start + step])
                    self.wfile.flush()
                    if delay:
                        time.sleep(delay)
            except (BrokenPipeError, ConnectionResetError):
                return

        def _fault(self, request: ChatRequest, fault: Fault) -> None:
            if fault.kind == "status":
                error = {
                    "error": {
                        "message": fault.message,
                        "type": "server_error" if fault.status >= 500 else "invalid_request_error",
                        "param": None,
                        "code": fault.status,
                    }
                }
                self._send_json(fault.status, error, headers=fault.headers)
            elif fault.kind == "reset":
                self.close_connection = True
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                self.connection.close()
            elif fault.kind == "hang":
                time.sleep(fault.seconds)
                self.close_connection = True
            elif fault.kind == "slow":
                reply = fault.reply or Reply(content="slow")
                if request.stream:
                    self._send_stream(request, reply, delay=fault.seconds)
                    return
                payload = json.dumps(server.completion(request, reply)).encode()
                self._send_bytes(200, payload, delay=fault.seconds)
            elif fault.kind == "bad_json":
                broken = '{"id": "chatcmpl-bad", "choices": [{"index": 0, "mess'
                if request.stream:
                    self._send_events([broken])
                    return
                self._send_bytes(200, broken.encode())
            elif fault.kind == "empty_choices":
                data = {
                    "id": "chatcmpl-empty",
                    "object": "chat.completion.chunk" if request.stream else "chat.completion",
                    "created": int(time.time()),
                    "model": request.body.get("model", "fake"),
                    "choices": [],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1},
                }
                if request.stream:
                    self._send_events([json.dumps(data)])
                    return
                self._send_json(200, data)

    return Handler


def chat_model(
    server: FakeOpenAIServer, *, model: str = "qwen2.5-coder-1.5b-instruct", **kwargs: Any
) -> Any:
    """A real ``langchain_openai.ChatOpenAI`` pointed at ``server`` (no retries, short timeout)."""
    import httpx
    from langchain_openai import ChatOpenAI

    options: dict[str, Any] = {"api_key": "sk-fake", "max_retries": 0, "timeout": 10}
    options.update(kwargs)
    # Plain-HTTP clients: loopback needs no CA bundle, and loading one costs ~0.4 s a model.
    timeout = options["timeout"]
    client = httpx.Client(verify=False, timeout=timeout)
    server.clients.append(client)
    options.setdefault("http_client", client)
    options.setdefault("http_async_client", httpx.AsyncClient(verify=False, timeout=timeout))
    return ChatOpenAI(model=model, base_url=server.base_url, **options)
