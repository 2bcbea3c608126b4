"""The engine's templates: packaged, strict, and carrying the offline marker."""

from __future__ import annotations

import jinja2
import pytest

from infra_team.offline import _artifacts
from infra_team.offline._extract import extract_facts
from infra_team.offline._templates import OFFLINE_MARKER, format_number, render, render_list
from infra_team.tools import parse_tool_output
from infra_team.tools.automation_engineer import ansible_check
from infra_team.tools.systems_administrator import audit_sshd_config


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (43.2, "43.2"),
        (1200.0, "1200"),
        (0.5, "0.5"),
        (1679.99996, "1680"),
        (3, "3"),
        ("x", "x"),
        (None, "None"),
    ],
)
def test_format_number(value: object, text: str) -> None:
    assert format_number(value) == text


def test_missing_variable_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("task_systems-administrator.md.j2")


def test_unknown_template_is_named() -> None:
    with pytest.raises(jinja2.TemplateNotFound, match=r"nope\.j2"):
        render("nope.j2")


def test_render_list_keeps_bullets_only() -> None:
    items = render_list(
        "actions_escalation.md.j2",
        role="network-engineer",
        component="dns",
        resolved=True,
        service="api",
    )
    assert items[0].startswith("Check target health and error counts on the dns for api")
    assert (
        items[-1]
        == "Document the fix and close the incident with a blameless postmortem (Google SRE book ch. 15)."
    )


def test_answer_template_carries_the_marker() -> None:
    text = render("answer.md.j2", title="T", fields={"List": ["a"], "Text": "b", "Flag": False})
    assert text == f"## T\n\n{OFFLINE_MARKER}\n\n### List\n- a\n\n### Text\nb\n\n### Flag\nFalse\n"


def test_proposed_sshd_config_passes_its_own_audit() -> None:
    text = _artifacts.sshd_baseline(extract_facts("orders service"))
    result = parse_tool_output(audit_sshd_config.invoke({"config_text": text}))
    assert result.data["findings"] == []


def test_generated_playbook_passes_ansible_check() -> None:
    text = _artifacts.hardening_playbook(extract_facts("orders service"))
    result = parse_tool_output(ansible_check.invoke({"playbook_yaml": text}))
    assert (result.data["findings"], result.data["idempotent"], result.data["tasks"]) == (
        [],
        True,
        4 + 1,
    )
    assert "hosts: orders" in text


def test_firewall_rules_open_the_database_port_to_the_app_tier_only() -> None:
    rules = _artifacts.firewall_rules(extract_facts("PostgreSQL in 10.8.0.0/16"), database=True)
    assert "-A INPUT -s 10.8.1.0/24 -p tcp -m tcp --dport 5432 -j ACCEPT" in rules
    assert ":INPUT DROP [0:0]" in rules
