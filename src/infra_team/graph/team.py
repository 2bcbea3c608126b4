"""The supervisor graph: one compiled StateGraph for the team entry and the six roles.

Edges are the seed's documented flows; models decide only what needs judgement.

Request flow: intake -> architect (design, assign) -> Send to each assigned specialist
in parallel -> join at automation engineer (codify) -> site reliability engineer (monitoring,
SLOs, runbooks) -> gates (Change Approval, Production Readiness), which also writes the
report.

Escalation path: intake -> SRE on-call (triage) -> resolved? report : component owner ->
resolved? report : architect -> resolved? report : human escalation (interrupt) -> report.

A single role enters at its own node and keeps its documented outgoing edges: the
architect's design still fans out to the specialists, a component owner who cannot
resolve an incident still escalates to the architect, and so on. A specialist, automation
or SRE request returns that role's deliverable through the gates.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langgraph._internal._runnable import RunnableCallable
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore
from langgraph.types import Overwrite, Send

from infra_team.approvals import ApprovalRequest, can_interrupt, request_decision
from infra_team.errors import ErrorCode, GraphBuildError, InvalidRequestError
from infra_team.graph import _artifacts
from infra_team.graph._callable import heard_callable
from infra_team.graph._progress import emit, node_events
from infra_team.graph._schemas import Stage, StageBrief
from infra_team.graph._stage_agent import StageAgents
from infra_team.graph._state import TeamState, shown_messages, shown_request
from infra_team.graph.role import (
    MODEL_CALL_LIMIT,
    RoleAgent,
    StageOutcome,
    arun_stage,
    build_role_agent,
    run_stage,
)
from infra_team.incident_record import record_incident
from infra_team.offline._routing import classify_kind, component_ownership
from infra_team.oncall import ON_CALL_POLICY, rung_after_triage
from infra_team.oncall import component_owner as policy_owner
from infra_team.registry import (
    SPECIALISTS,
    SUBAGENT_TYPES,
    TEAM,
    RoleType,
    display_name,
    registry,
)
from infra_team.roster import people_on_call
from infra_team.scrub import raw_request, scrub, scrub_obj
from infra_team.tools.analysers.incidents import incident_store

ARCHITECT = "infrastructure-architect"
SRE = "site-reliability-engineer"
AUTOMATION = "automation-engineer"
INTAKE, GATES, HUMAN, REPORT = "intake", "gates", "human-escalation", "report"
DEFAULT_OWNER = ON_CALL_POLICY.secondary
"""Owner when triage names none: the secondary on-call (seed "On-Call Rotation")."""

_STAGES: dict[str, tuple[Stage, ...]] = {
    TEAM: ("intake",),
    ARCHITECT: ("design", "escalation"),
    "systems-administrator": ("implement", "escalation"),
    "network-engineer": ("implement", "escalation"),
    "database-administrator": ("implement", "escalation"),
    AUTOMATION: ("codify",),
    SRE: ("operate", "triage"),
}

ModelMap = Mapping[str, BaseChatModel]


def _entry(state: TeamState) -> str:
    return state.get("subagent_type") or TEAM


def _description(state: TeamState) -> str:
    """The request as the state holds it (scrubbed): a human message that ends the
    conversation is a new request (a host reusing its thread); otherwise the
    ``description`` input. ``raw_request`` turns it back into what the user typed."""
    messages = state.get("messages", [])
    if messages and isinstance(messages[-1], HumanMessage):
        return str(messages[-1].text)
    return state.get("description", "")


class _RoleNode:
    """A graph node that runs one role's agent at the stage the state calls for."""

    def __init__(
        self,
        role: str,
        agents: Mapping[Stage, StageAgents[RoleAgent]],
        choose: Callable[[TeamState], tuple[Stage, dict[str, Any]]],
        finish: Callable[[TeamState, Stage, StageOutcome], dict[str, Any]],
    ) -> None:
        self.role, self.agents, self.choose, self.finish = role, agents, choose, finish

    def _brief(self, state: TeamState) -> tuple[Stage, StageBrief]:
        stage, context = self.choose(state)
        emit({"type": "role_started", "role": self.role, "stage": stage})
        # What the user typed goes to the role's model and tools; only the state is scrubbed.
        request = raw_request(_description(state))
        brief = StageBrief(stage=stage, role=self.role, request=request, context=context)
        return stage, brief

    def _done(self, state: TeamState, stage: Stage, outcome: StageOutcome) -> dict[str, Any]:
        emit({"type": "role_finished", "role": self.role, "stage": stage})
        update: dict[str, Any] = {
            "engaged": [self.role],
            "usage": {self.role: outcome.usage},
        }
        if outcome.output is None:
            update["error"] = (
                f"The {display_name(self.role)} gave no {stage} result: it wrote nothing "
                f"readable in its {MODEL_CALL_LIMIT} model calls."
            )
            return {**update, "tool_log": outcome.tool_log}
        if outcome.unstructured:
            update["unstructured"] = [self.role]
        # Scrubbed on the way into the state, so no host reading the state sees an ID. The
        # tool log is not scrubbed again: each entry is a tool's result as the tool wrapper
        # scrubbed it (``tools._base``), or only a tool's name and status (``tool_result``).
        finished = scrub_obj({**update, **self.finish(state, stage, outcome)})
        return {**finished, "tool_log": outcome.tool_log}

    def invoke(self, state: TeamState, config: RunnableConfig) -> dict[str, Any]:
        stage, brief = self._brief(state)
        with node_events():
            outcome = run_stage(self.agents[stage], brief, config)
        return self._done(state, stage, outcome)

    async def ainvoke(self, state: TeamState, config: RunnableConfig) -> dict[str, Any]:
        stage, brief = self._brief(state)
        with node_events():
            outcome = await arun_stage(self.agents[stage], brief, config)
        return self._done(state, stage, outcome)

    def runnable(self) -> Runnable[Any, Any]:
        """The node as a traced callable (its signature read once, not at every call as
        ``RunnableLambda`` does), traced only when heard (``graph._callable``)."""
        return heard_callable(self.invoke, self.ainvoke, name=self.role)


