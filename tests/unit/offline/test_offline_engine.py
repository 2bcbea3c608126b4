"""``OfflineChatModel`` as a LangChain chat model: binding, replies, streaming, retries."""

from __future__ import annotations

from typing import Any, Literal

from langchain.agents import create_agent
from langchain.agents.structured_output import OutputToolBinding, ToolStrategy
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel, field_validator

from infra_team.graph._schemas import BRIEF_KEY, IntakeDecision, StageBrief, TriageDecision
from infra_team.offline import OfflineChatModel
from infra_team.offline._engine import stream_chunks
from infra_team.offline._templates import OFFLINE_MARKER
from infra_team.tools.network_engineer import cidr_plan
from infra_team.toolsets import get_tools

OUTAGE = "checkout returns 502 for 40 % of requests"


@tool
def lookup(name: str) -> str:
    """Look something up."""
    return name


def _identity(x: int) -> int:
    """Return x."""
    return x


def test_identity() -> None:
    model = OfflineChatModel()
    assert model._llm_type == "infra-team-offline"
    assert model.model_name == "offline"


def test_bind_tools_accepts_every_form_and_returns_a_copy() -> None:
    schema_tool = OutputToolBinding.from_schema_spec(
        ToolStrategy(TriageDecision).schema_specs[0]
    ).tool
    model = OfflineChatModel()
    forms: list[Any] = [
        cidr_plan,
        lookup,
        schema_tool,
        IntakeDecision,
        _identity,
        {
            "type": "function",
            "function": {"name": "openai_style", "parameters": {"type": "object"}},
        },
        {"name": "anthropic_style", "input_schema": {"type": "object", "properties": {}}},
        {"type": "web_search"},
        {"name": "odd_parameters", "parameters": 5},
        42,
    ]
    bound = model.bind_tools(forms, tool_choice="any")
    assert isinstance(bound, OfflineChatModel)
    assert [t.name for t in bound.bound_tools] == [
        "cidr_plan",
        "lookup",
        "TriageDecision",
        "IntakeDecision",
        "_identity",
        "openai_style",
        "anthropic_style",
        "odd_parameters",
    ]
    assert bound.bound_tools[-1].parameters == {}
    assert bound.bound_tools[0].required == ("vpc_cidr", "subnet_prefixes")
    assert bound.tool_choice == "any"
    assert model.bound_tools == ()


def test_write_flag_is_remembered() -> None:
    bound = OfflineChatModel().bind_tools(get_tools("site-reliability-engineer"))
    assert isinstance(bound, OfflineChatModel)
    writes = sorted(t.name for t in bound.bound_tools if t.writes)
    assert writes == [
        "create_alertmanager_silence",
        "create_grafana_annotation",
        "create_statuspage_incident",
        "pagerduty_event",
    ]


def test_plain_message_gets_a_markdown_answer() -> None:
    reply = OfflineChatModel().invoke(OUTAGE)
    assert isinstance(reply.content, str)
    assert reply.content.startswith("## Site Reliability Engineer: Triage\n")
    assert OFFLINE_MARKER in reply.content
    assert "### Severity\nP1" in reply.content
    assert reply.tool_calls == []


def test_brief_without_schema_tool_calls_tools_then_answers_in_markdown() -> None:
    brief = StageBrief(stage="triage", role="site-reliability-engineer", request=OUTAGE)
    message = HumanMessage(
        content=OUTAGE, additional_kwargs={BRIEF_KEY: brief.model_dump(mode="json")}
    )
    agent = create_agent(OfflineChatModel(), get_tools("site-reliability-engineer"))
    messages = agent.invoke({"messages": [message]})["messages"]
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert [c["name"] for c in messages[1].tool_calls] == [
        "oncall_now",
        "burn_rate_alerts",
        "runbook",
    ]
    assert "### Component owner\nnetwork-engineer" in str(final.content)


def test_stream_chunks_add_up_to_the_reply() -> None:
    model = OfflineChatModel().bind_tools(get_tools("site-reliability-engineer"))
    brief = StageBrief(stage="triage", role="site-reliability-engineer", request=OUTAGE)
    message = HumanMessage(
        content=OUTAGE, additional_kwargs={BRIEF_KEY: brief.model_dump(mode="json")}
    )
    reply = model.invoke([message])
    chunks = list(model.stream([message]))
    assert len(chunks) > 3
    assert any(c.tool_call_chunks for c in chunks if isinstance(c, AIMessageChunk))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.tool_calls == reply.tool_calls
    assert total.id == reply.id


def test_stream_chunks_split_content_by_words() -> None:
    reply = AIMessage(content="one two three", id="x")
    chunks = stream_chunks(reply)
    assert [c.content for c in chunks] == ["one ", "two ", "three", ""]
    assert chunks[-1].chunk_position == "last"


def test_streamed_text_equals_invoked_text() -> None:
    model = OfflineChatModel()
    text = "".join(str(chunk.content) for chunk in model.stream(OUTAGE))
    assert text == model.invoke(OUTAGE).content


class _PickyIntake(BaseModel):
    """An intake schema that refuses the engine's own wording."""

    kind: Literal["request", "incident"]
    reason: str

    @field_validator("reason")
    @classmethod
    def _no_engine_words(cls, value: str) -> str:
        if "rule" in value:
            msg = "reason must not mention rules"
            raise ValueError(msg)
        return value


_PickyIntake.__name__ = "IntakeDecision"


def test_schema_rejection_is_fixed_in_one_retry() -> None:
    agent = create_agent(OfflineChatModel(), [], response_format=ToolStrategy(_PickyIntake))
    result = agent.invoke({"messages": [HumanMessage(OUTAGE)]})
    answers = [m for m in result["messages"] if isinstance(m, AIMessage)]
    assert len(answers) == 2
    assert answers[0].tool_calls[0]["args"]["reason"].startswith("Offline engine rule")
    assert answers[1].tool_calls[0]["args"] == {"kind": "incident", "reason": "not stated"}
    assert result["structured_response"].kind == "incident"


class _Impossible(BaseModel):
    """A schema nothing satisfies."""

    kind: str

    @field_validator("kind")
    @classmethod
    def _never(cls, value: str) -> str:
        msg = "never valid"
        raise ValueError(msg)


def test_second_rejection_ends_with_an_explanation() -> None:
    agent = create_agent(OfflineChatModel(), [lookup], response_format=ToolStrategy(_Impossible))
    result = agent.invoke({"messages": [HumanMessage("anything")]})
    final = result["messages"][-1]
    assert isinstance(final, AIMessage)
    assert final.tool_calls == []
    assert str(final.content).startswith(
        "The offline engine could not produce a valid `_Impossible` after 2 attempts."
    )
    assert result.get("structured_response") is None


def test_unknown_schema_is_filled_to_fit() -> None:
    class Ticket(BaseModel):
        """Some other output."""

        title: str
        labels: list[str]
        priority: int

    agent = create_agent(OfflineChatModel(), [], response_format=ToolStrategy(Ticket))
    result = agent.invoke({"messages": [HumanMessage("Provision two servers")]})
    assert result["structured_response"] == Ticket(title="not stated", labels=[], priority=0)


async def test_async_reply_equals_sync_reply() -> None:
    model = OfflineChatModel()
    reply = await model.ainvoke(OUTAGE)
    assert reply.content == model.invoke(OUTAGE).content
    streamed = [chunk.content async for chunk in model.astream(OUTAGE)]
    assert "".join(str(part) for part in streamed) == reply.content
