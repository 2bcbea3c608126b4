"""A tool call answered without LangChain's tool run (``_InfraTool.invoke`` when no
callback handler listens to tool runs) is the very message ``BaseTool.run`` gives: the
same content, status, name, id and artifact, for valid, invalid and failing calls, for
every tool of the catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler, CallbackManager
from langchain_core.messages import ToolCall, ToolMessage
from langchain_core.tools import StructuredTool
from pydantic import BaseModel

from infra_team.tools import TOOL_CATALOG
from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, ok

pytestmark = pytest.mark.usefixtures("clean_settings")


class _Listener(BaseCallbackHandler):
    """A handler that listens to tool runs: with it, ``BaseTool.run`` answers the call."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kwargs: Any) -> None:
        self.started.append(serialized["name"])


class _Args(BaseModel):
    n: int


@infra_tool(name="probe", description="Answers, refuses or fails by n.", args_schema=_Args)
def _probe(n: int) -> ToolResult:
    if n < 0:
        raise ToolInputError("n must not be negative")
    if n == 0:
        raise RuntimeError("boom")
    return ok("probe", f"n is {n}", {"n": n})


def _call(args: dict[str, Any], name: str) -> ToolCall:
    return {"name": name, "args": args, "id": "call-1", "type": "tool_call"}


def _both(tool: Any, args: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    listener = _Listener()
    full = tool.invoke(_call(args, tool.name), {"callbacks": [listener]})
    assert listener.started == [tool.name]
    with monkeypatch.context() as patch:  # the lean path must not reach BaseTool's run
        patch.setattr(StructuredTool, "_run", _unreachable)
        lean = tool.invoke(_call(args, tool.name), {"callbacks": [BaseCallbackHandler()]})
        # A graph task's manager with no handler at all: nothing to configure either.
        unheard = tool.invoke(_call(args, tool.name), {"callbacks": CallbackManager([])})
    assert isinstance(full, ToolMessage)
    for message in (lean, unheard):
        assert isinstance(message, ToolMessage)
        assert (message.content, message.status, message.name, message.tool_call_id) == (
            full.content,
            full.status,
            full.name,
            full.tool_call_id,
        )
        assert message.artifact == full.artifact


def _unreachable(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("BaseTool.run was called")


@pytest.mark.parametrize("args", [{"n": 3}, {"n": -1}, {"n": 0}, {"n": "x"}, {}, {"m": 1}])
def test_probe_answers_the_same(args: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    _both(_probe, args, monkeypatch)


CLOCKED = {"oncall_now"}
"""Tools that read the clock: two calls a moment apart answer differently."""


@pytest.mark.parametrize("name", sorted(set(TOOL_CATALOG) - CLOCKED))
@pytest.mark.parametrize("args", [{}, {"unexpected": [1, {"a": None}]}])
def test_catalogue_answers_the_same(
    name: str, args: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _both(TOOL_CATALOG[name], args, monkeypatch)


def test_a_listening_handler_sees_the_tool_run() -> None:
    listener = _Listener()
    message = _probe.invoke(_call({"n": 2}, "probe"), {"callbacks": [listener]})
    assert listener.started == ["probe"]
    assert isinstance(message, ToolMessage)
    assert message.status == "success"
