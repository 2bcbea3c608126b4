"""The scripted chat model of the side-by-side benchmark, and what it records per call.

Every pattern in the comparison runs on this one model, so the figures differ only by
what each pattern sends and how it orchestrates. The model answers every call after a
fixed latency. A role agent makes one tool call (a real infra-team tool with fixed
arguments) and then gives its answer: the stage's structured output when one is bound,
else text. A supervisor hands off to the roles one by one; a deepagents host delegates
with ``task``, the three specialists in one parallel turn.

Each call records what a provider would be sent: the characters of every message (text
and tool-call arguments) and of every bound tool's JSON schema.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

ARCHITECT = "infrastructure-architect"
SPECIALISTS = ("systems-administrator", "network-engineer", "database-administrator")
AUTOMATION = "automation-engineer"
SRE = "site-reliability-engineer"
ROLES = (ARCHITECT, *SPECIALISTS, AUTOMATION, SRE)
"""The six roles of one team request, in the documented order."""
WAVES: tuple[tuple[str, ...], ...] = ((ARCHITECT,), SPECIALISTS, (AUTOMATION,), (SRE,))
"""The documented flow: the specialists work in parallel, the rest in sequence."""

SSHD = "PermitRootLogin no\nPasswordAuthentication no\nX11Forwarding no\nMaxAuthTries 3\n"
TOOL_CALLS: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    ARCHITECT: (
        (
            "capacity_plan",
            {"peak": 1200, "growth_rate": 0.05, "months": 12, "target_utilization": 0.7},
        ),
        ("availability_budget", {"slo_percent": 99.9}),
    ),
    "systems-administrator": (("audit_sshd_config", {"config_text": SSHD}),),
    "network-engineer": (("cidr_plan", {"vpc_cidr": "10.20.0.0/16", "subnet_prefixes": [24, 24]}),),
    "database-administrator": (
        ("backup_policy_check", {"schedule": "0 2 * * *", "retention": "14d", "rpo_minutes": 60}),
        (
            "replication_health",
            {"lag_samples_seconds": [2, 40, 95, 180], "threshold_seconds": 30},
        ),
    ),
    AUTOMATION: (
        ("iac_coverage", {"inventory": ["vm-db-1", "vm-db-2", "lb-1"], "managed": ["vm-db-1"]}),
    ),
    SRE: (
        (
            "error_budget",
            {"slo_percent": 99.9, "window_days": 30, "good_events": 999_000, "total_events": 1e6},
        ),
        ("oncall_now", {}),
    ),
}
"""Per role, the tools it may call (the first one bound is called) and their arguments."""

_FINDINGS = [
    "Capacity for twelve months at 5 % monthly growth needs four nodes at 70 % [tool].",
    "Backups run nightly with 14 days of retention; the 60-minute RPO is not met [tool].",
    "The sshd configuration passes the hardening checks [tool].",
]
_ACTIONS = [
    "Provision two database hosts and a hot standby after the change is approved.",
    "Enable continuous WAL archiving to meet the RPO.",
    "Codify the cluster in Terraform and the hardening in Ansible.",
]
_REPORT = {
    "summary": "Reviewed the part assigned to this role and checked it with the role's tool. "
    "The plan holds with the actions below.",
    "findings": _FINDINGS,
    "actions": _ACTIONS,
    "deliverable": '```hcl\nresource "aws_db_instance" "billing" {\n  engine = "postgres"\n'
    "  multi_az = true\n  backup_retention_period = 14\n}\n```\n",
}
ANSWERS: dict[str, dict[str, Any]] = {
    "ArchitectDesign": {
        "summary": "A two-node PostgreSQL cluster for billing with a hot standby, WAL "
        "archiving for point-in-time recovery, in a private subnet pair.",
        "design": "- Primary and hot standby, streaming replication\n- WAL archive to "
        "object storage, 14-day retention\n- Private subnets /24 in two zones\n"
        "- Capacity: four nodes' worth of headroom over twelve months",
        "assignments": [
            {"role": "systems-administrator", "task": "Provision and harden the two hosts."},
            {"role": "network-engineer", "task": "Plan the private subnets and firewall."},
            {"role": "database-administrator", "task": "Set up replication, backups and PITR."},
        ],
        "change_type": "New",
        "component": "Database",
        "justification": "Billing needs a resilient database with point-in-time recovery.",
        "timeline": "Two weeks",
        "impact": "None: a new service",
        "risks": ["Replication lag under load: alert on lag above 30 s."],
        "rollback_plan": "Decommission the new cluster; nothing else depends on it yet.",
    },
    "RoleReport": _REPORT,
    "TriageDecision": {
        "incident": "Checkout returns 502 for 40 % of requests.",
        "severity": "P2",
        "impact": "40 % of checkout requests fail.",
        "current_action": "Checking the database replica the checkout service reads from.",
        "eta": "30 minutes",
        "component": "database",
        "component_owner": "database-administrator",
        "resolved": False,
        "summary": "Major degradation of checkout; the database replica lags.",
        "findings": ["Primary on call: Site Reliability Engineer [tool: oncall_now]."],
    },
    "EscalationStep": {
        "resolved": False,
        "escalate_reason": "The fix needs an architecture decision on the replica topology.",
        "summary": "Replication lag grows; restarting the replica did not help.",
        "findings": ["Replication lag above the 30 s threshold [tool: replication_health]."],
        "actions": ["Escalate with the lag figures."],
    },
}
"""Each stage schema's structured answer (the intake decision is built per request)."""
TEXT_ANSWER = json.dumps(_REPORT)


