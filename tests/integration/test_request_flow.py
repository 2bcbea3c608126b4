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
