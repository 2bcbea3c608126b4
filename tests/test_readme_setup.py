"""README.md's set-up: exactly two commands, each creating a virtual environment (Debian's
``python3`` refuses ``pip install`` outside one), installing from the checkout (the
package is not on an index), one running the main job and one the tests as CI does."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
VENV = "python3 -m venv .venv && . .venv/bin/activate && "
TEST_COMMAND = 'pip install -e ".[test]" && pytest'


def _section(title: str) -> str:
    start = README.index(f"## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def _bash_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M)]


def test_two_set_up_commands_in_a_virtual_environment():
    setup = _section("Set up")
    commands = _bash_blocks(setup)
    assert len(commands) == 2, commands
    run, tests = commands
    assert all("\n" not in command for command in commands)
    assert run.startswith(VENV + "pip install . && infra-team task infrastructure-team ")
    assert tests == VENV + TEST_COMMAND


def test_python_version_matches_the_package():
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "requires-python"
    ]
    assert requires == ">=3.11"
    assert "Python 3.11 or newer" in _section("Set up")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -q -e ".[test]" && pytest' in ci
    assert "python3 -m venv" in ci


def test_extras_install_from_the_checkout():
    """``pip install 'infra-team[...]'`` fails: the package is not published."""
    for title in ("Set up", "Use it from the command line", "Troubleshooting"):
        assert "pip install 'infra-team" not in _section(title)
    hosts = _section("Hosts")
    for host in ("deepagents", "LangGraph Server"):
        start = hosts.index(f"### {host}\n")
        end = hosts.find("\n### ", start + 1)
        assert "pip install 'infra-team" not in hosts[start:end]
        assert "pip install '.[" in hosts[start:end]
