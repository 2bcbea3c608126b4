"""One SSH session to an allowlisted host that runs allowlisted commands, bounded.

asyncssh with: the host key checked against ``ssh.known_hosts`` (a missing or different
key ends the connection, RFC 4251 §4.1), public-key authentication with ``ssh.key_path``
only (no agent, no password, no ``~/.ssh/config``), a timeout on the whole session, and
at most ``MAX_OUTPUT_BYTES`` read from each stream of each command; the remote process is
closed once that is reached. The key's passphrase is removed from any error text.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra_team.settings import SshSettings
from infra_team.tools._redact import Redactor
from infra_team.tools.live.ssh_commands import command_line

if TYPE_CHECKING:
    import asyncssh

MAX_OUTPUT_BYTES = 65_536
"""Bytes kept from stdout (and from stderr) of one command."""


class SshFailure(Exception):
    """The session could not run: connect, host key, authentication or timeout."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CommandOutput:
    """What one command printed and how it ended."""

    command: str
    exit_status: int | None
    stdout: str
    stderr: str
    truncated: bool


def missing_settings(ssh: SshSettings) -> list[str]:
    """Variables still to set before any host can be reached."""
    needed = {
        "INFRA_TEAM_SSH_HOSTS": bool(ssh.hosts),
        "INFRA_TEAM_SSH_USERNAME": ssh.username is not None,
        "INFRA_TEAM_SSH_KEY_PATH": ssh.key_path is not None,
        "INFRA_TEAM_SSH_KNOWN_HOSTS": ssh.known_hosts is not None,
    }
    return [name for name, present in needed.items() if not present]


async def _read(stream: Any, limit: int) -> tuple[bytes, bool]:
    data = b""
    while len(data) <= limit:
        chunk = await stream.read(limit + 1 - len(data))
        if not chunk:
            return data, False
        data += chunk
    return data[:limit], True


async def _run_one(conn: asyncssh.SSHClientConnection, argv: tuple[str, ...]) -> CommandOutput:
    import asyncssh

    line = command_line(argv)
    async with conn.create_process(line, stdin=asyncssh.DEVNULL, encoding=None) as process:
        (out, cut_out), (err, cut_err) = await asyncio.gather(
            _read(process.stdout, MAX_OUTPUT_BYTES), _read(process.stderr, MAX_OUTPUT_BYTES)
        )
        if cut_out or cut_err:
            process.close()
            status = None
        else:
            completed = await process.wait()
            status = completed.exit_status
    return CommandOutput(
        command=line,
        exit_status=status,
        stdout=out.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        truncated=cut_out or cut_err,
    )


async def _session(
    ssh: SshSettings, host: str, commands: list[tuple[str, ...]]
) -> list[CommandOutput]:
    import asyncssh

    passphrase = ssh.key_passphrase.get_secret_value() if ssh.key_passphrase else None
    async with asyncssh.connect(
        host,
        port=ssh.port,
        username=ssh.username,
        known_hosts=str(ssh.known_hosts),
        client_keys=[str(ssh.key_path)],
        passphrase=passphrase,
        agent_path=None,
        password=None,
        kbdint_auth=False,
        gss_auth=False,
        host_based_auth=False,
        config=[],
        connect_timeout=ssh.timeout,
    ) as conn:
        return [await _run_one(conn, argv) for argv in commands]


async def run_commands(
    ssh: SshSettings, host: str, commands: list[tuple[str, ...]]
) -> list[CommandOutput]:
    """Run ``commands`` in one connection to ``host``, in order.

    Raises:
        SshFailure: with code ``timeout``, ``host_key_not_verified``, ``auth_failed`` or
            ``connection_failed``; the message never holds the key's passphrase.
    """
    import asyncssh

    redact = Redactor.of([ssh.key_passphrase.get_secret_value()] if ssh.key_passphrase else []).text
    try:
        return await asyncio.wait_for(_session(ssh, host, commands), timeout=ssh.timeout)
    except TimeoutError:
        msg = f"{host} did not finish within {ssh.timeout:g} s (`ssh.timeout`)"
        raise SshFailure(msg, "timeout") from None
    except asyncssh.HostKeyNotVerifiable as exc:
        msg = f"{host}'s host key is not the one in `ssh.known_hosts`, so nothing was run: {exc}"
        raise SshFailure(redact(msg), "host_key_not_verified") from None
    except asyncssh.PermissionDenied as exc:
        msg = f"{host} refused the key of `ssh.key_path` for user `{ssh.username}`: {exc}"
        raise SshFailure(redact(msg), "auth_failed") from None
    except (asyncssh.Error, OSError, ValueError) as exc:
        msg = f"could not reach {host}:{ssh.port}: {type(exc).__name__}: {exc}"
        raise SshFailure(redact(msg), "connection_failed") from None
