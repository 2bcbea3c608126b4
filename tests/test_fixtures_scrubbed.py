"""Every committed fixture and snapshot has already passed the scrubber.

The scrubber's own input fixtures and its must-scrub corpus are the exception: they
exist to hold identifiers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_team.scrub import scrub

TESTS = Path(__file__).parent
_ID_HOLDERS = ("_input.txt", "must_scrub.jsonl")
FILES = sorted(
    path
    for folder in (TESTS / "fixtures", TESTS / "snapshots")
    for path in folder.rglob("*")
    if path.is_file() and not (path.parent.name == "scrub" and path.name.endswith(_ID_HOLDERS))
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TESTS)))
def test_scrubbing_a_fixture_changes_nothing(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert scrub(text) == text
