"""README.md: every Python block marked with a ``<!-- test -->`` line just before its
opening fence runs as written, on the offline engine, in a scratch folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = "<!-- test -->"
_FENCE = re.compile(r"^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)


class Snippet(NamedTuple):
    line: int
    """Line of the opening fence in README.md (1-based)."""
    code: str


def marked_snippets(text: str) -> list[Snippet]:
    """The Python blocks whose opening fence follows the marker line (blank lines between allowed)."""
    found = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if before.strip() == MARKER:
            found.append(Snippet(text.count("\n", 0, match.start()) + 1, match["code"]))
    return found


def _params() -> list[object]:
    text = README.read_text(encoding="utf-8") if README.is_file() else ""
    snippets = marked_snippets(text)
    if not snippets:
        reason = f"README.md has no Python block marked `{MARKER}` yet"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="none")]
    return [pytest.param(snippet, id=f"README.md:{snippet.line}") for snippet in snippets]


def test_marker_finds_only_marked_blocks() -> None:
    text = (
        "intro\n"
        f"{MARKER}\n"
        "```python\nprint('a')\n```\n"
        "\n```python\nprint('b')\n```\n"
        f"{MARKER}\n\n"
        "```python\nprint('c')\n```\n"
        f"{MARKER}\n"
        "```bash\necho d\n```\n"
    )
    assert marked_snippets(text) == [Snippet(3, "print('a')\n"), Snippet(12, "print('c')\n")]


@pytest.mark.parametrize("snippet", _params())
def test_readme_snippet_runs(
    snippet: Snippet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INFRA_TEAM_MODEL", "offline")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no user config file
    code = compile(snippet.code, f"README.md:{snippet.line}", "exec")
    exec(code, {"__name__": "__readme__"})
