"""Every library that src/ imports is declared in pyproject.toml, in the core dependencies
or in an extra: an install never works only because something else pulled a package in."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_level() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"infra_team"}


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return {_normalise(re.split(r"[\s<>=!~;\[]", item, maxsplit=1)[0]) for item in requirements}


def test_every_imported_library_is_declared():
    distributions = packages_distributions()
    declared = _declared()
    undeclared = {
        module: distributions.get(module, ["?"])
        for module in sorted(_imported_top_level())
        if not declared & {_normalise(name) for name in distributions.get(module, [])}
    }
    assert undeclared == {}
