"""A role agent without a write tool runs its model and tool loop in the role node's own
step (``graph._loop``): the same reminders, call limit, answer reading and tool handling
as a ``create_agent`` agent, and an agent that may write still pauses through one."""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable

from infra_team.graph._loop import RoleLoop
from infra_team.graph._schemas import RoleReport
from infra_team.graph.role import MODEL_CALL_LIMIT, build_role_agent
from infra_team.registry import registry
from infra_team.tools import TOOL_CATALOG
from tests.fakes import ScriptedChatModel, call

ANSWER = {
    "summary": "Hardened.",
    "findings": ["sshd passes [tool]."],
    "actions": [],
    "deliverable": "",
}
SSHD = "PermitRootLogin no\nPasswordAuthentication no\n"


def _loop(script: Any) -> tuple[RoleLoop, list[list[BaseMessage]]]:
    seen: list[list[BaseMessage]] = []

    def answer(messages: list[BaseMessage], tools: tuple[str, ...]) -> AIMessage:
        seen.append(list(messages))
        return script(len(seen), messages, tools)

    return _sysadmin_loop(ScriptedChatModel(script=answer)), seen


def _sysadmin_loop(model: Any) -> RoleLoop:
    """The systems administrator's loop with one tool, on ``model``."""
    return RoleLoop(
        role="systems-administrator",
        name="systems-administrator.implement",
        model=model,
        tools=[TOOL_CATALOG["audit_sshd_config"]],
        system_prompt="You harden hosts.",
        schema=RoleReport,
        run_limit=MODEL_CALL_LIMIT,
    )


def _run(loop: RoleLoop) -> dict[str, Any]:
    return asyncio.run(loop.arun(HumanMessage("Harden the billing hosts."), {}))


def test_a_tool_turn_then_the_answer() -> None:
    def script(n: int, messages: list[BaseMessage], tools: tuple[str, ...]) -> AIMessage:
        assert tools == ("audit_sshd_config", "RoleReport")
        if n == 1:
            return call("audit_sshd_config", {"config_text": SSHD}, "c1")
        return call("RoleReport", ANSWER, "c2")

    loop, seen = _loop(script)
    result = _run(loop)
    assert len(seen) == 2
    assert result["structured_response"] == RoleReport.model_validate(ANSWER)
    tools = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert [m.name for m in tools] == ["audit_sshd_config", "RoleReport"]
    assert seen[1][0].text.startswith(
        "You harden hosts."
    )  # the system prompt, then the answer tool


def test_prose_is_answered_with_a_reminder_and_the_limit_ends_the_loop() -> None:
    def script(n: int, messages: list[BaseMessage], tools: tuple[str, ...]) -> AIMessage:
        return AIMessage(content="I would harden the hosts.")

    loop, seen = _loop(script)
    result = _run(loop)
    assert len(seen) == MODEL_CALL_LIMIT  # no call past the limit
    reminders = [m for m in result["messages"] if isinstance(m, HumanMessage)][1:]
    assert len(reminders) == MODEL_CALL_LIMIT  # the last one meets the limit's message
    assert all("RoleReport" in m.text for m in reminders)
    last = result["messages"][-1]
    assert isinstance(last, AIMessage) and last.name is None  # the limit's message
    assert "limit" in last.text
    assert result["structured_response"] is None


def test_an_unknown_tool_is_answered_with_an_error_and_an_answer_in_text_is_read() -> None:
    def script(n: int, messages: list[BaseMessage], tools: tuple[str, ...]) -> AIMessage:
        if n == 1:
            return call("reboot_everything", {}, "c1")
        return AIMessage(
            content=f"Here it is: {RoleReport.model_validate(ANSWER).model_dump_json()}"
        )

    loop, _ = _loop(script)
    result = _run(loop)
    error = next(m for m in result["messages"] if isinstance(m, ToolMessage))
    assert error.status == "error" and "reboot_everything" in error.text
    assert result["structured_response"] == RoleReport.model_validate(ANSWER)


def test_the_sync_loop_runs_the_same_turns() -> None:
    def script(n: int, messages: list[BaseMessage], tools: tuple[str, ...]) -> AIMessage:
        if n == 1:
            return call("audit_sshd_config", {"config_text": SSHD}, "c1")
        return call("RoleReport", ANSWER, "c2")

    loop, seen = _loop(script)
    result = loop.run(HumanMessage("Harden the billing hosts."), {})
    assert len(seen) == 2
    assert result["structured_response"] == RoleReport.model_validate(ANSWER)


def test_only_an_agent_bound_with_a_write_tool_is_a_create_agent_graph() -> None:
    model = ScriptedChatModel(script=lambda messages, tools: AIMessage(content=""))
    sre = registry()["site-reliability-engineer"]
    agents = build_role_agent(sre, model, "triage")
    plain = agents.pick("checkout returns 502")
    paging = agents.pick("checkout returns 502; page the on-call")
    assert isinstance(plain, RoleLoop)
    assert isinstance(paging, Runnable) and not isinstance(paging, RoleLoop)


def test_only_tools_that_compute_run_on_the_event_loops_thread() -> None:
    from infra_team.graph._loop import _runs_inline

    live = [tool for tool in TOOL_CATALOG.values() if (tool.metadata or {}).get("live")]
    assert live and not any(_runs_inline(tool) for tool in live)
    assert _runs_inline(TOOL_CATALOG["audit_sshd_config"])


class _BindingModel(ScriptedChatModel):
    """A chat model whose ``bind_tools`` returns a ``RunnableBinding``, as providers' do."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        names = tuple(t["function"]["name"] if isinstance(t, dict) else t.name for t in tools)
        return self.bind(tool_names=names, **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        reply = self.script(messages, kwargs["tool_names"])
        return ChatResult(generations=[ChatGeneration(message=reply)])


class _Seen(BaseCallbackHandler):
    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.starts.append(kwargs)


def test_a_bound_model_is_called_with_its_bound_arguments_and_a_host_sees_each_call() -> None:
    def answer(messages: list[BaseMessage], tools: tuple[str, ...]) -> AIMessage:
        assert tools == ("audit_sshd_config", "RoleReport")
        if not any(isinstance(m, ToolMessage) for m in messages):
            return call("audit_sshd_config", {"config_text": SSHD}, "c1")
        return call("RoleReport", ANSWER, "c2")

    loop = _sysadmin_loop(_BindingModel(script=answer))
    host = _Seen()
    config: dict[str, Any] = {"callbacks": [host], "tags": ["host"]}
    result = asyncio.run(loop.arun(HumanMessage("Harden the billing hosts."), config))  # type: ignore[arg-type]
    assert result["structured_response"] == RoleReport.model_validate(ANSWER)
    assert len(host.starts) == 2
    for start in host.starts:
        assert start["metadata"]["lc_agent_name"] == "systems-administrator.implement"
        assert start["tags"] == ["host", "nostream"]
        assert start["invocation_params"]["tool_choice"] == "any"
