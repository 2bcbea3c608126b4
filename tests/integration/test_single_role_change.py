"""A single role that proposes a change gets its Change Request (and, for a specialist,
the Maintenance Notification) like the team flow: the role's structured report decides."""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage

from infra_team import task
from tests.fakes import ScriptedChatModel, brief_of, call
from tests.integration.conftest import team_script

PATCH = "Patch web-01 and web-02 for the OpenSSH CVE this week"
PROPOSAL = {
    "change_type": "Modify",
    "component": "Server",
    "justification": "OpenSSH CVE on two web hosts",
    "timeline": "Thursday 02:00 UTC",
    "impact": "each host out of the pool for 5 minutes",
    "risks": ["a failed sshd restart locks us out: keep a console session open"],
    "rollback_plan": "reinstall the previous openssh-server package",
}


def solo(change: dict | None) -> ScriptedChatModel:
    base = team_script()

    def script(messages: list[BaseMessage], bound: tuple[str, ...]) -> AIMessage:
        brief = brief_of(messages)
        message = base.script(messages, bound)
        if brief["stage"] == "implement" and change is not None:
            first = message.tool_calls[0]
            return call(first["name"], {**first["args"], "change": change}, str(first["id"]))
        return message

    return ScriptedChatModel(script=script)


def test_a_specialist_alone_writes_the_change_request_and_window():
    result = task("systems-administrator", PATCH, model=solo(PROPOSAL))
    assert result.status == "completed"
    change_request = result.artifacts["change_request"]
    assert "TYPE: Modify" in change_request and "COMPONENT: Server" in change_request
    assert "REQUESTER: Systems Administrator" in change_request
    notice = result.artifacts["maintenance_notification"]
    assert "TYPE: Patching" in notice and "ROLLBACK: Available" in notice
    gate = next(g for g in result.gates if g.gate == "Change Approval")
    assert "Change request documented" not in gate.open_items
    assert "Risk assessment complete" not in gate.open_items
    assert "Rollback plan defined" not in gate.open_items


def test_a_specialist_proposing_no_change_writes_no_change_request():
    result = task("systems-administrator", PATCH, model=solo(None))
    assert "change_request" not in result.artifacts
    assert "maintenance_notification" not in result.artifacts


def test_a_single_role_removal_waits_for_approval():
    result = task(
        "database-administrator",
        "Drop the legacy reports database",
        model=solo({**PROPOSAL, "change_type": "Remove", "component": "Database"}),
    )
    assert result.status == "interrupted"
    assert result.interrupts[0].details["destructive_actions"] == ["remove Database"]


def test_the_notification_keeps_the_window_the_requester_gave():
    request = f"{PATCH}. Maintenance window: Saturday 2026-12-05 02:00-04:00 UTC"
    result = task("systems-administrator", request, model=solo(PROPOSAL))
    notice = result.artifacts["maintenance_notification"]
    assert "WINDOW: 2026-12-05 02:00 - 2026-12-05 04:00 UTC" in notice