def _view(state: TeamState, fresh: dict[str, Any]) -> TeamState:
    """The state as the intake agent should see it: this run's request (``fresh`` holds it
    only when it differs from the state's ``description``)."""
    if "description" not in fresh:
        return state
    return cast(TeamState, {**state, "description": fresh["description"]})


def _merge_intake(
    state: TeamState, fresh: dict[str, Any], result: dict[str, Any]
) -> dict[str, Any]:
    """The reset per-run keys, then what intake itself found (its kind, or its error)."""
    merged = dict(fresh)
    for key, value in result.items():
        if key in _REDUCED:
            if value:
                merged[key] = Overwrite(value)
        elif key == "error" and value and "error" in state:
            # Replace the last run's error. (An Overwrite into a channel never written
            # would be stored as is, so only once the key exists.)
            merged[key] = Overwrite(value)
        else:
            merged[key] = value
    return merged


class _AutomationNode(_RoleNode):
    """The automation engineer, which in the request flow starts after the specialists'
    parallel step. Each specialist routes here (a node triggered several times in one step
    runs once), so a specialist's failure reaches this node: then it does not run, and its
    edge takes the run to the report."""

    def invoke(self, state: TeamState, config: RunnableConfig) -> dict[str, Any]:
        return {} if state.get("error") else super().invoke(state, config)

    async def ainvoke(self, state: TeamState, config: RunnableConfig) -> dict[str, Any]:
        return {} if state.get("error") else await super().ainvoke(state, config)


class _IntakeNode(_RoleNode):
    """Validates the entry, fixes the start time, then classifies request vs incident."""

    default_entry: str = TEAM

    def invoke(self, state: TeamState, config: RunnableConfig) -> dict[str, Any]:
        fresh = _intake_prepare(state, self.default_entry)
        return _merge_intake(state, fresh, super().invoke(_view(state, fresh), config))

    async def ainvoke(self, state: TeamState, config: RunnableConfig) -> dict[str, Any]:
        fresh = _intake_prepare(state, self.default_entry)
        return _merge_intake(state, fresh, await super().ainvoke(_view(state, fresh), config))


# --- what each role does at each stage -------------------------------------------------


def _intake_choose(state: TeamState) -> tuple[Stage, dict[str, Any]]:
    return "intake", {}


def _intake_finish(state: TeamState, stage: Stage, outcome: StageOutcome) -> dict[str, Any]:
    assert outcome.output is not None
    if outcome.unstructured:
        # No kind from the model: the offline engine's transparent rules classify instead.
        decision = classify_kind(_description(state))
        words = ", ".join(f"`{word}`" for word in decision.because) or "no decisive words"
        return {
            "kind": decision.value,
            "intake_reason": f"classified by rule ({words}); the model's answer was unstructured",
            "engaged": [],
            "unstructured": [],
        }
    return {
        "kind": outcome.output["kind"],
        "intake_reason": outcome.output["reason"],
        "engaged": [],  # classification is not a role's work
    }


