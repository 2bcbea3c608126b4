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
from infra_team.tools import get_tools, parse_tool_output

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


def test_dba_checks_backups_and_replication() -> None:
    run = run_stage("database-administrator", "implement", POSTGRES)
    assert [call["name"] for call in run.calls] == ["backup_policy_check", "replication_health"]
    backup = run.call("backup_policy_check")
    assert (backup["rpo_minutes"], backup["schedule"], backup["retention"]) == (5.0, 5.0, 14)
    assert run.call("replication_health")["threshold_seconds"] == 300.0
    report = run.output
    assert isinstance(report, RoleReport)
    assert "the backup policy meets the RPO" in report.summary
    assert "standby check reads healthy" in report.summary
    assert report.findings[0].startswith(
        "`backup_policy_check`: Backup policy meets the RPO of 5 min"
    )
    assert "archive_timeout = 300" in report.deliverable
    assert "| Restore points kept | 4032 |" in report.deliverable


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
    assert report.findings[0] == "`audit_sshd_config`: No findings; all 15 audited settings pass."
    assert report.findings[1].startswith("`audit_sshd_config`: 7 findings (1 high")
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
    assert "`firewall_audit`: 4 rules (iptables_save): no findings." in report.findings


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
    assert [call["name"] for call in run.calls] == [
        "iac_coverage",
        "ansible_check",
        "terraform_plan_review",
    ]
    assert run.call("terraform_plan_review") == {"plan_json": plan}
    assert run.call("iac_coverage")["inventory"] == [
        "compute/servers-hosts",
        "config/servers-sshd-baseline",
    ]
    report = run.output
    assert isinstance(report, RoleReport)
    assert "the Terraform plan destroys resources." in report.summary
    assert "`ansible_check`: Playbook OK: 1 play(s), 5 task(s), no findings." in report.findings
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
    assert [call["name"] for call in run.calls] == ["oncall_now", "error_budget", "runbook"]
    assert run.call("error_budget") == {
        "slo_percent": 99.9,
        "window_days": 30,
        "good_events": 6000,
        "total_events": 10000,
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
        "`error_budget`: 40 % of requests failing burns the 99.9 % SLO's error budget 400x "
        "faster than allowed (30-day budget exhausted)."
    ) in triage.findings
    assert triage.impact == "40 % of requests to checkout failing with HTTP 502."


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


def test_component_owner_resolves_within_its_remit() -> None:
    context = {"triage": {"severity": "P1"}, "rung": "component owner"}
    run = run_stage("network-engineer", "escalation", OUTAGE, context)
    step = run.output
    assert isinstance(step, EscalationStep)
    assert (step.resolved, step.escalate_reason) == (True, "")
    assert step.actions[0].startswith("Check target health and error counts on the load balancer")


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
