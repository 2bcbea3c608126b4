"""Bad input raises the package's own typed errors before any role runs; a provider that
answers garbage ends the run ``failed`` with words, never a raw exception.

The garbage answers are raised by a scripted model the way ``ChatOpenAI`` raises them
(``IndexError`` for an empty ``choices``, ``JSONDecodeError`` for a body that is not JSON);
the same cases should also run through ``langchain-openai`` against the fake
OpenAI-compatible server (``tests/support/openai_server.py``).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from infra_team import atask, task
from infra_team.errors import (
    CheckpointerError,
    InfraTeamError,
    InvalidRequestError,
    ModelResolutionError,
)
from tests.support.chaos import figure, staged_model


def _not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n" * 10)
    return path


BAD_CALLS: list[tuple[str, dict[str, Any], type[InfraTeamError]]] = [
    ("description 12345", {"description": 12345}, InvalidRequestError),
    ("description list", {"description": ["a", "b"]}, InvalidRequestError),
    ("description bytes", {"description": b"New cluster"}, InvalidRequestError),
    ("lone surrogate", {"description": "New cluster \ud800 now"}, InvalidRequestError),
    ("huge description", {"description": "x" * (256 * 1024 + 1)}, InvalidRequestError),
    ("subagent type 7", {"subagent_type": 7}, InvalidRequestError),
    ("model 42", {"model": 42}, ModelResolutionError),
    ("model list", {"model": ["offline"]}, ModelResolutionError),
    ("unknown provider", {"model": "nosuchprovider:model-x"}, ModelResolutionError),
    ("checkpointer 5", {"checkpointer": 5}, CheckpointerError),
    ("checkpointer folder", {"checkpointer": "FOLDER"}, CheckpointerError),
    ("checkpointer not SQLite", {"checkpointer": "NOTDB"}, CheckpointerError),
    ("thread id 3", {"thread_id": 3}, InvalidRequestError),
]


@pytest.mark.parametrize(("case", "change", "error"), BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_arguments_raise_typed_errors_before_any_role_runs(tmp_path, case, change, error):
    log = tmp_path / "calls.log"
    call: dict[str, Any] = {
        "subagent_type": "network-engineer",
        "description": "Plan subnets",
        "model": staged_model(log=log),
    } | change
    if call.get("checkpointer") == "FOLDER":
        call["checkpointer"] = tmp_path
    elif call.get("checkpointer") == "NOTDB":
        call["checkpointer"] = _not_a_database(tmp_path)
    subagent_type, description = call.pop("subagent_type"), call.pop("description")
    raised: BaseException | None = None
    try:
        task(subagent_type, description, **call)
    except Exception as exc:
        raised = exc
    held = isinstance(raised, error) and not log.exists()
    figure(f"bad input: {case}", 1, int(held), type(raised).__name__)
    assert isinstance(raised, error), repr(raised)
    assert str(raised)
    assert not log.exists()  # no role ran


async def test_atask_checks_arguments_the_same_way():
    with pytest.raises(InvalidRequestError, match="not bytes"):
        await atask("network-engineer", b"Plan subnets")  # type: ignore[arg-type]


def test_a_provider_key_missing_is_a_model_error(monkeypatch):
    """A provider package that refuses to build without its key raises its own error
    (pydantic's ``ValidationError`` for ``google_genai:``; ``openai:gpt-4o`` raises
    ``OpenAIError`` the same way once ``langchain-openai`` is installed)."""
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ModelResolutionError, match="cannot load model"):
        task("network-engineer", "Plan subnets", model="google_genai:gemini-2.0-flash")


def test_a_corrupt_sqlite_file_is_a_checkpointer_error(tmp_path):
    path = tmp_path / "runs.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("create table t(x)")
    connection.commit()
    connection.close()
    with path.open("r+b") as handle:  # keep the header, break the pages
        handle.seek(100)
        handle.write(b"\xff" * 3000)
    with pytest.raises(CheckpointerError):
        task("network-engineer", "Plan subnets", model=staged_model(), checkpointer=path)


@pytest.mark.parametrize(
    ("name", "failure", "words"),
    [
        ("empty choices", lambda: IndexError("list index out of range"), "no choices"),
        (
            "invalid JSON",
            lambda: json.JSONDecodeError("Expecting value", "<html>", 0),
            "invalid JSON",
        ),
    ],
)
def test_a_garbage_answer_fails_the_run_with_words(name, failure, words):
    result = task(
        "network-engineer",
        "Plan subnets",
        model=staged_model(fail_at="implement", failure=failure),
    )
    held = result.status == "failed" and words in (result.error or "")
    figure(f"provider answer: {name}", 1, int(held), result.error or "")
    assert result.status == "failed"
    assert words in (result.error or "")
    assert "IndexError" not in (result.error or "")
