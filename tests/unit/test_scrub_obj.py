"""Tests for ``infra_team.scrub.scrub_obj``: every string in a nested value is scrubbed,
and the value keeps its type."""

from __future__ import annotations

import copy
import dataclasses
from collections import OrderedDict, defaultdict
from enum import StrEnum
from typing import Any, NamedTuple

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langgraph.types import Interrupt
from pydantic import BaseModel, ConfigDict

from infra_team.registry import INTERNAL_IDS
from infra_team.scrub import scrub_obj

NAMES = {int(key[-3:]): name for key, (_, name) in INTERNAL_IDS.items()}
ARCHITECT, SYSADMIN, NETWORK, DBA, SRE, AUTOMATION = (NAMES[n] for n in range(1, 7))


class Point(NamedTuple):
    label: str
    count: int


class Colour(StrEnum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class Note:
    title: str
    tags: list[str]
    derived: str = dataclasses.field(init=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "derived", f"{self.title}!")


class Inner(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    owner: str
    note: str = "for INF-004"


class Outer(BaseModel):
    model_config = ConfigDict(extra="allow")

    inner: Inner
    items: list[str]


def test_scrub_obj_nested_containers_and_keys() -> None:
    data: dict[str, Any] = {
        "INF-001": ["INF-002", ("INF-003", 7), {"INF-004", "x"}, frozenset({"INF005"})],
        "point": Point("inf-006", 2),
        "n": 3,
        "f": 2.5,
        "none": None,
        "raw": b"INF-001",
        "colour": Colour.RED,
    }
    before = copy.deepcopy(data)
    assert scrub_obj(data) == {
        ARCHITECT: [SYSADMIN, (NETWORK, 7), {DBA, "x"}, frozenset({SRE})],
        "point": Point(AUTOMATION, 2),
        "n": 3,
        "f": 2.5,
        "none": None,
        "raw": b"INF-001",
        "colour": Colour.RED,
    }
    assert data == before
    assert type(scrub_obj(data)["point"]) is Point
    assert scrub_obj(data)["colour"] is Colour.RED


def test_scrub_obj_keeps_dict_subclasses() -> None:
    counts: defaultdict[str, list[str]] = defaultdict(list, {"INF-002": ["INF-003"]})
    scrubbed = scrub_obj(counts)
    assert scrubbed == {SYSADMIN: [NETWORK]}
    assert scrubbed.default_factory is list
    assert counts == {"INF-002": ["INF-003"]}
    ordered = scrub_obj(OrderedDict([("b", "INF-001"), ("a", "x")]))
    assert type(ordered) is OrderedDict
    assert list(ordered.items()) == [("b", ARCHITECT), ("a", "x")]


def test_scrub_obj_dataclass_keeps_every_field() -> None:
    note = Note(title="INF-005", tags=["INF-006"])
    scrubbed = scrub_obj(note)
    assert scrubbed == Note(title=SRE, tags=[AUTOMATION])
    assert scrubbed.derived == f"{SRE}!"
    assert note.title == "INF-005"
    assert note.tags == ["INF-006"]


def test_scrub_obj_pydantic_models_extras_and_fields_set() -> None:
    model = Outer(inner=Inner(owner="INF-001"), items=["INF-002"], extra_note="INF-003")
    scrubbed = scrub_obj(model)
    assert scrubbed.inner == Inner(owner=ARCHITECT, note=f"for {DBA}")
    assert scrubbed.items == [SYSADMIN]
    assert scrubbed.model_extra == {"extra_note": NETWORK}
    assert scrubbed.inner.model_fields_set == {"owner"}
    assert scrubbed.inner.model_dump(exclude_unset=True) == {"owner": ARCHITECT}
    assert model.inner.owner == "INF-001"
    assert model.model_extra == {"extra_note": "INF-003"}


def test_scrub_obj_ai_message_text_and_tool_calls() -> None:
    message = AIMessage(
        content="Routing to INF-003.",
        tool_calls=[{"name": "assign", "args": {"owner": "INF-003", "INF-001": 1}, "id": "c1"}],
        additional_kwargs={"note": "from INF-001"},
        response_metadata={"model_name": "inf 005"},
    )
    before = message.model_copy(deep=True)
    scrubbed = scrub_obj(message)
    assert type(scrubbed) is AIMessage
    assert scrubbed.content == f"Routing to {NETWORK}."
    assert scrubbed.tool_calls == [
        {
            "name": "assign",
            "args": {"owner": NETWORK, ARCHITECT: 1},
            "id": "c1",
            "type": "tool_call",
        }
    ]
    assert scrubbed.additional_kwargs == {"note": f"from {ARCHITECT}"}
    assert scrubbed.response_metadata == {"model_name": SRE}
    assert message == before


def test_scrub_obj_ai_message_content_blocks() -> None:
    message = AIMessage(
        content=[
            {"type": "text", "text": "INF-002 patched web-01"},
            {"type": "tool_use", "id": "t1", "name": "ping", "input": {"by": "INF-005"}},
        ]
    )
    assert scrub_obj(message).content == [
        {"type": "text", "text": f"{SYSADMIN} patched web-01"},
        {"type": "tool_use", "id": "t1", "name": "ping", "input": {"by": SRE}},
    ]
    assert message.content[0] == {"type": "text", "text": "INF-002 patched web-01"}


def test_scrub_obj_message_chunk_tool_and_human_messages() -> None:
    chunk = AIMessageChunk(
        content="INF-00",
        tool_call_chunks=[{"name": "assign", "args": '{"to": "INF-006"}', "id": "c2", "index": 0}],
    )
    scrubbed_chunk = scrub_obj(chunk)
    assert type(scrubbed_chunk) is AIMessageChunk
    assert scrubbed_chunk.content == "INF-00"  # a ticket key so far: kept
    assert scrubbed_chunk.tool_call_chunks[0]["args"] == f'{{"to": "{AUTOMATION}"}}'
    tool = ToolMessage(content="owner INF-004", tool_call_id="c2", artifact={"owner": "INF-004"})
    scrubbed_tool = scrub_obj(tool)
    assert (scrubbed_tool.content, scrubbed_tool.artifact) == (f"owner {DBA}", {"owner": DBA})
    assert scrubbed_tool.tool_call_id == "c2"
    assert scrub_obj([HumanMessage(content="ask INF-001")])[0].content == f"ask {ARCHITECT}"


def test_scrub_obj_interrupt() -> None:
    pending = Interrupt(value={"question": "Approve INF-006's change?"}, id="abc123")
    scrubbed = scrub_obj(pending)
    assert isinstance(scrubbed, Interrupt)
    assert scrubbed.value == {"question": f"Approve {AUTOMATION}'s change?"}
    assert scrubbed.id == "abc123"
    assert pending.value == {"question": "Approve INF-006's change?"}
    assert scrub_obj((pending,))[0].value == scrubbed.value


def test_scrub_obj_passes_other_values_through() -> None:
    marker = object()
    assert scrub_obj(marker) is marker
    assert scrub_obj(Inner) is Inner
    assert scrub_obj(Note) is Note
    assert scrub_obj("plain") == "plain"
