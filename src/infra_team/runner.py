"""Running a task through the supervisor graph: task, stream, resume and their async twins.

Every value that leaves this module is scrubbed of internal identifiers.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeAlias, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore
from langgraph.store.memory import InMemoryStore
from langgraph.store.sqlite import SqliteStore
from langgraph.types import Command, Interrupt, StateSnapshot, StreamMode

from infra_team.approvals import Decision, coerce_decision
from infra_team.errors import (
    ErrorCode,
    HostAdapterError,
    ModelResolutionError,
    ThreadNotFoundError,
)
from infra_team.graph import _artifacts
from infra_team.graph._state import TeamState
from infra_team.graph.team import build_team_graph, validate_request
from infra_team.models import ModelArg, resolve_models
from infra_team.registry import SPECIALISTS, SUBAGENT_TYPES, TEAM, display_name, resolve_role
from infra_team.result import (
    EscalationStep,
    GateResult,
    PendingQuestion,
    TaskEvent,
    TaskResult,
)
from infra_team.scrub import remember_request, scrub, scrub_obj

RECURSION_LIMIT = 60
"""Graph steps one run may take; the longest documented flow needs about a dozen."""

CheckpointerArg: TypeAlias = BaseCheckpointSaver[Any] | str | Path | None
_MEMORY = InMemorySaver()
"""Default checkpointer of library calls: a run can be resumed within the process."""
MEMORY_THREADS = 256
"""Runs the default in-process checkpointer keeps; the oldest are dropped beyond that, so a
long-lived host does not grow without bound (pass a checkpointer to keep every run)."""


def _trim_memory(used: str) -> None:
    """Keep the most recently used runs (a paused run moves to the end each time it is used)."""
    if used in _MEMORY.storage:
        _MEMORY.storage[used] = _MEMORY.storage.pop(used)
    threads = list(_MEMORY.storage)
    for thread_id in threads[: max(0, len(threads) - MEMORY_THREADS)]:
        _MEMORY.delete_thread(thread_id)


_STORE = InMemoryStore()
"""Default long-term store (incident log) of library calls."""


def _is_postgres(checkpointer: CheckpointerArg) -> bool:
    return isinstance(checkpointer, str) and checkpointer.startswith(
        ("postgres://", "postgresql://")
    )


def _postgres_module(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        msg = (
            "a Postgres checkpointer URL needs the optional extra: "
            "pip install 'infra-team[postgres]'"
        )
        raise HostAdapterError(msg, code=ErrorCode.MISSING_EXTRA) from exc


Persistence: TypeAlias = tuple[BaseCheckpointSaver[Any], BaseStore]
"""A run's checkpointer (paused runs) and store (the incident log)."""


@contextlib.contextmanager
def _sync_persistence(checkpointer: CheckpointerArg) -> Iterator[Persistence]:
    """Checkpointer and store from what the caller gave: an instance, a SQLite path (the
    incident log beside it), a Postgres URL; nothing means this process's memory."""
    if isinstance(checkpointer, BaseCheckpointSaver):
        yield checkpointer, _STORE
        return
    if checkpointer is None:
        yield _MEMORY, _STORE
        return
    if _is_postgres(checkpointer):
        module = _postgres_module("langgraph.checkpoint.postgres")
        with module.PostgresSaver.from_conn_string(str(checkpointer)) as saver:
            saver.setup()
            yield saver, _STORE
        return
    path = Path(checkpointer)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        saver = SqliteSaver(stack.enter_context(_connect(path)))
        # The store manages its own transactions: it wants an autocommit connection.
        store = SqliteStore(stack.enter_context(_connect(incident_log_path(path), autocommit=True)))
        saver.setup()  # fails here, before any role runs, if the file is unusable
        store.setup()
        yield saver, store


def incident_log_path(checkpoints: Path) -> Path:
    """The incident log beside a SQLite checkpoint file (its own file: SQLite allows one
    writer per file, and the checkpointer and the store write from different threads)."""
    if str(checkpoints) == ":memory:":
        return checkpoints
    return checkpoints.with_name(f"{checkpoints.stem}-incidents{checkpoints.suffix or '.sqlite'}")


@contextlib.contextmanager
def _connect(path: Path, *, autocommit: bool = False) -> Iterator[sqlite3.Connection]:
    connection = (
        sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        if autocommit
        else sqlite3.connect(str(path), check_same_thread=False)
    )
    try:
        yield connection
    finally:
        connection.close()


