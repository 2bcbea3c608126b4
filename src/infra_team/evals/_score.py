"""Scoring a run against its case's expectations: one check per expected item.

Every check is deterministic except statements with a ``claim`` when a judge is given
(``infra_team.evals._judge``). A check is passed, failed, or skipped (a claim with no
matcher and no judge); skipped checks count neither way.

Text is matched against the report and the protocol messages (artifacts) with case
ignored, runs of white space collapsed to one space, and Markdown emphasis, code marks and
quote markers (``*``, `````, ``>``) removed, so ``**Severity:** P1`` reads ``severity: p1``.
The request itself is cut out of that text wherever the report quotes it in full: a fact
the user stated is not found just because the report repeats the question, and a word in
the question ("is the replica healthy?") is not a claim the report makes.
"""

from __future__ import annotations

import re
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from infra_team.evals._case import EvalCase, GateState, Text
from infra_team.evals._run import CaseRun
from infra_team.result import TaskResult

CheckKind = Literal[
    "kind",
    "status",
    "assigned",
    "not_assigned",
    "engaged",
    "severity",
    "component_owner",
    "tools",
    "facts",
    "absent",
    "gates",
    "asked",
    "escalation",
]
CHECK_KINDS: tuple[CheckKind, ...] = CheckKind.__args__  # type: ignore[attr-defined]


class Check(BaseModel):
    """The verdict on one expected item."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CheckKind
    name: str
    """The item: a role, a tool, a statement, a gate."""
    passed: bool | None
    """None when skipped."""
    detail: str = ""
    """What was found, when it differs from what was expected."""
    judged: bool = False
    """True when a judge model decided."""


class Verdict(Protocol):
    """Decides whether a report makes a claim (a judge model, or a scripted one in tests)."""

    def __call__(self, claim: str, report: str) -> tuple[bool, str]: ...


_MARKS = re.compile(r"[*`]")
_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The text as statements are matched against it (see the module docstring)."""
    return _SPACE.sub(" ", _MARKS.sub("", _QUOTE.sub("", text))).strip().lower()


def without_request(text: str, request: str) -> str:
    """Normalised ``text`` with every full quotation of the (normalised) request cut out."""
    quoted = normalise(request)
    return normalise(text).replace(quoted, " ") if quoted else normalise(text)


def report_text(result: TaskResult | None) -> str:
    """Everything the run wrote: the report, then each protocol message."""
    if result is None:
        return ""
    return "\n\n".join([result.report, *result.artifacts.values()])


def matches(statement: Text, text: str) -> bool:
    """Whether the statement's deterministic matcher finds it in ``text`` (normalised)."""
    if statement.text is not None and normalise(statement.text) not in text:
        return False
    if statement.any and not any(normalise(item) in text for item in statement.any):
        return False
    return not (
        statement.regex is not None and re.search(statement.regex, text, re.IGNORECASE) is None
    )


def _statement(
    kind: CheckKind, statement: Text, text: str, raw: str, judge: Verdict | None
) -> Check:
    """A fact (must be made) or an absent claim (must not be made)."""
    want = kind == "facts"
    if judge is not None and statement.claim:
        made, answer = judge(statement.claim, raw)
        detail = "" if made == want else f"judge: {answer}"
        return Check(
            kind=kind, name=statement.label, passed=made == want, detail=detail, judged=True
        )
    if not statement.deterministic:
        return Check(kind=kind, name=statement.label, passed=None, detail="claim: needs --judge")
    found = matches(statement, text)
    detail = "" if found == want else ("not in the report" if want else "the report says it")
    return Check(kind=kind, name=statement.label, passed=found == want, detail=detail)


def _gate_state(result: TaskResult, gate: str) -> GateState:
    for item in result.gates:
        if item.gate == gate:
            return "passed" if item.passed else "open"
    return "absent"


def _equal(kind: CheckKind, name: str, expected: str, actual: str | None) -> Check:
    ok = actual == expected
    return Check(kind=kind, name=name, passed=ok, detail="" if ok else f"got {actual or 'none'}")


def score(case: EvalCase, run: CaseRun, *, judge: Verdict | None = None) -> list[Check]:
    """One check per expected item of ``case``, in the order the expectations list them."""
    expect = case.expect
    result = run.result
    checks: list[Check] = []
    raw = report_text(result)
    text = without_request(raw, case.request)
    kind = result.kind if result else None
    status = result.status if result else "failed"
    engaged = set(result.engaged_roles) if result else set()
    assigned = set(result.assigned_roles) if result else set()
    called = {call.tool for call in run.tools}

    if expect.kind is not None:
        checks.append(_equal("kind", expect.kind, expect.kind, kind))
    if expect.status is not None:
        checks.append(_equal("status", expect.status, expect.status, status))
    for role in expect.assigned:
        ok = role in assigned
        checks.append(
            Check(kind="assigned", name=role, passed=ok, detail="" if ok else "not assigned")
        )
    for role in expect.not_assigned:
        ok = role not in assigned
        checks.append(
            Check(kind="not_assigned", name=role, passed=ok, detail="" if ok else "assigned")
        )
    for role in expect.engaged:
        ok = role in engaged
        checks.append(
            Check(kind="engaged", name=role, passed=ok, detail="" if ok else "did not work on it")
        )
    if expect.severity is not None:
        accepted = (expect.severity,) if isinstance(expect.severity, str) else expect.severity
        actual = result.severity if result else None
        ok = actual in accepted
        name = " or ".join(accepted)
        checks.append(
            Check(
                kind="severity",
                name=name,
                passed=ok,
                detail="" if ok else f"got {actual or 'none'}",
            )
        )
    if expect.component_owner is not None:
        owner = result.component_owner if result else None
        checks.append(
            _equal("component_owner", expect.component_owner, expect.component_owner, owner)
        )
    for tool in expect.tools:
        ok = tool in called
        checks.append(Check(kind="tools", name=tool, passed=ok, detail="" if ok else "not called"))
    checks += [_statement("facts", item, text, raw, judge) for item in expect.facts]
    checks += [_statement("absent", item, text, raw, judge) for item in expect.absent]
    for gate, state in expect.gates.items():
        actual_state = _gate_state(result, gate) if result else "absent"
        checks.append(_equal("gates", f"{gate}: {state}", state, actual_state))
    for name in expect.asked:
        ok = name in run.asked
        checks.append(Check(kind="asked", name=name, passed=ok, detail="" if ok else "not asked"))
    if expect.escalation:
        trail = [step.role for step in result.escalation_trail] if result else []
        ok = tuple(trail) == expect.escalation
        name = " > ".join(expect.escalation)
        checks.append(
            Check(
                kind="escalation",
                name=name,
                passed=ok,
                detail="" if ok else f"got {' > '.join(trail) or 'none'}",
            )
        )
    return checks


__all__ = [
    "CHECK_KINDS",
    "Check",
    "CheckKind",
    "Verdict",
    "matches",
    "normalise",
    "report_text",
    "score",
    "without_request",
]
