"""A quick stdio front for ``infra-team mcp``: the handshake answered before the SDK loads.

Importing the ``mcp`` SDK takes over a second (its pydantic type modules), and Claude Code
shows the server as connecting until ``initialize`` is answered; a subagent delegated to
meanwhile has no tools. So the front answers ``initialize`` (and ``tools/list`` and ``ping``
once initialized) from this module and the stored listing (``mcp_tools.json``, see
``mcp_listing``), while a background thread imports the SDK and builds the server
(``mcp_server.build_mcp_server``). Everything else waits in order.

Hand-over: when the server is built, it is given the connection as if from the start. The
client's ``initialize`` request is replayed to it verbatim, so the SDK session holds the
client's capabilities (elicitation: a person's approval) and protocol version, and its
answer to that replayed request (the client already has one) is not sent; then every
message the front did not answer (``notifications/initialized`` among them) follows in
arrival order, then the rest of stdin. The front answers only requests it can answer
exactly as the SDK does (a test compares the two); anything else, malformed input
included, is left to the SDK.

Protocol version (MCP lifecycle, "Version Negotiation"): the client's version when the
server supports it, else the latest the server supports; ``HANDSHAKE_VERSIONS`` mirrors
the SDK's list (a test keeps them equal).

Like the SDK's stdio transport, the front serves the wire from private copies of file
descriptors 0 and 1 and points 0 at the null device and 1 at stderr, so a tool or child
process that reads stdin or prints cannot corrupt the protocol stream.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from collections.abc import AsyncIterator, Mapping
from importlib.util import find_spec
from typing import IO, TYPE_CHECKING, Any, cast

from infra_team._version import __version__

if TYPE_CHECKING:
    from mcp.server import Server

    from infra_team.models import ModelArg
    from infra_team.runner import CheckpointerArg

SERVER_NAME = "infra-team"
"""``registry.MCP_SERVER_NAME`` (the registry imports pydantic; a test keeps them equal)."""
HANDSHAKE_VERSIONS: tuple[str, ...] = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
"""Protocol versions the server negotiates in ``initialize``, oldest first (the SDK's
``HANDSHAKE_PROTOCOL_VERSIONS``)."""
INSTRUCTIONS = (
    "Infrastructure & Operations tools: exact calculators and audits (capacity, DR, SLOs, "
    "CIDR plans, firewalls, sshd, query plans, Terraform plans), read-only monitoring "
    "queries, and incident actions that wait for a person's Change Approval. "
    "`run_team_task` runs the whole team or one role on a request or an incident and "
    "returns its report. Only a person approves a change: through this client's prompt "
    "when it can ask, otherwise with `infra-team resume <thread-id> --approve` in a shell."
)
CAPABILITIES: dict[str, Any] = {"tools": {"listChanged": False}}
"""What the SDK server advertises for the handlers ``build_mcp_server`` registers."""


def negotiated_version(requested: object) -> str:
    """The client's protocol version when supported, else the latest supported one."""
    return (
        requested
        if isinstance(requested, str) and requested in HANDSHAKE_VERSIONS
        else (HANDSHAKE_VERSIONS[-1])
    )


def initialize_result(params: Mapping[str, Any]) -> dict[str, Any]:
    """The ``initialize`` result the SDK server gives for these params (wire form)."""
    return {
        "capabilities": CAPABILITIES,
        "instructions": INSTRUCTIONS,
        "protocolVersion": negotiated_version(params.get("protocolVersion")),
        "serverInfo": {"name": SERVER_NAME, "version": __version__},
    }


def _valid_initialize(params: object) -> bool:
    """Params the SDK accepts for ``initialize`` (else the SDK answers, with its error)."""
    if not isinstance(params, dict):
        return False
    info = params.get("clientInfo")
    return (
        isinstance(params.get("protocolVersion"), str)
        and isinstance(params.get("capabilities"), dict)
        and isinstance(info, dict)
        and isinstance(info.get("name"), str)
        and isinstance(info.get("version"), str)
    )


class _Wire:
    """The protocol stream on private copies of stdin and stdout; a thread reads lines."""

    def __init__(self) -> None:
        self.input: IO[bytes] = os.fdopen(os.dup(0), "rb", closefd=False)
        self.output: IO[bytes] = os.fdopen(os.dup(1), "wb")
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdout.flush()
        os.dup2(2, 1)
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._read, name="mcp-stdin", daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self.input:
                if line.strip():
                    self.lines.put(line)
        finally:
            self.lines.put(None)

    def send(self, message: Mapping[str, Any]) -> None:
        self.output.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self.output.flush()


