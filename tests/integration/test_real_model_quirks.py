"""The same graph through the real ``langchain-openai`` client against a fake
OpenAI-compatible server on loopback that behaves like llama.cpp, Ollama and other small
local servers (``tests/support/openai_server.py``)."""

from __future__ import annotations

import json

import pytest

from infra_team import stream, task
from infra_team.graph.role import MODEL_CALL_LIMIT
from tests.support.openai_server import FakeOpenAIServer, Fault, Quirks, chat_model
from tests.support.openai_team import answer_tool, team_responder

REQUEST = "New PostgreSQL cluster for billing with a hot standby"
LLAMA_CPP = Quirks(reject_required_tool_choice=True, drop_tool_messages=True, null_content=True)
DBA_TOOL = ("replication_health", {"lag_samples_seconds": [1, 2, 540], "threshold_seconds": 60})


def _system(body: dict) -> str:
    return "\n".join(m["content"] for m in body["messages"] if m["role"] == "system")


def _usage_sent(server: FakeOpenAIServer) -> tuple[int, int]:
    return (
        sum(u["prompt_tokens"] for u in server.usages),
        sum(u["completion_tokens"] for u in server.usages),
    )


def test_a_team_run_through_llama_cpp_quirks_completes():
    responder = team_responder(
        lambda role, tool: "trailing" if role == "Network Engineer" else "tool",
        first_tools={"Database Administrator": [DBA_TOOL]},
    )
    with FakeOpenAIServer(responder, quirks=LLAMA_CPP) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server))

    assert result.status == "completed", result.error
    assert result.error is None
    assert result.unstructured_roles == []
    assert result.assigned_roles == ["database-administrator", "network-engineer"]
    assert result.engaged_roles[-1] == "site-reliability-engineer"
    # The forced tool choice was refused once (HTTP 500); every later call used auto.
    choices = [body.get("tool_choice") for body in server.requests]
    assert choices.count("required") == 1
    assert set(choices[1:]) == {"auto"}
    auto_design = next(b for b in server.requests if "ArchitectDesign" in json.dumps(b["tools"]))
    assert "calling the tool `ArchitectDesign`" in _system(auto_design)
    assert "`assignments` (list of object with role, task)" in _system(auto_design)
    # The DBA's tool ran (its result was dropped by the server, not by the graph).
    assert "`replication_health`" in result.report
    assert "Network Engineer artifact" in result.report  # arguments with trailing text
    assert result.artifacts["change_request"].startswith("REQUEST: Infrastructure Change")


def test_usage_is_what_the_provider_reported_per_role_and_in_total():
    with FakeOpenAIServer(team_responder(), quirks=LLAMA_CPP) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server))

    assert result.status == "completed", result.error
    sent_in, sent_out = _usage_sent(server)
    assert (result.usage.total.input_tokens, result.usage.total.output_tokens) == (
        sent_in,
        sent_out,
    )
    assert sent_in > 0 and sent_out > 0
    assert set(result.usage.by_role) == {"infrastructure-team", *result.engaged_roles}
    assert sum(u.input_tokens for u in result.usage.by_role.values()) == sent_in
    assert "Total" in result.usage.render()


def test_a_streamed_run_reports_usage_from_the_streamed_chunks():
    with FakeOpenAIServer(team_responder(), quirks=LLAMA_CPP) as server:
        events = list(
            stream("infrastructure-team", REQUEST, model=chat_model(server, stream_usage=True))
        )
    result = events[-1].result
    assert result is not None and result.status == "completed", result and result.error
    assert any(body.get("stream") for body in server.requests)
    assert result.usage.total.input_tokens == _usage_sent(server)[0] > 0


def test_a_model_that_never_gives_structure_still_completes_with_its_prose():
    with FakeOpenAIServer(team_responder("prose"), quirks=LLAMA_CPP) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server))

    assert result.status == "completed", result.error
    assert result.kind == "request"  # classified by rule when intake gave no structure
    assert result.unstructured_roles == [
        "infrastructure-architect",
        "automation-engineer",
        "site-reliability-engineer",
    ]
    assert "As the Infrastructure Architect, I reviewed the request" in result.report
    assert "As the Site Reliability Engineer, I reviewed the request" in result.report
    assert "Unstructured answers (kept as written, unverified)" in result.report
    assert "change_request" not in result.artifacts  # nothing documented from prose
    for gate in result.gates:
        assert not gate.passed
        assert gate.unverified == [
            "Infrastructure Architect",
            "Automation Engineer",
            "Site Reliability Engineer",
        ]
    # Each stage asked again after prose, up to its call limit, and then moved on.
    reminders = [
        body
        for body in server.requests
        if any("You answered in prose" in str(m.get("content")) for m in body["messages"])
    ]
    assert reminders
    assert len(server.requests) == 1 + 4 * MODEL_CALL_LIMIT  # one 500, four stages
    assert result.usage.total.input_tokens == _usage_sent(server)[0]


