"""A judge model for free-text statements: asked, per claim, "does the report say this?".

Deterministic matchers decide every other check. A judge answers only yes or no; an
answer that is neither counts as "no" and is shown in the check's detail, so a judge
that rambles fails loudly rather than passing a claim by accident. The prompt is the
data file ``evals/judge.md.j2``.
"""

from __future__ import annotations

import re
from functools import cache

import jinja2
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from infra_team import _paths
from infra_team.errors import ModelResolutionError

MAX_REPORT_CHARS = 30_000
"""Longer reports are cut (with a marker) so the question fits a small model's context."""
_ANSWER = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)


@cache
def _template() -> jinja2.Template:
    path = _paths.evals_dir() / "judge.md.j2"
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    return environment.from_string(path.read_text(encoding="utf-8"))


def judge_prompt(claim: str, report: str) -> str:
    """The question put to the judge."""
    if len(report) > MAX_REPORT_CHARS:
        report = report[:MAX_REPORT_CHARS] + "\n[... report cut ...]"
    return _template().render(claim=claim, report=report)


def read_answer(text: str) -> bool | None:
    """True for yes, False for no, None when the answer starts with neither."""
    found = _ANSWER.match(text.strip())
    return None if found is None else found.group(1).lower() == "yes"


class ModelJudge:
    """Asks a chat model whether a report makes a claim."""

    def __init__(self, model: BaseChatModel) -> None:
        self.model = model

    def __call__(self, claim: str, report: str) -> tuple[bool, str]:
        """Whether the report makes the claim, and the judge's answer (for the record)."""
        reply = self.model.invoke([HumanMessage(judge_prompt(claim, report))])
        text = reply.text if isinstance(reply.text, str) else str(reply.content)
        verdict = read_answer(text)
        if verdict is None:
            return False, f"unreadable answer: {text.strip()[:120]!r}"
        return verdict, "yes" if verdict else "no"


def resolve_judge(spec: str) -> ModelJudge:
    """A judge from a ``provider:model`` string; the offline engine cannot judge text."""
    from infra_team.models import OFFLINE, resolve_model

    if spec == OFFLINE:
        msg = "--judge needs a language model (`provider:model`); the offline engine cannot read a report"
        raise ModelResolutionError(msg)
    return ModelJudge(resolve_model(spec))


__all__ = ["MAX_REPORT_CHARS", "ModelJudge", "judge_prompt", "read_answer", "resolve_judge"]
