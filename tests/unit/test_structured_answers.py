"""Reading a stage's answer out of what weak models write, the answer-mode ladder, the
unstructured fallback and token usage."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from infra_team.graph import _structured
from infra_team.graph._schemas import (
    STAGE_SCHEMAS,
    UNSTRUCTURED_NOTE,
    IntakeDecision,
    RoleReport,
    unstructured_output,
)
from infra_team.graph._state import add_usage
from infra_team.graph.role import token_usage
from infra_team.result import RunUsage
from tests.fakes import ScriptedChatModel

REPORT = {"summary": "s", "findings": ["f"], "actions": ["a"], "deliverable": "d"}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(REPORT),
        f"Here you go:\n```json\n{json.dumps(REPORT)}\n```\nAnything else?",
        f"Sure. {json.dumps(REPORT)} Hope this helps.",
        json.dumps({"name": "RoleReport", "arguments": REPORT}),
        json.dumps({"name": "RoleReport", "arguments": json.dumps(REPORT)}),
        json.dumps({"name": "RoleReport", "parameters": REPORT}),
        json.dumps({"RoleReport": REPORT}),
        '{"note": "first object is not the answer"} then ' + json.dumps(REPORT),
    ],
    ids=["bare", "fenced", "inline", "wrapped", "wrapped-string", "parameters", "keyed", "second"],
)
def test_a_json_answer_is_read_out_of_text(text):
    answer = _structured.parse_text_answer(text, RoleReport)
    assert answer == RoleReport(**REPORT)


@pytest.mark.parametrize(
    "text",
    [
        "I reviewed the design and everything looks fine.",
        '{"summary": "s"}',  # missing fields
        '{"summary": "s", "findings": [], "actions": [], "deliverable": "d", "extra": 1}',
        "{not json at all}",
        "",
    ],
    ids=["prose", "incomplete", "extra-field", "broken", "empty"],
)
def test_text_without_a_valid_answer_gives_none(text):
    assert _structured.parse_text_answer(text, RoleReport) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"a": 1} I hope this helps', {"a": 1}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('Arguments: {"a": {"b": [1, 2]}}<|im_end|>', {"a": {"b": [1, 2]}}),
        ("summary: done", None),
        ("[1, 2]", None),
    ],
)
def test_leading_json_object_of_malformed_arguments(raw, expected):
    assert _structured.leading_json_object(raw) == expected


def test_the_instruction_names_the_tool_and_every_field_with_its_type():
    text = _structured.answer_instruction(STAGE_SCHEMAS["design"], forced=False)
    assert "calling the tool `ArchitectDesign`" in text
    assert "`assignments` (list of object with role, task)" in text
    assert '`change_type` (one of "New", "Modify", "Remove")' in text
    assert "reply with only that JSON object" in text
    forced = _structured.answer_instruction(STAGE_SCHEMAS["design"], forced=True)
    assert "reply with only that JSON object" not in forced
    triage = _structured.answer_instruction(STAGE_SCHEMAS["triage"], forced=True)
    assert "`component_owner` (one of" in triage and "or null)" in triage


def test_the_reminder_names_the_tool_and_its_fields():
    text = _structured.reminder(IntakeDecision)
    assert "`IntakeDecision`" in text
    assert "(kind, reason)" in text


def test_a_model_keeps_the_mode_it_was_lowered_to():
    model = ScriptedChatModel(script=lambda messages, bound: AIMessage(content=""))
    other = ScriptedChatModel(script=lambda messages, bound: AIMessage(content=""))
    assert _structured.answer_mode(model) == "forced"
    _structured._lower(model, "auto")
    assert _structured.answer_mode(model) == "auto"
    assert _structured.answer_mode(other) == "forced"


class _Status(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status


@pytest.mark.parametrize(
    ("status", "rejected"),
    [(400, True), (422, True), (500, True), (401, False), (429, False), (503, False)],
)
def test_which_provider_errors_count_as_a_refused_request_shape(status, rejected):
    assert _structured._rejected(_Status(status)) is rejected
    assert _structured._rejected(ValueError("no status")) is False


def test_unreadable_arguments_are_repaired_or_answered_with_an_error():
    middleware = _structured.StructuredAnswerMiddleware(RoleReport)
    message = AIMessage(
        content="",
        invalid_tool_calls=[
            {
                "name": "RoleReport",
                "args": json.dumps(REPORT) + " trailing",
                "id": "a",
                "error": None,
                "type": "invalid_tool_call",
            },
            {
                "name": "dns_check",
                "args": "zone example.org",
                "id": "b",
                "error": None,
                "type": "invalid_tool_call",
            },
        ],
    )
    repaired, replies = middleware._repair(message)
    assert [call["id"] for call in repaired.tool_calls] == ["a", "b"]
    assert repaired.tool_calls[0]["args"] == REPORT
    assert repaired.invalid_tool_calls == []
    assert [reply.tool_call_id for reply in replies] == ["b"]
    assert replies[0].status == "error"
    assert replies[0].text == (
        "Error: tool `dns_check` was not run: the arguments are not a JSON object. "
        "Call the tool again with only a JSON object of its parameters."
    )


def test_prose_answer_is_the_last_reply_without_tool_calls():
    name = "network-engineer.implement"
    messages = [
        HumanMessage(content="brief"),
        AIMessage(content="Calling a tool", name=name, tool_calls=[]),
        AIMessage(content="Final prose", name=name),
        AIMessage(content="Model call limits exceeded"),  # the limit's message: no name
    ]
    assert _structured.prose_answer(messages, name) == "Final prose"
    assert _structured.prose_answer(messages[:1], name) == ""


@pytest.mark.parametrize("stage", list(STAGE_SCHEMAS))
def test_unstructured_output_keeps_the_prose_and_decides_nothing(stage):
    output = unstructured_output(stage, "  The prose answer.\n\nMore.  ")
    assert output["unstructured"] is True
    assert output.get("resolved", False) is False
    assert not output.get("assignments")
    assert output.get("severity") is None
    text = json.dumps(output)
    assert "The prose answer." in text
    if stage in ("implement", "codify", "operate"):
        assert output["summary"] == UNSTRUCTURED_NOTE
        assert output["deliverable"] == "The prose answer.\n\nMore."


def test_token_usage_sums_the_replies_that_report_it():
    messages = [
        HumanMessage(content="brief"),
        AIMessage(
            content="a",
            usage_metadata={"input_tokens": 10, "output_tokens": 2, "total_tokens": 12},
        ),
        AIMessage(content="b"),  # a provider that reports nothing
        AIMessage(
            content="c",
            usage_metadata={"input_tokens": 5, "output_tokens": 1, "total_tokens": 6},
        ),
    ]
    assert token_usage(messages) == {"input_tokens": 15, "output_tokens": 3}


def test_usage_adds_up_per_role_across_stages_and_in_total():
    state = add_usage(None, {"network-engineer": {"input_tokens": 3, "output_tokens": 1}})
    state = add_usage(state, {"network-engineer": {"input_tokens": 4, "output_tokens": 2}})
    state = add_usage(state, {"automation-engineer": {"input_tokens": 10, "output_tokens": 5}})
    usage = RunUsage.from_state(state)
    assert usage.by_role["network-engineer"].input_tokens == 7
    assert (usage.total.input_tokens, usage.total.output_tokens, usage.total.total_tokens) == (
        17,
        8,
        25,
    )
    table = usage.render().splitlines()
    assert table[0].split() == ["Role", "Input", "tokens", "Output", "tokens", "Total"]
    assert table[1].split() == ["Network", "Engineer", "7", "3", "10"]
    assert table[-1].split() == ["Total", "17", "8", "25"]
    assert "none reported" in RunUsage.from_state({}).render()