def _architect_choose(state: TeamState) -> tuple[Stage, dict[str, Any]]:
    if state.get("kind") == "incident":
        return "escalation", _escalation_context(state, "architect", "human escalation")
    return "design", {}


def _specialist_choose(state: TeamState) -> tuple[Stage, dict[str, Any]]:
    if state.get("kind") == "incident":
        return "escalation", _escalation_context(state, "component owner", "architect")
    return "implement", {
        "design": state.get("design"),
        "assignment": raw_request(state.get("assignment") or _description(state)),
    }


def _automation_choose(state: TeamState) -> tuple[Stage, dict[str, Any]]:
    results = {display_name(role): report for role, report in state.get("results", {}).items()}
    return "codify", {"design": state.get("design"), "results": results}


def _sre_choose(state: TeamState) -> tuple[Stage, dict[str, Any]]:
    if state.get("kind") == "incident":
        return "triage", {}
    automation = state.get("results", {}).get(AUTOMATION)
    return "operate", {"design": state.get("design"), "automation": automation}


def _escalation_context(state: TeamState, rung: str, next_rung: str) -> dict[str, Any]:
    return {
        "triage": state.get("triage"),
        "trail": state.get("trail", []),
        "rung": rung,
        "next_rung": next_rung,
    }


def _trail_entry(role: str, rung: str, output: dict[str, Any]) -> dict[str, Any]:
    resolved = bool(output.get("resolved"))
    return {
        "role": role,
        "role_name": display_name(role),
        "rung": rung,
        "outcome": "resolved" if resolved else "escalated",
        "summary": output.get("summary", ""),
        "reason": output.get("escalate_reason", ""),
        "actions": list(output.get("actions", [])),
        "handoffs": list(output.get("handoffs", [])),
        "at": datetime.now(UTC).isoformat(),
    }


def _make_report_finish(role: str) -> Callable[[TeamState, Stage, StageOutcome], dict[str, Any]]:
    def finish(state: TeamState, stage: Stage, outcome: StageOutcome) -> dict[str, Any]:
        assert outcome.output is not None
        if stage == "escalation":
            rung = "architect" if role == ARCHITECT else "component owner"
            return {
                "trail": [_trail_entry(role, rung, outcome.output)],
                "resolved": bool(outcome.output["resolved"]),
            }
        if stage == "design":
            return {"design": outcome.output}
        if stage == "triage":
            owner = outcome.output.get("component_owner") or policy_owner(
                outcome.output.get("component", "")
            )
            if outcome.unstructured:  # no component from the model: the request's words
                owner = component_ownership(_description(state)).owner
            return {
                "triage": outcome.output,
                "component_owner": owner or DEFAULT_OWNER,
                "trail": [_trail_entry(role, "on-call", outcome.output)],
                "resolved": bool(outcome.output["resolved"]),
            }
        return {"results": {role: outcome.output}}

    return finish


# --- edges ------------------------------------------------------------------------------


def _route_intake(state: TeamState) -> str | list[Send]:
    if state.get("error"):
        return REPORT
    entry, kind = _entry(state), state.get("kind")
    if entry == TEAM:
        return ARCHITECT if kind == "request" else SRE
    if entry in SPECIALISTS and kind == "request":
        return [_send(entry, state, _description(state))]
    return entry


def _send(role: str, state: TeamState, assignment: str) -> Send:
    """A specialist's input: the request, the design and its own assignment, nothing else."""
    payload = {key: state[key] for key in _SEND_KEYS if key in state}  # type: ignore[literal-required]
    return Send(role, {**payload, "assignment": assignment})


_SEND_KEYS = ("subagent_type", "description", "started_at", "model", "kind", "design")


def assignments_by_role(design: dict[str, Any]) -> dict[str, str]:
    """Specialist -> its tasks; a specialist assigned twice runs once with both tasks."""
    tasks: dict[str, list[str]] = {}
    for item in design.get("assignments", []):
        if item["role"] in SPECIALISTS:
            tasks.setdefault(item["role"], []).append(item["task"])
    return {role: " ".join(parts) for role, parts in tasks.items()}


def _route_architect(state: TeamState) -> str | list[Send]:
    if state.get("error"):
        return REPORT
    if state.get("kind") == "incident":
        return REPORT if state.get("resolved") else HUMAN
    assigned = assignments_by_role(state.get("design", {}))
    return [_send(role, state, task) for role, task in assigned.items()] or AUTOMATION


