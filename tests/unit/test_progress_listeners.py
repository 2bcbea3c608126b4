"""Work for listeners is done only when someone listens: a role's token handler is added
to its model calls only in a run that streams ``custom`` events (``graph._progress``,
``graph._tokens``), and a tool's result is read from its artifact (``tool_result``)."""

from __future__ import annotations

from typing import Any, TypedDict

from langchain_core.callbacks import BaseCallbackManager
from langchain_core.messages import ToolMessage
from langgraph.config import get_config
from langgraph.graph import START, StateGraph
from langgraph.runtime import _no_op_stream_writer

from infra_team.graph._middleware import tool_result
from infra_team.graph._progress import _does_nothing, listening
from infra_team.graph._tokens import ScrubbedTokens, with_scrubbed_tokens
from infra_team.tools import TOOL_CATALOG


class _State(TypedDict, total=False):
    handlers: list[str]
    listening: bool


def _node(state: _State) -> dict[str, Any]:
    config = with_scrubbed_tokens(get_config(), "systems-administrator")
    callbacks = config.get("callbacks")
    handlers = callbacks.handlers if isinstance(callbacks, BaseCallbackManager) else []
    assert "nostream" in config["tags"]  # raw tokens stay off the messages stream either way
    return {
        "handlers": [type(handler).__name__ for handler in handlers],
        "listening": listening(),
    }


def _graph() -> Any:
    return StateGraph(_State).add_node("role", _node).add_edge(START, "role").compile()


def test_no_token_handler_when_nobody_streams_custom_events() -> None:
    result = _graph().invoke({})
    assert result == {"handlers": [], "listening": False}


def test_the_token_handler_when_custom_events_are_streamed() -> None:
    updates = [chunk for mode, chunk in _graph().stream({}, stream_mode=["custom", "updates"])]
    assert updates == [{"role": {"handlers": [ScrubbedTokens.__name__], "listening": True}}]


def test_writers_that_do_something_are_listened_to() -> None:
    def writer(event: Any) -> None:
        print(event)

    assert _does_nothing(_no_op_stream_writer)
    assert not _does_nothing(writer)
    assert not _does_nothing(lambda event: 1)
    assert not _does_nothing(print)
    assert not listening()  # outside a graph run


def test_a_tool_result_is_read_from_its_artifact_as_from_its_content() -> None:
    tool = TOOL_CATALOG["audit_sshd_config"]
    call = {"name": tool.name, "args": {"config_text": "PermitRootLogin yes\n"}, "id": "c1"}
    message = tool.invoke({**call, "type": "tool_call"})
    assert isinstance(message, ToolMessage)
    bare = ToolMessage(message.content, name=message.name, tool_call_id="c1")
    assert tool_result(message) == tool_result(bare)
    assert tool_result(message)["status"] == "success"