@dataclass
class Call:
    """One model call as a provider would receive it."""

    agent: str
    start: float
    end: float
    input_chars: int
    schema_chars: int
    tools: tuple[str, ...]

    @property
    def total(self) -> int:
        return self.input_chars + self.schema_chars


@dataclass
class Recorder:
    """The model calls of one run."""

    calls: list[Call] = field(default_factory=list)

    def sequential(self) -> int:
        """The longest chain of calls each starting after the previous ended (greedy
        interval scheduling): the calls a run must wait for one after another."""
        chain, last_end = 0, float("-inf")
        for call in sorted(self.calls, key=lambda c: c.end):
            if call.start >= last_end:
                chain, last_end = chain + 1, call.end
        return chain


RECORDER: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar(
    "bench_recorder", default=None
)
_SCHEMAS: dict[int, tuple[object, dict[str, Any]]] = {}


def _openai(tool: object) -> dict[str, Any]:
    """A tool in the OpenAI format a provider sends (converted once per tool object)."""
    cached = _SCHEMAS.get(id(tool))
    if cached is None or cached[0] is not tool:
        spec = (
            tool if isinstance(tool, dict) and "function" in tool else convert_to_openai_tool(tool)
        )  # type: ignore[arg-type]
        cached = (tool, spec)
        _SCHEMAS[id(tool)] = cached
    return cached[1]


_SIZES: dict[int, tuple[object, tuple[str, int]]] = {}


def _schema(spec: dict[str, Any]) -> tuple[str, int]:
    """A bound tool's name and the characters of its JSON schema (measured once per
    schema object: the recording is the harness's cost, not the pattern's)."""
    cached = _SIZES.get(id(spec))
    if cached is None or cached[0] is not spec:
        cached = (spec, (spec["function"]["name"], len(json.dumps(spec))))
        _SIZES[id(spec)] = cached
    return cached[1]


def _message_chars(message: BaseMessage) -> int:
    text = message.content if isinstance(message.content, str) else json.dumps(message.content)
    calls = getattr(message, "tool_calls", None) or []
    return len(text) + sum(len(json.dumps(call["args"])) + len(call["name"]) for call in calls)


def _call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}