@contextlib.asynccontextmanager
async def _async_persistence(checkpointer: CheckpointerArg) -> AsyncIterator[Persistence]:
    """Async twin of ``_sync_persistence``."""
    if isinstance(checkpointer, BaseCheckpointSaver) or checkpointer is None:
        yield checkpointer or _MEMORY, _STORE
        return
    if _is_postgres(checkpointer):
        module = _postgres_module("langgraph.checkpoint.postgres.aio")
        async with module.AsyncPostgresSaver.from_conn_string(str(checkpointer)) as saver:
            await saver.setup()
            yield saver, _STORE
        return
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
    from langgraph.store.sqlite.aio import AsyncSqliteStore

    path = Path(checkpointer)
    path.parent.mkdir(parents=True, exist_ok=True)
    async with (
        AsyncSqliteSaver.from_conn_string(str(path)) as saver,
        AsyncSqliteStore.from_conn_string(str(incident_log_path(path))) as store,
    ):
        await saver.setup()
        await store.setup()
        yield saver, store


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
    graph = build_team_graph(models)
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
    ) -> None:
        models, self.model_label, self.model_spec = resolve_models(model)
        saver, store = persistence
        self.graph = _compiled(models).copy({"checkpointer": saver, "store": store})
        self.thread_id = thread_id or uuid.uuid4().hex
        self.config: RunnableConfig = {
            "configurable": {"thread_id": self.thread_id},
            "recursion_limit": recursion_limit,
        }

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
        result = build_result(snapshot, self.thread_id, self.model_label, failure)
        if self.graph.checkpointer is _MEMORY:
            _trim_memory(self.thread_id)
        return result


def build_result(
    snapshot: StateSnapshot, thread_id: str, model: str, failure: BaseException | None = None
) -> TaskResult:
    """A ``TaskResult`` from the graph's saved state; every string scrubbed."""
    values: dict[str, Any] = dict(snapshot.values or {})
    pending = [i.value for i in _pending(snapshot) if isinstance(i.value, dict)]
    error = values.get("error") or (f"{type(failure).__name__}: {failure}" if failure else None)
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


def _check_resumable(snapshot: StateSnapshot, thread_id: str) -> None:
    if not snapshot.values:
        msg = f"no saved run with thread id `{thread_id}`; check the id and the checkpoint store"
        raise ThreadNotFoundError(msg, code=ErrorCode.THREAD_NOT_FOUND)
    if not snapshot.interrupts:
        msg = f"the run `{thread_id}` is not waiting for a decision; nothing to resume"
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


def _open(persistence: Persistence, options: _Options, saved: Any) -> tuple[_Run, Any]:
    """The run and, for a new task, its input; for a resume, the ``Decision`` still to be
    turned into a command once the paused state is read (``saved`` is its checkpoint)."""
    if options.resume_with is None:
        text = validate_request(options.subagent_type, options.description or "")
        run = _Run(
            persistence,
            model=options.model,
            thread_id=options.thread_id,
            recursion_limit=options.recursion_limit,
        )
        return run, run.start_input(options.subagent_type, text)
    thread = _require_thread(options.thread_id)
    run = _Run(
        persistence,
        model=options.model if options.model is not None else _stored_model(saved, thread),
        thread_id=thread,
        recursion_limit=options.recursion_limit,
    )
    return run, _with_comment(coerce_decision(options.resume_with), options.comment)


def _resume_input(run: _Run, snapshot: StateSnapshot, answer: Decision) -> Command[Any]:
    _check_resumable(snapshot, run.thread_id)
    return _resume_command(snapshot, answer, run)


def _begin(persistence: Persistence, options: _Options) -> tuple[_Run, Any]:
    """A run ready to start: new input, or a resume command after the paused state is checked."""
    resuming = options.resume_with is not None
    config = _thread_config(_require_thread(options.thread_id)) if resuming else None
    saved = persistence[0].get_tuple(config) if config else None
    run, graph_input = _open(persistence, options, saved)
    if resuming:
        graph_input = _resume_input(run, run.graph.get_state(run.config), graph_input)
    return run, graph_input


async def _abegin(persistence: Persistence, options: _Options) -> tuple[_Run, Any]:
    """Async twin of ``_begin``."""
    resuming = options.resume_with is not None
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


def _execute(checkpointer: CheckpointerArg, options: _Options) -> TaskResult:
    with _sync_persistence(checkpointer) as persistence:
        run, graph_input = _begin(persistence, options)
        failure: BaseException | None = None
        try:
            run.graph.invoke(graph_input, run.config)
        except Exception as exc:  # reported in the result; the checkpoint keeps the progress
            failure = exc
        return run.result(run.graph.get_state(run.config), failure)


