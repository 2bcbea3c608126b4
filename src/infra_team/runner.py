"""Running a task through the supervisor graph: task, stream, resume and their async twins.

Every value that leaves this module is scrubbed of internal identifiers.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Durability, Interrupt, StateSnapshot, StreamMode

from infra_team._memory import MEMORY
from infra_team.approvals import Decision, coerce_decision
from infra_team.errors import (
    ErrorCode,
    InvalidRequestError,
    ModelResolutionError,
    ThreadNotFoundError,
)
from infra_team.gates import ReadinessEvidence
from infra_team.graph import _artifacts
from infra_team.graph._state import TeamState
from infra_team.graph.team import build_team_graph, validate_request
from infra_team.models import ModelArg, resolve_models
from infra_team.persistence import CheckpointerArg as CheckpointerArg  # re-exported
from infra_team.persistence import (
    Persistence,
    aprune_run,
    async_persistence,
    check_checkpointer,
    prune_run,
    sync_persistence,
)
from infra_team.registry import SPECIALISTS, SUBAGENT_TYPES, TEAM, display_name, resolve_role
from infra_team.result import (
    EscalationStep,
    GateResult,
    PendingQuestion,
    RunUsage,
    TaskEvent,
    TaskResult,
)
from infra_team.run_checks import (
    check_description,
    check_model,
    check_subagent_type,
    check_thread_id,
    check_timeout,
    deadline_message,
    failure_message,
)
from infra_team.run_context import check_evidence, check_opened_at
from infra_team.scrub import remember_request, scrub, scrub_obj

DURABILITY: Durability = "sync"
"""Each step's checkpoint is stored before the next step starts, so a process killed at
any point resumes after the last step that finished (with LangGraph's default, "async",
the kill can come before that checkpoint is written, and finished roles run again).
Measured with SQLite at zero model latency, runs are no slower for it: the SQLite savers
write one thing at a time, so the next step's writes waited for the checkpoint anyway."""
RECURSION_LIMIT = 60
"""Graph steps one run may take; the longest documented flow needs about a dozen."""
DEFAULT_TIMEOUT = 900.0
"""Seconds one call (a task, or a resume up to its next pause) may take before it ends
``failed``: enough for every role of the longest flow on a slow hosted model, short
enough that a stalled provider cannot hold a run for ever. ``timeout=None`` lifts it."""

_GRAPH_CACHE: OrderedDict[tuple[int, ...], tuple[Any, CompiledStateGraph[Any, Any, Any, Any]]] = (
    OrderedDict()
)
_GRAPH_CACHE_SIZE = 8


