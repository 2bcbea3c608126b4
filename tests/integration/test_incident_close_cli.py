"""`infra-team incident list` and `infra-team incident close`: an incident the team handed to
a person stays open in the log until that person closes it, and then `infra-team kpi`
counts its recovery time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from typer.testing import CliRunner

from infra_team import resume, task
from infra_team.cli import app
from tests.integration.conftest import team_script

INCIDENT = "checkout 502 for 40% of requests"


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _kpi(path: Any) -> dict[str, Any]:
    out = _cli("kpi", "--json", "--checkpoint", str(path))
    assert out.exit_code == 0, out.output
    return dict(json.loads(out.stdout))


def _mttr(figures: dict[str, Any]) -> dict[str, Any]:
    return next(k for k in figures["report"]["kpis"] if k["name"] == "Mean Time to Recovery")


def _handed_to_a_person(path: Any, minutes_ago: float) -> str:
    """Run an incident the team cannot resolve, a person takes it; its ID in the log."""
    model = team_script(resolved_at=None)
    opened = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
    paused = task("infrastructure-team", INCIDENT, model=model, checkpointer=path, opened_at=opened)
    resume(paused.thread_id, "approve", model=model, checkpointer=path)
    out = _cli("incident", "list", "--open", "--json", "--checkpoint", str(path))
    assert out.exit_code == 0, out.output
    (record,) = json.loads(out.stdout)
    assert record["status"] != "Resolved" and record["resolved_at"] is None
    return str(record["incident_id"])


def test_a_person_closes_a_handed_over_incident_and_kpi_counts_it(sqlite_path: Any) -> None:
    incident_id = _handed_to_a_person(sqlite_path, minutes_ago=25)
    before = _kpi(sqlite_path)
    assert (before["incidents"], before["resolved"]) == (1, 0)
    assert _mttr(before)["status"] == "no data"

    # the person restores service after the hand-over (a time before it is refused below)
    restored = datetime.now(UTC).isoformat()
    out = _cli(
        "incident", "close", incident_id, "--resolved-at", restored,
        "--resolution", "failed over to the standby LB", "--checkpoint", str(sqlite_path),
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith(f"Closed {incident_id} at ")
    assert "recovered in 25 min (MTTR target under 30 min met)" in out.stdout

    after = _kpi(sqlite_path)
    assert (after["incidents"], after["resolved"]) == (1, 1)
    mttr = _mttr(after)
    assert 24.5 < mttr["value"] < 25.6 and mttr["status"] == "met"
    listed = _cli("incident", "list", "--checkpoint", str(sqlite_path))
    assert incident_id in listed.stdout and "Resolved" in listed.stdout
    assert _cli("incident", "list", "--open", "--checkpoint", str(sqlite_path)).stdout == (
        "No incidents in the log.\n"
    )

    again = _cli("incident", "close", incident_id, "--checkpoint", str(sqlite_path))
    assert again.exit_code == 2 and "was resolved at" in again.output  # never twice


def test_close_without_a_time_is_now(sqlite_path: Any) -> None:
    incident_id = _handed_to_a_person(sqlite_path, minutes_ago=50)
    out = _cli("incident", "close", incident_id, "--checkpoint", str(sqlite_path))
    assert out.exit_code == 0, out.output
    mttr = _mttr(_kpi(sqlite_path))
    assert 49.5 < mttr["value"] < 51.5 and mttr["status"] == "missed"


def test_bad_closes_are_one_line_usage_errors(sqlite_path: Any) -> None:
    incident_id = _handed_to_a_person(sqlite_path, minutes_ago=30)
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    before_open = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    cases = [
        (["IR-20990101-000000"], "no incident `IR-20990101-000000`"),
        ([incident_id, "--resolved-at", "2026-03-01T12:00:00"], "has no timezone"),
        ([incident_id, "--resolved-at", "soon"], "is not an ISO 8601 time"),
        ([incident_id, "--resolved-at", future], "is in the future"),
        ([incident_id, "--resolved-at", before_open], "before the incident's last update"),
        ([incident_id, "--resolution", "  "], "--resolution is blank"),
    ]
    for args, words in cases:
        out = _cli("incident", "close", *args, "--checkpoint", str(sqlite_path))
        assert out.exit_code == 2, (args, out.output)
        assert words in " ".join(out.output.split()), (args, out.output)
    assert _kpi(sqlite_path)["resolved"] == 0  # none of them closed it


def test_close_without_a_log_does_not_create_one(tmp_path: Any) -> None:
    path = tmp_path / "none.sqlite"
    out = _cli("incident", "close", "IR-20260101-ABCDEF", "--checkpoint", str(path))
    assert out.exit_code == 2 and "no incident log" in out.output
    assert not path.exists()
    listed = _cli("incident", "list", "--checkpoint", str(path))
    assert listed.exit_code == 0 and listed.stdout == "No incidents in the log.\n"
    assert not path.exists()
