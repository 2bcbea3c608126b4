"""What keeps a run lean, checked by counting (not timing): what the default memory keeps
of a finished run, the thread-pool hops of an async run, the role agents' steps, the
order of the composed middleware."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.messages import AIMessage, HumanMessage

from bench._scripted import ScriptedChatModel as BenchModel
from infra_team import atask, resume, task
from infra_team._memory import MEMORY
from infra_team.graph._stage_middleware import ComposedCallMiddleware
from infra_team.tools._base import _InfraTool as InfraTool
from tests.integration.conftest import team_script
from tests.support.chaos import staged_model

REQUEST = "New Postgres cluster for billing"


def test_a_finished_run_keeps_only_its_latest_checkpoint():
    result = task("infrastructure-team", REQUEST, model=team_script())
    assert result.status == "completed"
    namespaces = MEMORY.saver.storage[result.thread_id]
    assert {ns: len(checkpoints) for ns, checkpoints in namespaces.items()} == {"": 1}
    held = [key for key in MEMORY.saver.blobs if key[0] == result.thread_id]
    assert {key[2] for key in held} >= {"report", "design", "results"}
    stale = [key for key in MEMORY.saver.writes if key[0] == result.thread_id]
    assert stale == []  # a finished run has no pending writes


def test_a_paused_run_keeps_its_history_until_it_finishes():
    model = staged_model(change_type="Remove")
    paused = task("infrastructure-team", "Remove the legacy billing database", model=model)
    assert paused.status == "interrupted"
    assert len(MEMORY.saver.storage[paused.thread_id][""]) > 1  # a live run is not pruned
    finished = resume(paused.thread_id, "approve", model=model)
    assert finished.status == "completed"
    assert len(MEMORY.saver.storage[paused.thread_id][""]) == 1


def test_an_async_run_with_computing_tools_never_hops_to_a_worker_thread():
    """Nodes, edges, the role loops and the tools that only compute from their arguments
    all run on the event loop's thread (a live tool would still go to a worker thread)."""
    loop_hops: Counter[str] = Counter()
    tool_calls: list[str] = []
    invoke = InfraTool.invoke

    def counted_invoke(self: InfraTool, *args: Any, **kwargs: Any) -> Any:
        tool_calls.append(self.name)
        return invoke(self, *args, **kwargs)

    async def run() -> Any:
        loop = asyncio.get_running_loop()
        original = loop.run_in_executor

        def counted(executor: Any, func: Any, *args: Any) -> Any:
            loop_hops[_target(func, *args)] += 1
            return original(executor, func, *args)

        loop.run_in_executor = counted  # type: ignore[method-assign]
        try:
            # The benchmark's scripted model: one tool call per role, then the answer.
            return await atask("infrastructure-team", REQUEST, model=BenchModel())
        finally:
            loop.run_in_executor = original  # type: ignore[method-assign]

    InfraTool.invoke = counted_invoke  # type: ignore[method-assign]
    try:
        result = asyncio.run(run())
    finally:
        InfraTool.invoke = invoke  # type: ignore[method-assign]
    assert result.status == "completed"
    assert tool_calls, "the scripted roles call tools"
    assert dict(loop_hops) == {}


def _target(func: Any, *args: Any) -> str:
    """The function a hop runs, through ``partial`` and ``Context.run`` wrappers."""
    while True:
        if isinstance(func, functools.partial):
            func, args = func.func, func.args
        elif getattr(func, "__qualname__", "") == "Context.run" and args:
            func, args = args[0], args[1:]
        elif str(getattr(func, "__qualname__", "")).endswith("run_in_executor.<locals>.wrapper"):
            # langchain_core's wrapper: the function it runs is in its closure
            cells = [cell.cell_contents for cell in func.__closure__ or ()]
            func, args = next(c for c in cells if callable(c)), ()
        else:
            return str(getattr(func, "__qualname__", repr(func)))


class _Mark(AgentMiddleware[Any, Any, Any]):
    def __init__(self, mark: str, log: list[str]) -> None:
        super().__init__()
        self.mark, self.log = mark, log

    def wrap_model_call(self, request: ModelRequest[Any], handler: Any) -> ModelResponse[Any]:
        self.log.append(f"{self.mark}>")
        response = handler(request)
        self.log.append(f"<{self.mark}")
        return response


def test_composed_middleware_keeps_the_list_order():
    log: list[str] = []
    composed = ComposedCallMiddleware(_Mark("a", log), _Mark("b", log))
    request = ModelRequest(model=None, messages=[HumanMessage("hi")])  # type: ignore[arg-type]

    def model(request: ModelRequest[Any]) -> ModelResponse[Any]:
        log.append("model")
        return ModelResponse(result=[AIMessage("ok")])

    composed.wrap_model_call(request, model)
    assert log == ["a>", "b>", "model", "<b", "<a"]


def test_composed_middleware_refuses_node_hooks():
    class WithNode(AgentMiddleware[Any, Any, Any]):
        def before_model(self, state: Any, runtime: Any) -> None:
            return None

    try:
        ComposedCallMiddleware(WithNode())
    except ValueError as exc:
        assert "WithNode" in str(exc)
    else:
        raise AssertionError("a middleware with a node hook was composed")


def _recorded(kind: str, request: str) -> Any:
    """The model calls of one run on the benchmark's scripted model, as a provider
    would receive them (prompt, messages and bound tool schemas)."""
    from langgraph.checkpoint.memory import InMemorySaver

    from bench._patterns import infra_team_runner
    from bench._scripted import RECORDER, Recorder

    recorder = Recorder()
    token = RECORDER.set(recorder)
    try:
        asyncio.run(infra_team_runner(BenchModel(kind=kind), request)(InMemorySaver()))
    finally:
        RECORDER.reset(token)
    return recorder


def test_a_team_request_and_an_incident_fit_the_character_budget():
    """Each stage carries only its own instructions and tools: a team request's calls
    stay within the characters a request may cost, and every call of both paths fits a
    small (4k-token) context."""
    from bench._patterns import INCIDENT
    from bench._patterns import REQUEST as TEAM_REQUEST
    from bench.compare import TARGETS

    team = _recorded("request", TEAM_REQUEST)
    incident = _recorded("incident", INCIDENT)
    stages = {call.agent.rsplit(".", 1)[-1] for call in team.calls}
    assert stages == {"intake", "design", "implement", "codify", "operate"}  # the whole flow
    assert {call.agent.rsplit(".", 1)[-1] for call in incident.calls} >= {"triage", "escalation"}
    assert sum(call.total for call in team.calls) <= TARGETS["chars per request"]
    largest = max([*team.calls, *incident.calls], key=lambda call: call.total)
    assert largest.total <= TARGETS["largest call"], largest.agent
