"""Running eval cases through the team, exactly as ``infra-team task`` runs a request.

Each case runs through ``infra_team.runner.stream`` with its own in-memory checkpointer,
so cases never see each other's runs (the incident log is the process's in-memory one,
where each incident has a random id), and with the case's recorded integration answers
served to the tools (``infra_team.evals._serve``).

Every question the run puts to a person (approval of a write, a gate, human escalation)
is answered "reject": an eval never changes anything, and the run goes on to its end.
The questions asked are kept, so a case can expect them. What the run did (its final
``TaskResult``, the tools each role called, the HTTP requests the tools sent) is kept
for scoring.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel, ConfigDict, Field

from infra_team.evals._case import EvalCase
from infra_team.evals._serve import ServedRequest, eval_integrations, serve_case
from infra_team.models import ModelArg
from infra_team.result import TaskResult

MAX_DECISIONS = 10
"""Questions answered per case before the run is left waiting (a run asks a handful)."""
DECLINE = "Declined by the eval: nothing is changed while answer quality is measured."
CASE_TIMEOUT = 600.0
"""Seconds one case may take, every resume included: a small local model on a CPU needs a
few minutes for the longest flow; past this the case fails and the eval goes on."""


class ToolCall(BaseModel):
    """One tool call a role made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str | None
    tool: str


class CaseRun(BaseModel):
    """What one case's run did."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    result: TaskResult | None
    """None when the run raised before it produced a result."""
    tools: list[ToolCall] = Field(default_factory=list)
    asked: list[str] = Field(default_factory=list)
    """Questions put to a person, in order, one entry per time asked: the gate, then the
    write tool awaiting approval when there is one (``Change Approval``, ``pagerduty_event``)."""
    http: list[ServedRequest] = Field(default_factory=list)
    duration_s: float
    error: str | None = None
    """Why the run produced no result."""


def _question(result: TaskResult) -> list[str]:
    """The question the next resume answers (the first pending one): its gate, and the
    write tool it asks about, if any."""
    question = result.interrupts[0]
    tool = question.details.get("tool")
    return [question.gate, *([tool] if isinstance(tool, str) else [])]


def timed_out(timeout: float) -> str:
    """The note of a case stopped at its deadline."""
    return (
        f"the case did not finish within --case-timeout {timeout:g} s and was stopped "
        "(a slow or stuck model); raise --case-timeout for slow models"
    )


def run_case(case: EvalCase, model: ModelArg, *, timeout: float = CASE_TIMEOUT) -> CaseRun:
    """Run one case; call it inside ``eval_integrations()``.

    A failure inside the run is part of the result (``status="failed"``); an exception
    raised before any result (a bad model, an invalid request) is recorded in ``error``.
    The case as a whole (the run and every resume) gets ``timeout`` seconds; a case past
    it ends ``failed`` with a note saying so, and only that case fails.
    """
    from infra_team.runner import stream

    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    checkpoints = InMemorySaver()
    thread = f"eval-{case.id}"
    tools: list[ToolCall] = []
    asked: list[str] = []
    result: TaskResult | None = None
    error: str | None = None
    with serve_case(case.http) as served:
        try:
            events = stream(
                case.subagent_type,
                case.request,
                model=model,
                thread_id=thread,
                checkpointer=checkpoints,
                timeout=timeout,
            )
            for _ in range(MAX_DECISIONS + 1):
                for event in events:
                    if event.type == "tool_called" and event.tool:
                        tools.append(ToolCall(role=event.role, tool=event.tool))
                    elif event.type == "result":
                        result = event.result
                if result is None or result.status != "interrupted":
                    break
                asked += _question(result)
                left = deadline - time.monotonic()
                if left <= 0:
                    error = timed_out(timeout)
                    break
                events = stream(
                    case.subagent_type,
                    model=model,
                    thread_id=thread,
                    checkpointer=checkpoints,
                    resume_with=False,
                    comment=DECLINE,
                    timeout=left,
                )
        except Exception as exc:  # one case's crash is that case's result, not the eval's
            error = f"{type(exc).__name__}: {exc}"
        log = list(served)
    stopped = result is not None and result.status == "failed"
    if error is None and stopped and time.monotonic() >= deadline:
        error = timed_out(timeout)
    return CaseRun(
        result=result,
        tools=tools,
        asked=asked,
        http=log,
        duration_s=round(time.perf_counter() - started, 3),
        error=error,
    )


Progress = Callable[[EvalCase, CaseRun], None]
"""Called as each case finishes (from the thread that ran it)."""


def run_cases(
    cases: Sequence[EvalCase],
    model: ModelArg,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    timeout: float = CASE_TIMEOUT,
) -> list[CaseRun]:
    """Run every case, ``workers`` at a time, each within ``timeout`` seconds; the runs
    come back in the order of ``cases``.

    The first case runs alone so the graph is compiled once, before the others start.
    """

    def one(case: EvalCase) -> CaseRun:
        run = run_case(case, model, timeout=timeout)
        if progress is not None:
            progress(case, run)
        return run

    if not cases:
        return []
    with eval_integrations():
        first = one(cases[0])
        if workers <= 1:
            return [first, *(one(case) for case in cases[1:])]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eval") as pool:
            return [first, *pool.map(one, cases[1:])]


__all__ = ["CASE_TIMEOUT", "CaseRun", "Progress", "ToolCall", "run_case", "run_cases"]
