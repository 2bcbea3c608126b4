"""The incident lifecycle and the gates that close on evidence, with scripted models:
the incident's age picks the rung, a finished incident is logged and moves the KPIs,
Production Readiness closes on evidence, an ordinary change pauses for its approval."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from typer.testing import CliRunner

from infra_team import resume, task
from infra_team.cli import app
from infra_team.errors import InvalidRequestError
from infra_team.settings import reset_settings
from tests.integration.conftest import team_script

INCIDENT = "checkout 502 for 40% of requests"
REQUEST = "Build a two-node PostgreSQL cluster for billing"
STATUSPAGE = "https://api.statuspage.io/v1/pages/page-1/incidents"
PROM = "http://prometheus.test"


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


# --- the escalation ladder picks the rung from the incident's age -------------------------


def test_fresh_incident_goes_from_triage_to_the_component_owner():
    model = team_script(resolved_at="component owner")
    result = task("infrastructure-team", INCIDENT, model=model, opened_at=_ago(10))
    assert [s.rung for s in result.escalation_trail] == ["on-call", "component owner"]
    assert "Open 10 min when the team received it" in result.report


def test_incident_open_for_over_an_hour_goes_straight_to_the_architect():
    model = team_script(resolved_at="architect")
    result = task("infrastructure-team", INCIDENT, model=model, opened_at=_ago(70))
    assert [s.rung for s in result.escalation_trail] == ["on-call", "architect"]
    assert "network-engineer" not in result.engaged_roles
    assert result.status == "completed"


def test_without_a_start_time_the_ladder_is_walked_from_the_bottom():
    model = team_script(resolved_at="architect")
    result = task("infrastructure-team", INCIDENT, model=model)
    assert [s.rung for s in result.escalation_trail] == ["on-call", "component owner", "architect"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-03-01T12:00:00", "no timezone"),
        ("yesterday", "not an ISO 8601 time"),
        ((datetime.now(UTC) + timedelta(hours=2)).isoformat(), "in the future"),
    ],
)
def test_a_bad_start_time_is_refused_before_any_role_runs(value, words):
    with pytest.raises(InvalidRequestError, match=words):
        task("infrastructure-team", INCIDENT, model=team_script(), opened_at=value)


# --- a finished incident is logged and moves `infra-team kpi` ------------------------------


def _kpi(path) -> dict:
    out = CliRunner().invoke(app, ["kpi", "--json", "--checkpoint", str(path)])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def _mttr(figures: dict) -> dict:
    return next(k for k in figures["report"]["kpis"] if k["name"] == "Mean Time to Recovery")


def test_a_closed_incident_updates_infra_team_kpi(sqlite_path):
    before = _kpi(sqlite_path)
    assert before["incidents"] == 0 and _mttr(before)["status"] == "no data"
    model = team_script(resolved_at="component owner")
    result = task(
        "infrastructure-team", INCIDENT, model=model, checkpointer=sqlite_path, opened_at=_ago(20)
    )
    assert result.status == "completed" and "postmortem" in result.artifacts
    after = _kpi(sqlite_path)
    assert after["incidents"] == 1 and after["resolved"] == 1
    mttr = _mttr(after)
    assert 19.5 < mttr["value"] < 21 and mttr["status"] == "met"
    availability = next(k for k in after["report"]["kpis"] if k["name"] == "Availability")
    assert availability["status"] == "met"  # 20 min of 30 days is 99.95 %
    # a second, slower incident moves the mean
    task("infrastructure-team", INCIDENT, model=model, checkpointer=sqlite_path, opened_at=_ago(50))
    mttr = _mttr(_kpi(sqlite_path))
    assert 34.5 < mttr["value"] < 36 and mttr["status"] == "missed"
    text = CliRunner().invoke(app, ["kpi", "--checkpoint", str(sqlite_path)])
    assert text.exit_code == 0 and "Mean Time to Recovery" in text.stdout
    assert "2 incident(s) in the log, 2 resolved" in text.stdout


def test_the_incident_record_keeps_timeline_recovery_time_and_postmortem(sqlite_path):
    from infra_team.incident_record import stored_incidents, stored_postmortem
    from infra_team.persistence import sync_persistence

    model = team_script(resolved_at="component owner")
    task("infrastructure-team", INCIDENT, model=model, checkpointer=sqlite_path, opened_at=_ago(12))
    with sync_persistence(sqlite_path) as (_, store):
        (record,) = list(stored_incidents(store))
        assert record.status == "Resolved" and record.severity == "P1"
        assert 11.5 < (record.time_to_recovery_minutes or 0) < 13
        notes = [entry.note for entry in record.timeline]
        assert notes[1].startswith("Site Reliability Engineer (on-call): escalated")
        assert notes[-1].startswith("Resolved: Network Engineer (component owner): resolved")
        postmortem = stored_postmortem(store, record.incident_id)
    assert postmortem and "target under 30 min met" in postmortem


def test_an_incident_handed_to_a_person_stays_open_in_the_log(sqlite_path):
    model = team_script(resolved_at=None)
    paused = task("infrastructure-team", INCIDENT, model=model, checkpointer=sqlite_path)
    assert _kpi(sqlite_path)["incidents"] == 0  # not done yet: nothing logged
    resume(paused.thread_id, "approve", model=model, checkpointer=sqlite_path)
    figures = _kpi(sqlite_path)
    assert figures["incidents"] == 1 and figures["resolved"] == 0
    assert _mttr(figures)["status"] == "no data"


def test_kpi_without_any_run_reads_no_data(tmp_path):
    figures = _kpi(tmp_path / "none.sqlite")
    assert figures["incidents"] == 0
    assert not (tmp_path / "none.sqlite").exists()


def test_cli_refuses_a_bad_opened_at():
    out = CliRunner().invoke(
        app, ["task", "infrastructure-team", INCIDENT, "--opened-at", "noon", "--model", "offline"]
    )
    assert out.exit_code != 0
    assert isinstance(out.exception, InvalidRequestError)


# --- Production Readiness closes on evidence ----------------------------------------------

ALL_EVIDENCE = {
    "infrastructure_provisioned": {"source": "terraform state list: 14 resources"},
    "security_hardening_applied": {"source": "CIS scan 2026-11-30: 0 failing"},
    "monitoring_configured": {"source": "Grafana dashboard billing-db"},
    "alerts_defined": {"source": "alerts/billing.yaml"},
    "runbooks_created": {"source": "runbooks/billing-db.md"},
    "dr_tested": {
        "source": "restore drill 2026-11-28: RTO 22 min",
        "checked_at": "2026-11-28T10:00:00Z",
    },
}


def _readiness(result):
    return next(g for g in result.gates if g.gate == "Production Readiness")


def test_production_readiness_stays_open_without_evidence():
    gate = _readiness(task("infrastructure-team", REQUEST, model=team_script()))
    assert not gate.passed
    assert {"Infrastructure provisioned", "DR tested"} <= set(gate.open_items)


def test_production_readiness_closes_on_evidence_passed_in():
    result = task("infrastructure-team", REQUEST, model=team_script(), evidence=ALL_EVIDENCE)
    gate = _readiness(result)
    assert gate.passed and gate.open_items == []
    dr = next(item for item in gate.items if item["name"] == "DR tested")
    assert dr["note"] == "restore drill 2026-11-28: RTO 22 min, 2026-11-28 10:00 UTC"
    assert "### Production Readiness: passed" in result.report


def test_a_failed_check_keeps_its_item_open():
    evidence = {
        **ALL_EVIDENCE,
        "dr_tested": {"source": "restore drill: replica lost", "passed": False},
    }
    gate = _readiness(task("infrastructure-team", REQUEST, model=team_script(), evidence=evidence))
    assert gate.open_items == ["DR tested"]
    dr = next(item for item in gate.items if item["name"] == "DR tested")
    assert dr["note"].startswith("check failed: restore drill")


def test_malformed_evidence_is_refused():
    with pytest.raises(InvalidRequestError, match="dr_tested"):
        task(
            "infrastructure-team",
            REQUEST,
            model=team_script(),
            evidence={"dr_tested": {"source": ""}},
        )
    with pytest.raises(InvalidRequestError, match="unknown_item"):
        task("infrastructure-team", REQUEST, model=team_script(), evidence={"unknown_item": {}})


@pytest.fixture
def prometheus_env(monkeypatch):
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", PROM)
    reset_settings()
    yield
    reset_settings()


def _up(values: list[int]) -> dict:
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {
                    "metric": {"__name__": "up", "job": "billing", "instance": f"db{i}:9187"},
                    "value": [1764680000, str(v)],
                }
                for i, v in enumerate(values)
            ],
        },
    }


def _live_model():
    return team_script(
        first_tools={
            "database-administrator": [("query_prometheus", {"query": 'up{job="billing"}'})]
        }
    )


@respx.mock(assert_all_mocked=True)
def test_monitoring_closes_on_a_live_check_of_up(respx_mock, prometheus_env):
    respx_mock.get(f"{PROM}/api/v1/query").mock(return_value=httpx.Response(200, json=_up([1, 1])))
    gate = _readiness(task("infrastructure-team", REQUEST, model=_live_model()))
    item = next(i for i in gate.items if i["name"] == "Monitoring configured")
    assert item["met"] and "2 target(s)" in item["note"]


@respx.mock(assert_all_mocked=True)
def test_a_target_down_keeps_monitoring_open(respx_mock, prometheus_env):
    respx_mock.get(f"{PROM}/api/v1/query").mock(return_value=httpx.Response(200, json=_up([1, 0])))
    gate = _readiness(task("infrastructure-team", REQUEST, model=_live_model()))
    item = next(i for i in gate.items if i["name"] == "Monitoring configured")
    assert not item["met"] and "1 of 2 target(s) down" in item["note"]


# --- Change Approval: an ordinary change pauses for its approval --------------------------


@pytest.fixture
def statuspage_env(monkeypatch):
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_PAGE_ID", "page-1")
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_TOKEN", "secret-token")
    reset_settings()
    yield
    reset_settings()


ANNOUNCED = REQUEST + "; announce the maintenance with a status page incident"


def _ready_model():
    return team_script(
        first_tools={
            "site-reliability-engineer": [
                ("burn_rate_alerts", {"slo_percent": 99.9, "service": "billing"}),
                (
                    "create_statuspage_incident",
                    {"name": "Billing DB maintenance", "status": "investigating"},
                ),
            ]
        }
    )


def _change(result):
    return next(g for g in result.gates if g.gate == "Change Approval")


def _to_gate(model):
    paused = task("infrastructure-team", ANNOUNCED, model=model)
    assert paused.status == "interrupted"
    assert paused.interrupts[0].details["tool"] == "create_statuspage_incident"
    at_gate = resume(paused.thread_id, "approve", model=model)
    assert at_gate.status == "interrupted"
    question = at_gate.interrupts[0]
    assert question.gate == "Change Approval" and question.details["destructive_actions"] == []
    assert question.details["open_items"] == ["Maintenance window scheduled"]
    return at_gate


@respx.mock(assert_all_mocked=True)
def test_ordinary_change_pauses_and_closes_on_approval(respx_mock, statuspage_env):
    respx_mock.post(STATUSPAGE).mock(
        return_value=httpx.Response(201, json={"id": "p3", "name": "x", "status": "scheduled"})
    )
    model = _ready_model()
    done = resume(_to_gate(model).thread_id, "approve", comment="CAB 7", model=model)
    assert done.status == "completed"
    change = _change(done)
    assert change.passed and change.open_items == []


@respx.mock(assert_all_mocked=True)
def test_ordinary_change_rejected_stays_open(respx_mock, statuspage_env):
    respx_mock.post(STATUSPAGE).mock(
        return_value=httpx.Response(201, json={"id": "p4", "name": "x", "status": "scheduled"})
    )
    model = _ready_model()
    done = resume(_to_gate(model).thread_id, "reject", model=model)
    change = _change(done)
    assert not change.passed and change.open_items == ["Maintenance window scheduled"]
    assert "must not be executed" in done.report


def test_change_that_cannot_pass_yet_does_not_ask_for_approval():
    done = task("infrastructure-team", REQUEST, model=team_script())
    assert done.status == "completed"  # stakeholders not told, monitoring not prepared
    change = _change(done)
    assert {"Stakeholders notified", "Maintenance window scheduled"} <= set(change.open_items)


def test_an_incident_the_sre_opened_is_continued_not_logged_twice(sqlite_path):
    from infra_team.incident_record import stored_incidents
    from infra_team.persistence import sync_persistence

    model = team_script(
        resolved_at="component owner",
        first_tools={
            "site-reliability-engineer": [
                ("incident_create", {"title": "Checkout 502s", "severity": "P1", "impact": "40%"})
            ]
        },
    )
    task("infrastructure-team", INCIDENT, model=model, checkpointer=sqlite_path, opened_at=_ago(25))
    with sync_persistence(sqlite_path) as (_, store):
        (record,) = list(stored_incidents(store))
    assert record.title == "Checkout 502s" and record.status == "Resolved"
    assert 24.5 < (record.time_to_recovery_minutes or 0) < 26


def test_an_incident_report_names_the_people_on_call(monkeypatch, sqlite_path):
    from infra_team.incident_record import stored_incidents
    from infra_team.persistence import sync_persistence

    monkeypatch.setenv(
        "INFRA_TEAM_ONCALL_ROSTER",
        json.dumps({"site-reliability-engineer": ["Ana"], "systems-administrator": ["Dev"]}),
    )
    reset_settings()
    try:
        model = team_script(resolved_at="on-call")
        result = task("infrastructure-team", INCIDENT, model=model, checkpointer=sqlite_path)
    finally:
        reset_settings()
    first_screen = result.report.split("## Evidence")[0]
    assert (
        "**On call:** Site Reliability Engineer: Ana (roster); Systems Administrator: Dev (roster)"
        in first_screen
    )
    with sync_persistence(sqlite_path) as (_, store):
        (record,) = list(stored_incidents(store))
    assert record.timeline[1].note.startswith("On call: Site Reliability Engineer: Ana (roster)")
