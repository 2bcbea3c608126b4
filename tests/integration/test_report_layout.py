"""The report a person reads: decision and next actions on the first screen, evidence below."""

from __future__ import annotations

import re

import pytest

from infra_team import resume, task
from infra_team.offline._text import first_sentence
from infra_team.provenance import OFFLINE_NOTE

FIRST_SCREEN_LINES = 40


@pytest.fixture(scope="module")
def team_request() -> str:
    return task(
        "infrastructure-team", "New PostgreSQL cluster for billing with a hot standby and PITR"
    ).report


def _first_screen(report: str) -> str:
    return "\n".join(report.splitlines()[:FIRST_SCREEN_LINES])


def test_decision_and_next_actions_come_before_the_evidence(team_request: str) -> None:
    head, _, evidence = team_request.partition("\n## Evidence\n")
    assert evidence, "the evidence section is missing"
    screen = _first_screen(team_request)
    assert "**Status:** Completed." in screen
    assert "**Decision:**" in screen
    assert "**Next actions**" in screen
    assert re.search(r"^1\. Close Change Approval: .*Maintenance window scheduled", screen, re.M)
    assert "## Design" not in head


def test_offline_provenance_is_stated_once(team_request: str) -> None:
    assert team_request.count(OFFLINE_NOTE[:-1]) == 1
    assert OFFLINE_NOTE[:-1] in _first_screen(team_request)


def test_lists_render_as_their_own_blocks(team_request: str) -> None:
    lines = team_request.splitlines()
    for index, line in enumerate(lines):
        if line in {"**Actions**", "**Findings**", "**Next actions**"}:
            assert lines[index - 1] == "", f"{line} glued to the line before it"


def test_assignments_are_printed_once(team_request: str) -> None:
    task_text = "Set up PostgreSQL with a hot standby"
    assert team_request.count(task_text) == 1


def test_escalation_rungs_show_the_actions_they_propose() -> None:
    paused = task(
        "infrastructure-team", "Checkout returns 502 for 40% of requests; data loss suspected"
    )
    assert "**Actions proposed by the Network Engineer (component owner)**" in paused.report
    assert "see its actions" not in paused.artifacts["incident_communication"]
    assert (
        "CURRENT_ACTION: Infrastructure Architect: " in paused.artifacts["incident_communication"]
    )
    done = resume(paused.thread_id, "approve", comment="Dana commands")
    assert (
        "CURRENT_ACTION: A person took over as incident commander: Dana commands"
        in (done.artifacts["incident_communication"])
    )
    assert "STATUS: Fixing" not in done.artifacts["incident_communication"]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Checkout is down. Since noon.", 200, "Checkout is down."),
        ("db01.prod.example.com replication broken since noon", 30, "db01.prod.example.com…"),
        ("alpha beta gamma delta", 12, "alpha beta…"),
        ("x" * 50, 10, "x" * 9 + "…"),
    ],
)
def test_first_sentence_cuts_at_a_word_boundary(text: str, limit: int, expected: str) -> None:
    cut = first_sentence(text, limit)
    assert cut == expected
    assert len(cut) <= limit


def test_a_resolved_p1_incident_leaves_a_postmortem_with_its_timeline() -> None:
    done = task(
        "site-reliability-engineer",
        "Outage: checkout is down, 100% of requests fail with 503. Service recovered after the "
        "rollback.",
    )
    assert done.severity == "P1"
    assert done.status == "completed"
    review = done.artifacts["postmortem"]
    assert review.startswith("## Postmortem (draft): ")
    assert "| Infrastructure Team | Incident reported to the team |" in review
    assert "| Site Reliability Engineer | resolved: " in review
    assert re.search(r"\*\*Time to recovery:\*\* resolved \d+\.\d min after the team", review)
    assert "\n\n**Impact:** " in review
    assert "incident on recovered" not in done.report
    assert all(step.at for step in done.escalation_trail)
    assert review in done.report
    assert "```text\n## Postmortem" not in done.report


def test_an_incident_handed_to_a_person_gets_a_draft_without_a_recovery_time() -> None:
    paused = task(
        "infrastructure-team", "Checkout returns 502 for 40% of requests; data loss suspected"
    )
    assert "postmortem" not in paused.artifacts
    done = resume(paused.thread_id, "approve", comment="Dana commands")
    review = done.artifacts["postmortem"]
    assert "| Human escalation | taken over: Dana commands |" in review
    assert "not measured: the team handed the incident to a person" in review


def test_minor_incidents_get_no_postmortem() -> None:
    done = task(
        "infrastructure-team",
        "Minor: a typo on the status page footer, fixed and resolved",
    )
    assert done.severity in {"P3", "P4"}
    assert "postmortem" not in done.artifacts
