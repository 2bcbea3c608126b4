"""The runner behind the Terraform and Ansible tools: timeout, bounded output, clean env."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from infra_team.tools._base import ToolInputError
from infra_team.tools.live._process import child_environment, inside, run


def test_a_run_past_its_timeout_is_stopped_with_its_children(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    script = (
        "import subprocess, sys, time; "
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
        f"open({str(marker)!r}, 'w').write(str(child.pid)); time.sleep(30)"
    )
    began = time.monotonic()
    done = run([sys.executable, "-c", script], cwd=tmp_path, timeout=2, max_bytes=100, env={})
    assert done.returncode is None
    assert time.monotonic() - began < 20
    child = int(marker.read_text())
    assert _gone(child)


def _gone(pid: int) -> bool:
    """Dead: no such process, or a zombie waiting for its (new) parent to reap it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in {"Z", "X"}:
            return True
        time.sleep(0.1)
    return False


def test_output_is_read_up_to_the_bound(tmp_path: Path) -> None:
    done = run(
        [sys.executable, "-c", "print('x' * 5000)"],
        cwd=tmp_path,
        timeout=30,
        max_bytes=1000,
        env={},
    )
    assert done.returncode == 0
    assert done.stdout == "x" * 1000 and done.stdout_truncated


def test_the_child_gets_no_settings_or_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_LOKI_PASSWORD", "p")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    env = child_environment({"TF_INPUT": "0"})
    assert env["TF_INPUT"] == "0" and "PATH" in env
    assert not {"INFRA_TEAM_LOKI_PASSWORD", "ANTHROPIC_API_KEY", "GITHUB_TOKEN"} & set(env)


def test_paths_resolve_inside_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "ws" / "sub").mkdir(parents=True)
    (tmp_path / "ws" / "sub" / "site.yml").write_text("- hosts: all\n", encoding="utf-8")
    assert inside(tmp_path / "ws", "sub/site.yml", "playbook").name == "site.yml"
    assert inside(tmp_path / "ws", "sub", "directory", folder=True).name == "sub"
    with pytest.raises(ToolInputError, match="inside the automation workspace"):
        inside(tmp_path / "ws", "sub/../../ws2/x.yml", "playbook")
    with pytest.raises(ToolInputError, match="no file"):
        inside(tmp_path / "ws", "missing.yml", "playbook")
