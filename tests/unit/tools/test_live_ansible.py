"""ansible_syntax_check and ansible_dry_run with the real ``ansible-playbook``.

ansible-core is a test dependency (``.[test]``), so CI has ``ansible-playbook``; the dry
run plays against ``localhost`` with ``connection: local`` in check mode, on files in a
temporary workspace, and the test checks that nothing on disk changed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from infra_team.settings import reset_settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.live.ansible import ansible_dry_run, ansible_syntax_check, parse_run
from tests.support.real import require_binary

PLAYBOOK = """\
- name: Configure the web host
  hosts: web
  connection: local
  gather_facts: false
  tasks:
    - name: Write the motd
      ansible.builtin.copy:
        dest: "{{ playbook_dir }}/motd"
        content: "welcome\\nmaintenance at 22:00 UTC\\n"
    - name: Make the cache folder
      ansible.builtin.file:
        path: "{{ playbook_dir }}/cache"
        state: directory
    - name: Read the motd back
      ansible.builtin.stat:
        path: "{{ playbook_dir }}/motd"
"""
BROKEN = """\
- hosts: web
  tasks:
    - name: A module that does not exist
      no_such_module_anywhere: {}
"""
UNSAFE = """\
- hosts: web
  connection: local
  tasks:
    - name: Runs for real even in check mode
      ansible.builtin.command: touch /tmp/should-not-exist
      check_mode: false
"""

pytestmark = pytest.mark.usefixtures("clean_settings")


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = Path(sys.executable).parent
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path('/usr/bin')}:{Path('/bin')}")
    require_binary("ansible-playbook", hint="pip install ansible-core (in .[test])")
    root = tmp_path / "ops"
    root.mkdir()
    (root / "site.yml").write_text(PLAYBOOK, encoding="utf-8")
    (root / "motd").write_text("welcome\n", encoding="utf-8")
    (root / "hosts.ini").write_text(
        f"[web]\nlocalhost ansible_connection=local ansible_python_interpreter={sys.executable}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("INFRA_TEAM_AUTOMATION_WORKSPACE", str(root))
    monkeypatch.setenv("HOME", str(tmp_path))
    reset_settings()
    return root


def call(tool: Any, **args: Any) -> ToolResult:
    return parse_tool_output(tool.invoke(args))


def test_a_real_check_mode_run_reports_changes_and_diffs_without_making_them(
    workspace: Path,
) -> None:
    result = call(ansible_dry_run, playbook="site.yml", inventory="hosts.ini")
    assert result.status == "success", result
    assert result.data["recap"]["localhost"]["changed"] == 2
    assert result.data["recap"]["localhost"]["failed"] == 0
    tasks = {t["task"]: t for t in result.data["tasks"]}
    assert set(tasks) == {"Write the motd", "Make the cache folder"}
    assert "+maintenance at 22:00 UTC" in tasks["Write the motd"]["diff"]
    assert '+    "state": "directory"' in tasks["Make the cache folder"]["diff"]
    assert (workspace / "motd").read_text(encoding="utf-8") == "welcome\n"
    assert not (workspace / "cache").exists()
    assert result.summary.startswith("Check mode on 1 host(s): 2 change(s) would be made")


def test_syntax_check_real(workspace: Path) -> None:
    good = call(ansible_syntax_check, playbook="site.yml")
    assert good.status == "success" and good.data["valid"] is True
    (workspace / "broken.yml").write_text(BROKEN, encoding="utf-8")
    bad = call(ansible_syntax_check, playbook="broken.yml")
    assert bad.data["valid"] is False and bad.data["exit_code"] == 4
    assert any("no_such_module_anywhere" in e for e in bad.data["errors"])


def test_a_task_that_would_act_in_check_mode_refuses_the_dry_run(workspace: Path) -> None:
    (workspace / "roles").mkdir()
    (workspace / "roles" / "unsafe.yml").write_text(UNSAFE, encoding="utf-8")
    result = call(ansible_dry_run, playbook="site.yml", inventory="hosts.ini")
    assert result.status == "error" and result.code == "not_allowed"
    assert "roles/unsafe.yml` line 6" in str(result.error)
    assert not Path("/tmp/should-not-exist").exists()


def test_paths_outside_the_workspace_and_flag_injection_are_refused(workspace: Path) -> None:
    outside = call(ansible_dry_run, playbook="../site.yml", inventory="hosts.ini")
    assert outside.code == "not_allowed"
    injected = call(ansible_dry_run, playbook="site.yml", inventory="hosts.ini", limit="x --become")
    assert injected.code == "invalid_arguments"


def test_without_a_workspace_it_is_not_configured() -> None:
    result = call(ansible_syntax_check, playbook="site.yml")
    assert result.status == "not_configured"


def test_parse_run_of_a_failed_and_unreachable_recap() -> None:
    output = """
PLAY [db] **********************************************************************

TASK [Install postgres] ********************************************************
fatal: [db-2]: UNREACHABLE! => {"changed": false, "msg": "ssh: connect to host db-2 port 22: Connection refused", "unreachable": true}
fatal: [db-1]: FAILED! => {"changed": false, "msg": "No package matching 'postgresql-99' is available"}

PLAY RECAP *********************************************************************
db-1                       : ok=0    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0
db-2                       : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0
"""
    parsed = parse_run(output)
    assert parsed["recap"]["db-1"]["failed"] == 1 and parsed["recap"]["db-2"]["unreachable"] == 1
    assert [(t["host"], t["state"]) for t in parsed["tasks"]] == [
        ("db-2", "failed"),
        ("db-1", "failed"),
    ]
    assert "No package matching" in parsed["tasks"][1]["detail"]


@pytest.mark.parametrize(
    "text",
    [
        "- command: id\n  check_mode: no\n",
        "- {command: id, check_mode: false}\n",
        '- command: id\n  check_mode: "{{ not ansible_check_mode }}"\n',
        "- debug:\n    msg: \"{{ lookup('pipe', 'date') }}\"\n",
        "- debug:\n    msg: \"{{ q('ansible.builtin.pipe', 'id') }}\"\n",
    ],
)
def test_the_check_mode_guard_finds_tasks_that_would_act(tmp_path: Path, text: str) -> None:
    from infra_team.tools._base import ToolInputError
    from infra_team.tools.live.ansible import _guard_check_mode

    (tmp_path / "tasks.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ToolInputError, match="would act even in check mode"):
        _guard_check_mode(tmp_path)


def test_the_check_mode_guard_lets_check_mode_true_pass(tmp_path: Path) -> None:
    from infra_team.tools.live.ansible import _guard_check_mode

    (tmp_path / "tasks.yml").write_text("- command: id\n  check_mode: true\n", encoding="utf-8")
    assert _guard_check_mode(tmp_path) is None  # returns instead of refusing
