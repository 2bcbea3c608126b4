"""A real PostgreSQL server on loopback for a test: ``initdb`` in a temporary folder,
``pg_ctl start`` on a free port, stopped by its PID afterwards.

The server refuses to run as root, so as root the folder is given to the ``postgres``
user and the binaries run as that user (``runuser``). Binaries are looked up on PATH and
in /usr/lib/postgresql/<version>/bin (the Debian package ``postgresql``).
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
from collections.abc import Iterator
from pathlib import Path

from tests.support.real import missing, require_binary

HINT = "apt-get install postgresql"


def _search() -> tuple[str, ...]:
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return ()
    return tuple(str(path / "bin") for path in sorted(root.iterdir(), reverse=True))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        missing("running PostgreSQL as root needs runuser (util-linux) and a postgres user")
    return [runuser, "-u", "postgres", "--", *command]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of an empty database on a fresh server; stop and delete it after."""
    initdb = require_binary("initdb", hint=HINT, search=_search())
    pg_ctl = require_binary("pg_ctl", hint=HINT, search=_search())
    folder = Path(tempfile.mkdtemp(prefix="infra-team-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            missing("running PostgreSQL as root needs a `postgres` user")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    pid: int | None = None
    try:
        subprocess.run(
            _as_owner(
                [str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c max_connections=200"
        subprocess.run(
            _as_owner(
                [
                    str(pg_ctl),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(folder / "log"),
                    "-w",
                    "-t",
                    "120",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=150,
        )
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)  # fast shutdown
            end = time.monotonic() + 30
            while time.monotonic() < end:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)