class ScriptedChatModel(BaseChatModel):
    """Answers after ``latency`` seconds, following the script in the module docstring."""

    latency: float = 0.0
    kind: str = "request"
    """What the intake decision says: ``request`` or ``incident``."""

    @property
    def _llm_type(self) -> str:
        return "bench-scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        """Like a provider's: the same model, bound to the tools (a ``RunnableBinding``)."""
        return self.bind(tools=[_openai(tool) for tool in tools])

    def _reply(self, messages: list[BaseMessage], agent: str, bound: tuple[Any, ...]) -> AIMessage:
        names = [_schema(tool)[0] for tool in bound]
        if any(name.startswith("transfer_to_") for name in names):
            return self._supervise(messages, names)
        if "task" in names:
            return self._delegate(messages)
        role = agent.split(".")[0]
        called = {m.name for m in messages if isinstance(m, ToolMessage)}
        for tool, args in TOOL_CALLS.get(role, ()):
            if tool in names:
                if tool in called:
                    break
                return AIMessage(content="", tool_calls=[_call(tool, args)])
        return self._answer(names, messages)

    def _answer(self, names: list[str], messages: list[BaseMessage]) -> AIMessage:
        if "IntakeDecision" in names:
            args = {"kind": self.kind, "reason": "Decided by the scripted benchmark model."}
            return AIMessage(content="", tool_calls=[_call("IntakeDecision", args)])
        for name, args in ANSWERS.items():
            if name in names:
                return AIMessage(content="", tool_calls=[_call(name, args)])
        return AIMessage(content=TEXT_ANSWER)

    def _supervise(self, messages: list[BaseMessage], names: list[str]) -> AIMessage:
        done = {
            call["name"]
            for m in messages
            if isinstance(m, AIMessage)
            for call in m.tool_calls
            if call["name"].startswith("transfer_to_")
        }
        for role in ROLES:
            tool = f"transfer_to_{role}"
            if tool in names and tool not in done:
                return AIMessage(content="", tool_calls=[_call(tool, {})])
        return AIMessage(content="The team delivered the design, the build and the monitoring.")

    def _delegate(self, messages: list[BaseMessage]) -> AIMessage:
        done = {
            call["args"].get("subagent_type")
            for m in messages
            if isinstance(m, AIMessage)
            for call in m.tool_calls
            if call["name"] == "task"
        }
        for wave in WAVES:
            if not done.issuperset(wave):
                calls = [
                    _call("task", {"description": f"Do the {role} part.", "subagent_type": role})
                    for role in wave
                ]
                return AIMessage(content="", tool_calls=calls)
        return AIMessage(content="The team delivered the design, the build and the monitoring.")

    def _record(
        self, messages: list[BaseMessage], agent: str, start: float, bound: tuple[Any, ...]
    ) -> None:
        recorder = RECORDER.get()
        if recorder is None:
            return
        schemas = [_schema(tool) for tool in bound]
        recorder.calls.append(
            Call(
                agent=agent,
                start=start,
                end=time.perf_counter(),
                input_chars=sum(_message_chars(m) for m in messages),
                schema_chars=sum(chars for _, chars in schemas),
                tools=tuple(name for name, _ in schemas),
            )
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        start = time.perf_counter()
        if self.latency:
            time.sleep(self.latency)
        agent, bound = _agent(run_manager), tuple(kwargs.get("tools", ()))
        reply = self._reply(messages, agent, bound)
        self._record(messages, agent, start, bound)
        return ChatResult(generations=[ChatGeneration(message=reply)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        start = time.perf_counter()
        if self.latency:
            await asyncio.sleep(self.latency)
        agent, bound = _agent(run_manager), tuple(kwargs.get("tools", ()))
        reply = self._reply(messages, agent, bound)
        self._record(messages, agent, start, bound)
        return ChatResult(generations=[ChatGeneration(message=reply)])


def _agent(run_manager: Any) -> str:
    """The calling agent's name (``create_agent`` puts it in the run's metadata)."""
    metadata = getattr(run_manager, "metadata", None) or {}
    return str(metadata.get("lc_agent_name") or metadata.get("langgraph_node") or "?")
