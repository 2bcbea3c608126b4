"""The allowlist of read-only commands the SSH host checks may run, and their parsers.

The model names a check and gives typed, validated arguments; each check builds a fixed
argv from them, quoted with ``shlex.join`` for the remote shell. No text from the model
becomes a command, an option or a shell word it did not pass validation for: unit names
match systemd's character set (systemd.unit(5)) and cannot start with ``-``, counts are
bounded integers.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Literal

UNIT_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9:_.@\\-]{0,255}$"
"""systemd unit names: ASCII letters, digits, ``:-_.@\\`` (systemd.unit(5)); no leading ``-``."""
_UNIT = re.compile(UNIT_PATTERN)

Check = Literal["failed_units", "journal_errors", "sshd_config", "security_updates"]
PackageManager = Literal["apt", "dnf"]

LOAD_ARGV = ("cat", "/proc/loadavg")
CPU_ARGV = ("getconf", "_NPROCESSORS_ONLN")
MEMORY_ARGV = ("cat", "/proc/meminfo")
DISKS_ARGV = ("df", "-P", "-k", "-x", "tmpfs", "-x", "devtmpfs", "-x", "squashfs")
FAILED_UNITS_ARGV = ("systemctl", "list-units", "--failed", "--no-legend", "--plain", "--no-pager")
SSHD_ARGV = ("/usr/sbin/sshd", "-T")
"""``sshd -T`` prints the effective server configuration (sshd(8)); it usually needs root
to read the host keys, so run it as a user that may (or expect a clear failure)."""
UPDATES_ARGV: dict[str, tuple[str, ...]] = {
    "apt": ("apt", "list", "--upgradable"),
    "dnf": ("dnf", "-q", "check-update", "--security"),
}
"""``apt list`` reads the local package lists (as fresh as the host's last ``apt update``);
``dnf check-update`` exits 100 when updates are pending (dnf(8))."""


def journal_argv(lines: int, since_minutes: int, unit: str | None) -> tuple[str, ...]:
    """``journalctl`` for errors and worse (priority 0-3, journalctl(1) ``-p err``)."""
    argv = [
        "journalctl",
        "--no-pager",
        "--quiet",
        "--output=short-iso",
        "--priority=err",
        f"--since=-{int(since_minutes)}min",
        f"--lines={int(lines)}",
    ]
    if unit is not None:
        if not _UNIT.fullmatch(unit):
            msg = f"`{unit}` is not a systemd unit name"
            raise ValueError(msg)
        argv.append(f"--unit={unit}")
    return tuple(argv)


def command_line(argv: tuple[str, ...]) -> str:
    """The argv as one shell-quoted line (the SSH protocol carries a string, RFC 4254 §6.5)."""
    return shlex.join(argv)


@dataclass(frozen=True)
class Loadavg:
    load_1m: float
    load_5m: float
    load_15m: float


def parse_loadavg(text: str) -> Loadavg:
    """``/proc/loadavg``: the first three fields (proc(5))."""
    fields = text.split()
    return Loadavg(float(fields[0]), float(fields[1]), float(fields[2]))


def parse_meminfo(text: str) -> tuple[int, int]:
    """(MemTotal, MemAvailable) in bytes from ``/proc/meminfo`` (proc(5), values in kB)."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[key.strip()] = int(parts[0]) * 1024
    total = values["MemTotal"]
    available = values.get("MemAvailable", values.get("MemFree", 0))
    return total, available


@dataclass(frozen=True)
class DfRow:
    filesystem: str
    total_bytes: int
    used_bytes: int
    free_bytes: int
    percent: float
    mount: str


def parse_df(text: str) -> list[DfRow]:
    """``df -P -k``: POSIX format, 1024-byte blocks, one line per filesystem (POSIX df)."""
    rows = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 6 or not parts[1].isdigit():
            continue
        total, used, free = (int(p) * 1024 for p in parts[1:4])
        percent = float(parts[4].rstrip("%")) if parts[4].rstrip("%").isdigit() else 0.0
        rows.append(DfRow(parts[0], total, used, free, percent, " ".join(parts[5:])))
    return rows


def parse_failed_units(text: str) -> list[dict[str, str]]:
    """``systemctl list-units --failed --plain --no-legend``: UNIT LOAD ACTIVE SUB DESCRIPTION."""
    units = []
    for line in text.splitlines():
        parts = line.split(None, 4)
        if len(parts) >= 4:
            units.append(
                {
                    "unit": parts[0],
                    "load": parts[1],
                    "active": parts[2],
                    "sub": parts[3],
                    "description": parts[4] if len(parts) > 4 else "",
                }
            )
    return units
