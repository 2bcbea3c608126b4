"""Reading where a conversation stands, with and without the role node's brief."""

from __future__ import annotations

from langchain.agents.structured_output import OutputToolBinding, ToolStrategy
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from infra_team.graph._schemas import (
    BRIEF_KEY,
    ArchitectDesign,
    IntakeDecision,
    RoleReport,
    StageBrief,
)
from infra_team.offline._binding import BoundTool, describe_tools
from infra_team.offline._conversation import find_schema_tool, infer_role, read_conversation
from infra_team.tools.infrastructure_architect import dr_strategy
from infra_team.toolsets import get_tools


def _schema(model: type) -> BoundTool:
    tool = OutputToolBinding.from_schema_spec(ToolStrategy(model).schema_specs[0]).tool
    return describe_tools([tool])[0]


def test_schema_tool_found_by_stage_name_or_forced_choice() -> None:
    tools = describe_tools(get_tools("network-engineer"))
    assert find_schema_tool([*tools, _schema(RoleReport)], None) == _schema(RoleReport)
    custom = BoundTool(name="Ticket")
    assert find_schema_tool([*tools, custom], "any") == custom
    assert find_schema_tool([*tools, custom], None) is None


def test_role_inferred_from_the_bound_tools() -> None:
    assert (
        infer_role(describe_tools(get_tools("database-administrator"))) == "database-administrator"
    )
    assert infer_role(describe_tools(get_tools("infrastructure-team"))) == "infrastructure-team"
    assert infer_role([]) == "infrastructure-team"


def test_plain_request_gets_an_inferred_brief() -> None:
    bound = [*describe_tools(get_tools("infrastructure-architect")), _schema(ArchitectDesign)]
    conversation = read_conversation([HumanMessage("New Redis cache")], bound)
    assert conversation.briefed is False
    assert (conversation.brief.role, conversation.brief.stage) == (
        "infrastructure-architect",
        "design",
    )
    assert conversation.brief.request == "New Redis cache"


def test_brief_results_and_rejections_are_read() -> None:
    brief = StageBrief(stage="design", role="infrastructure-architect", request="x")
    output = dr_strategy.invoke({"rpo_minutes": 5, "rto_minutes": 60})
    schema = _schema(ArchitectDesign)
    messages = [
        HumanMessage("x", additional_kwargs={BRIEF_KEY: brief.model_dump(mode="json")}),
        AIMessage("", tool_calls=[{"name": "dr_strategy", "args": {}, "id": "a"}]),
        ToolMessage(output, tool_call_id="a", name="dr_strategy"),
        ToolMessage("Error: plain text", tool_call_id="b", name="other"),
        AIMessage("", tool_calls=[{"name": "ArchitectDesign", "args": {}, "id": "c"}]),
        ToolMessage("Error: bad summary", tool_call_id="c", name="ArchitectDesign"),
    ]
    conversation = read_conversation(messages, [schema])
    assert conversation.briefed is True
    assert conversation.replies == 2
    assert [(r.tool, r.status) for r in conversation.results] == [
        ("dr_strategy", "success"),
        ("other", "error"),
    ]
    assert conversation.results[1].summary == "Error: plain text"
    assert conversation.schema_rejections == ("Error: bad summary",)
    assert conversation.schema_accepted is False


def test_team_tools_act_as_the_role_of_the_stage() -> None:
    team = describe_tools(get_tools("infrastructure-team"))
    design = read_conversation([HumanMessage("New Redis cache")], [*team, _schema(ArchitectDesign)])
    assert (design.brief.role, design.brief.stage) == ("infrastructure-architect", "design")
    report = read_conversation(
        [HumanMessage("Harden the Linux servers")], [*team, _schema(RoleReport)]
    )
    assert (report.brief.role, report.brief.stage) == ("systems-administrator", "implement")
    intake = read_conversation([HumanMessage("x")], [_schema(IntakeDecision)])
    assert (intake.brief.role, intake.brief.stage) == ("infrastructure-team", "intake")
