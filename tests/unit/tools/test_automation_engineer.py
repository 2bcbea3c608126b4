"""Automation Engineer tools: Terraform plan review, Ansible playbook check, IaC coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra_team.scrub import scrub
from infra_team.tools._base import ToolInputError, parse_tool_output
from infra_team.tools.analysers.ansible_playbook import check_playbook
from infra_team.tools.analysers.iac_coverage import compute_iac_coverage
from infra_team.tools.analysers.terraform_plan import review_terraform_plan
from infra_team.tools.automation_engineer import (
    TOOLS,
    ansible_check,
    iac_coverage,
    terraform_plan_review,
)
from tests.test_agent_files import MODULE_TOOLS

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tools" / "automation"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _plan(*changes: tuple[str, list[str]], version: str = "1.2") -> dict[str, Any]:
    return {
        "format_version": version,
        "resource_changes": [
            {"address": address, "type": address.split(".")[0], "change": {"actions": actions}}
            for address, actions in changes
        ],
    }


def test_tool_names() -> None:
    assert [tool.name for tool in TOOLS] == list(MODULE_TOOLS["automation_engineer"])
    assert all("\n" not in tool.description for tool in TOOLS)


@pytest.mark.parametrize("path", sorted(FIXTURES.iterdir()), ids=lambda p: p.name)
def test_fixtures_are_already_scrubbed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert scrub(text) == text


# --------------------------------------------------------------------------- terraform


def test_real_plan_with_every_kind_of_change() -> None:
    review = review_terraform_plan(_fixture("tf_plan_mixed.json"))
    assert review.format_version == "1.2"
    assert review.terraform_version == "1.11.4"
    assert review.counts == {
        "create": 1,
        "update": 1,
        "delete": 1,
        "replace": 2,
        "read": 0,
        "no-op": 1,
        "forget": 0,
        "unknown": 0,
    }
    assert review.creates == ("terraform_data.newone[0]",)
    assert review.updates == ("terraform_data.update_me",)
    assert review.deletes == ("terraform_data.gone[0]",)
    assert review.replaces == ("terraform_data.cbd", "terraform_data.replace_me")
    assert review.destructive
    assert review.risk == "high"
    orders = {c.address: c.replace_order for c in review.changes if c.kind == "replace"}
    assert orders == {
        "terraform_data.cbd": "create-before-destroy",
        "terraform_data.replace_me": "delete-before-create",
    }
    gone = next(c for c in review.changes if c.kind == "delete")
    assert gone.action_reason == "delete_because_count_index"
    assert review.reasons[0].startswith("3 object(s) will be destroyed (2 by replacement)")
    assert "terraform_data.replace_me" in review.reasons[1]
    assert "terraform_data.keep" not in {c.address for c in review.changes}  # no-op left out


def test_real_plan_with_forget_and_read() -> None:
    review = review_terraform_plan(json.loads(_fixture("tf_plan_forget_read.json")))
    assert (review.counts["forget"], review.counts["read"], review.counts["create"]) == (1, 1, 1)
    assert review.forgets == ("terraform_data.b",)
    assert not review.destructive
    assert review.risk == "medium"


@pytest.mark.parametrize(
    ("changes", "destructive", "risk"),
    [
        ((), False, "none"),
        ((("a.x", ["no-op"]), ("data.b", ["read"])), False, "none"),
        ((("a.x", ["create"]),), False, "low"),
        ((("a.x", ["update"]), ("a.y", ["create"])), False, "medium"),
        ((("a.x", ["create", "delete"]),), True, "high"),
        ((("a.x", ["delete"]),), True, "high"),
        ((("a.x", ["archive"]),), False, "medium"),
        ((("a.x", ["archive", "delete"]),), True, "high"),
    ],
)
def test_risk_levels(
    changes: tuple[tuple[str, list[str]], ...], destructive: bool, risk: str
) -> None:
    review = review_terraform_plan(_plan(*changes))
    assert review.destructive is destructive
    assert review.risk == risk


def test_unknown_action_list_is_listed() -> None:
    review = review_terraform_plan(_plan(("a.x", ["archive", "delete"])))
    assert review.unknown == ("a.x",)
    assert review.counts["unknown"] == 1


def test_tool_accepts_text_and_object() -> None:
    text = parse_tool_output(
        terraform_plan_review.invoke({"plan_json": _fixture("tf_plan_mixed.json")})
    )
    assert text.status == "success"
    assert text.data["destructive"] is True
    assert text.data["risk"] == "high"
    assert text.summary == (
        "Plan: 1 to create, 1 to update, 2 to replace, 1 to delete; destructive, risk high."
    )
    obj = parse_tool_output(terraform_plan_review.invoke({"plan_json": _plan(("a.x", ["create"]))}))
    assert obj.data["creates"] == ["a.x"]
    assert obj.data["risk"] == "low"


@pytest.mark.parametrize(
    ("plan", "code", "fragment"),
    [
        ({"format_version": "2.0", "resource_changes": []}, "unsupported_format", "only major version 1"),
        ({"format_version": "0.1", "resource_changes": []}, "unsupported_format", "`0.1`"),
        ({"resource_changes": []}, "invalid_arguments", "no `format_version`"),
        ('{"format_version": "1.0", ', "invalid_arguments", "not valid JSON"),
        ("[1, 2]", "invalid_arguments", "must be a JSON object"),
        ({"format_version": "1.0", "resource_changes": {}}, "invalid_arguments", "must be a list"),
        ({"format_version": "1.0", "resource_changes": [{"address": "a"}]}, "invalid_arguments", "change.actions"),
        ({"format_version": "1.0", "resource_changes": ["a"]}, "invalid_arguments", "must be an object"),
    ],
)  # fmt: skip
def test_plan_errors(plan: Any, code: str, fragment: str) -> None:
    with pytest.raises(ToolInputError) as caught:
        review_terraform_plan(plan)
    assert caught.value.code == code
    result = parse_tool_output(terraform_plan_review.invoke({"plan_json": plan}))
    assert (result.status, result.code) == ("error", code)
    assert fragment in (result.error or "")


def test_plan_argument_type_error() -> None:
    result = parse_tool_output(terraform_plan_review.invoke({"plan_json": 42}))
    assert result.status == "error"
    assert "terraform_plan_review" in (result.error or "")


# --------------------------------------------------------------------------- ansible


def test_clean_playbook() -> None:
    report = check_playbook(_fixture("playbook_clean.yml"))
    assert report.findings == ()
    assert (report.plays, report.tasks) == (2, 7)
    assert report.structurally_valid
    assert report.idempotent


def test_problem_playbook() -> None:
    report = check_playbook(_fixture("playbook_problems.yml"))
    found = [(f.rule, f.location) for f in report.findings]
    play1 = "play 1 'Configure database hosts' > tasks"
    assert found == [
        ("package-latest", f"{play1}[0] 'Install PostgreSQL'"),
        ("privileged-without-become", f"{play1}[0] 'Install PostgreSQL'"),
        ("no-changed-when", f"{play1}[1] 'Restart PostgreSQL after the upgrade'"),
        ("command-instead-of-module", f"{play1}[1] 'Restart PostgreSQL after the upgrade'"),
        ("partial-become", f"{play1}[2] 'Create the application user'"),
        ("privileged-without-become", f"{play1}[2] 'Create the application user'"),
        ("no-changed-when", f"{play1}[3] 'Tune the kernel' > block[1] 'Rebuild the search index'"),
        ("syntax-check", f"{play1}[4] 'Forgot the module'"),
        ("syntax-check", "play 2 'Missing hosts'"),
        ("syntax-check", "play 3 'Tasks not a list' > tasks"),
    ]
    assert report.rule_counts == {
        "package-latest": 1,
        "privileged-without-become": 2,
        "no-changed-when": 2,
        "command-instead-of-module": 1,
        "partial-become": 1,
        "syntax-check": 3,
    }
    assert not report.structurally_valid
    assert not report.idempotent
    # The sysctl task inherits `become: true` from its block: not flagged.
    assert not any("Raise the open files limit" in f.location for f in report.findings)


@pytest.mark.parametrize(
    ("task", "rules"),
    [
        ("ansible.builtin.shell: ./setup.sh", ["no-changed-when"]),
        ("shell: ./setup.sh creates=/opt/done", []),
        ("command: ./setup.sh\n      args:\n        removes: /tmp/lock", []),
        ("ansible.builtin.command: ./check.sh\n      changed_when: false", []),
        ("ansible.builtin.raw: uptime", ["no-changed-when"]),
        ("ansible.builtin.command:\n        cmd: ./x.sh\n        creates: /x", []),
        (
            "command: sudo apt-get install -y nginx\n      changed_when: true",
            ["command-instead-of-module"],
        ),
        ("ansible.builtin.apt: {name: nginx, state: present}", ["privileged-without-become"]),
        ("ansible.builtin.apt: {name: nginx, state: present}\n      become: true", []),
        ("apt: {name: nginx, state: latest, only_upgrade: true}\n      become: yes", []),
        ("ansible.builtin.pip: {name: requests, state: latest}", ["package-latest"]),
        ("action: ansible.builtin.shell echo hi", ["no-changed-when"]),
        (
            "local_action:\n        module: ansible.builtin.command\n        cmd: date",
            ["no-changed-when"],
        ),
        ("ansible.builtin.debug: {msg: hi}\n      ansible.builtin.ping:", ["syntax-check"]),
        ("ansible.builtin.copy: {src: a, dest: /tmp/a}", []),
    ],
)
def test_single_task_rules(task: str, rules: list[str]) -> None:
    playbook = f"- hosts: all\n  tasks:\n    - name: T\n      {task}\n"
    report = check_playbook(playbook)
    assert [f.rule for f in report.findings] == rules


@pytest.mark.parametrize(
    "play_header",
    ["- hosts: all\n  become: true", "- hosts: all\n  remote_user: root",
     "- hosts: all\n  vars:\n    ansible_become: true"],
)  # fmt: skip
def test_play_level_privilege(play_header: str) -> None:
    playbook = (
        f"{play_header}\n  tasks:\n    - ansible.builtin.service: {{name: ssh, state: restarted}}\n"
    )
    assert check_playbook(playbook).findings == ()


def test_task_level_become_false_overrides_play() -> None:
    playbook = (
        "- hosts: all\n  become: true\n  tasks:\n"
        "    - ansible.posix.mount: {path: /data, src: /dev/sdb1, fstype: ext4, state: mounted}\n"
        "      become: false\n"
    )
    assert [f.rule for f in check_playbook(playbook).findings] == ["privileged-without-become"]


def test_not_a_list_of_plays() -> None:
    report = check_playbook("hosts: all\ntasks: []\n")
    assert [f.rule for f in report.findings] == ["syntax-check"]
    assert "list of plays" in report.findings[0].message
    assert report.plays == 0


def test_import_playbook_and_unknown_play_keyword() -> None:
    report = check_playbook(
        "- import_playbook: base.yml\n- hosts: all\n  apt: {name: x}\n  tasks: []\n"
    )
    assert [(f.rule, f.location) for f in report.findings] == [("syntax-check", "play 2")]
    assert "unknown play keyword(s) apt" in report.findings[0].message


def test_ansible_tool() -> None:
    result = parse_tool_output(
        ansible_check.invoke({"playbook_yaml": _fixture("playbook_problems.yml")})
    )
    assert result.status == "success"
    assert result.data["idempotent"] is False
    assert result.summary.startswith("Playbook: 10 finding(s) in 7 task(s): package-latest x1")
    clean = parse_tool_output(
        ansible_check.invoke({"playbook_yaml": _fixture("playbook_clean.yml")})
    )
    assert clean.summary == "Playbook OK: 2 play(s), 7 task(s), no findings."


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"playbook_yaml": "- hosts: all\n  tasks: [\n"}, "not valid YAML at line 3"),
        ({"playbook_yaml": "- hosts: all\n\ttasks: []"}, "not valid YAML"),
        ({"playbook_yaml": ""}, "ansible_check"),
        ({"playbook_yaml": ["- hosts: all"]}, "ansible_check"),
    ],
)
def test_ansible_tool_errors(arguments: dict[str, Any], fragment: str) -> None:
    result = parse_tool_output(ansible_check.invoke(arguments))
    assert result.status == "error"
    assert fragment in (result.error or "")


# --------------------------------------------------------------------------- IaC coverage


def test_iac_coverage() -> None:
    report = compute_iac_coverage(
        ["vm-1", "vm-2", "db-1", "lb-1", "vm-1"], ["vm-1", "db-1", "bucket-9"]
    )
    assert report.inventory_count == 4
    assert report.managed_count == 2
    assert report.coverage_percent == 50.0
    assert report.target_percent == 100.0
    assert not report.target_met
    assert report.unmanaged == ("vm-2", "lb-1")
    assert report.managed_not_in_inventory == ("bucket-9",)
    assert report.duplicates == ("vm-1",)


def test_full_coverage_meets_target() -> None:
    report = compute_iac_coverage(["a", "b", "c"], ["c", "b", "a"])
    assert (report.coverage_percent, report.target_met, report.unmanaged) == (100.0, True, ())


def test_iac_tool_with_numeric_ids() -> None:
    result = parse_tool_output(
        iac_coverage.invoke({"inventory": [101, 102, 103], "managed": [101, "102"]})
    )
    assert result.status == "success"
    assert result.data["coverage_percent"] == pytest.approx(66.6667)
    assert result.data["unmanaged"] == ["103"]
    assert result.summary == "IaC coverage 66.6667% (2/3) vs target 100%; 1 unmanaged."
    empty = parse_tool_output(iac_coverage.invoke({"inventory": [], "managed": ["a"]}))
    assert empty.status == "no_data"


@pytest.mark.parametrize(
    "arguments",
    [
        {"inventory": "vm-1,vm-2", "managed": []},
        {"inventory": [{"id": "vm-1"}], "managed": []},
        {"inventory": ["vm-1"]},
    ],
)
def test_iac_tool_errors(arguments: dict[str, Any]) -> None:
    result = parse_tool_output(iac_coverage.invoke(arguments))
    assert result.status == "error"
    assert "iac_coverage" in (result.error or "")


@pytest.mark.parametrize(
    "text", ["", "[]", "hello world", '{"foo": "bar"}', "{}", "42", "[" * 5000 + "]" * 5000]
)
def test_text_that_is_no_playbook_is_an_error(text: str) -> None:
    result = parse_tool_output(ansible_check.invoke({"playbook_yaml": text}))
    assert result.status == "error"
    assert result.code == "invalid_arguments"


def test_deeply_nested_terraform_plan_is_an_argument_error() -> None:
    text = '{"a": [' * 5_000 + "1" + "]}" * 5_000
    result = parse_tool_output(terraform_plan_review.invoke({"plan_json": text}))
    assert result.code == "invalid_arguments"
    assert "nested deeper than 64 levels" in (result.error or "")
