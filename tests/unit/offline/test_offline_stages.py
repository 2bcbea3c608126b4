"""Each stage, run through a real ``create_agent`` with the offline engine and the role's
real tools, returns a schema-valid output built from the tools' results."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ToolStrategy
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from pydantic import BaseModel

from infra_team.graph._schemas import (
    BRIEF_KEY,
    STAGE_SCHEMAS,
    ArchitectDesign,
    EscalationStep,
    IntakeDecision,
    RoleReport,
    Stage,
    StageBrief,
    TriageDecision,
)
from infra_team.offline import OfflineChatModel
from infra_team.offline._templates import OFFLINE_MARKER, OFFLINE_NOTE
from infra_team.registry import INTERNAL_IDS
from infra_team.tools import parse_tool_output
from infra_team.toolsets import get_tools

POSTGRES = (
    "We need a new PostgreSQL cluster with a hot standby and PITR for the orders service, RTO 1h."
)
OUTAGE = "checkout returns 502 for 40 % of requests"
_ID_PATTERN = re.compile(r"inf[\s\-_]*0*\d", re.IGNORECASE)


class Run:
    """One stage run: the agent's messages and its structured response."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.messages = result["messages"]
        self.output: BaseModel = result["structured_response"]

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The role-tool calls, in order (the schema call left out)."""
        first = next(m for m in self.messages if isinstance(m, AIMessage))
        return [dict(call) for call in first.tool_calls if call["name"] not in _SCHEMA_NAMES]

    def call(self, name: str) -> dict[str, Any]:
        return next(call["args"] for call in self.calls if call["name"] == name)

    def result(self, name: str) -> dict[str, Any]:
        message = next(m for m in self.messages if isinstance(m, ToolMessage) and m.name == name)
        return parse_tool_output(message.content).model_dump()


_SCHEMA_NAMES = {schema.__name__ for schema in STAGE_SCHEMAS.values()}


def run_stage(role: str, stage: Stage, request: str, context: dict[str, Any] | None = None) -> Run:
    tools = [] if stage == "intake" else get_tools(role)
    agent = create_agent(
        OfflineChatModel(), tools, response_format=ToolStrategy(STAGE_SCHEMAS[stage])
    )
    brief = StageBrief(stage=stage, role=role, request=request, context=context or {})
    message = HumanMessage(
        content=request, additional_kwargs={BRIEF_KEY: brief.model_dump(mode="json")}
    )
    return Run(agent.invoke({"messages": [message]}))


def _text(output: BaseModel) -> str:
    return json.dumps(output.model_dump(mode="json"), ensure_ascii=False)


# --- intake ----------------------------------------------------------------------------


@pytest.mark.parametrize(("request_text", "kind"), [(OUTAGE, "incident"), (POSTGRES, "request")])
def test_intake(request_text: str, kind: str) -> None:
    run = run_stage("infrastructure-team", "intake", request_text)
    assert isinstance(run.output, IntakeDecision)
    assert run.output.kind == kind
    assert run.output.reason.startswith("Offline engine rule:")
    assert run.calls == []


# --- design ----------------------------------------------------------------------------


def test_design_for_postgres_cluster() -> None:
    run = run_stage("infrastructure-architect", "design", POSTGRES)
    design = run.output
    assert isinstance(design, ArchitectDesign)
    assert [call["name"] for call in run.calls] == ["dr_strategy", "availability_budget"]
    assert run.call("dr_strategy") == {"rpo_minutes": 5.0, "rto_minutes": 60.0}
    assert run.call("availability_budget") == {"slo_percent": 99.9}
    assert [a.role for a in design.assignments] == [
        "systems-administrator",
        "network-engineer",
        "database-administrator",
    ]
    assert (design.change_type, design.component) == ("New", "Database")
    assert run.result("dr_strategy")["data"]["label"] == "Warm standby"
    assert "**Warm standby** for RPO 5 min and RTO 60 min (`dr_strategy`)" in design.design
    assert "- month_30d: 43m 12s" in design.design
    assert "RPO 5 min from PITR" in design.design
    assert "port 5432" in design.assignments[1].task
    assert design.rollback_plan.startswith("Remove the new resources")
    assert OFFLINE_NOTE in design.summary
    assert OFFLINE_MARKER in design.design


def test_design_sizes_capacity_from_rps_and_growth() -> None:
    run = run_stage(
        "infrastructure-architect",
        "design",
        "Design a new web tier on VMs for 1200 rps with 40% growth per year, SLO 99.95%",
    )
    args = run.call("capacity_plan")
    assert (args["peak"], args["months"], args["target_utilization"]) == (1200.0, 12, 0.7)
    assert args["growth_rate"] == pytest.approx(1.4 ** (1 / 12) - 1)
    assert run.call("availability_budget") == {"slo_percent": 99.95}
    design = run.output
    assert isinstance(design, ArchitectDesign)
    assert "reaches 1680; provision 2400 to stay at 70 % utilisation" in design.design
    assert "Target 99.95 %" in design.design


# --- implement -------------------------------------------------------------------------


def test_dba_checks_the_proposed_backup_policy_and_measures_nothing() -> None:
    run = run_stage("database-administrator", "implement", POSTGRES)
    assert [call["name"] for call in run.calls] == ["backup_policy_check"]
    backup = run.call("backup_policy_check")
    assert backup == {"schedule": 5.0, "retention": 14, "rpo_minutes": 5.0}
    report = run.output
    assert isinstance(report, RoleReport)
    assert report.summary.startswith(
        "Planned PostgreSQL for RPO 5 min and RTO 60 min; the proposed backup policy meets "
        "the RPO on paper (no backup history checked). Replica lag not measured: alert when it "
        "exceeds 60 s (none stated: PostgreSQL's default wal_receiver_timeout)."
    )
    assert report.findings == [
        "`backup_policy_check` (proposed policy): Proposed backup policy meets the RPO of 5 min "
        "on paper (0 findings; schedule every 5 min, retention 14 days); no backup history "
        "checked."
    ]
    assert "### Proposed backup policy (`backup_policy_check`)" in report.deliverable
    assert "| Meets the RPO | yes (on paper) |" in report.deliverable
    assert "| Backup history | not checked: none given;" in report.deliverable
    assert "Not measured: the request gives no lag values." in report.deliverable
    assert "exceeds 60 s for 5 minutes" in report.deliverable
    assert "above" not in report.deliverable
    assert "archive_timeout = 300" in report.deliverable
    assert "| Restore points kept | 4032 |" in report.deliverable
    assert "healthy" not in report.summary + report.deliverable


def test_dba_checks_replication_on_the_lag_the_request_states() -> None:
    run = run_stage("database-administrator", "implement", f"{POSTGRES} Replica lag 2s, 4s, 400s.")
    assert run.call("replication_health") == {
        "lag_samples_seconds": [2.0, 4.0, 400.0],
        "threshold_seconds": 60.0,
    }
    report = run.output
    assert isinstance(report, RoleReport)
    assert (
        "The replica lag stated in the request reads falling behind against 60 s." in report.summary
    )
    assert report.findings[1].startswith("`replication_health` (lag values in the request): ")
    assert "### Replication (`replication_health` on the lag values in the request)" in (
        report.deliverable
    )


def test_dba_tunes_a_query_without_a_backup_check() -> None:
    plan = [{"Plan": {"Node Type": "Seq Scan", "Relation Name": "orders", "Plan Rows": 500000,
                      "Total Cost": 9000.0, "Filter": "(customer_id = 42)"}}]  # fmt: skip
    run = run_stage(
        "database-administrator", "implement", f"Why is this query slow? {json.dumps(plan)}"
    )
    assert [call["name"] for call in run.calls] == ["analyze_query_plan"]
    report = run.output
    assert isinstance(report, RoleReport)
    assert report.summary.startswith("Reviewed the query plan. The query plan shows 2 finding(s).")
    assert "CREATE INDEX CONCURRENTLY ON orders (customer_id);" in report.actions
    assert "### Backup policy" not in report.deliverable


def test_sysadmin_audits_its_baseline_and_the_given_config() -> None:
    request = "Harden our web servers. Current sshd_config:\nPermitRootLogin yes\nPasswordAuthentication yes\n"
    run = run_stage("systems-administrator", "implement", request)
    audits = [call for call in run.calls if call["name"] == "audit_sshd_config"]
    assert len(audits) == 2
    assert "PermitRootLogin no" in audits[0]["args"]["config_text"]
    report = run.output
    assert isinstance(report, RoleReport)
    assert report.findings[0] == (
        "`audit_sshd_config` (proposed baseline): No findings; all 15 audited settings pass."
    )
    assert report.findings[1].startswith(
        "`audit_sshd_config` (sshd_config in the request): 7 findings (1 high"
    )
    assert "| PermitRootLogin | high |" in report.deliverable
    assert "The sshd_config in the request has 7 findings to fix." in report.summary


def test_network_plans_tiers_for_a_database_design() -> None:
    context = {
        "design": {
            "assignments": [{"role": "network-engineer"}, {"role": "database-administrator"}]
        },
        "assignment": "Plan the network",
    }
    run = run_stage("network-engineer", "implement", POSTGRES, context)
    assert run.call("cidr_plan") == {"vpc_cidr": "10.0.0.0/16", "subnet_prefixes": [24, 24, 24]}
    assert "--dport 5432" in run.call("firewall_audit")["rules"]
    report = run.output
    assert isinstance(report, RoleReport)
    assert "| data | 10.0.2.0/24 | 251 |" in report.deliverable
    assert "`firewall_audit` (proposed rules): 4 rules (iptables_save): no findings." in (
        report.findings
    )
    assert "### Firewall rules (proposed)" in report.deliverable


def test_network_uses_the_requested_cidr() -> None:
    run = run_stage("network-engineer", "implement", "Create a VPC 10.20.0.0/16 with subnets")
    assert run.call("cidr_plan") == {"vpc_cidr": "10.20.0.0/16", "subnet_prefixes": [24, 24]}


# --- codify ----------------------------------------------------------------------------


def test_automation_codifies_and_reviews_a_plan() -> None:
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {"address": "aws_instance.old", "mode": "managed", "type": "aws_instance", "name": "old",
             "change": {"actions": ["delete"]}},
        ],
    }  # fmt: skip
    request = f"Codify the new hosts. terraform show -json output:\n{json.dumps(plan)}"
    context = {"design": {"assignments": [{"role": "systems-administrator"}]}}
    run = run_stage("automation-engineer", "codify", request, context)
    assert [call["name"] for call in run.calls] == ["ansible_check", "terraform_plan_review"]
    assert run.call("terraform_plan_review") == {"plan_json": plan}
    report = run.output
    assert isinstance(report, RoleReport)
    assert report.summary.startswith(
        "Proposed the IaC inventory (2 resources to declare in Terraform) and a hardening "
        "playbook (`ansible_check`: 0 findings); the Terraform plan destroys resources."
    )
    assert "- `compute/servers-hosts`\n- `config/servers-sshd-baseline`" in report.deliverable
    assert "IaC coverage is not measured here" in report.deliverable
    assert "coverage 100" not in report.deliverable.lower() + report.summary.lower()
    assert (
        "`ansible_check` (proposed playbook): Playbook OK: 1 play(s), 5 task(s), no findings."
        in report.findings
    )
    assert "Destructive: aws_instance.old; needs Change Approval." in report.deliverable


# --- operate ---------------------------------------------------------------------------


def test_sre_defines_slo_alerts_and_runbook() -> None:
    run = run_stage("site-reliability-engineer", "operate", POSTGRES)
    assert [call["name"] for call in run.calls] == ["burn_rate_alerts", "runbook"]
    assert run.call("burn_rate_alerts") == {
        "slo_percent": 99.9,
        "service": "orders",
        "window_days": 30,
    }
    report = run.output
    assert isinstance(report, RoleReport)
    assert "| OrdersErrorBudgetBurnPage1h | page | 1h/5m | 14.4 | 0.0144 |" in report.deliverable
    assert "# Runbook: orders" in report.deliverable


# --- triage ----------------------------------------------------------------------------


def test_triage_of_a_502_outage() -> None:
    run = run_stage("site-reliability-engineer", "triage", OUTAGE)
    assert [call["name"] for call in run.calls] == ["oncall_now", "burn_rate_alerts", "runbook"]
    assert run.call("burn_rate_alerts") == {
        "slo_percent": 99.9,
        "service": "checkout",
        "window_days": 30,
    }
    assert run.call("runbook") == {
        "service": "checkout",
        "symptoms": ["checkout returns 502 for 40 % of requests", "HTTP 502 errors"],
    }
    triage = run.output
    assert isinstance(triage, TriageDecision)
    assert (triage.severity, triage.component, triage.component_owner) == (
        "P1",
        "load balancer",
        "network-engineer",
    )
    assert triage.resolved is False
    assert "gateway error, most often raised at the load balancer" in " ".join(triage.findings)
    assert (
        "`burn_rate_alerts`: the stated 40 % of requests failing (error ratio 0.4) is above the "
        "14.4x page threshold 0.0144 (1h/5m): pages now: burn rate 400x = 0.4 / (1 - 0.999) "
        '(SRE Workbook ch. 5, "Alerting on SLOs"); also above 6x page (0.006, 6h/30m) and 1x '
        "ticket (0.001, 3d/6h)."
    ) in triage.findings
    assert "`runbook`: Runbook for checkout: http_5xx." in triage.findings
    assert triage.impact == "40 % of requests to checkout failing with HTTP 502."
    assert "error_budget" not in _text(triage)
    assert "the offline engine cannot confirm a fix" in triage.summary


def test_triage_spends_the_error_budget_of_stated_counts() -> None:
    run = run_stage(
        "site-reliability-engineer",
        "triage",
        "checkout returns 502: 1,200 of 50,000 requests failed",
    )
    assert run.call("error_budget") == {
        "slo_percent": 99.9,
        "window_days": 30,
        "good_events": 48800,
        "total_events": 50000,
    }
    triage = run.output
    assert isinstance(triage, TriageDecision)
    assert (
        "`error_budget` (counts in the request): 1,200 bad of 50,000 events (2.4 %) burn the "
        "99.9 % SLO's error budget at 24x; they used 2400 % of the 50 bad events their own "
        "budget allows."
    ) in triage.findings


def test_triage_of_a_share_below_every_threshold() -> None:
    run = run_stage(
        "site-reliability-engineer", "triage", "search returns 503 for 0.05% of requests, SLO 99.9%"
    )
    triage = run.output
    assert isinstance(triage, TriageDecision)
    line = next(f for f in triage.findings if f.startswith("`burn_rate_alerts`"))
    assert line == (
        "`burn_rate_alerts`: the stated 0.05 % of requests failing (error ratio 0.0005) is "
        "below every alert threshold (lowest: 1x ticket threshold 0.001 (3d/6h)): no alert; "
        'burn rate 0.5x = 0.0005 / (1 - 0.999) (SRE Workbook ch. 5, "Alerting on SLOs").'
    )


def test_triage_calls_write_tools_only_when_asked() -> None:
    request = f"{OUTAGE}. Open a status page incident and page the on-call."
    agent = create_agent(
        OfflineChatModel(),
        get_tools("site-reliability-engineer"),
        response_format=ToolStrategy(TriageDecision),
        checkpointer=InMemorySaver(),
    )
    brief = StageBrief(stage="triage", role="site-reliability-engineer", request=request)
    message = HumanMessage(
        content=request, additional_kwargs={BRIEF_KEY: brief.model_dump(mode="json")}
    )
    config: RunnableConfig = {"configurable": {"thread_id": "writes"}}
    paused = agent.invoke({"messages": [message]}, config)
    asked = sorted(i.value["details"]["tool"] for i in paused["__interrupt__"])
    assert asked == ["create_statuspage_incident", "pagerduty_event"]
    calls = {c["name"]: c["args"] for c in paused["messages"][1].tool_calls}
    assert calls["pagerduty_event"]["severity"] == "critical"
    assert calls["create_statuspage_incident"]["impact_override"] == "critical"
    answers = {i.id: {"approved": False} for i in paused["__interrupt__"]}
    run = Run(agent.invoke(Command(resume=answers), config))
    assert run.result("pagerduty_event")["status"] == "rejected"
    triage = run.output
    assert isinstance(triage, TriageDecision)
    assert (
        "`create_statuspage_incident` did not run: Change Approval rejected it." in triage.findings
    )


def test_triage_writes_nothing_unasked() -> None:
    run = run_stage("site-reliability-engineer", "triage", OUTAGE)
    writes = {
        "pagerduty_event",
        "create_statuspage_incident",
        "create_grafana_annotation",
        "create_alertmanager_silence",
    }
    assert not writes & {call["name"] for call in run.calls}


def test_triage_reports_recovery() -> None:
    run = run_stage(
        "site-reliability-engineer", "triage", "checkout returned 502 but has recovered"
    )
    triage = run.output
    assert isinstance(triage, TriageDecision)
    assert (triage.resolved, triage.component_owner, triage.eta) == (True, None, "Resolved.")


# --- escalation ------------------------------------------------------------------------


def test_component_owner_cannot_confirm_a_fix_and_escalates() -> None:
    context = {"triage": {"severity": "P1"}, "rung": "component owner", "next_rung": "architect"}
    run = run_stage("network-engineer", "escalation", OUTAGE, context)
    step = run.output
    assert isinstance(step, EscalationStep)
    assert (step.resolved, step.escalate_reason) == (
        False,
        "The offline engine cannot confirm a fix; the next rung (architect) decides.",
    )
    assert step.summary.startswith(
        "The Network Engineer proposes checks and remediation for the load balancer (see its "
        "actions) but does not close the incident at this rung."
    )
    assert step.actions[0].startswith("Check target health and error counts on the load balancer")
    assert step.actions[-1].startswith("Hand over to the next rung")


def test_component_owner_closes_a_reported_recovery() -> None:
    context = {"triage": {"severity": "P1"}, "rung": "component owner"}
    run = run_stage(
        "network-engineer", "escalation", "checkout returned 502 but is back to normal", context
    )
    step = run.output
    assert isinstance(step, EscalationStep)
    assert (step.resolved, step.escalate_reason) == (True, "")
    assert step.summary.startswith("The request reports that the service recovered")
    assert step.actions[-1].startswith("Document the fix and close the incident")


def test_reported_recovery_still_hands_up_a_decision() -> None:
    context = {"triage": {"severity": "P1"}, "rung": "architect"}
    run = run_stage(
        "infrastructure-architect",
        "escalation",
        "checkout has recovered; orders show data loss",
        context,
    )
    step = run.output
    assert isinstance(step, EscalationStep)
    assert step.resolved is False
    assert step.escalate_reason == ("Business decision needed: data loss. A person must decide.")


def test_architect_without_a_decision_still_hands_to_a_person() -> None:
    run = run_stage(
        "infrastructure-architect", "escalation", OUTAGE, {"triage": {"severity": "P1"}}
    )
    step = run.output
    assert isinstance(step, EscalationStep)
    assert (step.resolved, step.escalate_reason) == (
        False,
        "The offline engine cannot confirm a fix; the next rung (human escalation) decides.",
    )
    assert "Assumed: Availability 99.9 %: the team KPI (none stated)." in step.findings


def test_component_owner_escalates_an_architecture_decision() -> None:
    context = {"triage": {"severity": "P1"}, "rung": "component owner"}
    run = run_stage(
        "network-engineer", "escalation", f"{OUTAGE}; we need capacity in another region", context
    )
    step = run.output
    assert isinstance(step, EscalationStep)
    assert step.resolved is False
    assert (
        step.escalate_reason
        == "Architecture decision needed: the incident mentions `capacity`, `region`."
    )


def test_architect_sends_a_long_p1_to_a_person() -> None:
    request = "checkout is down for 75 minutes"
    run = run_stage(
        "infrastructure-architect", "escalation", request, {"triage": {"severity": "P1"}}
    )
    assert run.call("availability_budget") == {"slo_percent": 99.9}
    step = run.output
    assert isinstance(step, EscalationStep)
    assert step.resolved is False
    assert step.escalate_reason == (
        "Business decision needed: P1 outage for 75 minutes (over 60). A person must decide."
    )
    assert (
        "`availability_budget`: the 75-minute incident against 43m 12s of allowed downtime "
        "per 30-day month at 99.9 %."
    ) in step.findings


# --- properties of every stage ---------------------------------------------------------

ALL_STAGES: list[tuple[str, Stage, str]] = [
    ("infrastructure-team", "intake", OUTAGE),
    ("infrastructure-architect", "design", POSTGRES),
    ("systems-administrator", "implement", POSTGRES),
    ("network-engineer", "implement", POSTGRES),
    ("database-administrator", "implement", POSTGRES),
    ("automation-engineer", "codify", POSTGRES),
    ("site-reliability-engineer", "operate", POSTGRES),
    ("site-reliability-engineer", "triage", OUTAGE),
    ("database-administrator", "escalation", OUTAGE),
    ("infrastructure-architect", "escalation", OUTAGE),
]


@pytest.mark.parametrize(("role", "stage", "request_text"), ALL_STAGES)
def test_output_validates_and_is_marked(role: str, stage: Stage, request_text: str) -> None:
    run = run_stage(role, stage, request_text)
    schema = STAGE_SCHEMAS[stage]
    assert schema.model_validate(run.output.model_dump()) == run.output
    text = _text(run.output)
    assert "offline engine" in text.lower()


@pytest.mark.parametrize(("role", "stage", "request_text"), ALL_STAGES)
def test_deterministic(role: str, stage: Stage, request_text: str) -> None:
    first, second = run_stage(role, stage, request_text), run_stage(role, stage, request_text)
    assert _text(first.output) == _text(second.output)
    ai_first = [(m.id, m.content, m.tool_calls) for m in first.messages if isinstance(m, AIMessage)]
    ai_second = [
        (m.id, m.content, m.tool_calls) for m in second.messages if isinstance(m, AIMessage)
    ]
    assert ai_first == ai_second


@pytest.mark.parametrize(("role", "stage", "request_text"), ALL_STAGES)
def test_no_internal_ids(role: str, stage: Stage, request_text: str) -> None:
    run = run_stage(role, stage, request_text)
    written = [m for m in run.messages if isinstance(m, AIMessage)]
    text = _text(run.output) + json.dumps([[m.content, m.tool_calls] for m in written], default=str)
    assert _ID_PATTERN.findall(text) == []
    assert not any(key in text for key in INTERNAL_IDS)


def test_planned_tools_go_out_in_one_message() -> None:
    run = run_stage("site-reliability-engineer", "triage", OUTAGE)
    ai = [m for m in run.messages if isinstance(m, AIMessage)]
    assert len(ai) == 2
    assert len(ai[0].tool_calls) == 3
    assert [call["name"] for call in ai[1].tool_calls] == ["TriageDecision"]
