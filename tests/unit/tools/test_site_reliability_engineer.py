"""Site Reliability Engineer tools: error budget, burn-rate alerts, on-call, incidents, runbook."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

import pytest
import yaml
from langgraph.graph import START, StateGraph
from langgraph.store.memory import InMemoryStore

from infra_team.protocols import IncidentCommunication
from infra_team.scrub import scrub
from infra_team.tools._base import ToolInputError, parse_tool_output
from infra_team.tools.analysers.incidents import (
    INCIDENT_NAMESPACE,
    close_incident,
    incident_store,
    open_incident,
    update_incident,
)
from infra_team.tools.analysers.oncall_now import evaluate_oncall_now
from infra_team.tools.analysers.runbook import (
    classify_symptom,
    load_symptom_catalog,
    render_runbook,
)
from infra_team.tools.analysers.slo import (
    BURN_RATE_WINDOWS,
    build_burn_rate_alerts,
    compute_error_budget,
)
from infra_team.tools.site_reliability_engineer import (
    TOOLS,
    burn_rate_alerts,
    error_budget,
    incident_close,
    incident_create,
    incident_update,
    oncall_now,
    runbook,
)
from tests.test_agent_files import MODULE_TOOLS

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tools" / "sre"
INCIDENT_ID = re.compile(r"IR-\d{8}-[0-9A-F]{6}")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_tool_names() -> None:
    assert [tool.name for tool in TOOLS] == list(MODULE_TOOLS["site_reliability_engineer"])
    assert all("\n" not in tool.description for tool in TOOLS)


@pytest.mark.parametrize("path", sorted(FIXTURES.iterdir()), ids=lambda p: p.name)
def test_fixtures_are_already_scrubbed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert scrub(text) == text


# --------------------------------------------------------------------------- error budget


def test_error_budget_half_spent() -> None:
    report = compute_error_budget(99.9, 30, good_events=999_500, total_events=1_000_000)
    assert report.allowed_bad_events == 1000.0
    assert report.bad_events == 500
    assert report.consumed_fraction == 0.5
    assert report.remaining_fraction == 0.5
    assert report.remaining_events == 500.0
    assert report.error_rate == 0.0005
    assert report.burn_rate == 0.5
    assert report.allowed_downtime_minutes == 43.2  # 0.1 % of 30 days
    assert report.days_to_exhaustion == 30.0  # half the budget at half the sustainable rate
    assert not report.exhausted


def test_error_budget_overspent() -> None:
    report = compute_error_budget(99.5, 28, good_events=9_900, total_events=10_000)
    assert report.allowed_bad_events == 50.0
    assert report.bad_events == 100
    assert report.consumed_fraction == 2.0
    assert report.remaining_fraction == -1.0
    assert report.remaining_events == -50.0
    assert report.burn_rate == 2.0
    assert report.exhausted
    assert report.days_to_exhaustion is None


def test_error_budget_input_errors() -> None:
    with pytest.raises(ToolInputError, match="cannot exceed"):
        compute_error_budget(99.9, 30, good_events=11, total_events=10)


def test_error_budget_tool() -> None:
    result = parse_tool_output(
        error_budget.invoke(
            {"slo_percent": 99.9, "window_days": 30, "good_events": 999_000, "total_events": 1e6}
        )
    )
    assert result.status == "success"
    assert result.data["burn_rate"] == 1.0
    assert result.data["exhausted"] is True
    assert "burn rate 1.00" in result.summary
    empty = parse_tool_output(
        error_budget.invoke(
            {"slo_percent": 99.9, "window_days": 30, "good_events": 0, "total_events": 0}
        )
    )
    assert empty.status == "no_data"


@pytest.mark.parametrize(
    "arguments",
    [
        {"slo_percent": 100, "window_days": 30, "good_events": 1, "total_events": 1},
        {"slo_percent": "high", "window_days": 30, "good_events": 1, "total_events": 1},
        {"slo_percent": 99.9, "window_days": 0, "good_events": 1, "total_events": 1},
        {"slo_percent": 99.9, "window_days": 30, "good_events": -1, "total_events": 1},
        {"slo_percent": 99.9, "window_days": 30, "good_events": 5, "total_events": 2},
        {"slo_percent": 99.9, "window_days": 30},
    ],
)
def test_error_budget_tool_errors(arguments: dict[str, Any]) -> None:
    result = parse_tool_output(error_budget.invoke(arguments))
    assert result.status == "error"
    assert result.error


# --------------------------------------------------------------------------- burn rates


def test_workbook_table() -> None:
    rows = [
        (w.severity, w.long_window, w.short_window, float(w.burn_rate), float(w.budget_percent))
        for w in BURN_RATE_WINDOWS
    ]
    assert rows == [
        ("page", "1h", "5m", 14.4, 2.0),
        ("page", "6h", "30m", 6.0, 5.0),
        ("ticket", "3d", "6h", 1.0, 10.0),
    ]


def test_thresholds_for_three_nines() -> None:
    plan = build_burn_rate_alerts(99.9)
    assert [a.error_rate_threshold for a in plan.alerts] == [0.0144, 0.006, 0.001]
    assert [a.budget_consumed_percent for a in plan.alerts] == [2.0, 5.0, 10.0]
    assert [a.time_to_exhaustion_hours for a in plan.alerts] == [50.0, 120.0, 720.0]
    assert plan.error_budget == 0.001
    assert plan.required_recording_rules == tuple(
        f"job:slo_errors_per_request:ratio_rate{w}" for w in ("1h", "5m", "6h", "30m", "3d")
    )
    assert plan.alerts[0].expr == (
        "job:slo_errors_per_request:ratio_rate1h > 0.0144"
        " and job:slo_errors_per_request:ratio_rate5m > 0.0144"
    )


def test_rules_yaml_structure() -> None:
    plan = build_burn_rate_alerts(99.95, selector='job="api", env="prod"', service="api")
    document = yaml.safe_load(plan.rules_yaml)
    (group,) = document["groups"]
    assert group["name"] == "api-slo-burn-rate"
    rules = group["rules"]
    assert [rule["alert"] for rule in rules] == [
        "ApiErrorBudgetBurnPage1h",
        "ApiErrorBudgetBurnPage6h",
        "ApiErrorBudgetBurnTicket3d",
    ]
    assert [rule["labels"]["severity"] for rule in rules] == ["page", "page", "ticket"]
    assert [rule["for"] for rule in rules] == ["2m", "15m", "1h"]
    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}
        assert set(rule["annotations"]) == {"summary", "description"}
        assert rule["labels"]["slo"] == "99.95"
        assert rule["labels"]["service"] == "api"
    # 14.4 x 0.0005 = 0.0072, 6 x 0.0005 = 0.003, 1 x 0.0005 = 0.0005
    assert rules[0]["expr"] == (
        'job:slo_errors_per_request:ratio_rate1h{job="api", env="prod"} > 0.0072'
        ' and job:slo_errors_per_request:ratio_rate5m{job="api", env="prod"} > 0.0072'
    )
    assert rules[1]["expr"].endswith('ratio_rate30m{job="api", env="prod"} > 0.003')
    assert rules[2]["expr"].startswith('job:slo_errors_per_request:ratio_rate3d{job="api", env')
    assert "> 0.0005" in rules[2]["expr"]


def test_rules_yaml_matches_golden_file() -> None:
    plan = build_burn_rate_alerts(99.9, selector='job="checkout"', service="checkout")
    golden = (FIXTURES / "burn_rate_rules_99.9_checkout.yaml").read_text(encoding="utf-8")
    assert plan.rules_yaml == golden


def test_custom_metric_and_window() -> None:
    plan = build_burn_rate_alerts(99.0, metric="slo:sli_error:ratio_rate{window}", window_days=28)
    assert plan.alerts[0].expr.startswith("slo:sli_error:ratio_rate1h > 0.144 and")
    # 14.4 x 1 h / (28 x 24 h) = 2.142857 %
    assert plan.alerts[0].budget_consumed_percent == pytest.approx(2.1429)


def test_low_slo_page_cannot_fire() -> None:
    plan = build_burn_rate_alerts(90.0)
    assert [a.error_rate_threshold for a in plan.alerts] == [1.44, 0.6, 0.1]
    assert [a.can_fire for a in plan.alerts] == [False, True, True]
    result = parse_tool_output(burn_rate_alerts.invoke({"slo_percent": 90}))
    assert "Cannot fire (threshold >= 1): ErrorBudgetBurnPage1h." in result.summary


def test_burn_rate_tool() -> None:
    result = parse_tool_output(burn_rate_alerts.invoke({"slo_percent": 99.9}))
    assert result.status == "success"
    assert result.summary == (
        "Burn-rate alerts for SLO 99.9%: 14.4x 1h/5m page > 0.0144, "
        "6x 6h/30m page > 0.006, 1x 3d/6h ticket > 0.001."
    )
    assert yaml.safe_load(result.data["rules_yaml"])["groups"][0]["name"] == "slo-burn-rate"


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"metric": "job:errors:ratio_rate"}, "holding `{window}`"),
        ({"metric": "bad metric {window}"}, "holding `{window}`"),
        ({"selector": "job=api"}, "label matchers"),
        ({"slo_percent": 0}, "slo_percent"),
        ({"slo_percent": 100.5}, "slo_percent"),
    ],
)
def test_burn_rate_tool_errors(arguments: dict[str, Any], fragment: str) -> None:
    result = parse_tool_output(burn_rate_alerts.invoke({"slo_percent": 99.9, **arguments}))
    assert result.status == "error"
    assert fragment in (result.error or "")


# --------------------------------------------------------------------------- on call


def test_oncall_before_handoff_belongs_to_previous_shift() -> None:
    report = evaluate_oncall_now(_at("2025-03-01T08:59:00"))
    assert report.rotation_day == "2025-02-28"
    assert report.shift_start == _at("2025-02-28T09:00:00")
    assert report.next_handoff == _at("2025-03-01T09:00:00")
    assert report.minutes_to_handoff == 1.0
    assert (report.primary.type, report.primary.name) == (
        "site-reliability-engineer",
        "Site Reliability Engineer",
    )
    assert report.secondary.name == "Systems Administrator"
    assert report.incident is None


@pytest.mark.parametrize(
    ("minutes", "component", "holder", "next_in"),
    [
        (10, "postgres", "site-reliability-engineer", 5.0),
        (20, "postgres", "systems-administrator", 10.0),
        (39, "postgres", "database-administrator", 21.0),
        (39, "dns", "network-engineer", 21.0),
        (39, "network-engineer", "network-engineer", 21.0),
        (39, "Database Administrator", "database-administrator", 21.0),
        (39, None, "systems-administrator", 21.0),
        (75, "postgres", "infrastructure-architect", None),
    ],
)
def test_incident_holder(
    minutes: int, component: str | None, holder: str, next_in: float | None
) -> None:
    at = _at("2025-03-01T12:00:00")
    opened = datetime.fromtimestamp(at.timestamp() - minutes * 60, tz=UTC)
    report = evaluate_oncall_now(at, incident_opened_at=opened, component=component)
    assert report.incident is not None
    assert report.incident.minutes_since_open == minutes
    assert report.incident.holder.type == holder
    assert report.incident.next_escalation_in_minutes == next_in
    assert report.incident.ladder[-1].name == "Human escalation"


def test_oncall_tool() -> None:
    result = parse_tool_output(
        oncall_now.invoke(
            {
                "at": "2025-03-01T09:40:00Z",
                "incident_opened_at": "2025-03-01T09:00:00+00:00",
                "component": "postgres",
            }
        )
    )
    assert result.status == "success"
    assert result.data["rotation_day"] == "2025-03-01"
    assert result.data["incident"]["holder"] == {
        "type": "database-administrator",
        "name": "Database Administrator",
    }
    assert [role["name"] for role in result.data["incident"]["ladder"]] == [
        "Site Reliability Engineer",
        "Database Administrator",
        "Infrastructure Architect",
        "Human escalation",
    ]
    assert result.summary.endswith("Incident open 40 min: held by Database Administrator.")


def test_oncall_tool_defaults_to_now() -> None:
    result = parse_tool_output(oncall_now.invoke({}))
    assert result.status == "success"
    assert result.data["primary"]["name"] == "Site Reliability Engineer"


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"at": "tomorrow"}, "not an ISO-8601 timestamp"),
        ({"at": "2025-03-01T09:00:00Z", "incident_opened_at": "2025-03-01T10:00:00Z"}, "is after"),
        ({"at": 5}, "oncall_now"),
    ],
)
def test_oncall_tool_errors(arguments: dict[str, Any], fragment: str) -> None:
    result = parse_tool_output(oncall_now.invoke(arguments))
    assert result.status == "error"
    assert fragment in (result.error or "")


# --------------------------------------------------------------------------- incidents


def test_incident_lifecycle_in_a_store() -> None:
    store = InMemoryStore()
    opened = open_incident(
        store,
        title="Checkout API returning 502",
        severity="P2",
        impact="20 % of checkouts fail",
        opened_at=_at("2025-03-01T10:00:00"),
    )
    assert INCIDENT_ID.fullmatch(opened.incident_id)
    assert opened.incident_id.startswith("IR-20250301-")
    assert not re.search(r"INF", opened.incident_id, re.IGNORECASE)
    assert opened.commander == "Site Reliability Engineer"
    assert opened.status == "Investigating"
    assert opened.postmortem_required
    assert len(opened.timeline) == 1

    updated = update_incident(
        store,
        opened.incident_id,
        note="Bad deploy of the payment client identified",
        at=_at("2025-03-01T10:12:00"),
        status="Identified",
        current_action="Rolling back the deploy",
        eta="15 min",
    )
    assert updated.status == "Identified"
    assert updated.updated_at == _at("2025-03-01T10:12:00")
    assert [entry.status for entry in updated.timeline] == ["Investigating", "Identified"]

    closed = close_incident(
        store,
        opened.incident_id,
        resolution="Rolled back to release 4.2.1",
        at=_at("2025-03-01T10:25:30"),
    )
    assert closed.status == "Resolved"
    assert closed.resolved_at == _at("2025-03-01T10:25:30")
    assert closed.time_to_recovery_minutes == 25.5
    assert closed.mttr_target_met
    assert closed.postmortem_required
    assert len(closed.timeline) == 3

    stored = store.get(INCIDENT_NAMESPACE, opened.incident_id)
    assert stored is not None
    assert stored.value["status"] == "Resolved"
    assert stored.value["time_to_recovery_minutes"] == 25.5

    with pytest.raises(ToolInputError) as caught:
        update_incident(store, opened.incident_id, note="again", at=_at("2025-03-01T11:00:00"))
    assert caught.value.code == "incident_closed"


def test_slow_recovery_misses_target_and_p4_needs_no_postmortem() -> None:
    store = InMemoryStore()
    record = open_incident(
        store,
        title="Dashboard slow",
        severity="P4",
        impact="Internal dashboard slow",
        opened_at=_at("2025-03-01T10:00:00"),
    )
    assert not record.postmortem_required
    closed = close_incident(
        store, record.incident_id, resolution="Cache warmed", at=_at("2025-03-01T11:30:00")
    )
    assert closed.time_to_recovery_minutes == 90.0
    assert closed.mttr_target_met is False
    assert closed.postmortem_required is False


def test_incident_communication_parses_with_the_protocol() -> None:
    store = InMemoryStore()
    record = open_incident(
        store,
        title="DNS resolution failing",
        severity="P1",
        impact="All services unreachable by name",
        opened_at=_at("2025-03-01T10:00:00"),
    )
    message = IncidentCommunication.parse(record.communication())
    assert message.incident == "DNS resolution failing"
    assert message.severity == "P1"
    assert message.status == "Investigating"
    assert message.commander == "Site Reliability Engineer"


def test_incident_tools_round_trip() -> None:
    created = parse_tool_output(
        incident_create.invoke(
            {
                "title": "Database replica lagging",
                "severity": "p3",
                "impact": "Reports are stale",
                "opened_at": "2025-04-02T08:00:00Z",
            }
        )
    )
    assert created.status == "success"
    incident_id = created.data["incident_id"]
    assert INCIDENT_ID.fullmatch(incident_id)
    assert created.data["severity"] == "P3"
    assert created.data["communication"].startswith("INCIDENT: Database replica lagging\n")
    assert "COMMANDER: Site Reliability Engineer" in created.data["communication"]

    updated = parse_tool_output(
        incident_update.invoke(
            {
                "incident_id": incident_id,
                "note": "Long-running vacuum found",
                "status": "fixing",
                "severity": "P2",
                "at": "2025-04-02T08:10:00Z",
            }
        )
    )
    assert updated.status == "success"
    assert updated.data["status"] == "Fixing"
    assert updated.data["postmortem_required"] is True  # raised to P2

    closed = parse_tool_output(
        incident_close.invoke(
            {
                "incident_id": incident_id,
                "resolution": "Vacuum cancelled, replica caught up",
                "at": "2025-04-02T08:20:00Z",
            }
        )
    )
    assert closed.status == "success"
    assert closed.data["time_to_recovery_minutes"] == 20.0
    assert closed.data["resolved_at"] == "2025-04-02T08:20:00Z"
    assert closed.summary == (
        f"Resolved {incident_id} after 20 min (within the 30 min target); postmortem required."
    )

    again = parse_tool_output(
        incident_close.invoke({"incident_id": incident_id, "resolution": "twice"})
    )
    assert (again.status, again.code) == ("error", "incident_closed")
    late = parse_tool_output(incident_update.invoke({"incident_id": incident_id, "note": "more"}))
    assert (late.status, late.code) == ("error", "incident_closed")


@pytest.mark.parametrize(
    ("tool", "arguments", "code", "fragment"),
    [
        (incident_update, {"incident_id": "IR-20990101-000000", "note": "x y z"}, "not_found", "no incident"),
        (incident_close, {"incident_id": "nope", "resolution": "fixed it"}, "not_found", "no incident"),
        (incident_update, {"incident_id": "IR-1", "note": "done", "status": "Resolved"}, "invalid_arguments", "incident_close"),
        (incident_create, {"title": "Outage", "severity": "P5", "impact": "all"}, "invalid_arguments", "severity"),
        (incident_create, {"title": "Outage", "severity": "P1", "impact": "all", "opened_at": "noon"}, "invalid_arguments", "ISO-8601"),
        (incident_create, {"title": "Outage", "severity": "P1", "impact": "[What's affected]"}, "invalid_arguments", "impact"),
    ],
)  # fmt: skip
def test_incident_tool_errors(
    tool: Any, arguments: dict[str, Any], code: str, fragment: str
) -> None:
    result = parse_tool_output(tool.invoke(arguments))
    assert (result.status, result.code) == ("error", code)
    assert fragment in (result.error or "")


def test_update_before_last_entry_is_rejected() -> None:
    created = parse_tool_output(
        incident_create.invoke(
            {
                "title": "Disk full",
                "severity": "P3",
                "impact": "Uploads fail",
                "opened_at": "2025-05-01T10:00:00Z",
            }
        )
    )
    result = parse_tool_output(
        incident_update.invoke(
            {
                "incident_id": created.data["incident_id"],
                "note": "earlier?",
                "at": "2025-05-01T09:00:00Z",
            }
        )
    )
    assert result.status == "error"
    assert "before the incident's last update" in (result.error or "")


class _State(TypedDict):
    incident_id: str


def test_incidents_use_the_graph_store_inside_a_graph() -> None:
    graph_store = InMemoryStore()

    def open_node(state: _State) -> _State:
        result = parse_tool_output(
            incident_create.invoke(
                {"title": "TLS certificate expired", "severity": "P1", "impact": "HTTPS down"}
            )
        )
        return {"incident_id": result.data["incident_id"]}

    graph = StateGraph(_State).add_node("open", open_node).add_edge(START, "open")
    final = graph.compile(store=graph_store).invoke({"incident_id": ""})
    incident_id = final["incident_id"]
    item = graph_store.get(INCIDENT_NAMESPACE, incident_id)
    assert item is not None
    assert item.value["title"] == "TLS certificate expired"
    # Not in the process-wide fallback store used outside graphs.
    assert incident_store().get(INCIDENT_NAMESPACE, incident_id) is None


# --------------------------------------------------------------------------- runbook


@pytest.mark.parametrize(
    ("symptom", "classes"),
    [
        ("502 errors from the load balancer", ["http_5xx"]),
        ("p99 latency doubled", ["latency"]),
        ("disk full on web-3", ["saturation"]),
        ("exceptions in logs after deploy", ["log_errors"]),
        ("TLS certificate expired", ["certificate"]),
        ("NXDOMAIN for api.example.com", ["dns"]),
        ("too many connections on postgres", ["database"]),
        ("slow queries on the replica", ["latency", "database"]),
        ("something smells odd", []),
    ],
)
def test_classify_symptom(symptom: str, classes: list[str]) -> None:
    catalog = load_symptom_catalog()
    assert [cls.key for cls in classify_symptom(symptom, catalog)] == classes


def test_symptom_catalog_covers_the_required_classes() -> None:
    keys = {cls.key for cls in load_symptom_catalog().classes}
    assert keys == {
        "http_5xx",
        "latency",
        "saturation",
        "log_errors",
        "certificate",
        "dns",
        "database",
    }


def test_runbook_sections_and_escalation() -> None:
    report = render_runbook("checkout-api", ["connection pool exhausted on postgres", "odd noise"])
    assert report.symptom_classes == ("database",)
    assert report.unclassified_symptoms == ("odd noise",)
    assert report.owners["database"] is not None
    assert report.owners["database"].name == "Database Administrator"
    md = report.markdown
    assert md.startswith("# Runbook: checkout-api\n")
    for heading in (
        "## 1. Triage",
        "### 1. Database (specialist: Database Administrator)",
        "### 2. General triage",
        "## 2. Escalation",
        "## 3. Rollback",
        "## 4. Verification",
        "## 5. Communication",
    ):
        assert heading in md
    assert "- 0-15 min: Site Reliability Engineer" in md
    assert "- 15-30 min: Systems Administrator" in md
    assert "- 30-60 min: Database Administrator (component owner)" in md
    assert "- 60+ min: Infrastructure Architect" in md
    assert "Hand-off daily at 09:00 UTC" in md
    assert "COMMANDER: Site Reliability Engineer" in md
    assert "{{" not in md
    assert scrub(md) == md


def test_runbook_tool_accepts_a_single_symptom_string() -> None:
    result = parse_tool_output(
        runbook.invoke({"service": "edge", "symptoms": "certificate expiring and DNS SERVFAIL"})
    )
    assert result.status == "success"
    assert result.data["symptom_classes"] == ["certificate", "dns"]
    assert "openssl s_client -connect edge:443 -servername edge" in result.data["markdown"]
    assert "- 30-60 min: Network Engineer (component owner)" in result.data["markdown"]
    assert result.summary == "Runbook for edge: certificate, dns."


@pytest.mark.parametrize(
    "arguments",
    [{"service": "", "symptoms": ["5xx"]}, {"service": "api", "symptoms": []}, {"service": "api"}],
)
def test_runbook_tool_errors(arguments: dict[str, Any]) -> None:
    result = parse_tool_output(runbook.invoke(arguments))
    assert result.status == "error"
    assert "runbook" in (result.error or "")
