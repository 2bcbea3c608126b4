"""Scripted chat models for tests: no network, no language model, fully predictable."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from infra_team.graph._schemas import BRIEF_KEY

Script = Callable[[list[BaseMessage], tuple[str, ...]], AIMessage]


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        return str(tool.get("name") or tool.get("function", {}).get("name") or tool.get("title"))
    return str(getattr(tool, "name", None) or getattr(tool, "__name__", tool))


class ScriptedChatModel(BaseChatModel):
    """Answers each call with ``script(messages, bound_tool_names)``.

    ``bind_tools`` returns a copy that remembers the tool names (the fake models in
    langchain_core raise there). Streaming splits text and tool arguments into
    ``chunk_size``-character pieces, so identifiers get split across chunks.
    """

    script: Script
    bound: tuple[str, ...] = ()
    chunk_size: int = 3

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        return self.model_copy(update={"bound": tuple(_tool_name(t) for t in tools)})

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.script(messages, self.bound))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        import json

        message = self.script(messages, self.bound)
        text = message.text
        size = self.chunk_size
        for start in range(0, len(text), size):
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[start : start + size]))
        for index, call in enumerate(message.tool_calls):
            args = json.dumps(call["args"])
            pieces = [args[i : i + size] for i in range(0, len(args), size)] or [""]
            for number, piece in enumerate(pieces):
                yield ChatGenerationChunk(
                    message=AIMessageChunk(
                        content="",
                        tool_call_chunks=[
                            {
                                "name": call["name"] if number == 0 else None,
                                "args": piece,
                                "id": call["id"] if number == 0 else None,
                                "index": index,
                            }
                        ],
                    )
                )


def brief_of(messages: list[BaseMessage]) -> dict[str, Any]:
    for message in reversed(messages):
        if isinstance(message, HumanMessage) and BRIEF_KEY in message.additional_kwargs:
            return dict(message.additional_kwargs[BRIEF_KEY])
    raise AssertionError("no brief in the messages")


def tool_turns(messages: list[BaseMessage]) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]


def call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}]
    )
