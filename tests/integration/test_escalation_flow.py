"""The escalation path: SRE on-call -> component owner -> architect -> human."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra_team import resume, task
from tests.integration.conftest import team_script

INCIDENT = "checkout returns 502 for 40% of requests"


@pytest.mark.parametrize(
    ("resolved_at", "engaged"),
    [
        ("on-call", ["site-reliability-engineer"]),
        ("component owner", ["site-reliability-engineer", "network-engineer"]),
        (
            "architect",
            ["site-reliability-engineer", "network-engineer", "infrastructure-architect"],
        ),
    ],
)
def test_ladder_stops_where_resolved(resolved_at, engaged):
    result = task("infrastructure-team", INCIDENT, model=team_script(resolved_at=resolved_at))
    assert result.status == "completed"
    assert result.kind == "incident"
    assert result.engaged_roles == engaged
    assert result.escalation_trail[-1].outcome == "resolved"
    assert result.severity == "P1"
    assert "STATUS: Resolved" in result.artifacts["incident_communication"]


def test_unresolved_incident_reaches_human_and_resumes():
    model = team_script()
    result = task("infrastructure-team", INCIDENT, model=model)
    assert result.status == "interrupted"
    assert [step.rung for step in result.escalation_trail] == [
        "on-call",
        "component owner",
        "architect",
    ]
    assert result.interrupts[0].kind == "human_escalation"
    assert result.component_owner == "network-engineer"
    assert "Waiting for a human decision (Human escalation)" in result.report
    assert "## Triage" in result.report
    # The team applies nothing itself, so it never claims Fixing; the incident is identified
    # and with a person.
    paused_message = result.artifacts["incident_communication"]
    assert "STATUS: Identified" in paused_message
    assert "Waiting for a human decision." in result.report.split("---")[0]
    final = resume(result.thread_id, "approve", comment="incident commander takes it", model=model)
    assert final.status == "completed"
    assert final.escalation_trail[-1].rung == "human"
    assert final.escalation_trail[-1].summary == "incident commander takes it"
    message = final.artifacts["incident_communication"]
    assert "STATUS: Identified" in message
    assert (
        "CURRENT_ACTION: A person took over as incident commander: incident commander takes it"
        in message
    )
    assert message != paused_message
    assert "taken over by a person" in final.report.split("---")[0]


def test_component_owner_entry_escalates_to_architect_then_human():
    result = task(
        "database-administrator",
        "database replication is failing, 502 on writes",
        model=team_script(),
    )
    assert result.engaged_roles == ["database-administrator", "infrastructure-architect"]
    assert result.status == "interrupted"


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra_team", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_human_escalation_resumes_from_a_new_process(tmp_path: Path):
    env = {**os.environ, "INFRA_TEAM_STATE_DIR": str(tmp_path), "NO_COLOR": "1"}
    env.pop("INFRA_TEAM_MODEL", None)
    first = _cli(
        "task",
        "infrastructure-team",
        "Checkout is down: 502 for 40% of requests since the DB failover; data loss suspected",
        "--thread",
        "incident-1",
        "--json",
        env=env,
    )
    assert first.returncode == 3, first.stderr
    paused = json.loads(first.stdout)
    assert paused["status"] == "interrupted"
    assert paused["interrupts"][0]["kind"] == "human_escalation"
    assert (tmp_path / "checkpoints.sqlite").exists()
    assert "infra-team resume incident-1" in first.stderr
    second = _cli(
        "resume", "incident-1", "--approve", "--comment", "CTO owns it", "--json", env=env
    )
    assert second.returncode == 0, second.stderr
    done = json.loads(second.stdout)
    assert done["status"] == "completed"
    assert done["escalation_trail"][-1]["rung"] == "human"
