"""Start-up figures: how long a fresh process takes to import the package and to answer the
commands that need no run (``python -m bench.startup`` prints only these).

Each figure is a new interpreter, as a user's shell starts one; the module count says how
much was loaded, and whether LangGraph, LangChain or httpx were among it.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
HEAVY = ("langgraph", "langchain", "langchain_core", "httpx", "langgraph_sdk", "aiosqlite")

CASES: dict[str, list[str]] = {
    "import infra_team": ["-c", "import infra_team"],
    "infra-team --help": ["-m", "infra_team", "--help"],
    "infra-team agents": ["-m", "infra_team", "agents"],
    "infra-team tools": ["-m", "infra_team", "tools"],
    "infra-team protocol incident": ["-m", "infra_team", "protocol", "incident"],
}
"""Figure name -> interpreter arguments."""

_COUNT = (
    "import json, runpy, sys, contextlib, io\n"
    "sys.argv = {argv!r}\n"
    "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
    "    {run}\n"
    "heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))\n"
    "print(json.dumps([len(sys.modules), heavy]), file=sys.__stderr__)\n"
)


def _loaded(arguments: list[str]) -> tuple[int, list[str]]:
    """Modules in ``sys.modules`` once the command has finished, and the heavy ones among them."""
    if arguments[0] == "-c":
        run, argv = arguments[1], ["-c"]
    else:
        run, argv = f"runpy.run_module({arguments[1]!r}, run_name='__main__')", arguments[1:]
    code = _COUNT.format(argv=argv, run=run, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    count, heavy = json.loads(done.stderr.strip().splitlines()[-1])
    return int(count), list(heavy)


def _timed(arguments: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall time and CPU time (user + system) of each run: on a shared machine the CPU
    time is the steadier figure."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, *arguments], capture_output=True, check=True, timeout=120)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def startup_rows(runs: int = RUNS) -> list[tuple[str, str, str, str]]:
    """One row per case: median and max wall time of a fresh process, its median CPU time,
    and the modules it loaded."""
    rows = []
    for name, arguments in CASES.items():
        walls, cpus = _timed(arguments, runs)
        count, heavy = _loaded(arguments)
        loaded = f"{count} modules" + (f" incl. {', '.join(heavy)}" if heavy else "")
        rows.append(
            (
                f"start-up: {name}",
                f"{statistics.median(walls) * 1000:.0f} ms",
                f"{max(walls) * 1000:.0f} ms",
                f"{runs}; CPU {statistics.median(cpus) * 1000:.0f} ms; {loaded}",
            )
        )
    return rows


def main() -> None:
    rows = startup_rows()
    width = max(len(row[0]) for row in rows)
    print(f"{'benchmark':<{width}}  {'median':>12}  {'max':>12}  runs")
    for name, median, worst, runs in rows:
        print(f"{name:<{width}}  {median:>12}  {worst:>12}  {runs}")


if __name__ == "__main__":
    main()
