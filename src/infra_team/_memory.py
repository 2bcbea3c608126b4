"""The default in-process memory of library calls: enough to resume a run within the process.

It is bounded by the number of runs it holds (``MEMORY_RUNS``). Only finished runs
(completed or failed) are ever dropped, least recently used first. A run in progress or
one waiting for a person is never dropped: when the memory is full of such runs, a new
run is refused with ``CapacityError`` (answer the paused runs, or pass a checkpointer,
e.g. a SQLite path, to keep runs on disk without this bound).

A finished run keeps only its latest checkpoint of each namespace (and that checkpoint's
pending writes and channel values): all that reading its result or continuing it needs,
as ``persistence.prune_run`` keeps in the files this package opens. Its earlier steps
made a long-lived process grow by their sum (about 0.2 MB a run).
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.store.memory import InMemoryStore

from infra_team.errors import CapacityError

MEMORY_RUNS = 1024
"""Runs the default memory holds (running, paused and finished together)."""


class BoundedMemory:
    """An ``InMemorySaver`` and ``InMemoryStore`` with a bound that spares live runs."""

    def __init__(self) -> None:
        self.saver = InMemorySaver()
        self.store = InMemoryStore()
        self.limit = MEMORY_RUNS
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()
        self._paused: set[str] = set()
        self._finished: OrderedDict[str, None] = OrderedDict()

    def begin(self, thread_id: str) -> None:
        """Register a run about to start; raises ``CapacityError`` when only live runs
        fill the memory."""
        with self._lock:
            known = thread_id in self._finished or thread_id in self._paused
            known = known or thread_id in self._running
            if not known:
                self._evict(room_for=1)
                if self._held() >= self.limit:
                    msg = (
                        f"the in-process memory is full: {self._held()} runs are running or "
                        "waiting for a person. Answer the paused runs with resume(), or pass "
                        "a checkpointer (a SQLite file path or a postgresql:// URL) to keep "
                        "runs on disk"
                    )
                    raise CapacityError(msg)
            self._finished.pop(thread_id, None)
            self._paused.discard(thread_id)
            self._running[thread_id] += 1

    def end(self, thread_id: str, *, paused: bool) -> None:
        """Record how the run ended: a paused run is kept until answered, a finished one
        may be dropped once the memory is full."""
        with self._lock:
            self._running[thread_id] -= 1
            if self._running[thread_id] > 0:
                return
            del self._running[thread_id]
            if paused:
                self._paused.add(thread_id)
            else:
                self._finished[thread_id] = None
                _drop(self.saver, thread_id, keep_latest=True)
            self._evict(room_for=0)

    def _held(self) -> int:
        return len(self._running) + len(self._paused) + len(self._finished)

    def _evict(self, *, room_for: int) -> None:
        while self._finished and self._held() + room_for > self.limit:
            oldest, _ = self._finished.popitem(last=False)
            _drop(self.saver, oldest, keep_latest=False)

    def live(self) -> int:
        """Runs in progress or waiting for a person (never dropped)."""
        with self._lock:
            return len(self._running) + len(self._paused)

    def holds(self, thread_id: str) -> bool:
        """Whether a run is still in memory (for tests and diagnostics)."""
        return thread_id in self.saver.storage


MEMORY = BoundedMemory()
"""The process's default memory (``task`` without a checkpointer)."""


def _drop(saver: InMemorySaver, thread_id: str, *, keep_latest: bool) -> None:
    """Delete a thread's checkpoints (all, or all but the latest of each namespace) with
    their writes and the channel values only they refer to.

    Keys are found from the thread's own checkpoints, not by scanning the whole saver as
    ``InMemorySaver.delete_thread`` does, which made each eviction cost a walk over every
    run held. (Each value an ``InMemorySaver`` stores is keyed by the channel version a
    checkpoint introduced, so the checkpoints' versions name every one of them.)"""
    namespaces: dict[str, Any] = saver.storage.get(thread_id) or {}
    for ns, checkpoints in list(namespaces.items()):
        ids = sorted(checkpoints)
        keep = ids[-1:] if keep_latest else []
        kept_versions = {
            (channel, version)
            for cid in keep
            for channel, version in _versions(saver, checkpoints[cid]).items()
        }
        for cid in ids:
            if cid in keep:
                continue
            for channel, version in _versions(saver, checkpoints[cid]).items():
                if (channel, version) not in kept_versions:
                    saver.blobs.pop((thread_id, ns, channel, version), None)
            saver.writes.pop((thread_id, ns, cid), None)
            del checkpoints[cid]
        if not checkpoints:
            del namespaces[ns]
    if not namespaces:
        saver.storage.pop(thread_id, None)


def _versions(saver: InMemorySaver, saved: tuple[Any, ...]) -> dict[str, Any]:
    """The channel versions of one stored checkpoint (``(checkpoint, metadata, parent)``,
    the checkpoint serialised)."""
    checkpoint = saver.serde.loads_typed(saved[0])
    return dict(checkpoint.get("channel_versions", {}))
