"""The benchmark still runs (one timed run per figure); its numbers are read, not asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_prints_its_table():
    result = subprocess.run(
        [sys.executable, "-m", "bench"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "BENCH_RUNS": "1"},
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split("  ")[0] for line in result.stdout.splitlines()[1:]]
    assert "team request, sync (6 roles)" in rows
    assert "tokens in/out, team request (scripted model)" in rows
    assert "start-up: infra-team agents" in rows
    startup = [line for line in result.stdout.splitlines() if line.startswith("start-up:")]
    assert len(startup) == 5
    for line in startup:
        assert "langgraph" not in line, line  # the listing commands load no runtime
    assert any(row.startswith("scrub batch, 10 MB") for row in rows)
    assert "scrub stream, 1-64-char chunks" in rows
    assert "scrub stream, 1-char chunks (1 MB)" in rows
