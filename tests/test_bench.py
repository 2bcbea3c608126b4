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
    assert any(row.startswith("scrub stream, 1-64-char chunks") for row in rows)
    assert any(row.startswith("scrub stream, 1-char chunks (1 MB)") for row in rows)
    assert "team request of 100 KB (offline engine)" in rows


def test_comparison_prints_every_pattern():
    """``python -m bench compare`` at one repetition: the four patterns, the per-call
    table, SQLite, concurrency, memory and the target table all print."""
    result = subprocess.run(
        [sys.executable, "-m", "bench", "compare"],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
        cwd=ROOT,
        env={**os.environ, "BENCH_RUNS": "1", "BENCH_MEMORY_RUNS": "2"},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for pattern in ("floor", "create_supervisor", "deepagents", "infra-team"):
        assert f"\n{pattern} " in out
    assert "largest call: " in out
    assert "checkpoints/run" in out
    assert "runs/s" in out
    assert "RSS over 2 runs" in out
    assert "infra-team against its targets" in out
