"""Tests for ``infra_team.scrub``: tables, fixture pairs, properties and nested objects.

Property tests check the output with an independent oracle (NFKD, invisible characters
and marks dropped, case-folded, NFKC, dashes found by their Unicode names, then a plain
regex), so they do not reuse the implementation's matching view.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import itertools
import re
import unicodedata
from collections import OrderedDict, defaultdict
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langgraph.types import Interrupt
from pydantic import BaseModel, ConfigDict

from infra_team.registry import INTERNAL_IDS
from infra_team.scrub import NEUTRAL_WORD, Scrubber, scrub, scrub_obj

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scrub"
NAMES = {int(key[-3:]): name for key, (_, name) in INTERNAL_IDS.items()}
ARCHITECT, SYSADMIN, NETWORK, DBA, SRE, AUTOMATION = (NAMES[n] for n in range(1, 7))
PROPERTY = settings(max_examples=200, deadline=None, database=None)

# ---------------------------------------------------------------------------- oracle

_ORACLE_ID = re.compile(r"inf[\s_\-]{0,3}\d+")


def _oracle_char(char: str) -> str:
    name = unicodedata.name(char, "")
    if not char.isspace() and any(word in name for word in ("HYPHEN", "DASH", "MINUS")):
        return "-"
    return char


def oracle_ids(text: str) -> list[str]:
    """Every ID-like run the oracle sees in ``text``."""
    decomposed = unicodedata.normalize("NFKD", text)
    visible = "".join(
        char
        for char in decomposed
        if char.isspace() or unicodedata.category(char) not in {"Cf", "Cc", "Mn", "Mc", "Me"}
    )
    folded = unicodedata.normalize("NFKC", visible.casefold())
    return _ORACLE_ID.findall("".join(_oracle_char(char) for char in folded))


def stream(chunks: list[str]) -> str:
    scrubber = Scrubber()
    return "".join(scrubber.feed(chunk) for chunk in chunks) + scrubber.flush()


def test_oracle_sees_the_plain_forms() -> None:
    assert oracle_ids("a INF-001 b ＩＮＦ－２ c I\u200bN\u0301F 3") == ["inf-001", "inf-2", "inf 3"]
    assert oracle_ids("INFO 2, inf.2, inf    2") == []


# ---------------------------------------------------------------------------- tables

DISGUISES = [
    ("INF-001", ARCHITECT),
    ("inf-002", SYSADMIN),
    ("Inf_003", NETWORK),
    ("iNf 004", DBA),
    ("INF005", SRE),
    ("INF\u2010006", AUTOMATION),  # hyphen
    ("INF\u2011001", ARCHITECT),  # non-breaking hyphen
    ("INF\u2012002", SYSADMIN),  # figure dash
    ("INF\u2013003", NETWORK),  # en dash
    ("INF\u2014004", DBA),  # em dash
    ("INF\u2212005", SRE),  # minus sign
    ("INF\u00ad006", AUTOMATION),  # soft hyphen
    ("INF\uff0d001", ARCHITECT),  # fullwidth hyphen
    ("INF\ufe63002", SYSADMIN),  # small hyphen-minus
    ("INF\u00a0003", NETWORK),  # no-break space
    ("INF\u3000004", DBA),  # ideographic space
    ("INF - 005", SRE),  # three separators
    ("INF-\n006", AUTOMATION),  # wrapped line
    ("I\u200bN\u200cF\u200d-\u20600\ufeff01", ARCHITECT),  # zero-width everywhere
    ("INF\u200b\u200b\u200b\u200b\u200b-002", SYSADMIN),
    ("ＩＮＦ－００３", NETWORK),  # fullwidth letters and digits
    ("ｉｎｆ＿００４", DBA),
    ("I\u0301N\u0303F\u0308-0\u030105", SRE),  # combining marks
    ("ÍÑF-006", AUTOMATION),  # precomposed accents
    ("INF-001\u0301\u0302", ARCHITECT),  # marks on the last digit go with it
    ("\u0399\u039d\u03dc-002", SYSADMIN),  # Greek iota, nu, digamma
    ("\u0406NF-003", NETWORK),  # Cyrillic i
    ("\u026a\u0274\ua730-004", DBA),  # small capitals
    ("\U0001d408\U0001d40d\U0001d405-\U0001d7ce\U0001d7ce\U0001d7d3", SRE),  # math bold
    ("INF-\u0660\u0660\u0666", AUTOMATION),  # Arabic-Indic digits
    ("INF-\u2460", ARCHITECT),  # circled digit one
    ("INF-\u2488\u0301", ARCHITECT),  # digit one full stop, then a mark: all one ID
    ("\u2171nf-002", SYSADMIN),  # small roman numeral two: the ID starts inside it
    ("i\u338b-004", DBA),  # square nF
    ("INF-1", ARCHITECT),  # unpadded
    ("INF-0006", AUTOMATION),  # over-padded
    ("INF2", SYSADMIN),  # no separator, bare number
    ("inf 3", NETWORK),  # security first: a bare number after the prefix is an ID
    ("INF-007", NEUTRAL_WORD),  # unknown numbers
    ("INF-0", NEUTRAL_WORD),
    ("INF-000", NEUTRAL_WORD),
    ("INF-0012", NEUTRAL_WORD),  # the digit run is taken whole
    ("INF-" + "1" * 5000, NEUTRAL_WORD),  # beyond int()'s digit limit
    ("winf-001", "w" + ARCHITECT),  # glued to a word: only the ID part goes
    ("roleINF-004x", f"role{DBA}x"),
    ("INF-005INF-006", SRE + AUTOMATION),
    ("Ask INF-003 about DNS.", f"Ask {NETWORK} about DNS."),
]

ORDINARY = [
    "INFO",
    "INFRA",
    "INFRA-2024",
    "inflation 2 %",
    "Infinity 9",
    "information",
    "info 2",  # a letter after the prefix makes a word
    "INFO-001",
    "float('inf')",
    "-inf",
    "inf, 2",  # other punctuation ends a candidate
    "inf.2",
    "inf:2",
    "inf/2",
    "inf    2",  # four separators
    "[inf  -inf]",
    "i-n-f-001",  # letters spelt apart
    "in f 001",
    "lnf-001",  # ASCII look-alikes make a different word
    "1NF-001",
    "nf_conntrack 2",
    "ifconfig eth0",
    "in 2 days",
    "sinf(2)",
    "#INF!",
    "INF-",
    "INF-X",
    "",
]


@pytest.mark.parametrize(("text", "expected"), DISGUISES)
def test_disguised_id_is_replaced(text: str, expected: str) -> None:
    assert scrub(text) == expected
    assert scrub(expected) == expected
    assert oracle_ids(expected) == []


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert scrub(text) == text
    assert scrub(text) is text


@pytest.mark.parametrize(("text", "expected"), [pair for pair in DISGUISES if len(pair[0]) < 40])
def test_disguise_split_anywhere_streams_like_whole(text: str, expected: str) -> None:
    padded = f"<{text}>"
    want = f"<{expected}>"
    assert stream(list(padded)) == want
    for cut in range(len(padded) + 1):
        assert stream([padded[:cut], padded[cut:]]) == want
    for first in range(1, len(padded)):
        for second in range(first, len(padded)):
            chunks = [padded[:first], padded[first:second], padded[second:]]
            assert stream(chunks) == want


@pytest.mark.parametrize(
    ("chunks", "released", "flushed"),
    [
        (["deploy to prod "], ["deploy to prod "], ""),
        (["the info", " about inflation"], ["the info", " about inflation"], ""),
        (["zero\u200bwidth\u200b"], ["zero\u200bwidth\u200b"], ""),
        (["pin"], ["p"], "in"),  # a possible ID start is held ...
        (["pin", "g"], ["p", "ing"], ""),  # ... and released once it cannot be one
        (["see INF", "-", "00", "3 now"], ["see ", "", "", f"{NETWORK} now"], ""),
        (["see INF", "\u2014", " ", "\u200b", "x"], ["see ", "", "", "", "INF\u2014 \u200bx"], ""),
        (["INF-001", "2", " done"], ["", "", f"{NEUTRAL_WORD} done"], ""),
        (["INF-004", "\u0301", "."], ["", "", f"{DBA}."], ""),
        (["INF-004", "\u0301"], ["", ""], DBA),
    ],
)
def test_feed_releases_all_but_a_possible_id_tail(
    chunks: list[str], released: list[str], flushed: str
) -> None:
    scrubber = Scrubber()
    assert [scrubber.feed(chunk) for chunk in chunks] == released
    assert scrubber.flush() == flushed


def test_flush_releases_the_held_tail_and_resets() -> None:
    scrubber = Scrubber()
    assert scrubber.feed("owner: INF-00") == "owner: "
    assert scrubber.flush() == NEUTRAL_WORD
    assert scrubber.feed("INF-2") == ""
    assert scrubber.flush() == SYSADMIN
    assert scrubber.flush() == ""


# ---------------------------------------------------------------------------- fixtures

FIXTURE_NUMBERS = sorted(path.name[:3] for path in FIXTURES.glob("*_input.txt"))


def test_there_are_enough_fixture_pairs() -> None:
    assert len(FIXTURE_NUMBERS) >= 8
    for number in FIXTURE_NUMBERS:
        assert (FIXTURES / f"{number}_output.txt").is_file()


@pytest.mark.parametrize("number", FIXTURE_NUMBERS)
def test_fixture_pair(number: str) -> None:
    source = (FIXTURES / f"{number}_input.txt").read_text(encoding="utf-8")
    expected = (FIXTURES / f"{number}_output.txt").read_text(encoding="utf-8")
    assert scrub(source) == expected
    assert scrub(expected) == expected
    assert oracle_ids(expected) == []
    for size in (1, 2, 3, 7, 64):
        assert stream([source[i : i + size] for i in range(0, len(source), size)]) == expected


# ---------------------------------------------------------------------------- properties

INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
MARKS = ["\u0301", "\u0308", "\u0323", "\u20dd"]
SEPARATORS = [
    *" \t\n\u00a0\u3000-_\uff3f",
    *"\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d",
]
LETTER_FORMS = {  # case, fullwidth, mathematical bold: all unfolded by NFKD and casefold
    "i": ["i", "I", "ｉ", "Ｉ", "\U0001d408"],
    "n": ["n", "N", "ｎ", "Ｎ", "\U0001d40d"],
    "f": ["f", "F", "ｆ", "Ｆ", "\U0001d405"],
}
LOOKALIKES = {  # Greek, Cyrillic, small capitals: beyond the oracle's reach
    "i": ["\u0399", "\u03b9", "\u0406", "\u0456", "\u026a", "\u0131"],
    "n": ["\u039d", "\u0274"],
    "f": ["\u03dc", "\ua730"],
}
DIGIT_BASES = [ord("0"), ord("０"), 0x0660, 0x0966, 0x1D7CE]
MARK_RUNS = st.sampled_from(["", "", *MARKS, MARKS[0] + MARKS[3]])
INVISIBLE_RUNS = st.sampled_from(["", "", "", *INVISIBLES, "\u200b\u00ad\u2060"])
WORDS = ["INFO", "inflation", "Infinity", "info", "INFRA", "deploy", "42", "v1.2", "(db)", "N/A"]


@st.composite
def disguised_ids(draw: st.DrawFn, *, lookalikes: bool = False) -> tuple[str, str]:
    """An ID in a random disguise, with the text it must become."""
    number = draw(st.integers(0, 12))
    digits = str(number).zfill(draw(st.integers(1, 4)))
    forms = {
        letter: LETTER_FORMS[letter] + (LOOKALIKES[letter] if lookalikes else [])
        for letter in "inf"
    }
    parts = [draw(st.sampled_from(forms[letter])) for letter in "inf"]
    parts += draw(st.lists(st.sampled_from(SEPARATORS), max_size=3))
    base = draw(st.sampled_from(DIGIT_BASES))
    parts += [chr(base + int(digit)) for digit in digits]
    marked = [part + draw(MARK_RUNS) for part in parts]
    text = marked[0] + "".join(draw(INVISIBLE_RUNS) + part for part in marked[1:])
    return text, NAMES.get(number, NEUTRAL_WORD)


ALPHABET = st.sampled_from(
    [
        *"iInNfFoxr0123456789.,:/!",
        *"ｉＩｎＮｆＦ０１２\u0660\u0661\u00b9íñ",
        *INVISIBLES,
        *MARKS,
        *SEPARATORS,
    ]
)
TOKENS = st.sampled_from(["inf", "INF", "in", "f", "0", "00", "-", " ", "_", *WORDS])
texts = st.lists(
    st.one_of(
        TOKENS,
        st.text(ALPHABET, max_size=8),
        disguised_ids().map(lambda pair: pair[0]),
    ),
    max_size=12,
).map("".join)


@PROPERTY
@given(
    st.lists(
        st.one_of(st.sampled_from(WORDS).map(lambda w: (w, w)), disguised_ids(lookalikes=True))
    )
)
def test_every_disguise_becomes_its_display_name(parts: list[tuple[str, str]]) -> None:
    text = " ".join(source for source, _ in parts)
    assert scrub(text) == " ".join(expected for _, expected in parts)


@PROPERTY
@given(texts, st.data())
def test_random_text_properties(text: str, data: st.DataObject) -> None:
    scrubbed = scrub(text)
    # No ID survives, by the oracle's independent reading.
    assert oracle_ids(scrubbed) == []
    # Text changes exactly when the oracle sees an ID: ordinary text is left alone.
    assert (scrubbed != text) == bool(oracle_ids(text))
    # Idempotent.
    assert scrub(scrubbed) == scrubbed
    # Any chunking streams exactly like the whole text.
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    bounds = [0, *cuts, len(text)]
    assert stream([text[start:end] for start, end in itertools.pairwise(bounds)]) == scrubbed
    # Holding is bounded: a full stop ends every possible ID, so nothing stays held.
    scrubber = Scrubber()
    assert scrubber.feed(text) + scrubber.feed(".") == scrub(text + ".")
    assert scrubber.flush() == ""


@PROPERTY
@given(st.lists(st.text(st.sampled_from([*"abcdegh0123 -_.\n", *INVISIBLES, *MARKS]))))
def test_text_without_a_possible_id_start_is_released_at_once(chunks: list[str]) -> None:
    scrubber = Scrubber()
    assert [scrubber.feed(chunk) for chunk in chunks] == chunks
    assert scrubber.flush() == ""


def test_source_of_this_package_module_is_clean() -> None:
    source = Path(inspect.getfile(scrub)).read_text(encoding="utf-8")
    assert scrub(source) == source


# ---------------------------------------------------------------------------- objects


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
        "INF-001": ["INF-002", ("INF-003", 7), {"INF-004", "x"}, frozenset({"INF5"})],
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
    counts: defaultdict[str, list[str]] = defaultdict(list, {"INF-002": ["INF-3"]})
    scrubbed = scrub_obj(counts)
    assert scrubbed == {SYSADMIN: [NETWORK]}
    assert scrubbed.default_factory is list
    assert counts == {"INF-002": ["INF-3"]}
    ordered = scrub_obj(OrderedDict([("b", "INF-1"), ("a", "x")]))
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
        tool_calls=[{"name": "assign", "args": {"owner": "INF-003", "INF-1": 1}, "id": "c1"}],
        additional_kwargs={"note": "from INF-001"},
        response_metadata={"model_name": "inf 5"},
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
    assert scrubbed_chunk.content == NEUTRAL_WORD
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