async def _aexecute(checkpointer: CheckpointerArg, options: _Options) -> TaskResult:
    async with _async_persistence(checkpointer) as persistence:
        run, graph_input = await _abegin(persistence, options)
        failure: BaseException | None = None
        try:
            await run.graph.ainvoke(graph_input, run.config)
        except Exception as exc:
            failure = exc
        return run.result(await run.graph.aget_state(run.config), failure)


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
) -> TaskResult:
    """Run a task for a subagent type and return its result.

    Args:
        subagent_type: One of the seven types, e.g. ``infrastructure-team``.
        description: The request or incident, in full.
        model: A chat model, a ``provider:model`` string, a per-role mapping, or None
            (``INFRA_TEAM_MODEL``, else the offline engine).
        thread_id: Id to save the run under (new one when None).
        checkpointer: A LangGraph checkpointer, a path to a SQLite file, or a
            ``postgresql://`` URL (extra ``infra-team[postgres]``). Default: an in-process
            store, enough to resume within this process.
        recursion_limit: Graph steps allowed.
    """
    return _execute(
        checkpointer,
        _Options(subagent_type, description, model, thread_id, None, "", recursion_limit),
    )


async def atask(
    subagent_type: str,
    description: str,
    *,
    model: ModelArg = None,
    thread_id: str | None = None,
    checkpointer: CheckpointerArg = None,
    recursion_limit: int = RECURSION_LIMIT,
) -> TaskResult:
    """Async twin of ``task``."""
    return await _aexecute(
        checkpointer,
        _Options(subagent_type, description, model, thread_id, None, "", recursion_limit),
    )


def resume(
    thread_id: str,
    decision: Answer,
    *,
    comment: str = "",
    model: ModelArg = None,
    checkpointer: CheckpointerArg = None,
    recursion_limit: int = RECURSION_LIMIT,
) -> TaskResult:
    """Answer a paused run's question (approve or reject) and let it finish.

    ``model`` defaults to the model the run started with, when that was named by a string.
    """
    return _execute(
        checkpointer,
        _Options(TEAM, None, model, thread_id, decision, comment, recursion_limit),
    )


async def aresume(
    thread_id: str,
    decision: Answer,
    *,
    comment: str = "",
    model: ModelArg = None,
    checkpointer: CheckpointerArg = None,
    recursion_limit: int = RECURSION_LIMIT,
) -> TaskResult:
    """Async twin of ``resume``."""
    return await _aexecute(
        checkpointer,
        _Options(TEAM, None, model, thread_id, decision, comment, recursion_limit),
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
        elif mode == "updates" and isinstance(data, dict) and "__interrupt__" in data:
            yield from self._interrupts(data["__interrupt__"])

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
) -> Iterator[TaskEvent]:
    """Run a task (or resume one with ``resume_with``) and yield scrubbed progress events;
    the last event has ``type="result"`` and carries the ``TaskResult``."""
    options = _Options(
        subagent_type, description, model, thread_id, resume_with, comment, recursion_limit
    )
    with _sync_persistence(checkpointer) as persistence:
        run, graph_input = _begin(persistence, options)
        translator = _EventTranslator()
        failure: BaseException | None = None
        try:
            for namespace, mode, data in run.graph.stream(
                graph_input, run.config, stream_mode=STREAM_MODES, subgraphs=True
            ):
                yield from translator.translate(tuple(namespace), str(mode), data)
        except Exception as exc:
            failure = exc
        result = run.result(run.graph.get_state(run.config), failure)
        yield TaskEvent(type="result", text=result.status, result=result)


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
) -> AsyncIterator[TaskEvent]:
    """Async twin of ``stream``."""
    options = _Options(
        subagent_type, description, model, thread_id, resume_with, comment, recursion_limit
    )
    async with _async_persistence(checkpointer) as persistence:
        run, graph_input = await _abegin(persistence, options)
        translator = _EventTranslator()
        failure: BaseException | None = None
        try:
            async for namespace, mode, data in run.graph.astream(
                graph_input, run.config, stream_mode=STREAM_MODES, subgraphs=True
            ):
                for event in translator.translate(tuple(namespace), str(mode), data):
                    yield event
        except Exception as exc:
            failure = exc
        result = run.result(await run.graph.aget_state(run.config), failure)
        yield TaskEvent(type="result", text=result.status, result=result)
