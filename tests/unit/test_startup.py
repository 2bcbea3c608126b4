"""Start-up stays short: importing the package and the listing commands never load
LangGraph, LangChain or httpx (the time they take is printed by ``python -m bench``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "langgraph",
    "langchain",
    "langchain_core",
    "langsmith",
    "httpx",
    "langgraph_sdk",
    "aiosqlite",
)
"""Top-level packages a run needs and a listing does not."""

_PROBE = """
import json, sys
{body}
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))
print(json.dumps(loaded), file=sys.__stderr__)
"""


def _heavy_modules_after(body: str) -> list[str]:
    code = _PROBE.format(body=body, heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    loaded: list[str] = json.loads(last)
    return loaded


def test_import_leaves_the_runtime_unloaded():
    assert _heavy_modules_after("import infra_team") == []


def test_public_names_load_on_first_use():
    assert _heavy_modules_after("import infra_team; infra_team.task") != []
    assert _heavy_modules_after("import infra_team; infra_team.__version__") == []


@pytest.mark.parametrize(
    ("argv", "exit_code"),
    [
        (["--help"], 0),
        ([], 0),
        (["agents"], 0),
        (["agents", "--json"], 0),
        (["tools"], 0),
        (["tools", "site-reliability-engineer", "--json"], 0),
        (["protocol", "incident"], 0),
        (["protocol", "change", "--help"], 0),
        (["task"], 2),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_listing_commands_do_not_load_the_runtime(argv, exit_code):
    body = (
        "import contextlib, io\n"
        f"sys.argv = ['infra-team', *{argv!r}]\n"
        "from infra_team.cli import main\n"
        "try:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        main()\n"
        "except SystemExit as exc:\n"
        f"    assert exc.code == {exit_code}, exc.code\n"
    )
    assert _heavy_modules_after(body) == []
