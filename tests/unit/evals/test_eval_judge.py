"""The judge: a model asked yes or no per claim, tested with a scripted model."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from infra_team.errors import ModelResolutionError
from infra_team.evals import ModelJudge, resolve_judge
from infra_team.evals._judge import MAX_REPORT_CHARS, judge_prompt, read_answer
from infra_team.evals._score import score
from tests.fakes import ScriptedChatModel
from tests.unit.evals.test_eval_score import case, run


def scripted(answers: dict[str, str], asked: list[str]) -> ModelJudge:
    """A judge whose model answers by the claim found in the prompt."""

    def script(messages: list[BaseMessage], tools: tuple[str, ...]) -> AIMessage:
        prompt = messages[-1].text
        asked.append(prompt)
        for claim, answer in answers.items():
            if f"Claim: {claim}" in prompt:
                return AIMessage(content=answer)
        return AIMessage(content="no")

    return ModelJudge(ScriptedChatModel(script=script))


def test_read_answer() -> None:
    assert read_answer("Yes.") is True
    assert read_answer("  **No** - it does not") is False
    assert read_answer("I think so") is None


def test_prompt_holds_claim_and_report_and_is_bounded() -> None:
    prompt = judge_prompt("The replica is behind.", "report body")
    assert "Claim: The replica is behind." in prompt and "report body" in prompt
    long = judge_prompt("c", "x" * (MAX_REPORT_CHARS + 500))
    assert "[... report cut ...]" in long and len(long) < MAX_REPORT_CHARS + 1000


def test_judge_decides_claims_and_leaves_other_checks_alone() -> None:
    asked: list[str] = []
    judge = scripted(
        {
            "The report says the replica is 9 minutes behind.": "Yes",
            "The report says the replica is healthy.": "yes",
        },
        asked,
    )
    expectations = case(
        severity="P2",
        facts=[
            {"any": ["nine minutes"], "claim": "The report says the replica is 9 minutes behind."},
            {"claim": "The report names the failed disk."},
            "db2",
        ],
        absent=[{"claim": "The report says the replica is healthy."}],
    )
    checks = score(expectations, run(), judge=judge)
    assert [(c.kind, c.passed, c.judged) for c in checks] == [
        ("severity", True, False),
        ("facts", True, True),  # the judge overrules the deterministic miss of "nine minutes"
        ("facts", False, True),
        ("facts", True, False),
        ("absent", False, True),  # the judge says the claim is made: the check fails
    ]
    assert checks[2].detail == "judge: no"
    assert len(asked) == 3
    assert all("replay_lag" in prompt for prompt in asked)  # the report went to the judge


def test_unreadable_answer_fails_the_claim_and_says_why() -> None:
    judge = scripted({"The report is right.": "Well, it depends."}, [])
    [check] = score(case(facts=[{"claim": "The report is right."}]), run(), judge=judge)
    assert check.passed is False
    assert "unreadable answer" in check.detail


def test_offline_cannot_judge() -> None:
    with pytest.raises(ModelResolutionError, match="--judge needs a language model"):
        resolve_judge("offline")