class _Front:
    """Answers the handshake while the SDK loads; keeps the rest for the SDK."""

    def __init__(self, wire: _Wire) -> None:
        self.wire = wire
        self.replay: list[bytes] = []
        self.initialize_id: object = None
        self.initialized: dict[str, Any] | None = None  # the front's initialize result
        self.listing: list[dict[str, Any]] | None = None

    def handle(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("jsonrpc") == "2.0" and "id" in message:
            result = self.answer(message.get("method"), message.get("params"))
            if result is not None:
                self.wire.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
                if message.get("method") == "initialize":
                    self.initialize_id = message["id"]
                    self.replay.append(line)
                return
        self.replay.append(line)

    def answer(self, method: object, params: object) -> dict[str, Any] | None:
        """The result for a request the front answers as the SDK would, else None."""
        if method == "initialize":
            if self.initialize_id is None and not self.replay and _valid_initialize(params):
                self.initialized = initialize_result(cast("dict[str, Any]", params))
                return self.initialized
            return None
        if self.initialize_id is None:
            return None
        if method == "ping" and params in (None, {}):
            return {}
        if method == "tools/list" and params in (None, {}):
            if self.listing is None:
                from infra_team.integrations.mcp_listing import stored_listing

                self.listing = stored_listing()
            return None if self.listing is None else {"tools": self.listing}
        return None


class _ReplayedInput:
    """stdin for the SDK transport: the kept messages, then the rest of the wire."""

    def __init__(self, replay: list[bytes], lines: queue.Queue[bytes | None]) -> None:
        self.replay, self.lines = list(replay), lines

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    def _next(self) -> bytes | None:
        return self.lines.get()

    async def _lines(self) -> AsyncIterator[str]:
        import anyio.to_thread

        for kept in self.replay:
            yield kept.decode("utf-8", "replace")
        while True:
            line = await anyio.to_thread.run_sync(self._next, abandon_on_cancel=True)
            if line is None:
                return
            yield line.decode("utf-8", "replace")


class _AnsweredOutput:
    """stdout for the SDK transport, without the answer to the replayed ``initialize``."""

    def __init__(self, front: _Front) -> None:
        self.wire, self.answered_id, self.answer = (
            front.wire,
            front.initialize_id,
            front.initialized,
        )
        self.dropped = front.initialized is None

    async def write(self, text: str) -> None:
        if not self.dropped:
            message = json.loads(text)
            if message.get("id") == self.answered_id and "method" not in message:
                self.dropped = True
                if message.get("result") != self.answer:  # pragma: no cover - a test pins it
                    print(
                        f"infra-team mcp: the SDK would have answered initialize with {text}",
                        file=sys.stderr,
                    )
                return
        self.wire.output.write(text.encode())

    async def flush(self) -> None:
        self.wire.output.flush()


async def _serve(server: Server[Any], front: _Front) -> None:
    from mcp.server.stdio import stdio_server

    stdin = cast("Any", _ReplayedInput(front.replay, front.wire.lines))
    stdout = cast("Any", _AnsweredOutput(front))
    async with stdio_server(stdin=stdin, stdout=stdout) as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def serve(model: ModelArg = None, *, checkpointer: CheckpointerArg = None) -> None:
    """Serve ``infra-team mcp`` on stdio: the front, then the SDK server.

    Raises:
        HostAdapterError: the ``mcp`` package is not installed.
        Exception: whatever building the server raised (a bad model or checkpoint).
    """
    if find_spec("mcp") is None:
        from infra_team.integrations.mcp_server import _require_sdk

        _require_sdk()
    built: dict[str, Any] = {}
    ready = threading.Event()

    def build() -> None:
        try:
            import anyio  # noqa: F401
            import mcp.server.stdio  # noqa: F401

            from infra_team.integrations.mcp_server import build_mcp_server

            built["server"] = build_mcp_server(model, checkpointer=checkpointer)
        except BaseException as exc:  # re-raised in the main thread
            built["error"] = exc
        finally:
            ready.set()

    threading.Thread(target=build, name="mcp-sdk", daemon=True).start()
    front = _Front(_Wire())
    while not ready.is_set():
        try:
            line = front.wire.lines.get(timeout=0.01)
        except queue.Empty:
            continue
        if line is None:  # the client closed stdin: the SDK answers what waits, then ends
            front.wire.lines.put(None)
            ready.wait()
            break
        front.handle(line)
    if "error" in built:
        raise built["error"]
    import anyio

    anyio.run(_serve, built["server"], front)