def _route_specialist(state: TeamState) -> str:
    if state.get("kind") == "incident":
        return REPORT if state.get("error") or state.get("resolved") else ARCHITECT
    if _entry(state) in (TEAM, ARCHITECT):
        # Every assigned specialist routes here, even one that failed: they run in one
        # step, so automation runs once, after all of them (``_AutomationNode``).
        return AUTOMATION
    return REPORT if state.get("error") else GATES


def _route_automation(state: TeamState) -> str:
    if state.get("error"):
        return REPORT
    return SRE if _entry(state) in (TEAM, ARCHITECT) else GATES


def _route_sre(state: TeamState) -> str:
    if state.get("error"):
        return REPORT
    if state.get("kind") == "incident":
        if state.get("resolved"):
            return REPORT
        owner = cast("RoleType | None", state.get("component_owner"))
        return rung_after_triage(_artifacts.minutes_open_at_start(state), owner)
    return GATES


# --- deterministic nodes ----------------------------------------------------------------


def validate_request(subagent_type: str, description: str) -> str:
    """The request's text, stripped; raises for an unknown type or an empty description."""
    if subagent_type not in SUBAGENT_TYPES:
        valid = ", ".join(f"`{name}`" for name in SUBAGENT_TYPES)
        msg = f"unknown subagent type `{subagent_type}`; valid types: {valid}"
        raise InvalidRequestError(msg, code=ErrorCode.UNKNOWN_SUBAGENT_TYPE)
    text = (description or "").strip()
    if not text:
        msg = "the task description is empty; describe the request or the incident"
        raise InvalidRequestError(msg, code=ErrorCode.EMPTY_DESCRIPTION)
    return text


_FRESH: dict[str, Any] = {
    "kind": None,
    "intake_reason": "",
    "design": {},
    "assignment": "",
    "results": Overwrite({}),
    "engaged": Overwrite([]),
    "tool_log": Overwrite([]),
    "triage": {},
    "component_owner": None,
    "trail": Overwrite([]),
    "resolved": False,
    "decisions": Overwrite([]),
    "gates": [],
    "artifacts": {},
    "report": "",
    "error": None,
    "usage": Overwrite({}),
    "unstructured": Overwrite([]),
}
"""What every per-run key starts a task with (reducer keys through ``Overwrite``)."""
_REDUCED = {key for key, value in _FRESH.items() if isinstance(value, Overwrite)}


def _intake_prepare(state: TeamState, default_entry: str) -> dict[str, Any]:
    """Validate the entry, start every per-run key afresh (a thread may be reused) and fix
    the run's start time before any role runs.

    Only keys whose value differs from what the thread holds are written: every write is
    a checkpoint row, serialized and stored, and on a new thread most per-run keys are
    simply absent (readers take ``state.get``'s default, the same empty value)."""
    entry = state.get("subagent_type") or default_entry
    description = validate_request(entry, _description(state))
    wanted: dict[str, Any] = {
        **_FRESH,
        "subagent_type": entry,
        "description": description,  # already scrubbed: the state's reducers scrub on write
        "started_at": datetime.now(UTC).isoformat(),
    }
    return {key: value for key, value in wanted.items() if _differs(state, key, value)}


def _differs(state: TeamState, key: str, value: Any) -> bool:
    """Whether writing ``value`` changes what the thread holds at ``key``."""
    if key not in state:
        return key not in _FRESH  # an absent per-run key already reads as its fresh value
    held = cast(dict[str, Any], state)[key]
    return bool(held != (value.value if isinstance(value, Overwrite) else value))


def _gates_node(state: TeamState) -> dict[str, Any]:
    """Evaluate Change Approval and Production Readiness; pause for a person when the
    change is destructive (deletes, replacements, removals)."""
    decisions = list(state.get("decisions", []))
    new_decisions: list[dict[str, Any]] = []
    destructive = _artifacts.destructive_actions(state)
    undecided = not any(d.get("gate") == "Change Approval" for d in decisions)
    evaluated = _artifacts.evaluate_gates(state, decisions) if undecided else None
    change = evaluated[0] if evaluated else {}
    # An ordinary change pauses once a person's approval is all the gate still needs.
    ready = undecided and _artifacts.awaiting_approval(change) and can_interrupt()
    if (destructive and undecided) or ready:
        request = ApprovalRequest(
            kind="change_approval",
            gate="Change Approval",
            question="The plan holds destructive actions. Approve the change?"
            if destructive
            else "Every other Change Approval item is met. Approve the change and its "
            "maintenance window?",
            details={"destructive_actions": destructive, "open_items": change["open_items"]},
        )
        decision = request_decision(request)
        new_decisions.append(
            {"gate": "Change Approval", "approved": decision.approved, "comment": decision.comment}
        )
    if evaluated is None or new_decisions:  # else: the same state and decisions as above
        evaluated = _artifacts.evaluate_gates(state, decisions + new_decisions)
    return {"gates": evaluated, "decisions": new_decisions}


