"""How fast ``infra-team mcp`` is ready for Claude Code: spawn to the ``initialize`` response,
and spawn to the ``tools/list`` response (when a host can offer the tools to a subagent).

Speaks the MCP stdio transport by hand (one JSON-RPC message per line), as a host does, so
the figures include interpreter start-up and every import. Run:
``python -m bench.mcp_startup`` (``BENCH_RUNS`` runs, default 5; prints the median).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

PROTOCOL = "2025-06-18"


def _send(pipe: IO[bytes], message: dict[str, Any]) -> None:
    pipe.write(json.dumps(message).encode() + b"\n")
    pipe.flush()


def _answer(pipe: IO[bytes], request_id: int) -> dict[str, Any]:
    while True:
        line = pipe.readline()
        if not line:
            msg = "the server closed stdout before answering"
            raise RuntimeError(msg)
        message = json.loads(line)
        if message.get("id") == request_id:
            return dict(message)


def measure(command: list[str]) -> tuple[float, float, int]:
    """Seconds from spawn to the initialize answer and to the tools/list answer, and the
    number of tools listed."""
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = Path(folder) / "runs.sqlite"
        started = time.perf_counter()
        process = subprocess.Popen(
            [*command, "--checkpoint", str(checkpoint)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdin is not None and process.stdout is not None
        try:
            _send(
                process.stdin,
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {
                        "protocolVersion": PROTOCOL,
                        "capabilities": {},
                        "clientInfo": {"name": "bench", "version": "1"},
                    },
                },
            )
            _answer(process.stdout, 1)
            initialized = time.perf_counter() - started
            _send(process.stdin, {"jsonrpc": "2.0", "method": "notifications/initialized"})
            _send(process.stdin, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
            tools = _answer(process.stdout, 2)["result"]["tools"]
            listed = time.perf_counter() - started
        finally:
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return initialized, listed, len(tools)


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "5"))
    command = [sys.executable, "-m", "infra_team", "mcp"]
    results = [measure(command) for _ in range(runs)]
    initialize = statistics.median(result[0] for result in results)
    listing = statistics.median(result[1] for result in results)
    print(f"{'figure':<40}{'median (s)':>12}")
    print(f"{'mcp: spawn to initialize answer':<40}{initialize:>12.3f}")
    print(f"{'mcp: spawn to tools/list answer':<40}{listing:>12.3f}")
    print(f"{'mcp: tools listed':<40}{results[0][2]:>12d}")


if __name__ == "__main__":
    main()