def _compiled(models: dict[str, BaseChatModel]) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The supervisor graph for these models, compiled once and reused (building the twelve
    role agents costs far more than a copy with another checkpointer)."""
    key = tuple(id(models[role]) for role in SUBAGENT_TYPES)
    cached = _GRAPH_CACHE.get(key)
    if cached is not None:
        _GRAPH_CACHE.move_to_end(key)
        return cached[1]
    graph = build_team_graph(models, report_message=False)  # results read ``report``
    # The models are kept with the graph so their ids cannot be reused while cached.
    _GRAPH_CACHE[key] = (tuple(models.values()), graph)
    if len(_GRAPH_CACHE) > _GRAPH_CACHE_SIZE:
        _GRAPH_CACHE.popitem(last=False)
    return graph


class _Run:
    """One run's graph, config and input."""

    def __init__(
        self,
        persistence: Persistence,
        *,
        model: ModelArg,
        thread_id: str | None,
        recursion_limit: int,
        timeout: float | None,
    ) -> None:
        models, self.model_label, self.model_spec = resolve_models(model)
        saver, store = persistence
        self.graph = _compiled(models).copy({"checkpointer": saver, "store": store})
        self.thread_id = thread_id or uuid.uuid4().hex
        self.config: RunnableConfig = {
            "configurable": {"thread_id": self.thread_id},
            "recursion_limit": recursion_limit,
        }
        self.timeout = timeout
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._last: TaskResult | None = None
        self.stop: threading.Event | None = None

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None without one)."""
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - time.monotonic())

    def pace(self) -> None:
        """Give the next graph step only the time left: LangGraph stops a step that
        overruns ``step_timeout`` (the run's sync path; the async path is cancelled)."""
        left = self.remaining()
        if (left is not None and left <= 0) or (self.stop is not None and self.stop.is_set()):
            raise TimeoutError("deadline passed")
        self.graph.step_timeout = None if left is None else max(left, 0.001)

    def past_deadline(self, failure: BaseException | None) -> bool:
        left = self.remaining()
        return isinstance(failure, TimeoutError) and left is not None and left <= 0.05

    @contextlib.contextmanager
    def tracked(self) -> Iterator[None]:
        """Tell the default memory the run is live, then how it ended (a paused run is
        kept until answered; see ``infra_team._memory``)."""
        if self.graph.checkpointer is not MEMORY.saver:
            yield
            return
        MEMORY.begin(self.thread_id)
        try:
            yield
        finally:
            paused = self._last is not None and self._last.status == "interrupted"
            MEMORY.end(self.thread_id, paused=paused)

    def start_input(self, subagent_type: str, description: str) -> dict[str, Any]:
        return {
            "subagent_type": subagent_type,
            "description": remember_request(description),  # never stored raw, even as input
            **self.model_record(),
        }

    def model_record(self) -> dict[str, Any]:
        """What the state keeps about the model: a label to show, a spec to rebuild it."""
        return {"model": self.model_label, "model_spec": self.model_spec}

    def result(self, snapshot: StateSnapshot, failure: BaseException | None = None) -> TaskResult:
        reason: str | None = None
        if failure is not None:
            past = self.past_deadline(failure) and self.timeout is not None
            reason = (
                deadline_message(cast(float, self.timeout), self.thread_id)
                if past
                else failure_message(failure)
            )
        elif not snapshot.values:
            reason = "the run's saved state is missing; it was not recorded by the checkpointer"
        self._last = build_result(snapshot, self.thread_id, self.model_label, reason)
        return self._last


def build_result(
    snapshot: StateSnapshot, thread_id: str, model: str, failure: str | None = None
) -> TaskResult:
    """A ``TaskResult`` from the graph's saved state and, when the run stopped on an
    exception, the words for it; every string scrubbed."""
    values: dict[str, Any] = dict(snapshot.values or {})
    pending = [] if failure else [i.value for i in _pending(snapshot) if isinstance(i.value, dict)]
    error = values.get("error") or failure
    status = "failed" if error else "interrupted" if pending else "completed"
    engaged = list(values.get("engaged", []))
    for task in snapshot.tasks:
        if task.interrupts and task.name in SUBAGENT_TYPES and task.name not in engaged:
            engaged.append(task.name)
    design = values.get("design") or {}
    triage = values.get("triage") or {}
    if values.get("report"):
        report, artifacts = values["report"], dict(values.get("artifacts", {}))
    else:
        report, artifacts = _interim_report(values, pending, error)
    result = TaskResult(
        subagent_type=values.get("subagent_type", "infrastructure-team"),
        kind=values.get("kind"),
        status=status,
        engaged_roles=engaged,
        assigned_roles=[
            a["role"] for a in design.get("assignments", []) if a["role"] in SPECIALISTS
        ],
        severity=triage.get("severity"),
        component_owner=values.get("component_owner") if values.get("kind") == "incident" else None,
        escalation_trail=[EscalationStep.model_validate(step) for step in values.get("trail", [])],
        gates=[GateResult.model_validate(gate) for gate in values.get("gates", [])],
        interrupts=[PendingQuestion.model_validate(_question(value)) for value in pending],
        artifacts=artifacts,
        report=report,
        thread_id=thread_id,
        model=model,
        error=error,
        usage=RunUsage.from_state(values.get("usage")),
        unstructured_roles=list(values.get("unstructured", [])),
        handoffs=_artifacts.collect_handoffs(cast(TeamState, values)),
    )
    # The caller's own thread id comes back verbatim, so the run resumes by it.
    return scrub_obj(result).model_copy(update={"thread_id": thread_id})


def _question(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": value.get("kind", "question"),
        "gate": value.get("gate", ""),
        "question": value.get("question", ""),
        "details": value.get("details", {}),
        "options": list(value.get("options", [])),
    }


def _interim_report(
    values: dict[str, Any], pending: list[dict[str, Any]], error: str | None
) -> tuple[str, dict[str, str]]:
    """Report and artifacts of a run that has not reached its report node: everything the
    roles produced so far, with the question it waits on or the error that stopped it."""
    state = cast(TeamState, {**values, "error": error} if error else values)
    artifacts = _artifacts.render_artifacts(state)
    return _artifacts.render_report(state, artifacts, pending=pending), artifacts


def _pending(snapshot: StateSnapshot) -> list[Interrupt]:
    """Pending questions in a fixed order: ``TaskResult.interrupts[0]`` is the one the next
    resume answers."""
    return sorted(snapshot.interrupts, key=lambda item: item.id)


def _resume_command(snapshot: StateSnapshot, decision: Decision, run: _Run) -> Command[Any]:
    """Answer the first pending question only: each write or gate gets its own decision,
    and the others pause again. A run resumed with another model records it."""
    first = _pending(snapshot)[0]
    resume = {first.id: decision.model_dump()}
    if snapshot.values.get("model") == run.model_label:
        return Command(resume=resume)
    if len(snapshot.interrupts) > 1:
        msg = (
            f"the run `{run.thread_id}` waits on several questions; answer them with the model "
            f"it started with (`{snapshot.values.get('model')}`)"
        )
        raise ModelResolutionError(msg)
    return Command(resume=resume, update=run.model_record())


def _check_resumable(snapshot: StateSnapshot, thread_id: str, answer: Decision | None) -> None:
    """A saved run that waits for a decision (and got one), or that stopped part-way."""
    if not snapshot.values:
        msg = f"no saved run with thread id `{thread_id}`; check the id and the checkpoint store"
        raise ThreadNotFoundError(msg, code=ErrorCode.THREAD_NOT_FOUND)
    if snapshot.interrupts and answer is None:
        question = _question(_pending(snapshot)[0].value or {}).get("question", "")
        msg = (
            f"the run `{thread_id}` waits for a decision: {question} Answer it with "
            "approve or reject"
        )
        raise InvalidRequestError(msg, code=ErrorCode.DECISION_NEEDED)
    if not snapshot.interrupts and not snapshot.next:
        msg = f"the run `{thread_id}` has finished; nothing to resume"
        raise ThreadNotFoundError(msg, code=ErrorCode.NOTHING_TO_RESUME)


def build_graph(
    subagent_type: str = "infrastructure-team",
    *,
    model: ModelArg = None,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    store: Any = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled supervisor graph entered at ``subagent_type`` when its input names no
    type: for LangGraph Server, deepagents and any host that runs graphs itself. Input:
    ``{"messages": [HumanMessage(...)]}`` or ``{"description": ...}``; the last output
    message is the scrubbed report."""
    resolve_role(subagent_type)
    models, label, _ = resolve_models(model)
    graph = build_team_graph(models, checkpointer=checkpointer, store=store, entry=subagent_type)
    return graph.with_config({"recursion_limit": RECURSION_LIMIT, "metadata": {"model": label}})


# --- public API ---------------------------------------------------------------------------

Answer: TypeAlias = Decision | bool | str | dict[str, Any]


def _stored_model(checkpoint: Any, thread_id: str) -> ModelArg:
    """The model spec a saved run used, to rebuild the same graph on resume."""
    if checkpoint is None:
        msg = f"no saved run with thread id `{thread_id}`; check the id and the checkpoint store"
        raise ThreadNotFoundError(msg, code=ErrorCode.THREAD_NOT_FOUND)
    values = checkpoint.checkpoint.get("channel_values", {})
    spec = values.get("model_spec", values.get("model"))  # runs saved before specs: the label
    if spec is None:
        label = values.get("model", "a chat model instance")
        msg = (
            f"the run `{thread_id}` used `{label}`, a chat model instance that cannot be "
            "rebuilt from its name; pass the same model to resume it"
        )
        raise ModelResolutionError(msg)
    return cast(ModelArg, spec)


class _Options(NamedTuple):
    """What a caller asked for, shared by every entry point."""

    subagent_type: str
    description: str | None
    model: ModelArg
    thread_id: str | None
    resume_with: Answer | None
    comment: str
    recursion_limit: int
    timeout: float | None
    continuing: bool = False
    """Resume a saved run: answer its question, or continue it from its last checkpoint."""
    context: dict[str, Any] | None = None
    """What the caller told the run besides its request (``run_context``): ``opened_at``,
    ``evidence``."""


def _options(
    subagent_type: object,
    description: object,
    model: ModelArg,
    thread_id: object,
    checkpointer: CheckpointerArg,
    timeout: object,
    *,
    resume_with: Answer | None = None,
    comment: str = "",
    recursion_limit: int = RECURSION_LIMIT,
    continuing: bool = False,
    opened_at: object = None,
    evidence: object = None,
) -> _Options:
    """Every argument checked, with the package's own typed errors, before any I/O."""
    check_checkpointer(checkpointer)
    check_model(model)
    resuming = continuing or resume_with is not None
    text = None if resuming else check_description(description)
    return _Options(
        check_subagent_type(subagent_type),
        text,
        model,
        check_thread_id(thread_id) or (None if resuming else uuid.uuid4().hex),
        resume_with,
        comment if isinstance(comment, str) else str(comment),
        recursion_limit,
        check_timeout(timeout),
        resuming,
        {"opened_at": check_opened_at(opened_at), "evidence": check_evidence(evidence)},
    )


def _open(persistence: Persistence, options: _Options, saved: Any) -> tuple[_Run, Any]:
    """The run and, for a new task, its input; for a resume, the ``Decision`` still to be
    turned into a command once the paused state is read (``saved`` is its checkpoint)."""
    if not options.continuing:
        text = validate_request(options.subagent_type, options.description or "")
        run = _Run(
            persistence,
            model=options.model,
            thread_id=options.thread_id,
            recursion_limit=options.recursion_limit,
            timeout=options.timeout,
        )
        return run, run.start_input(options.subagent_type, text) | (options.context or {})
    thread = _require_thread(options.thread_id)
    run = _Run(
        persistence,
        model=options.model if options.model is not None else _stored_model(saved, thread),
        thread_id=thread,
        recursion_limit=options.recursion_limit,
        timeout=options.timeout,
    )
    if options.resume_with is None:
        return run, None
    return run, _with_comment(coerce_decision(options.resume_with), options.comment)


def _resume_input(run: _Run, snapshot: StateSnapshot, answer: Decision | None) -> Any:
    """The command answering the first pending question; None (continue from the last
    checkpoint) for a run that stopped part-way, e.g. a killed process or a deadline."""
    _check_resumable(snapshot, run.thread_id, answer)
    if answer is None or not snapshot.interrupts:
        return None
    return _resume_command(snapshot, answer, run)


def _begin(persistence: Persistence, options: _Options) -> tuple[_Run, Any]:
    """A run ready to start: new input, or a resume command after the paused state is checked."""
    resuming = options.continuing
    config = _thread_config(_require_thread(options.thread_id)) if resuming else None
    saved = persistence[0].get_tuple(config) if config else None
    run, graph_input = _open(persistence, options, saved)
    if resuming:
        graph_input = _resume_input(run, run.graph.get_state(run.config), graph_input)
    return run, graph_input


async def _abegin(persistence: Persistence, options: _Options) -> tuple[_Run, Any]:
    """Async twin of ``_begin``."""
    resuming = options.continuing
    config = _thread_config(_require_thread(options.thread_id)) if resuming else None
    saved = await persistence[0].aget_tuple(config) if config else None
    run, graph_input = _open(persistence, options, saved)
    if resuming:
        graph_input = _resume_input(run, await run.graph.aget_state(run.config), graph_input)
    return run, graph_input


def _require_thread(thread_id: str | None) -> str:
    if not thread_id:
        msg = "resuming needs the thread id of the paused run"
        raise ThreadNotFoundError(msg, code=ErrorCode.THREAD_NOT_FOUND)
    return thread_id


def _sync_events(
    checkpointer: CheckpointerArg,
    options: _Options,
    *,
    progress: bool,
    stop: threading.Event | None = None,
) -> Iterator[TaskEvent]:
    """Run the graph in this thread: progress events (when asked for), then the result."""
    with sync_persistence(checkpointer) as persistence:
        run, graph_input = _begin(persistence, options)
        run.stop = stop
        with run.tracked():
            translator = _EventTranslator()
            modes: list[StreamMode] = STREAM_MODES if progress else ["updates"]
            failure: BaseException | None = None
            try:
                run.pace()
                for namespace, mode, data in run.graph.stream(
                    graph_input,
                    run.config,
                    stream_mode=modes,
                    subgraphs=True,
                    durability=DURABILITY,
                ):
                    if progress:
                        yield from translator.translate(tuple(namespace), str(mode), data)
                    run.pace()
            except Exception as exc:  # reported in the result; the checkpoint keeps the progress
                failure = exc
            result = run.result(run.graph.get_state(run.config), failure)
        if _opened_here(checkpointer):
            prune_run(persistence[0], run.thread_id)
        yield TaskEvent(type="result", text=result.status, result=result)


DEADLINE_GRACE = 1.0
"""Seconds past a run's deadline before the caller stops waiting for its worker thread
(the run itself normally stops at the deadline, between two steps)."""


def _bounded_events(
    checkpointer: CheckpointerArg, options: _Options, *, progress: bool
) -> Iterator[TaskEvent]:
    """``_sync_events`` held to the run's deadline even when a step blocks in code that
    cannot be interrupted (a sync HTTP read of a stalled provider): the graph runs in a
    worker thread, and past the deadline the caller gets a ``failed`` result built from
    the last checkpoint while the worker is told to stop at its next step."""
    if options.timeout is None:
        yield from _sync_events(checkpointer, options, progress=progress)
        return
    items: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            for event in _sync_events(checkpointer, options, progress=progress, stop=stop):
                items.put(("event", event))
        except BaseException as exc:  # handed to the caller's thread
            items.put(("error", exc))

    # The worker runs in a copy of the caller's context, as the run would in the caller's
    # thread: context variables set around a run (the eval's recorded integration answers,
    # a caller's tracing) reach its nodes and tools.
    worker = threading.Thread(
        target=contextvars.copy_context().run, args=(work,), name="infra-team-run", daemon=True
    )
    worker.start()
    deadline = time.monotonic() + options.timeout + DEADLINE_GRACE
    while True:
        try:
            kind, item = items.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            stop.set()
            yield _overdue(checkpointer, options)
            return
        if kind == "error":
            raise item
        yield item
        if item.type == "result":
            return


def _overdue(checkpointer: CheckpointerArg, options: _Options) -> TaskEvent:
    """The ``failed`` result of a run whose worker overran the deadline."""
    thread = cast(str, options.thread_id)
    timeout = cast(float, options.timeout)
    with sync_persistence(checkpointer) as (saver, _):
        saved = saver.get_tuple(_thread_config(thread))
    values = dict(saved.checkpoint.get("channel_values", {})) if saved else {}
    snapshot = _values_only(values, _thread_config(thread))
    label = str(values.get("model", ""))
    result = build_result(snapshot, thread, label, deadline_message(timeout, thread))
    return TaskEvent(type="result", text=result.status, result=result)


def _values_only(values: dict[str, Any], config: RunnableConfig) -> StateSnapshot:
    """A snapshot holding only a run's values: no pending tasks or questions."""
    return StateSnapshot(
        values=values,
        next=(),
        config=config,
        metadata=None,
        created_at=None,
        parent_config=None,
        tasks=(),
        interrupts=(),
    )


_INTERRUPT = "__interrupt__"
"""The key of a paused run's questions in its output and in its ``updates`` events."""


def _finished(output: Any, config: RunnableConfig) -> StateSnapshot | None:
    """The state of a run that ran to its end, from the graph's own output, so the result
    needs no second read of the checkpoint; None for a run that paused (its questions and
    their tasks are read from the checkpoint)."""
    if not isinstance(output, dict) or not output or _INTERRUPT in output:
        return None
    return _values_only(output, config)


def _execute(checkpointer: CheckpointerArg, options: _Options) -> TaskResult:
    for event in _bounded_events(checkpointer, options, progress=False):
        if event.result is not None:
            return event.result
    raise AssertionError("a run always ends with a result")  # pragma: no cover


async def _aexecute(checkpointer: CheckpointerArg, options: _Options) -> TaskResult:
    async with async_persistence(checkpointer) as persistence:
        run, graph_input = await _abegin(persistence, options)
        with run.tracked():
            failure: BaseException | None = None
            output: Any = None
            try:
                async with asyncio.timeout(run.remaining()):
                    output = await run.graph.ainvoke(graph_input, run.config, durability=DURABILITY)
            except Exception as exc:
                failure = exc
            finished = None if failure else _finished(output, run.config)
            result = run.result(finished or await run.graph.aget_state(run.config), failure)
        if _opened_here(checkpointer):
            await aprune_run(persistence[0], run.thread_id)
        return result


def _opened_here(checkpointer: CheckpointerArg) -> bool:
    """A SQLite path or Postgres URL: storage this package opened, so it keeps only what
    resuming needs (``persistence.prune_run``); an instance keeps its whole history."""
    return isinstance(checkpointer, str | Path)


def _thread_config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}


def task(
    subagent_type: str,
    description: str,
    *,
    model: ModelArg = None,
    thread_id: str | None = None,
    checkpointer: CheckpointerArg = None,
    recursion_limit: int = RECURSION_LIMIT,
    timeout: float | None = DEFAULT_TIMEOUT,
    opened_at: datetime | str | None = None,
    evidence: ReadinessEvidence | dict[str, Any] | None = None,
) -> TaskResult:
    """Run a task for a subagent type and return its result.

    Args:
        subagent_type: One of the seven types, e.g. ``infrastructure-team``.
        description: The request or incident, in full.
        model: A chat model, a ``provider:model`` string, a per-role mapping, or None
            (``INFRA_TEAM_MODEL``, else the offline engine).
        thread_id: Id to save the run under (new one when None). A thread that already
            holds a run starts a new task on it; to continue a stopped run, ``resume``.
        checkpointer: A LangGraph checkpointer, a path to a SQLite file, or a
            ``postgresql://`` URL (extra ``infra-team[postgres]``). Default: the bounded
            in-process memory (see ``infra_team._memory``), enough to resume within
            this process.
        recursion_limit: Graph steps allowed.
        opened_at: When the incident began (aware datetime or ISO 8601 string): the
            on-call policy's 15/30/60-minute ladder picks the first rung after triage
            from the incident's age, and recovery time counts from it.
        evidence: Production Readiness evidence (``gates.ReadinessEvidence`` or a dict of
            its shape): provisioning, hardening, monitoring, DR test results.
        timeout: Seconds the run may take (None: no deadline). Past it the run ends
            ``failed`` and keeps its checkpoint, so ``resume(thread_id)`` continues it.

    Raises:
        InfraTeamError: a subclass naming what is wrong with an argument, before any role
            runs. Failures while roles work end the run ``failed`` with ``error`` set.
    """
    return _execute(
        checkpointer,
        _options(
            subagent_type,
            description,
            model,
            thread_id,
            checkpointer,
            timeout,
            recursion_limit=recursion_limit,
            opened_at=opened_at,
            evidence=evidence,
        ),
    )


async def atask(
    subagent_type: str,
    description: str,
    *,
    model: ModelArg = None,
    thread_id: str | None = None,
    checkpointer: CheckpointerArg = None,
    recursion_limit: int = RECURSION_LIMIT,
    timeout: float | None = DEFAULT_TIMEOUT,
    opened_at: datetime | str | None = None,
    evidence: ReadinessEvidence | dict[str, Any] | None = None,
) -> TaskResult:
    """Async twin of ``task``."""
    return await _aexecute(
        checkpointer,
        _options(
            subagent_type,
            description,
            model,
            thread_id,
            checkpointer,
            timeout,
            recursion_limit=recursion_limit,
            opened_at=opened_at,
            evidence=evidence,
        ),
    )


def resume(
    thread_id: str,
    decision: Answer | None = None,
    *,
    comment: str = "",
    model: ModelArg = None,
    checkpointer: CheckpointerArg = None,
    recursion_limit: int = RECURSION_LIMIT,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> TaskResult:
    """Answer a paused run's question (approve or reject) and let it finish; without a
    decision, continue a run that stopped part-way (a killed process, a deadline, a
    provider failure) from its last checkpoint: roles that finished do not run again.

    ``model`` defaults to the model the run started with, when that was named by a string.
    """
    return _execute(
        checkpointer,
        _options(
            TEAM,
            None,
            model,
            thread_id,
            checkpointer,
            timeout,
            resume_with=decision,
            comment=comment,
            recursion_limit=recursion_limit,
            continuing=True,
        ),
    )


async def aresume(
    thread_id: str,
    decision: Answer | None = None,
    *,
    comment: str = "",
    model: ModelArg = None,
    checkpointer: CheckpointerArg = None,
    recursion_limit: int = RECURSION_LIMIT,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> TaskResult:
    """Async twin of ``resume``."""
    return await _aexecute(
        checkpointer,
        _options(
            TEAM,
            None,
            model,
            thread_id,
            checkpointer,
            timeout,
            resume_with=decision,
            comment=comment,
            recursion_limit=recursion_limit,
            continuing=True,
        ),
    )


def _with_comment(decision: Decision, comment: str) -> Decision:
    return Decision(approved=decision.approved, comment=comment or decision.comment)


# --- streaming ----------------------------------------------------------------------------

STREAM_MODES: list[StreamMode] = ["custom", "updates", "messages"]
"""``messages`` is asked for only so that models stream: role model calls are ``nostream``,
so it carries no raw role tokens, and the scrubbed tokens arrive as ``custom`` events."""


class _EventTranslator:
    """Turns raw graph stream parts into ``TaskEvent``s, scrubbed.

    Role progress and tokens arrive as custom events (tokens already through a
    ``Scrubber`` per model call, see ``graph._tokens``); interrupts arrive as updates.
    """

    def __init__(self) -> None:
        self._seen_interrupts: set[str] = set()

    def translate(self, namespace: tuple[str, ...], mode: str, data: Any) -> Iterator[TaskEvent]:
        if mode == "custom" and isinstance(data, dict):
            yield self._custom(data)
        elif mode == "updates" and isinstance(data, dict) and _INTERRUPT in data:
            yield from self._interrupts(data[_INTERRUPT])

    @staticmethod
    def _custom(data: dict[str, Any]) -> TaskEvent:
        role = data.get("role")
        event_data = {
            key: value for key, value in data.items() if key in {"args", "status", "field"}
        }
        return scrub_obj(
            TaskEvent(
                type=data["type"],
                role=role,
                role_name=display_name(role) if role else None,
                tool=data.get("tool"),
                stage=data.get("stage"),
                text=str(data.get("text", "")),
                data=event_data,
            )
        )

    def _interrupts(self, items: tuple[Interrupt, ...]) -> Iterator[TaskEvent]:
        for item in items:
            if item.id in self._seen_interrupts:
                continue
            self._seen_interrupts.add(item.id)
            value = scrub_obj(
                item.value if isinstance(item.value, dict) else {"question": str(item.value)}
            )
            yield TaskEvent(
                type="interrupt", text=scrub(str(value.get("question", ""))), data=value
            )


def stream(
    subagent_type: str,
    description: str | None = None,
    *,
    model: ModelArg = None,
    thread_id: str | None = None,
    checkpointer: CheckpointerArg = None,
    resume_with: Answer | None = None,
    comment: str = "",
    recursion_limit: int = RECURSION_LIMIT,
    timeout: float | None = DEFAULT_TIMEOUT,
    continue_run: bool = False,
    opened_at: datetime | str | None = None,
    evidence: ReadinessEvidence | dict[str, Any] | None = None,
) -> Iterator[TaskEvent]:
    """Run a task (or resume one with ``resume_with``, or continue a stopped one with
    ``continue_run=True``) and yield scrubbed progress events; the last event has
    ``type="result"`` and carries the ``TaskResult``."""
    options = _options(
        subagent_type,
        description,
        model,
        thread_id,
        checkpointer,
        timeout,
        resume_with=resume_with,
        comment=comment,
        recursion_limit=recursion_limit,
        opened_at=opened_at,
        evidence=evidence,
        continuing=continue_run or resume_with is not None,
    )
    yield from _bounded_events(checkpointer, options, progress=True)


async def astream(
    subagent_type: str,
    description: str | None = None,
    *,
    model: ModelArg = None,
    thread_id: str | None = None,
    checkpointer: CheckpointerArg = None,
    resume_with: Answer | None = None,
    comment: str = "",
    recursion_limit: int = RECURSION_LIMIT,
    timeout: float | None = DEFAULT_TIMEOUT,
    continue_run: bool = False,
    opened_at: datetime | str | None = None,
    evidence: ReadinessEvidence | dict[str, Any] | None = None,
) -> AsyncIterator[TaskEvent]:
    """Async twin of ``stream``."""
    options = _options(
        subagent_type,
        description,
        model,
        thread_id,
        checkpointer,
        timeout,
        resume_with=resume_with,
        comment=comment,
        recursion_limit=recursion_limit,
        opened_at=opened_at,
        evidence=evidence,
        continuing=continue_run or resume_with is not None,
    )
    async with async_persistence(checkpointer) as persistence:
        run, graph_input = await _abegin(persistence, options)
        with run.tracked():
            translator = _EventTranslator()
            failure: BaseException | None = None
            try:
                async with asyncio.timeout(run.remaining()):
                    async for namespace, mode, data in run.graph.astream(
                        graph_input,
                        run.config,
                        stream_mode=STREAM_MODES,
                        subgraphs=True,
                        durability=DURABILITY,
                    ):
                        for event in translator.translate(tuple(namespace), str(mode), data):
                            yield event
            except Exception as exc:
                failure = exc
            result = run.result(await run.graph.aget_state(run.config), failure)
        if _opened_here(checkpointer):
            await aprune_run(persistence[0], run.thread_id)
        yield TaskEvent(type="result", text=result.status, result=result)