@pytest.mark.parametrize("style", ["text", "fenced"])
def test_an_answer_written_as_json_text_is_read(style):
    with FakeOpenAIServer(team_responder(style), quirks=LLAMA_CPP) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server))
    assert result.status == "completed", result.error
    assert result.unstructured_roles == []
    assert "Automation Engineer artifact" in result.report
    assert len(server.requests) == 7  # one refused, then one answer per stage


def test_unreadable_arguments_get_an_error_the_model_can_act_on():
    with FakeOpenAIServer(team_responder("unreadable_then_tool"), quirks=LLAMA_CPP) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server))
    assert result.status == "completed", result.error
    assert result.unstructured_roles == []
    errors = [
        m["content"]
        for body in server.requests
        for m in body["messages"]
        if m["role"] == "tool" and "was not run" in str(m["content"])
    ]
    assert (
        "Error: tool `RoleReport` was not run: the arguments are not a JSON object. Call "
        "`RoleReport` again with one JSON object holding `summary`, `findings`, `actions`, "
        "`deliverable`, `handoffs`." in errors
    )


def test_provider_native_structured_output_is_used_where_the_model_supports_it():
    with FakeOpenAIServer(team_responder()) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server, model="gpt-4.1"))
    assert result.status == "completed", result.error
    formats = [body.get("response_format") for body in server.requests]
    assert all(f and f["type"] == "json_schema" for f in formats)
    assert {f["json_schema"]["name"] for f in formats} >= {"IntakeDecision", "ArchitectDesign"}
    assert not any(body.get("tool_choice") == "required" for body in server.requests)


def test_a_provider_that_rejects_native_output_gets_the_answer_tool():
    team = team_responder()

    def responder(request):
        if request.response_format:
            return Fault.http(400, "response_format json_schema is not supported")
        return team(request)

    with FakeOpenAIServer(responder) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server, model="gpt-4.1"))
    assert result.status == "completed", result.error
    assert sum(1 for body in server.requests if body.get("response_format")) == 1
    assert server.requests[1]["tool_choice"] == "required"


def test_an_incident_through_the_quirky_server_climbs_the_ladder():
    with FakeOpenAIServer(team_responder(), quirks=LLAMA_CPP) as server:
        result = task(
            "infrastructure-team",
            "checkout returns 502 for 40% of requests",
            model=chat_model(server),
        )
    assert result.status == "interrupted", result.error
    assert result.severity == "P1"
    assert result.component_owner == "network-engineer"
    assert [step.rung for step in result.escalation_trail] == [
        "on-call",
        "component owner",
        "architect",
    ]
    assert set(map(_answer_tool_of, server.requests)) >= {
        "TriageDecision",
        "EscalationStep",
    }


def _answer_tool_of(body: dict) -> str | None:
    from tests.support.openai_server import ChatRequest

    return answer_tool(ChatRequest(body=body, messages=body["messages"]))


def test_an_authentication_failure_ends_the_run_failed_with_a_message():
    with FakeOpenAIServer(lambda request: Fault.http(401, "invalid api key")) as server:
        result = task("infrastructure-team", REQUEST, model=chat_model(server))
    assert result.status == "failed"
    assert "401" in (result.error or "")
    assert "invalid api key" in (result.error or "")
    # An auth error is not a refused request shape: no fallback to another answer mode.
    assert {body.get("tool_choice") for body in server.requests} == {"required"}


async def test_the_async_path_copes_with_the_same_quirks():
    from infra_team import atask

    responder = team_responder(lambda role, tool: "prose" if role == "Network Engineer" else "text")
    with FakeOpenAIServer(responder, quirks=LLAMA_CPP) as server:
        result = await atask("infrastructure-team", REQUEST, model=chat_model(server))
    assert result.status == "completed", result.error
    assert result.unstructured_roles == ["network-engineer"]
    assert "As the Network Engineer, I reviewed the request" in result.report
    assert [body.get("tool_choice") for body in server.requests].count("required") == 1
    assert result.usage.total.input_tokens == _usage_sent(server)[0]


def test_an_incident_with_no_structure_climbs_to_a_person_with_its_prose():
    with FakeOpenAIServer(team_responder("prose"), quirks=LLAMA_CPP) as server:
        result = task(
            "infrastructure-team",
            "checkout returns 502 for 40% of requests",
            model=chat_model(server),
        )
    assert result.status == "interrupted", result.error
    assert result.kind == "incident"  # by rule: "502", "40% of requests"
    assert result.severity is None  # never guessed from prose
    assert result.component_owner == "network-engineer"  # a 502 is the load balancer's
    assert [(s.rung, s.outcome) for s in result.escalation_trail] == [
        ("on-call", "escalated"),
        ("component owner", "escalated"),
        ("architect", "escalated"),
    ]
    assert "incident_communication" not in result.artifacts
    assert "As the Site Reliability Engineer, I reviewed the request" in result.report
    assert result.interrupts[0].gate == "Human escalation"