def _human_node(state: TeamState) -> dict[str, Any]:
    """Top of the escalation ladder: a major incident or a business decision."""
    last = (state.get("trail") or [{}])[-1]
    request = ApprovalRequest(
        kind="human_escalation",
        gate="Human escalation",
        question="Major incident or business decision: the team cannot resolve this alone. "
        "Take ownership (approve) or decline (reject), with a comment for the record.",
        details={
            "severity": (state.get("triage") or {}).get("severity"),
            "last_rung": last.get("role_name"),
            "reason": last.get("reason") or last.get("summary"),
        },
    )
    decision = request_decision(request)
    entry: dict[str, Any] = {
        "role": "human",
        "role_name": display_name("human"),
        "rung": "human",
        "outcome": "taken over" if decision.approved else "declined",
        "summary": decision.comment,
        "reason": "",
        "actions": [],
        "at": datetime.now(UTC).isoformat(),
    }
    return {
        "trail": [entry],
        "decisions": [
            {"gate": "Human escalation", "approved": decision.approved, "comment": decision.comment}
        ],
    }


def _report_node(state: TeamState) -> dict[str, Any]:
    on_call = people_on_call(state)  # named people (roster, PagerDuty) for an incident
    state = cast(TeamState, {**state, "on_call": on_call})
    artifacts = scrub_obj(_artifacts.render_artifacts(state))
    # A finished incident leaves its record (timeline, recovery time) and postmortem.
    record_incident(
        incident_store(),
        state,
        scrub_obj(_artifacts.incident_communication(state)),
        artifacts.get("postmortem"),
    )
    report = scrub(_artifacts.render_report(state, artifacts))
    return {
        "artifacts": artifacts,
        "report": report,
        "messages": [AIMessage(content=report)],
        "on_call": on_call,
    }


def _gated(report: Callable[[TeamState], dict[str, Any]]) -> Callable[[TeamState], dict[str, Any]]:
    """The gates node: the gates, then the report on the state they leave. One graph step
    (and one checkpoint) instead of two, as nothing runs between them; after a pause for
    Change Approval the node runs again from the start, and the gates evaluate the same."""

    def gates_then_report(state: TeamState) -> dict[str, Any]:
        gated = _gates_node(state)
        decisions = [*state.get("decisions", []), *gated["decisions"]]
        after = cast(TeamState, {**state, "gates": gated["gates"], "decisions": decisions})
        return {**report(after), **gated}

    return gates_then_report


def _report_only_node(state: TeamState) -> dict[str, Any]:
    """The report node of a graph whose caller reads ``report`` (the package's own entry
    points): without the report's copy as a message, which doubled the size of the
    run's last checkpoint."""
    update = _report_node(state)
    del update["messages"]
    return update


# --- build --------------------------------------------------------------------------------


