"""A real DNS server on loopback: ``dnsmasq`` serving a small test zone on a free port.

dnsmasq answers only from its command line (``--no-resolv``, ``--no-hosts``: no upstream,
no /etc/hosts) for ``A``, ``AAAA``, ``TXT``, ``CNAME`` and ``MX`` records, in the
foreground, and is stopped by its PID after the test.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator

from tests.support.loopback import free_port, stop
from tests.support.real import require_binary

HINT = "apt-get install dnsmasq"


def _wait_udp(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Wait until dnsmasq answers a query (a fixed query for ``ready.test. A``)."""
    query = bytes.fromhex("abcd01000001000000000000") + b"\x05ready\x04test\x00\x00\x01\x00\x01"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode(errors="replace") if process.stderr else ""
            msg = f"dnsmasq exited with {process.returncode}: {err[-2000:]}"
            raise RuntimeError(msg)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.2)
            with contextlib.suppress(OSError):
                sock.sendto(query, ("127.0.0.1", port))
                if sock.recv(512)[:2] == b"\xab\xcd":
                    return
        time.sleep(0.05)
    msg = f"dnsmasq does not answer on 127.0.0.1:{port}"
    raise RuntimeError(msg)


@contextlib.contextmanager
def dnsmasq_server(records: list[str]) -> Iterator[int]:
    """Run dnsmasq with ``records`` (its own options, e.g. ``--host-record=a.test,192.0.2.1``)
    and yield its UDP/TCP port on 127.0.0.1."""
    binary = require_binary("dnsmasq", hint=HINT, search=("/usr/sbin",))
    port = free_port(socket.SOCK_DGRAM)
    command = [
        str(binary),
        "--keep-in-foreground",
        "--no-resolv",
        "--no-hosts",
        "--no-poll",
        "--conf-file=/dev/null",
        "--listen-address=127.0.0.1",
        "--bind-interfaces",
        f"--port={port}",
        "--pid-file",
        "--address=/ready.test/127.0.0.1",
        *records,
    ]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_udp(port, process)
        yield port
    finally:
        stop(process)
        if process.stderr:
            process.stderr.close()
