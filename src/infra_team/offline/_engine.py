"""``OfflineChatModel``: a LangChain chat model with no language model inside.

It speaks the tool-calling protocol of any chat model, so ``create_agent`` and the team
graph run unchanged: ``bind_tools`` returns a copy that remembers the tools, ``invoke``
returns tool calls or a final answer (``infra_team.offline._turn``), and ``stream``
yields that same reply in pieces (content by words, tool-call arguments as JSON
fragments) so token streaming is exercised end to end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable

from infra_team.offline._binding import BoundTool, describe_tools
from infra_team.offline._turn import MODEL_NAME, next_message

ARGS_CHUNK_CHARS = 48
"""Characters of tool-call argument JSON per streamed chunk."""
_WORDS = re.compile(r"\S+\s*|\s+")


class OfflineChatModel(BaseChatModel):
    """The embedded default model: deterministic rules, templates and the team's real tools.

    Example:
        >>> from infra_team.offline import OfflineChatModel
        >>> OfflineChatModel().invoke("checkout returns 502 for 40 % of requests").text[:2]
        '##'
    """

    model_name: str = MODEL_NAME
    """Reported as the model's name (``offline``)."""
    bound_tools: tuple[BoundTool, ...] = ()
    """Tools bound with ``bind_tools``: name, argument schema, writes flag."""
    tool_choice: str | None = None
    """The ``tool_choice`` given to ``bind_tools`` (``any`` when an output is forced)."""

    @property
    def _llm_type(self) -> str:
        return "infra-team-offline"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """A copy of the model that remembers ``tools``; other options are accepted and
        ignored, as a provider ignores settings it does not support."""
        choice = tool_choice if isinstance(tool_choice, str) else None
        return self.model_copy(update={"bound_tools": describe_tools(tools), "tool_choice": choice})

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        return next_message(messages, self.bound_tools, self.tool_choice)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = self._reply(messages)
        for chunk in stream_chunks(reply):
            if run_manager is not None and isinstance(chunk.content, str) and chunk.content:
                run_manager.on_llm_new_token(
                    chunk.content, chunk=ChatGenerationChunk(message=chunk)
                )
            yield ChatGenerationChunk(message=chunk)


def stream_chunks(reply: AIMessage) -> list[AIMessageChunk]:
    """``reply`` cut into chunks that add back up to it: content word by word, each tool
    call's arguments in ``ARGS_CHUNK_CHARS`` pieces, metadata on the last chunk."""
    chunks: list[AIMessageChunk] = []
    text = reply.content if isinstance(reply.content, str) else ""
    for piece in _WORDS.findall(text):
        chunks.append(AIMessageChunk(content=piece, id=reply.id))
    for index, call in enumerate(reply.tool_calls):
        args = json.dumps(call["args"], ensure_ascii=False)
        pieces = [args[i : i + ARGS_CHUNK_CHARS] for i in range(0, len(args), ARGS_CHUNK_CHARS)]
        for number, piece in enumerate(pieces or ["{}"]):
            first = number == 0
            chunks.append(
                AIMessageChunk(
                    content="",
                    id=reply.id,
                    tool_call_chunks=[
                        tool_call_chunk(
                            name=call["name"] if first else None,
                            args=piece,
                            id=call["id"] if first else None,
                            index=index,
                        )
                    ],
                )
            )
    chunks.append(
        AIMessageChunk(
            content="",
            id=reply.id,
            response_metadata=reply.response_metadata,
            chunk_position="last",
        )
    )
    return chunks
