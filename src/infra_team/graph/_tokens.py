"""Role model tokens reach a stream only scrubbed.

Role model calls are tagged ``nostream``, so LangGraph's ``messages`` stream never carries
their raw tokens (a host reading the graph directly gets the scrubbed final messages in
its ``updates``/``values`` instead). This handler passes the tokens on, through a
``Scrubber`` per model call and field, as ``custom`` events of type ``token``: an
identifier split across chunks is caught before anything is shown.

Models stream only when someone streams ``messages`` (LangGraph's handler asks for it);
a plain ``invoke`` keeps the providers' non-streaming path.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk, LLMResult
from langchain_core.runnables import RunnableConfig
from langgraph.constants import TAG_NOSTREAM

from infra_team.graph._progress import emit, listening
from infra_team.scrub import Scrubber


class ScrubbedTokens(BaseCallbackHandler):
    """Turns a role's model tokens into scrubbed ``token`` events."""

    run_inline = True  # keep the run's context: the stream writer lives there

    def __init__(self, role: str) -> None:
        self.role = role
        self._scrubbers: dict[tuple[UUID, str], Scrubber] = {}

    def _send(self, text: str, field: str) -> None:
        if text:
            emit({"type": "token", "role": self.role, "text": text, "field": field})

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        message = chunk.message if isinstance(chunk, ChatGenerationChunk) else None
        if isinstance(message, AIMessageChunk):
            pieces: list[tuple[str, str]] = [("content", str(message.text))]
            pieces += [("tool_args", c.get("args") or "") for c in message.tool_call_chunks]
        else:
            pieces = [("content", token if isinstance(token, str) else "")]
        for field, text in pieces:
            if text:
                scrubber = self._scrubbers.setdefault((run_id, field), Scrubber())
                self._send(scrubber.feed(text), field)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self._flush(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._flush(run_id)

    def _flush(self, run_id: UUID) -> None:
        for key in [key for key in self._scrubbers if key[0] == run_id]:
            self._send(self._scrubbers.pop(key).flush(), key[1])


def with_scrubbed_tokens(config: RunnableConfig, role: str) -> RunnableConfig:
    """The role agent's config: raw model tokens kept off the graph's message stream, and
    scrubbed ones streamed as custom events. When no one receives custom events
    (``listening``) no handler is added: each handler is copied and called at every
    model call, and this one would only have fed a writer that drops what it gets."""
    tags = [*config.get("tags", []), TAG_NOSTREAM]
    if not listening():
        return {**config, "tags": tags}
    handler = ScrubbedTokens(role)
    callbacks = config.get("callbacks")
    if isinstance(callbacks, BaseCallbackManager):
        manager = callbacks.copy()
        manager.add_handler(handler, inherit=True)
        new_callbacks: Any = manager
    else:
        new_callbacks = [*(callbacks or []), handler]
    return {**config, "callbacks": new_callbacks, "tags": tags}
