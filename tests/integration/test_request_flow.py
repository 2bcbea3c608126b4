"""The request flow: architect -> parallel specialists -> automation -> SRE -> gates."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver

from infra_team import build_graph, task
from tests.integration.conftest import team_script

TEAM_ORDER = [
    "infrastructure-architect",
    "database-administrator",
    "network-engineer",
    "automation-engineer",
    "site-reliability-engineer",
]


def test_request_flow_order_and_assignment():
    result = task("infrastructure-team", "New Postgres cluster for billing", model=team_script())
    assert result.status == "completed"
    assert result.kind == "request"
    assert result.engaged_roles == TEAM_ORDER
    assert result.assigned_roles == ["database-administrator", "network-engineer"]
    assert [gate.gate for gate in result.gates] == ["Change Approval", "Production Readiness"]
    change = result.gates[0]
    assert change.open_items == [
        "Maintenance window scheduled",
        "Stakeholders notified",
        "Monitoring prepared",  # the scripted SRE defined no alerts
    ]
    assert "proposed window" in result.report
    assert result.artifacts["change_request"].startswith("REQUEST: Infrastructure Change")
    assert "MAINTENANCE: Scheduled" in result.artifacts["maintenance_notification"]
    assert "## Database Administrator" in result.report


def test_specialists_fan_out_in_one_superstep():
    graph = build_graph(model=team_script(), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "fan-out"}, "recursion_limit": 40}
    graph.invoke({"description": "New Postgres cluster for billing"}, config)
    scheduled = [snapshot.next for snapshot in graph.get_state_history(config)]
    assert ("database-administrator", "network-engineer") in scheduled
    # the join: automation runs once, after both specialists
    assert scheduled.count(("automation-engineer",)) == 1


def test_each_specialist_gets_only_its_assignment_and_the_design():
    seen: list[dict] = []
    model = team_script()
    original = model.script

    def recording(messages, bound):
        from tests.fakes import brief_of

        seen.append(brief_of(messages))
        return original(messages, bound)

    task(
        "infrastructure-team",
        "New Postgres cluster",
        model=model.model_copy(update={"script": recording}),
    )
    implement = {b["role"]: b["context"] for b in seen if b["stage"] == "implement"}
    assert implement["network-engineer"]["assignment"] == "part for network-engineer"
    assert set(implement["network-engineer"]) == {"design", "assignment"}
    codify = next(b for b in seen if b["stage"] == "codify")
    assert set(codify["context"]["results"]) == {"Database Administrator", "Network Engineer"}


def test_no_specialist_assigned_goes_straight_to_automation():
    result = task("infrastructure-team", "Tag all resources", model=team_script(assign=()))
    assert result.engaged_roles == [
        "infrastructure-architect",
        "automation-engineer",
        "site-reliability-engineer",
    ]


def test_single_specialist_request_returns_its_deliverable():
    result = task("network-engineer", "Plan subnets for 10.20.0.0/16", model=team_script())
    assert result.engaged_roles == ["network-engineer"]
    assert result.assigned_roles == []
    assert result.status == "completed"


def test_architect_entry_keeps_its_outgoing_edges():
    result = task("infrastructure-architect", "New Postgres cluster", model=team_script())
    assert result.engaged_roles == TEAM_ORDER


def test_offline_engine_routes_a_postgres_request():
    result = task(
        "infrastructure-team", "New PostgreSQL cluster for billing with a hot standby and PITR"
    )
    assert result.status in {"completed", "interrupted"}
    assert result.kind == "request"
    assert "database-administrator" in result.assigned_roles
    assert result.engaged_roles[0] == "infrastructure-architect"
    assert result.engaged_roles[-1] == "site-reliability-engineer"
    assert "offline engine" in result.report
    assert result.model == "offline"


def _failing_specialists(model, text: str = ""):
    """Specialists answer ``text`` instead of their report (nothing at all by default)."""
    original = model.script

    def script(messages, bound):
        from langchain_core.messages import AIMessage

        from tests.fakes import brief_of

        if brief_of(messages)["stage"] == "implement":
            return AIMessage(content=text)
        return original(messages, bound)

    return model.model_copy(update={"script": script})


def test_parallel_specialist_failures_end_the_run_once():
    result = task(
        "infrastructure-team", "New Postgres cluster", model=_failing_specialists(team_script())
    )
    assert result.status == "failed"
    assert "Database Administrator" in (result.error or "")
    assert "Network Engineer" in (result.error or "")
    assert result.report.count("# Infrastructure Team") == 1
    assert "automation-engineer" not in result.engaged_roles


def test_specialists_answering_in_prose_keep_their_prose_unverified():
    model = _failing_specialists(team_script(), "Use two replicas; I would rather chat.")
    result = task("infrastructure-team", "New Postgres cluster", model=model)
    assert result.status in {"completed", "interrupted"}, result.error
    assert set(result.unstructured_roles) == {"database-administrator", "network-engineer"}
    assert result.report.count("Use two replicas; I would rather chat.") == 2
    assert "automation-engineer" in result.engaged_roles
    for gate in result.gates:
        assert gate.unverified == ["Database Administrator", "Network Engineer"]


def test_a_reused_thread_starts_each_task_afresh():
    model = team_script()
    incident = task(
        "infrastructure-team", "checkout 502 for 40% of requests", model=model, thread_id="reused"
    )
    assert incident.status == "interrupted"
    from infra_team import resume

    resume("reused", "approve", model=model)
    request = task("infrastructure-team", "New Postgres cluster", model=model, thread_id="reused")
    assert request.kind == "request"
    assert request.severity is None
    assert request.escalation_trail == []
    assert request.engaged_roles == TEAM_ORDER
    assert "> New Postgres cluster" in request.report


def test_a_host_reusing_its_thread_gets_the_new_request_answered():
    from langchain_core.messages import HumanMessage

    graph = build_graph(model=team_script(), checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "host"}, "recursion_limit": 40}
    graph.invoke({"messages": [HumanMessage("New Postgres cluster")]}, config)
    second = graph.invoke({"messages": [HumanMessage("Plan subnets for billing")]}, config)
    assert "> Plan subnets for billing" in second["messages"][-1].content
    assert second["engaged"].count("infrastructure-architect") == 1


def test_a_specialist_assigned_twice_runs_once_with_both_tasks():
    seen = []
    model = team_script(assign=("network-engineer", "network-engineer"))
    original = model.script

    def recording(messages, bound):
        from tests.fakes import brief_of

        brief = brief_of(messages)
        if brief["stage"] == "implement":
            seen.append(brief["context"]["assignment"])
        return original(messages, bound)

    result = task(
        "infrastructure-team", "New VPC", model=model.model_copy(update={"script": recording})
    )
    assert result.engaged_roles.count("network-engineer") == 1
    assert seen == ["part for network-engineer part for network-engineer"]


def test_a_failed_run_leaves_no_error_for_the_next_task_on_its_thread():
    failed = task(
        "infrastructure-team",
        "New Postgres cluster",
        model=_failing_specialists(team_script()),
        thread_id="after-failure",
    )
    assert failed.status == "failed"
    ok = task(
        "infrastructure-team",
        "New Postgres cluster",
        model=team_script(),
        thread_id="after-failure",
    )
    assert ok.status == "completed"
    assert ok.error is None

    def prose_at_intake(messages, bound):  # nothing readable: the run fails at intake
        from langchain_core.messages import AIMessage

        return AIMessage(content="")

    from tests.fakes import ScriptedChatModel

    again = task(
        "infrastructure-team",
        "New Postgres cluster",
        model=ScriptedChatModel(script=prose_at_intake),
        thread_id="after-failure",
    )
    assert again.status == "failed"
    assert "Infrastructure Team" in (again.error or "")
    assert "Database Administrator" not in (again.error or "")
