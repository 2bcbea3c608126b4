"""Cross-team hand-offs: the role's structured answer decides them, the run records them."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage

from infra_team import task
from tests.fakes import ScriptedChatModel, brief_of, call
from tests.integration.conftest import team_script

SSH_BREACH = "Security breach: unauthorized root SSH logins on bastion-1 since 03:10"
DB_RELEASE = "Release 4.2 of the billing app broke the orders database: every insert fails"

TO_SECURITY = {
    "team": "Security",
    "reason": "root logins from an unknown address are a security incident",
    "handed_over": "auth.log excerpts and the source addresses of the root sessions",
    "expected_back": "forensic verdict and whether the keys must be rotated",
}
TO_DEVELOPMENT = {
    "team": "Development",
    "reason": "the release's migration dropped a column the inserts need",
    "handed_over": "the failing INSERT and the migration that changed the schema",
    "expected_back": "a fixed release or a rollback of 4.2",
}


def scripted(
    kind: str,
    handoffs: dict[tuple[str, str], list[dict[str, Any]]],
    *,
    resolved_at: str | None = None,
    owner: str | None = None,
) -> ScriptedChatModel:
    """The team script, classifying as ``kind`` and adding ``handoffs`` to the structured
    answer of the given (role, stage)."""
    base = team_script(resolved_at=resolved_at, assign=("database-administrator",))

    def script(messages: list[BaseMessage], bound: tuple[str, ...]) -> AIMessage:
        brief = brief_of(messages)
        if brief["stage"] == "intake":
            return call("IntakeDecision", {"kind": kind, "reason": "scripted"}, "intake")
        message = base.script(messages, bound)
        if not message.tool_calls:
            return message
        first = message.tool_calls[0]
        args = dict(first["args"])
        if owner and brief["stage"] == "triage":
            args |= {"component": "database", "component_owner": owner}
        extra = handoffs.get((brief["role"], brief["stage"]))
        if extra:
            args["handoffs"] = extra
        return call(first["name"], args, str(first["id"]))

    return ScriptedChatModel(script=script)


def test_security_incident_hands_off_to_security():
    model = scripted(
        "incident", {("site-reliability-engineer", "triage"): [TO_SECURITY]}, resolved_at="on-call"
    )
    result = task("infrastructure-team", SSH_BREACH, model=model)
    assert result.status == "completed"
    assert [h.team for h in result.handoffs] == ["Security"]
    handoff = result.handoffs[0]
    assert handoff.role == "site-reliability-engineer" and handoff.stage == "triage"
    assert handoff.expected_back == TO_SECURITY["expected_back"]
    assert result.escalation_trail[0].handoffs[0].team == "Security"
    first_screen = result.report.split("## Evidence")[0]
    assert "**Hand-offs to other teams**" in first_screen
    assert "**Security** (Site Reliability Engineer)" in first_screen
    assert TO_SECURITY["handed_over"] in first_screen


def test_release_that_broke_a_database_hands_back_to_development():
    model = scripted(
        "incident",
        {("database-administrator", "escalation"): [TO_DEVELOPMENT]},
        resolved_at="component owner",
        owner="database-administrator",
    )
    result = task("infrastructure-team", DB_RELEASE, model=model)
    assert [(h.team, h.role, h.stage) for h in result.handoffs] == [
        ("Development", "database-administrator", "escalation")
    ]
    assert result.component_owner == "database-administrator"
    assert "**Development** (Database Administrator)" in result.report


def test_request_flow_records_a_specialists_handoff():
    model = scripted("request", {("database-administrator", "implement"): [{**TO_DEVELOPMENT}]})
    result = task("infrastructure-team", "Add a read replica for the orders database", model=model)
    assert [(h.team, h.stage) for h in result.handoffs] == [("Development", "implement")]


def test_no_handoff_decided_means_none_recorded():
    model = scripted("incident", {}, resolved_at="on-call")
    result = task("infrastructure-team", SSH_BREACH, model=model)
    assert result.handoffs == []
    assert "Hand-offs to other teams" not in result.report
