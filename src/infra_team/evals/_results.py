"""An eval's results as data: per case, per role, per expectation kind, and in total.

The score of a case is the share of its checks that passed (skipped checks left out);
the eval's score is the mean of the case scores in percent, so a case with many facts
weighs no more than one with few. The same figures are kept per role (the role a case
measures), per flow and per expectation kind (there over checks, not cases).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infra_team.errors import ConfigError
from infra_team.evals._case import EvalCase
from infra_team.evals._run import CaseRun, ToolCall
from infra_team.evals._score import Check
from infra_team.result import TokenUsage

SCHEMA_VERSION = 1
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class CaseResult(BaseModel):
    """One case: what was expected against what the run did."""

    model_config = _FROZEN

    id: str
    title: str
    role: str
    flow: str
    subagent_type: str
    tags: list[str] = Field(default_factory=list)
    source: str
    """The cited document's address."""
    status: str
    """The run's status (``completed``, ``interrupted``, ``failed``)."""
    score: float
    """Share of the case's checks passed, 0 to 1."""
    passed: bool
    """Every check passed."""
    checks: list[Check]
    tools_called: list[ToolCall] = Field(default_factory=list)
    asked: list[str] = Field(default_factory=list)
    """Questions the run put to a person (each answered "reject")."""
    http_requests: int = 0
    """Requests the tools sent to the integrations."""
    duration_s: float
    usage: TokenUsage = Field(default_factory=TokenUsage)
    """Input and output tokens the case's model calls reported (the judge's not counted)."""
    error: str | None = None


class Tally(BaseModel):
    """Figures of a group: cases (role, flow) or checks (expectation kind)."""

    model_config = _FROZEN

    cases: int = 0
    cases_passed: int = 0
    checks: int = 0
    checks_passed: int = 0
    skipped: int = 0
    score: float = 0.0
    """Percent: mean case score for a group of cases, share of checks for a kind."""


class EvalResult(BaseModel):
    """An eval run: the model, the figures and every case; written with ``--json``."""

    model_config = _FROZEN

    schema_version: int = SCHEMA_VERSION
    model: str
    judge: str | None = None
    cases_dir: str
    duration_s: float
    score: float
    """Percent: the mean of the case scores."""
    usage: TokenUsage = Field(default_factory=TokenUsage)
    """Tokens over every case (zero for the offline engine, which calls no model)."""
    total: Tally
    by_role: dict[str, Tally]
    by_flow: dict[str, Tally]
    by_kind: dict[str, Tally]
    cases: list[CaseResult]


def case_result(case: EvalCase, run: CaseRun, checks: list[Check]) -> CaseResult:
    decided = [check for check in checks if check.passed is not None]
    passed = sum(1 for check in decided if check.passed)
    return CaseResult(
        id=case.id,
        title=case.title,
        role=case.measured_role,
        flow=case.flow,
        subagent_type=case.subagent_type,
        tags=list(case.tags),
        source=str(case.source.url),
        status=run.result.status if run.result else "failed",
        score=round(passed / len(decided), 4) if decided else 0.0,
        passed=bool(decided) and passed == len(decided),
        checks=checks,
        tools_called=run.tools,
        asked=run.asked,
        http_requests=len(run.http),
        duration_s=run.duration_s,
        usage=run.result.usage.total if run.result else TokenUsage(),
        error=run.error or (run.result.error if run.result else None),
    )


def _tally_cases(results: Iterable[CaseResult]) -> Tally:
    items = list(results)
    checks = [check for item in items for check in item.checks]
    decided = [check for check in checks if check.passed is not None]
    mean = sum(item.score for item in items) / len(items) if items else 0.0
    return Tally(
        cases=len(items),
        cases_passed=sum(1 for item in items if item.passed),
        checks=len(decided),
        checks_passed=sum(1 for check in decided if check.passed),
        skipped=len(checks) - len(decided),
        score=round(mean * 100, 2),
    )


def _tally_checks(checks: Sequence[Check]) -> Tally:
    decided = [check for check in checks if check.passed is not None]
    passed = sum(1 for check in decided if check.passed)
    return Tally(
        checks=len(decided),
        checks_passed=passed,
        skipped=len(checks) - len(decided),
        score=round(100 * passed / len(decided), 2) if decided else 0.0,
    )


def summarise(
    results: list[CaseResult],
    *,
    model: str,
    judge: str | None,
    cases_dir: str,
    duration_s: float,
) -> EvalResult:
    """The eval's figures from its case results."""
    total = _tally_cases(results)
    roles = sorted({item.role for item in results})
    flows = sorted({item.flow for item in results})
    kinds: dict[str, list[Check]] = {}
    for item in results:
        for check in item.checks:
            kinds.setdefault(check.kind, []).append(check)
    return EvalResult(
        model=model,
        judge=judge,
        cases_dir=cases_dir,
        duration_s=round(duration_s, 2),
        score=total.score,
        usage=TokenUsage(
            input_tokens=sum(item.usage.input_tokens for item in results),
            output_tokens=sum(item.usage.output_tokens for item in results),
        ),
        total=total,
        by_role={role: _tally_cases(i for i in results if i.role == role) for role in roles},
        by_flow={flow: _tally_cases(i for i in results if i.flow == flow) for flow in flows},
        by_kind={kind: _tally_checks(checks) for kind, checks in sorted(kinds.items())},
        cases=results,
    )


def write_result(result: EvalResult, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_result(path: Path) -> EvalResult:
    """An eval result written by ``--json``.

    Raises:
        ConfigError: the file is missing, not JSON, or not an eval result.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"`{path}` does not exist; write one with `infra-team eval --json {path}`"
        raise ConfigError(msg) from None
    except (OSError, ValueError) as exc:
        msg = f"`{path}` is not a readable JSON file ({exc})"
        raise ConfigError(msg) from None
    try:
        return EvalResult.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        msg = f"`{path}` is not an eval result (`{where}`: {first['msg']}); write one with `infra-team eval --json`"
        raise ConfigError(msg) from None


__all__ = [
    "SCHEMA_VERSION",
    "CaseResult",
    "EvalResult",
    "Tally",
    "case_result",
    "load_result",
    "summarise",
    "write_result",
]
