"""Scrubbing throughput: batch ``scrub`` and the streaming ``Scrubber`` (MB/s).

The text is operations prose and logs (hostnames, ticket keys, CVE ids, ARNs, log levels,
commit hashes, Kubernetes names, some of them close to an ID: ``inf01.prod...``,
``db-inf-003.internal``, ``INF-1234``) with about one internal ID every 250 characters,
in varied spellings (plain, underscore, space, fullwidth, zero-width, Markdown).
Targets on the reference machine: batch >= 80 MB/s, streaming >= 30 MB/s on random
1-64-character chunks, >= 5 MB/s on 1-character chunks. Run: ``python -m bench.scrub``
(also part of ``python -m bench``).
"""

from __future__ import annotations

import functools
import importlib
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

LINES = [
    "2024-05-01T10:00:05Z INFO api-gateway started on node-7.eu-west-1.compute.internal",
    "2024-05-01T10:00:06Z ERROR checkout-svc upstream timeout (HTTP 502), retrying in 2 s",
    "deploy of commit 3f2a9c1e7b4d to payments-api-5b6c7d8e9f-abcde finished in 94 s",
    "WARN replication lag on db-inf-003.internal is 4.2 s (threshold 2 s), see OPS-1234",
    "ticket JIRA INF-1234 tracks the DNS failover test for inf01.prod.example.com",
    "arn:aws:iam::123456789012:role/deploy assumed by ci-runner-42 for eu-west-1",
    "CVE-2024-3094 does not affect xz 5.4.6 on the bastion hosts; patched 14 hosts",
    "kubectl -n payments rollout restart deployment/checkout (revision 17)",
    "The on-call engineer confirmed the error budget burn rate is 2.1x over 1 h.",
    "p99 latency of the search service is 120 ms against an SLO of 200 ms",
    "alertname=InfraDiskFull instance=ip-10-0-1-23.ec2.internal severity=critical",
    "terraform plan: 3 to add, 1 to change, 0 to destroy (module.inf_vpc)",
]
SPELLINGS = ["INF-00{n}", "inf-00{n}", "INF_00{n}", "INF 00{n}", "Inf-00{n}", "INF00{n}",
             "ＩＮＦ－００{n}", "I\u200bNF-00{n}", "**INF**-00{n}", "INF&#45;00{n}"]  # fmt: skip


def corpus(size: int, seed: int = 7) -> tuple[str, int]:
    """``size`` characters of operations text and the number of IDs in it."""
    rng = random.Random(seed)
    lines: list[str] = []
    total = ids = 0
    while total < size:
        line = rng.choice(LINES)
        if ids * 250 < total:
            spelling = rng.choice(SPELLINGS).format(n=rng.randint(1, 6))
            line = f"{line} Owner: {spelling}."
            ids += 1
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)[:size], ids


TARGETS = {"batch": 80.0, "stream": 30.0, "stream1": 5.0}
"""MB/s that each figure must reach on the reference machine."""


def _throughput(func: Callable[[], object], size: int, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(size / (time.perf_counter() - start) / 1e6)
    return samples


class _PassThrough:
    """The least a streaming scrubber can cost: one method call a chunk that returns it.
    Timed beside the ``Scrubber`` as the machine's floor for the streaming figures."""

    def feed(self, chunk: str) -> str:
        return chunk

    def flush(self) -> str:
        return ""


def _streamed(chunks: list[str], scrubber: Any = None) -> str:
    """Feed ``chunks`` through one ``Scrubber`` (or ``scrubber``) as a host streams model
    tokens.

    The chunks are cut before the clock starts: cutting is the producer's work, and the
    loop is the least a caller can write, so the figure is the scrubber's own cost."""
    from infra_team import Scrubber

    scrubber = scrubber or Scrubber()
    feed = scrubber.feed
    out = [feed(chunk) for chunk in chunks]
    out.append(scrubber.flush())
    return "".join(out)


def _cut(text: str, sizes: list[int]) -> list[str]:
    chunks, start, k = [], 0, 0
    while start < len(text):
        end = start + sizes[k % len(sizes)]
        chunks.append(text[start:end])
        start, k = end, k + 1
    return chunks


def figures(runs: int) -> list[tuple[str, str, list[float]]]:
    """(figure, key of its target or "", MB/s samples) for the three scrub figures of the
    engine in use, then the pure engine's when that is the compiled one (the same source,
    interpreted), then the streaming floor. Streamed output is checked against batch
    output before anything is timed."""
    from infra_team import Scrubber, scrub

    engine = importlib.import_module("infra_team.scrub").ENGINE
    text, ids = corpus(10_000_000)
    small = text[:1_000_000]
    rng = random.Random(3)
    chunks = _cut(text, [rng.randint(1, 64) for _ in range(4096)])
    singles = list(small)
    if _streamed(chunks) != scrub(text) or _streamed(singles) != scrub(small):
        msg = "streamed scrubbing differs from batch scrubbing"
        raise SystemExit(msg)

    def timed(batch: Callable[[str], str], make: Callable[[], Any]) -> list[list[float]]:
        return [
            _throughput(lambda: batch(text), len(text), runs),
            _throughput(lambda: _streamed(chunks, make()), len(text), runs),
            _throughput(lambda: _streamed(singles, make()), len(small), runs),
        ]

    names = [f"scrub batch, 10 MB, {ids // 1000}k IDs", "scrub stream, 1-64-char chunks",
             "scrub stream, 1-char chunks (1 MB)"]  # fmt: skip
    out = [
        (f"{name} ({engine})", key, samples)
        for name, key, samples in zip(names, TARGETS, timed(scrub, Scrubber), strict=True)
    ]
    if engine == "compiled":
        pure = importlib.import_module("infra_team._scrub_engine")
        out += [
            (f"  {name} (pure)", "", samples)
            for name, samples in zip(names, timed(pure.scrub, pure.Scrubber), strict=True)
        ]
    for label, parts, size in (
        ("1-64-char chunks", chunks, len(text)),
        ("1-char chunks", singles, len(small)),
    ):
        floor = _throughput(functools.partial(_streamed, parts, _PassThrough()), size, runs)
        out.append((f"  floor: a method call a chunk, {label}", "", floor))
    return out


def rows(runs: int) -> list[tuple[str, str, str, str]]:
    """Median and worst MB/s of the three scrub figures, each named with its target, and
    of the floor a streaming scrubber cannot go below on this machine."""
    return [
        (
            f"{name} (target >= {TARGETS[key]:.0f} MB/s)" if key else name,
            f"{statistics.median(s):.1f} MB/s",
            f"{min(s):.1f} MB/s",
            str(len(s)),
        )
        for name, key, s in figures(runs)
    ]


def main() -> None:
    """``python -m bench.scrub``: the three figures beside their targets (``BENCH_RUNS``
    timed runs each, default 5)."""
    table = rows(int(os.environ.get("BENCH_RUNS", "5")))
    width = max(len(row[0]) for row in table)
    print(f"{'benchmark':<{width}}  {'median':>12}  {'worst':>12}  runs")
    for name, median, worst, runs in table:
        print(f"{name:<{width}}  {median:>12}  {worst:>12}  {runs}")


if __name__ == "__main__":
    main()
