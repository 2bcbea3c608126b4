"""A real OpenSSH server on loopback: ``sshd -D`` on a free port, generated host and user keys.

The server runs with a configuration of its own in a temporary folder (host key, an
``authorized_keys`` file holding the generated user key, public-key authentication
only) and accepts the current user, root in CI. The ``known_hosts`` file holds the
generated host key for ``[127.0.0.1]:<port>``, so clients verify it as in production.
Stopped by its PID after the test.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.loopback import free_port, stop, wait_for_port
from tests.support.real import missing, require_binary

HINT = "apt-get install openssh-server openssh-client"


@dataclass(frozen=True)
class SshServer:
    """How to reach the running server."""

    host: str
    port: int
    username: str
    key_path: Path
    known_hosts: Path
    host_key_pub: str
    folder: Path


def _keygen(keygen: Path, path: Path) -> None:
    subprocess.run(
        [str(keygen), "-q", "-t", "ed25519", "-N", "", "-C", "infra-team-test", "-f", str(path)],
        check=True,
        capture_output=True,
    )


@contextlib.contextmanager
def sshd_server() -> Iterator[SshServer]:
    """Yield a running sshd on 127.0.0.1 that accepts the generated user key."""
    sshd = require_binary("sshd", hint=HINT, search=("/usr/sbin",))
    keygen = require_binary("ssh-keygen", hint=HINT)
    separation = Path("/run/sshd")  # privilege separation folder sshd(8) insists on
    if not separation.is_dir():
        if os.geteuid() != 0:
            missing("sshd needs /run/sshd, which only root can create")
        separation.mkdir(mode=0o755, parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="infra-team-sshd-"))
    folder.chmod(0o700)
    host_key, user_key = folder / "host_key", folder / "user_key"
    _keygen(keygen, host_key)
    _keygen(keygen, user_key)
    authorized = folder / "authorized_keys"
    authorized.write_text(user_key.with_suffix(".pub").read_text(encoding="utf-8"))
    authorized.chmod(0o600)
    port = free_port()
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {authorized}",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "PermitRootLogin prohibit-password",
                "UsePAM no",
                "StrictModes no",
                "LogLevel ERROR",
                "",
            ]
        ),
        encoding="utf-8",
    )
    host_pub = host_key.with_suffix(".pub").read_text(encoding="utf-8").split()
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n", encoding="utf-8")
    process = subprocess.Popen(
        [str(sshd), "-D", "-e", "-f", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
        yield SshServer(
            host="127.0.0.1",
            port=port,
            username=getpass.getuser(),
            key_path=user_key,
            known_hosts=known_hosts,
            host_key_pub=" ".join(host_pub[:2]),
            folder=folder,
        )
    finally:
        stop(process)
        if process.stderr:
            process.stderr.close()
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink(missing_ok=True)
        folder.rmdir()
