"""Where a test needs a real client or server (Claude Code, PostgreSQL, sshd, Prometheus …).

On a developer's laptop a missing component skips the test with a clear reason. Under
``CI=true`` the same absence is a failure: CI installs every component (``.ci/run``), so a
skip there would hide an untested real path.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def in_ci() -> bool:
    """True when the suite runs under CI, where every real component must be present."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason: str) -> None:
    """Skip (laptop) or fail (CI) because a real component is not available."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_binary(name: str, *, hint: str, search: tuple[str, ...] = ()) -> Path:
    """The path of executable ``name`` from PATH or ``search`` folders, or skip/fail.

    ``hint`` says how to install it, e.g. ``"apt-get install postgresql"``.
    """
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in search:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    missing(f"{name} is not installed ({hint})")
    raise AssertionError("unreachable")  # pragma: no cover