def build_team_graph(
    models: ModelMap,
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    store: BaseStore | None = None,
    entry: str = TEAM,
    name: str = "infrastructure-team",
    report_message: bool = True,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Compile the supervisor graph. ``models`` maps each subagent type to its chat model;
    ``entry`` is the subagent type used when the input names none. With
    ``report_message`` the report is also the last message (what hosts that run the graph
    read); without, only the ``report`` key holds it."""
    specs = registry()
    missing = [role for role in _STAGES if role not in models]
    if missing:
        msg = f"no model for {', '.join(f'`{m}`' for m in missing)}; pass one per subagent type"
        raise GraphBuildError(msg)
    builder = StateGraph(TeamState)

    def agents(role: str) -> dict[Stage, StageAgents[RoleAgent]]:
        return {
            stage: build_role_agent(specs[role], models[role], stage) for stage in _STAGES[role]
        }

    if entry not in SUBAGENT_TYPES:
        valid = ", ".join(f"`{n}`" for n in SUBAGENT_TYPES)
        msg = f"unknown entry `{entry}`; valid: {valid}"
        raise GraphBuildError(msg)
    intake = _IntakeNode(TEAM, agents(TEAM), _intake_choose, _intake_finish)
    intake.default_entry = entry
    builder.add_node(INTAKE, intake.runnable())
    choosers = {ARCHITECT: _architect_choose, AUTOMATION: _automation_choose, SRE: _sre_choose}
    for role in (ARCHITECT, *SPECIALISTS, AUTOMATION, SRE):
        choose = choosers.get(role, _specialist_choose)
        kind = _AutomationNode if role == AUTOMATION else _RoleNode
        node = kind(role, agents(role), choose, _make_report_finish(role))
        builder.add_node(role, node.runnable())
    report = _report_node if report_message else _report_only_node
    builder.add_node(GATES, _report_runnable(_gated(report)))
    builder.add_node(HUMAN, _inline(_human_node, trace=False))
    builder.add_node(REPORT, _report_runnable(report))

    builder.add_edge(START, INTAKE)
    builder.add_conditional_edges(
        INTAKE, _inline(_route_intake), [ARCHITECT, *SPECIALISTS, AUTOMATION, SRE, REPORT]
    )
    builder.add_conditional_edges(
        ARCHITECT, _inline(_route_architect), [*SPECIALISTS, AUTOMATION, HUMAN, REPORT]
    )
    for specialist in SPECIALISTS:
        builder.add_conditional_edges(
            specialist, _inline(_route_specialist), [AUTOMATION, ARCHITECT, GATES, REPORT]
        )
    builder.add_conditional_edges(AUTOMATION, _inline(_route_automation), [SRE, GATES, REPORT])
    builder.add_conditional_edges(
        SRE, _inline(_route_sre), [*SPECIALISTS, ARCHITECT, GATES, REPORT]
    )
    builder.add_edge(GATES, END)
    builder.add_edge(HUMAN, REPORT)
    builder.add_edge(REPORT, END)
    try:
        graph = builder.compile(checkpointer=checkpointer, store=store, name=name)
    except ValueError as exc:
        msg = f"the supervisor graph is invalid: {exc}"
        raise GraphBuildError(msg) from exc
    # The state's reducers scrub the request, but LangGraph also keeps the start task's
    # writes (the input as given) in the input checkpoint, which ``get_state_history``
    # shows: scrub the input before the start task writes it.
    start = graph.nodes[START]
    shown = heard_callable(_shown_input, _ashown_input, name="_shown_input")
    graph.nodes[START] = start.copy({"writers": [shown, *start.writers]})
    return graph


def _inline(func: Callable[..., Any], *, trace: bool = True) -> Runnable[Any, Any]:
    """A deterministic node or edge that runs on the event loop's thread in async runs.

    LangGraph gives a plain function an async form that runs it in a worker thread (one
    thread-pool hop per node or edge, a dozen a run); these functions are quick, pure CPU
    work (or an ``interrupt``), so their async form calls them in place."""

    async def afunc(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    wrapped = functools.wraps(func)(afunc)
    if trace:  # an edge, traced as LangGraph traces edges: when heard (``graph._callable``)
        return heard_callable(func, wrapped, name=func.__name__)
    return RunnableCallable(func, wrapped, name=func.__name__, trace=False)


def _report_runnable(func: Callable[[TeamState], dict[str, Any]]) -> Runnable[Any, Any]:
    """A node that writes the report (the report node, the gates node): inline for a
    request (pure rendering); in a worker thread for an incident, whose report reads the
    on-call people (PagerDuty over HTTP) and writes the incident record to the run's
    store, which may be an async store that refuses synchronous calls on the event loop's
    thread."""

    async def afunc(state: TeamState) -> dict[str, Any]:
        if state.get("kind") == "incident":
            return await asyncio.to_thread(func, state)  # copies the run's context
        return func(state)

    return RunnableCallable(func, afunc, name=func.__name__, trace=False)


def _shown_input(value: Any) -> Any:
    """A graph input with its request scrubbed (the typed text remembered for the tools)."""
    if not isinstance(value, dict):
        return value  # a ``Command`` resuming a run
    shown = dict(value)
    if isinstance(shown.get("description"), str):
        shown["description"] = shown_request(None, shown["description"])
    if "messages" in shown:
        shown["messages"] = shown_messages([], shown["messages"])
    return shown


async def _ashown_input(value: Any) -> Any:
    return _shown_input(value)
