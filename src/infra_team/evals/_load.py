"""Reading eval cases from disk, with errors that name the file and the field.

A case is a YAML file (``<id>.yaml``) or a folder holding ``case.yaml`` and the JSON
bodies its recorded answers name in ``body_file``. The case's ``id`` is the file or
folder name. Names starting with ``_`` or ``.`` are skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from infra_team import _paths
from infra_team.errors import ConfigError
from infra_team.evals._case import EvalCase

CASE_FILE = "case.yaml"
_SUFFIXES = (".yaml", ".yml")


def default_cases_dir() -> Path:
    """The cases shipped with the package."""
    return _paths.evals_dir() / "cases"


def _case_paths(root: Path) -> list[Path]:
    """Case files under ``root`` (itself a case file or folder, or a folder of cases)."""
    if root.is_file():
        return [root]
    if (root / CASE_FILE).is_file():
        return [root / CASE_FILE]
    found: list[Path] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        if entry.is_file() and entry.suffix in _SUFFIXES:
            found.append(entry)
        elif entry.is_dir() and (entry / CASE_FILE).is_file():
            found.append(entry / CASE_FILE)
    return found


def _case_id(path: Path) -> str:
    return path.parent.name if path.name == CASE_FILE else path.stem


def _where(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "case"


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "list", "tuple", "dict", "none"})


def _field_path(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The location without the union branch tags pydantic adds (``str``, ``tuple[...]``)."""
    return tuple(
        part
        for part in loc
        if isinstance(part, int) or (part.isidentifier() and part not in _TYPE_TAGS)
    )


def _validation_problems(path: Path, exc: ValidationError) -> list[str]:
    """One line per field: a union reports one error per branch, the first one is kept."""
    problems: dict[str, str] = {}
    for error in exc.errors():
        where = _where(_field_path(tuple(error["loc"])))
        message = error["msg"].removeprefix("Value error, ")
        problems.setdefault(where, f"{path}: `{where}`: {message}")
    return list(problems.values())


def _read_bodies(path: Path, data: dict[str, Any]) -> list[str]:
    """Replace each ``body_file`` by the JSON it names; the problems found, if any."""
    problems: list[str] = []
    responses = data.get("http")
    if not isinstance(responses, list):
        return problems
    for index, response in enumerate(responses):
        if not isinstance(response, dict) or "body_file" not in response:
            continue
        where = f"{path}: `http[{index}].body_file`"
        name = response["body_file"]
        if path.name != CASE_FILE:
            problems.append(f"{where}: only a case folder (with {CASE_FILE}) can name body files")
            continue
        body_path = (path.parent / str(name)).resolve()
        if path.parent.resolve() not in body_path.parents:
            problems.append(f"{where}: `{name}` is outside the case folder")
            continue
        try:
            body = json.loads(body_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(f"{where}: `{name}` does not exist beside {CASE_FILE}")
            continue
        except (OSError, ValueError) as exc:
            problems.append(f"{where}: `{name}` is not readable JSON ({exc})")
            continue
        if "body" in response:
            problems.append(f"{path}: `http[{index}]`: give `body` or `body_file`, not both")
            continue
        response.pop("body_file")
        response["body"] = body
    return problems


def _load_one(path: Path) -> tuple[EvalCase | None, list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [f"{path}: not valid YAML{where}: {problem}"]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}: cannot be read ({exc})"]
    if not isinstance(data, dict):
        return None, [
            f"{path}: a case is a mapping with `request`, `expect`, ...; found {type(data).__name__}"
        ]
    case_id = _case_id(path)
    if "id" in data and data["id"] != case_id:
        return None, [
            f"{path}: `id`: `{data['id']}` differs from the file name `{case_id}`; drop it or rename the file"
        ]
    problems = _read_bodies(path, data)
    if problems:
        return None, problems
    try:
        return EvalCase.model_validate({**data, "id": case_id}), []
    except ValidationError as exc:
        return None, _validation_problems(path, exc)


def load_cases(root: Path | None = None) -> list[EvalCase]:
    """Every case under ``root`` (default: the shipped cases), sorted by id.

    Raises:
        ConfigError: ``root`` holds no case, or a case is invalid. The message lists every
            problem found, each as ``<file>: `<field>`: <what is wrong>``.
    """
    folder = root or default_cases_dir()
    if not folder.exists():
        msg = f"eval cases: `{folder}` does not exist; give a case file or a folder of cases"
        raise ConfigError(msg)
    paths = _case_paths(folder)
    if not paths:
        msg = (
            f"eval cases: no case in `{folder}` (expected *.yaml files or folders with {CASE_FILE})"
        )
        raise ConfigError(msg)
    cases: list[EvalCase] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in paths:
        case, found = _load_one(path)
        problems += found
        if case is None:
            continue
        if case.id in seen:
            problems.append(f"{path}: case id `{case.id}` is also used by {seen[case.id]}")
            continue
        seen[case.id] = path
        cases.append(case)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        msg = f"invalid eval cases ({count}):\n" + "\n".join(f"- {line}" for line in problems)
        raise ConfigError(msg)
    return sorted(cases, key=lambda case: case.id)


__all__ = ["CASE_FILE", "default_cases_dir", "load_cases"]
