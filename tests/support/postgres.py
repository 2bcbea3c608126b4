"""A real PostgreSQL server on loopback for a test: ``initdb`` in a temporary folder,
``pg_ctl start`` on a free port, stopped by its PID afterwards; or a primary with a
streaming standby made by ``pg_basebackup -R`` (``postgres_cluster``).

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
from dataclasses import dataclass
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


def _binaries() -> dict[str, Path]:
    return {
        name: require_binary(name, hint=HINT, search=_search())
        for name in ("initdb", "pg_ctl", "pg_basebackup")
    }


def _scratch() -> Path:
    """A temporary folder the server's user owns (``postgres`` when running as root)."""
    folder = Path(tempfile.mkdtemp(prefix="infra-team-pg-"))
    if os.geteuid() == 0:
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            missing("running PostgreSQL as root needs a `postgres` user")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    return folder


def _start(pg_ctl: Path, data: Path, folder: Path, port: int, *settings: str) -> int:
    """``pg_ctl start`` on loopback; the postmaster's PID."""
    extra = "".join(f" -c {setting}" for setting in settings)
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c max_connections=200{extra}"
    subprocess.run(
        _as_owner(
            [
                str(pg_ctl),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / f"log-{data.name}"),
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
    return int((data / "postmaster.pid").read_text().splitlines()[0])


def _stop(pid: int) -> None:
    """Fast shutdown by PID (SIGINT), waiting up to 30 s for the process to go."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def _initdb(initdb: Path, data: Path) -> None:
    subprocess.run(
        _as_owner([str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of an empty database on a fresh server; stop and delete it after."""
    tools = _binaries()
    folder = _scratch()
    pids: list[int] = []
    try:
        _initdb(tools["initdb"], folder / "data")
        port = _free_port()
        pids.append(_start(tools["pg_ctl"], folder / "data", folder, port))
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        for pid in pids:
            _stop(pid)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Cluster:
    """A primary and one streaming standby, both on loopback."""

    primary: str
    """URL of the primary's ``postgres`` database (superuser ``postgres``, trust auth)."""
    standby: str
    """URL of the standby (read-only, in recovery)."""
    standby_name: str
    """The standby's ``application_name`` in ``pg_stat_replication``."""


STANDBY_NAME = "standby1"


@contextlib.contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """A primary and a streaming standby made with ``pg_basebackup -R``; stopped by PID and
    deleted after. The standby connects as ``application_name`` ``standby1``."""
    tools = _binaries()
    folder = _scratch()
    pids: list[int] = []
    try:
        _initdb(tools["initdb"], folder / "primary")
        primary_port = _free_port()
        pids.append(_start(tools["pg_ctl"], folder / "primary", folder, primary_port))
        subprocess.run(
            _as_owner(
                [
                    str(tools["pg_basebackup"]),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(primary_port),
                    "-U",
                    "postgres",
                    "-D",
                    str(folder / "standby"),
                    "-R",
                    "-X",
                    "stream",
                    "-d",
                    f"application_name={STANDBY_NAME}",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        standby_port = _free_port()
        pids.append(
            _start(tools["pg_ctl"], folder / "standby", folder, standby_port, "hot_standby=on")
        )
        yield Cluster(
            primary=f"postgresql://postgres@127.0.0.1:{primary_port}/postgres",
            standby=f"postgresql://postgres@127.0.0.1:{standby_port}/postgres",
            standby_name=STANDBY_NAME,
        )
    finally:
        for pid in reversed(pids):
            _stop(pid)
        shutil.rmtree(folder, ignore_errors=True)
