"""Running a local IaC command safely: paths inside one workspace, fixed argv, a timeout.

The model never gives a command line. A tool builds the argument vector itself from a
fixed program and flags plus paths that must resolve (symlinks followed) inside the
workspace folder named in the settings; there is no shell. The child gets the
environment without the team's own settings and model keys, runs in its own process
group (killed whole on timeout), and its output goes to a temporary file of which only
the first ``max_bytes`` are read, so a huge output cannot fill memory.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from infra_team.tools._base import ToolInputError

_SECRET_ENV_PREFIXES = ("INFRA_TEAM_",)
_SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_PASSWORD", "_SECRET")


def inside(workspace: Path, relative: str, field: str, *, folder: bool = False) -> Path:
    """``relative`` resolved inside ``workspace``, or a ``ToolInputError``.

    Absolute paths, ``..`` escapes and symlinks pointing out of the workspace are refused
    alike: the check is made on the resolved path.
    """
    root = workspace.resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        msg = f"`{field}` must be a path inside the automation workspace; `{relative}` is not"
        raise ToolInputError(msg, code="not_allowed")
    if folder and not candidate.is_dir():
        msg = f"`{field}`: no folder `{relative}` in the automation workspace"
        raise ToolInputError(msg)
    if not folder and not candidate.is_file():
        msg = f"`{field}`: no file `{relative}` in the automation workspace"
        raise ToolInputError(msg)
    return candidate


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The environment for a child: this one without settings and credentials, plus ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_SECRET_ENV_PREFIXES) and not name.endswith(_SECRET_ENV_SUFFIXES)
    }
    return {**env, **extra}


@dataclass(frozen=True)
class Completed:
    """A finished (or stopped) run."""

    returncode: int | None
    """None when the run was stopped at the timeout."""
    stdout: str
    stderr: str
    stdout_truncated: bool


def _read_head(handle: IO[bytes], max_bytes: int) -> tuple[str, bool]:
    handle.seek(0)
    data = handle.read(max_bytes + 1)
    return data[:max_bytes].decode("utf-8", "replace"), len(data) > max_bytes


def run(
    argv: list[str],
    *,
    cwd: Path,
    timeout: float,
    max_bytes: int,
    env: dict[str, str],
) -> Completed:
    """Run ``argv`` (no shell) in ``cwd``; stop its whole process group after ``timeout``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(  # a fixed argv built by the tool, never a shell
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        try:
            returncode: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            returncode = None
        stdout, truncated = _read_head(out, max_bytes)
        stderr, _ = _read_head(err, max_bytes)
    return Completed(returncode, stdout, stderr, truncated)


def which(*names: str) -> str | None:
    """The first of ``names`` found on PATH."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


__all__ = ["Completed", "child_environment", "inside", "run", "which"]
