"""Where the package's data folders are: the only module that builds those paths.

An installed wheel carries agents/, prompts/, graphs/ and evals/ under ``infra_team/_data``;
a source checkout keeps them at the repository root.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED_DATA = _PACKAGE_DIR / "_data"
_CHECKOUT_ROOT = _PACKAGE_DIR.parent.parent


@cache
def data_root() -> Path:
    """The folder holding agents/, prompts/, graphs/ and .claude-plugin/."""
    if (_INSTALLED_DATA / "agents").is_dir():
        return _INSTALLED_DATA
    return _CHECKOUT_ROOT


def agents_dir() -> Path:
    return data_root() / "agents"


def prompts_dir() -> Path:
    return data_root() / "prompts"


def graphs_dir() -> Path:
    return data_root() / "graphs"


def evals_dir() -> Path:
    """Eval cases (``cases/``), the judge's prompt and the offline engine's score floor."""
    return data_root() / "evals"


def plugin_dir() -> Path:
    return data_root() / ".claude-plugin"
