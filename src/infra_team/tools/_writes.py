"""External writes done once, across crashes: an idempotency key and a durable record.

Why: a process can die after a write reached PagerDuty (or Statuspage, Grafana,
Alertmanager) and before the run saved that fact. Resumed, the write tool runs again
from its approved call. Without a record it would page a second time (with a new key),
or report "nothing was changed" on a later reject although the page went out.

So every approved write:

1. gets a deterministic key from the run and the call: the thread, the role step that
   made the call (the first checkpoint namespace segment, stable across resumes of one
   run and new for each run on a reused thread), the tool call id, the tool and its
   arguments;
2. writes a record ``sending`` to the run's store (the incident log beside the
   checkpoints, same durability) *before* the request, and ``sent`` with the answer after;
3. is checked against that record when it runs again: ``sent`` is reported as done and
   never sent again, whatever the new answer; ``sending`` (the process died mid-request)
   is resent only when the API deduplicates by the key (PagerDuty's ``dedup_key``) and
   the person approves again; otherwise it is reported as possibly done, with the key to
   look for, and never resent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

from langgraph.config import get_config, get_store
from langgraph.store.base import BaseStore
from pydantic import BaseModel, ConfigDict

WRITES_NAMESPACE = ("infra_team", "writes")
"""Store namespace of the write records."""
_KEY: ContextVar[str | None] = ContextVar("infra_team_write_key", default=None)


class WriteRecord(BaseModel):
    """What the store keeps about one external write."""

    model_config = ConfigDict(extra="forbid")

    key: str
    tool: str
    arguments: dict[str, Any]
    state: Literal["sending", "sent"]
    result: dict[str, Any] | None = None
    """The tool's result once the API answered (``sent``)."""
    thread_id: str
    recorded_at: str


def write_key() -> str | None:
    """The idempotency key of the write being sent now (None outside a recorded write)."""
    return _KEY.get()


@contextlib.contextmanager
def sending_with(key: str) -> Iterator[None]:
    token = _KEY.set(key)
    try:
        yield
    finally:
        _KEY.reset(token)


class WriteLedger:
    """The record of one write call inside a run with a store."""

    def __init__(
        self, store: BaseStore, key: str, tool: str, arguments: dict[str, Any], thread_id: str
    ) -> None:
        self.store, self.key, self.tool = store, key, tool
        self.arguments, self.thread_id = arguments, thread_id

    @classmethod
    def current(
        cls, tool: str, arguments: dict[str, Any], call_id: str | None
    ) -> WriteLedger | None:
        """The ledger of this call, or None outside a graph run with a thread and a store."""
        try:
            config = get_config()
            store = get_store()
        except (RuntimeError, KeyError):
            return None
        conf = config.get("configurable") or {}
        thread_id = conf.get("thread_id")
        if store is None or not thread_id:
            return None
        step = str(conf.get("checkpoint_ns", "")).split("|")[0]
        material = json.dumps(
            [str(thread_id), step, call_id or "", tool, arguments], sort_keys=True, default=str
        )
        key = hashlib.sha256(material.encode()).hexdigest()[:32]
        return cls(store, f"infra-team-{key}", tool, arguments, str(thread_id))

    def record(self) -> WriteRecord | None:
        item = self.store.get(WRITES_NAMESPACE, self.key)
        if item is None:
            return None
        return WriteRecord.model_validate(item.value)

    def _put(self, state: Literal["sending", "sent"], result: dict[str, Any] | None) -> None:
        record = WriteRecord(
            key=self.key,
            tool=self.tool,
            arguments=self.arguments,
            state=state,
            result=result,
            thread_id=self.thread_id,
            recorded_at=datetime.now(UTC).isoformat(),
        )
        self.store.put(WRITES_NAMESPACE, self.key, record.model_dump(mode="json"), index=False)

    def mark_sending(self) -> None:
        """Written before the request leaves: a crash from here on is known."""
        self._put("sending", None)

    def mark_sent(self, result: dict[str, Any]) -> None:
        self._put("sent", result)

    def forget(self) -> None:
        """The API refused the write (nothing changed): a later approval may send it."""
        self.store.delete(WRITES_NAMESPACE, self.key)
