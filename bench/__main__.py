"""Benchmarks (not tests): ``python -m bench`` prints a table of figures.

Runs on the offline engine, so the numbers measure the graph, tools, scrubbing and
checkpointing overhead, not a language model. The first rows time fresh processes: importing
the package and the commands that need no run (`bench/startup.py`). ``python -m bench compare`` runs
infra-team beside reference patterns on a scripted model (``bench.compare``; needs the
``bench`` extra).
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

REQUEST = "New PostgreSQL cluster for billing with a hot standby and PITR"
INCIDENT = "checkout returns 502 for 40% of requests"
BIG_REQUEST_TARGET_MS = 400.0
"""The offline engine's target for a 100 KB request, end to end."""
RUNS = int(os.environ.get("BENCH_RUNS", "10"))
"""Timed runs per figure (``BENCH_RUNS=1`` for a quick check that the benchmark works)."""


def _timed(func: Callable[[], object], runs: int = RUNS) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def _row(name: str, samples: list[float], unit: str = "ms") -> tuple[str, str, str, str]:
    scale = 1000 if unit == "ms" else 1
    return (
        name,
        f"{statistics.median(samples) * scale:.1f} {unit}",
        f"{max(samples) * scale:.1f} {unit}",
        str(len(samples)),
    )


def _usage_rows() -> list[tuple[str, str, str, str]]:
    """Tokens of one team request by the scripted team behind the fake OpenAI-compatible
    server, through ``ChatOpenAI`` (usage as that server reports it: 4 characters a
    token), per role and in total: what each role's prompt costs."""
    try:
        from tests.support.openai_server import FakeOpenAIServer, chat_model
        from tests.support.openai_team import team_responder
    except ImportError:  # langchain-openai not installed
        return [("tokens (scripted model)", "skipped: pip install 'infra-team[openai]'", "", "")]
    from infra_team import task
    from infra_team.registry import display_name

    with FakeOpenAIServer(team_responder()) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server))
    if result.status != "completed":
        msg = f"the scripted model's run ended {result.status}: {result.error}"
        raise SystemExit(msg)
    usage = result.usage
    rows = [
        (f"tokens in/out, {display_name(role)}", f"{u.input_tokens}/{u.output_tokens}", "", "1")
        for role, u in usage.by_role.items()
    ]
    total = usage.total
    rows.append(
        (
            "tokens in/out, team request (scripted model)",
            f"{total.input_tokens}/{total.output_tokens}",
            "",
            "1",
        )
    )
    return rows


def main() -> None:
    from bench.startup import startup_rows

    import_time = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t=time.perf_counter(); import infra_team; print(time.perf_counter()-t)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    rows = startup_rows(min(RUNS, 5))  # fresh processes, before this one loads anything

    from infra_team import atask, stream, task
    from infra_team.graph.team import build_team_graph
    from infra_team.models import resolve_models

    models = resolve_models("offline").models
    rows.append(("import infra_team", f"{float(import_time) * 1000:.0f} ms", "", "1"))
    rows.append(
        _row("build supervisor graph", _timed(lambda: build_team_graph(models), min(RUNS, 5)))
    )
    for entry, text, expected in (
        ("infrastructure-team", REQUEST, "completed"),
        ("infrastructure-team", INCIDENT, "interrupted"),
    ):  # warm caches, and make sure the figures time real, complete runs
        status = task(entry, text).status
        if status != expected:
            msg = f"{text!r} ended {status}, expected {expected}"
            raise SystemExit(msg)
    rows.append(
        _row("team request, sync (6 roles)", _timed(lambda: task("infrastructure-team", REQUEST)))
    )
    rows.append(
        _row(
            "team request, async",
            _timed(lambda: asyncio.run(atask("infrastructure-team", REQUEST))),
        )
    )
    rows.append(
        _row("incident to human escalation", _timed(lambda: task("infrastructure-team", INCIDENT)))
    )
    rows.append(
        _row("team request, streamed", _timed(lambda: list(stream("infrastructure-team", REQUEST))))
    )

    filler = "The application logs show ordinary INFO lines about request handling. "
    big = REQUEST + ". " + filler * (100_000 // len(filler))
    counter = iter(range(1_000_000))
    # A fresh text each time: the engine memoises what it read from a request.
    big_samples = _timed(
        lambda: task("infrastructure-team", f"{big} #{next(counter)}"), min(RUNS, 3)
    )
    rows.append(_row("team request of 100 KB (offline engine)", big_samples))
    met = statistics.median(big_samples) * 1000 <= BIG_REQUEST_TARGET_MS
    rows.append(
        ("  target (median)", f"<= {BIG_REQUEST_TARGET_MS:.0f} ms", "met" if met else "MISSED", "")
    )

    from bench import scrub as scrub_bench

    rows += scrub_bench.rows(min(RUNS, 3))  # "worst" is the slowest run's MB/s
    rows.extend(_usage_rows())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak RSS of this process", f"{peak_mib:.0f} MiB", "", ""))

    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'median':>12}  {'max':>12}  runs")
    for name, median, worst, runs in rows:
        print(f"{name:<{width}}  {median:>12}  {worst:>12}  {runs}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["compare"]:
        from bench.compare import main as compare_main

        compare_main(sys.argv[2:])
    elif sys.argv[1:2] == ["memory"]:
        from bench.compare import memory_child

        asyncio.run(memory_child(int(sys.argv[2])))
    else:
        main()
