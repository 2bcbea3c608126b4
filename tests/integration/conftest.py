"""Scripted team models: each stage answers from the brief, optionally leaking internal IDs."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage

from tests.fakes import ScriptedChatModel, brief_of, call, tool_turns

LEAK = "INF-001"


def team_script(
    *,
    assign: tuple[str, ...] = ("database-administrator", "network-engineer"),
    change_type: str = "New",
    resolved_at: str | None = None,
    leak: bool = False,
    first_tools: dict[str, list[tuple[str, dict[str, Any]]]] | None = None,
) -> ScriptedChatModel:
    """A model that plays every role. ``resolved_at`` names the rung that resolves an
    incident (``on-call``, ``component owner``, ``architect``); ``first_tools`` maps a
    role to tool calls it makes before answering; ``leak`` puts internal IDs everywhere."""
    tag = f" ({LEAK}, inf_005, ＩＮＦ－００４)" if leak else ""

    def script(messages: list[BaseMessage], bound: tuple[str, ...]) -> AIMessage:
        brief = brief_of(messages)
        stage, role = brief["stage"], brief["role"]
        planned = (first_tools or {}).get(role, [])
        if planned and not tool_turns(messages) and stage != "intake":
            return AIMessage(
                content=f"Calling tools{tag}",
                tool_calls=[
                    {"name": name, "args": args, "id": f"{role}-{i}", "type": "tool_call"}
                    for i, (name, args) in enumerate(planned)
                ],
            )
        if stage == "intake":
            kind = "incident" if "502" in brief["request"] else "request"
            return call("IntakeDecision", {"kind": kind, "reason": f"scripted{tag}"}, "intake")
        if stage == "design":
            return call(
                "ArchitectDesign",
                {
                    "summary": f"Design{tag}",
                    "design": f"Two nodes{tag}",
                    "assignments": [{"role": r, "task": f"part for {r}{tag}"} for r in assign],
                    "change_type": change_type,
                    "component": "Database",
                    "justification": "billing growth",
                    "timeline": "2 weeks",
                    "impact": "none during build",
                    "risks": [f"replication lag{tag}"],
                    "rollback_plan": "destroy the new cluster",
                },
                "design",
            )
        if stage in ("implement", "codify", "operate"):
            return call(
                "RoleReport",
                {
                    "summary": f"{role} done{tag}",
                    "findings": [f"finding{tag}"],
                    "actions": ["act"],
                    "deliverable": f"artifact{tag}",
                },
                f"{role}-report",
            )
        if stage == "triage":
            return call(
                "TriageDecision",
                {
                    "incident": f"checkout 502s{tag}",
                    "severity": "P1",
                    "impact": "40% of checkout requests fail",
                    "current_action": "investigating the load balancer",
                    "eta": "30 min",
                    "component": "load balancer",
                    "component_owner": "network-engineer",
                    "resolved": resolved_at == "on-call",
                    "summary": f"triaged{tag}",
                    "findings": [f"5xx ratio 0.4{tag}"],
                },
                "triage",
            )
        if stage == "escalation":
            rung = brief["context"]["rung"]
            resolved = resolved_at == rung
            return call(
                "EscalationStep",
                {
                    "resolved": resolved,
                    "escalate_reason": "" if resolved else f"needs a decision{tag}",
                    "summary": f"{rung} step{tag}",
                    "findings": [],
                    "actions": [],
                },
                "escalation",
            )
        raise AssertionError(f"unexpected stage {stage}")

    return ScriptedChatModel(script=script)


@pytest.fixture
def sqlite_path(tmp_path):
    return tmp_path / "checkpoints.sqlite"
