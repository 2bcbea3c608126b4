"""Scripted models for the host tests: a team that leaks internal IDs everywhere, a role
agent that calls one tool, and hosts that call tools in parallel."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from infra_team.graph._schemas import BRIEF_KEY
from infra_team.tools import parse_tool_output
from tests.fakes import ScriptedChatModel, brief_of, call, tool_turns

LEAK = " (INF-001, inf_005, ＩＮＦ－００４)"
"""What the scripted models append to their text: three spellings of internal IDs."""
SCRUBBED = " (Infrastructure Architect, Site Reliability Engineer, Database Administrator)"
"""``LEAK`` after scrubbing."""
REQUEST = "New Postgres cluster for billing with a hot standby"
INCIDENT = "Checkout returns 502 for 40% of users since 10:02 UTC"
OFFLINE_ESCALATION = (
    "Checkout returns 502 for 40% of users since 10:02 UTC after a failed database failover; "
    "orders written in the last hour show data loss and customers need a status update."
)
"""An incident the offline engine escalates to a person (data loss is a business decision)."""
REQUEST_ROLES = [
    "infrastructure-architect",
    "database-administrator",
    "network-engineer",
    "automation-engineer",
    "site-reliability-engineer",
]
INCIDENT_ROLES = ["site-reliability-engineer", "network-engineer", "infrastructure-architect"]
ERROR_BUDGET_ARGS = {
    "slo_percent": 99.9,
    "window_days": 30,
    "total_events": 1_000_000,
    "good_events": 999_600,
}
ERROR_BUDGET_SUMMARY = (
    "SLO 99.9% over 30 days: 400 of 1,000 allowed bad events used (60.0% left), burn rate 0.40."
)


def _stage_answer(brief: dict[str, Any]) -> AIMessage:
    """One stage of the supervisor graph: a request is designed and delivered, an incident
    is escalated rung by rung up to the human."""
    stage, role = brief["stage"], brief["role"]
    if stage == "intake":
        kind = "incident" if "502" in brief["request"] else "request"
        return call("IntakeDecision", {"kind": kind, "reason": f"scripted{LEAK}"}, "intake")
    if stage == "design":
        design = {
            "summary": f"Design{LEAK}",
            "design": "Two nodes with streaming replication",
            "assignments": [
                {"role": "database-administrator", "task": f"cluster{LEAK}"},
                {"role": "network-engineer", "task": "subnets"},
            ],
            "change_type": "New",
            "component": "Database",
            "justification": "billing growth",
            "timeline": "2 weeks",
            "impact": "none during the build",
            "risks": ["replication lag"],
            "rollback_plan": "destroy the new cluster",
        }
        return call("ArchitectDesign", design, "design")
    if stage in ("implement", "codify", "operate"):
        report = {
            "summary": f"{role} done{LEAK}",
            "findings": [],
            "actions": ["act"],
            "deliverable": "x",
        }
        return call("RoleReport", report, f"{role}-report")
    if stage == "triage":
        triage = {
            "incident": "checkout 502s",
            "severity": "P1",
            "impact": "40% of checkout requests fail",
            "current_action": "checking the load balancer",
            "eta": "30 min",
            "component": "load balancer",
            "component_owner": "network-engineer",
            "resolved": False,
            "summary": f"triaged{LEAK}",
            "findings": [],
        }
        return call("TriageDecision", triage, "triage")
    step = {
        "resolved": False,
        "escalate_reason": f"needs a decision{LEAK}",
        "summary": f"step{LEAK}",
        "findings": [],
        "actions": [],
    }
    return call("EscalationStep", step, "escalation")


def _role_answer(messages: list[BaseMessage]) -> AIMessage:
    """A role agent outside the graph (a deepagents subagent): one tool call, then an answer
    that quotes the tool summary between internal IDs."""
    done = tool_turns(messages)
    if not done:
        return call("error_budget", ERROR_BUDGET_ARGS, "budget")
    summary = parse_tool_output(done[-1].content).summary
    return AIMessage(content=f"INF-005 here: {summary} Hand off to inf_003 if needed.")


def _has_brief(messages: list[BaseMessage]) -> bool:
    return any(isinstance(m, HumanMessage) and BRIEF_KEY in m.additional_kwargs for m in messages)


def inner_script(messages: list[BaseMessage], bound: tuple[str, ...]) -> AIMessage:
    if _has_brief(messages):
        return _stage_answer(brief_of(messages))
    return _role_answer(messages)


def host_script(*calls: tuple[str, dict[str, Any]]) -> ScriptedChatModel:
    """A host model that makes all ``calls`` in its first turn, then says ``done``."""

    def script(messages: list[BaseMessage], bound: tuple[str, ...]) -> AIMessage:
        if any(isinstance(m, ToolMessage) for m in messages):
            return AIMessage(content="done")
        return AIMessage(
            content="",
            tool_calls=[
                {"name": name, "args": args, "id": f"call-{i}", "type": "tool_call"}
                for i, (name, args) in enumerate(calls)
            ],
        )

    return ScriptedChatModel(script=script)
