"""What a role agent saves: nothing, unless it pauses for a person.

A role agent runs inside one step of the team graph. Left to inherit the team graph's
checkpointer it saved a checkpoint for each of its own steps (model, tools, model ...):
one request wrote 69 checkpoints in 8 namespaces and SQLite grew about 1.5 MB. None of
them is needed to continue a run: a role that had not finished when the process died
runs again from its brief, since the team graph saves its state only between roles.

A role agent does need its own checkpoint in one case: a write tool paused it for
Change Approval (``interrupt()``), and the answer must resume that very tool call, not
a new model turn. So ``PauseOnlySaver`` keeps a role agent's checkpoints in memory and
writes the latest one (with its pending writes) to the real checkpointer only when the
agent pauses. A fresh instance per role step holds one checkpoint at most. An agent
bound with no write tool cannot pause: it runs in the team node's own step
(``graph._loop``) and saves nothing of its own.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph._internal._constants import CONFIG_KEY_CHECKPOINTER, INTERRUPT
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)

_Write = tuple[list[tuple[str, Any]], str, str]
"""One ``put_writes`` call: writes, task id, task path."""


class _Held:
    """The latest checkpoint of one namespace and the writes made against it."""

    def __init__(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
    ) -> None:
        self.config, self.checkpoint, self.metadata = config, checkpoint, metadata
        self.writes: list[_Write] = []
        self.saved_config: RunnableConfig | None = None


class PauseOnlySaver(BaseCheckpointSaver[Any]):
    """Holds a role agent's checkpoints in memory; saves the latest only on a pause.

    Reads go to the real checkpointer, so a paused agent resumes from what was saved.
    """

    def __init__(self, inner: BaseCheckpointSaver[Any]) -> None:
        super().__init__(serde=inner.serde)
        self.inner = inner
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], _Held] = {}

    # --- reads: the real checkpointer ------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.inner.get_tuple(config)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self.inner.aget_tuple(config)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        return self.inner.list(config, filter=filter, before=before, limit=limit)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        async for item in self.inner.alist(config, filter=filter, before=before, limit=limit):
            yield item

    def get_next_version(self, current: Any, channel: None) -> Any:
        return self.inner.get_next_version(current, channel)

    def delete_thread(self, thread_id: str) -> None:
        self.inner.delete_thread(thread_id)

    async def adelete_thread(self, thread_id: str) -> None:
        await self.inner.adelete_thread(thread_id)

    # --- writes: held until a pause ----------------------------------------------------

    @staticmethod
    def _key(config: RunnableConfig) -> tuple[str, str]:
        conf = config["configurable"]
        return str(conf.get("thread_id", "")), str(conf.get("checkpoint_ns", ""))

    def _hold(
        self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata
    ) -> RunnableConfig:
        thread_id, ns = self._key(config)
        with self._lock:
            self._held[(thread_id, ns)] = _Held(config, checkpoint, metadata)
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

    def _take(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, path: str
    ) -> _Held | bool:
        """Record the writes. Returns the held checkpoint to save when they hold a pause,
        True when they belong to a saved checkpoint (a resumed agent) and go straight to
        the real checkpointer, False when they stay held."""
        with self._lock:
            held = self._held.get(self._key(config))
            if held is None or held.saved_config is not None:
                return True
            held.writes.append((list(writes), task_id, path))
            if any(channel == INTERRUPT for channel, _ in writes):
                return held
            return False

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self._hold(config, checkpoint, metadata)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self._hold(config, checkpoint, metadata)

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        held = self._take(config, writes, task_id, task_path)
        if held is True:
            self.inner.put_writes(config, writes, task_id, task_path)
            return
        if held is False:
            return
        # Every channel at its current version: the earlier checkpoints that first stored
        # some of them were never saved.
        versions = dict(held.checkpoint["channel_versions"])
        saved = self.inner.put(held.config, held.checkpoint, held.metadata, versions)
        with self._lock:
            held.saved_config = saved
            pending, held.writes = held.writes, []
        for items, task, path in pending:
            self.inner.put_writes(saved, items, task, path)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        held = self._take(config, writes, task_id, task_path)
        if held is True:
            await self.inner.aput_writes(config, writes, task_id, task_path)
            return
        if held is False:
            return
        versions = dict(held.checkpoint["channel_versions"])
        saved = await self.inner.aput(held.config, held.checkpoint, held.metadata, versions)
        with self._lock:
            held.saved_config = saved
            pending, held.writes = held.writes, []
        for items, task, path in pending:
            await self.inner.aput_writes(saved, items, task, path)


def role_agent_config(config: RunnableConfig) -> RunnableConfig:
    """The config a role agent that may pause runs with: the team graph's, with the
    checkpointer lent to it replaced by a ``PauseOnlySaver`` around it."""
    conf = dict(config.get("configurable") or {})
    inner = conf.get(CONFIG_KEY_CHECKPOINTER)
    if not isinstance(inner, BaseCheckpointSaver) or isinstance(inner, PauseOnlySaver):
        return config
    conf[CONFIG_KEY_CHECKPOINTER] = PauseOnlySaver(inner)
    return {**config, "configurable": conf}
