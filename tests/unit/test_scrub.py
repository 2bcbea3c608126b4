"""Tests for ``infra_team.scrub``: the ID rule both ways, on a corpus and on the issue's
examples, and streaming that always equals batch scrubbing.

The corpus lives in ``tests/fixtures/scrub``: ``must_keep.txt`` (one operations string a
line, each must come back unchanged) and ``must_scrub.jsonl`` (a spelling of an ID and the
text it must become). The disguise property checks the output with an independent
reading of the text (``tests.leaks``: ``html.unescape``, NFKD, Unicode names), not the
scrubber's view.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra_team.registry import INTERNAL_IDS
from infra_team.scrub import Scrubber, raw_request, remember_request, scrub
from tests.leaks import read_ids
from tests.unit import scrub_reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scrub"
NAMES = {int(key[-3:]): name for key, (_, name) in INTERNAL_IDS.items()}
ARCHITECT, SYSADMIN, NETWORK, DBA, SRE, AUTOMATION = (NAMES[n] for n in range(1, 7))
PROPERTY = settings(max_examples=300, deadline=None, database=None)

MUST_KEEP = FIXTURES.joinpath("must_keep.txt").read_text(encoding="utf-8").splitlines()
MUST_SCRUB = [
    json.loads(line)
    for line in FIXTURES.joinpath("must_scrub.jsonl").read_text(encoding="utf-8").splitlines()
]


def stream(chunks: list[str]) -> str:
    scrubber = Scrubber()
    return "".join(scrubber.feed(chunk) for chunk in chunks) + scrubber.flush()


def splits(text: str) -> list[list[str]]:
    """Every way of cutting ``text`` into two, one character at a time, and whole."""
    cuts = [[text[:i], text[i:]] for i in range(len(text) + 1)]
    return [*cuts, list(text), [text]]


def test_oracle_reads_the_issue_spellings() -> None:
    assert read_ids("a INF-001 b ＩＮＦ－００２ c I\u200bN\u0301F 003 d INF&#45;004") == [
        1,
        2,
        3,
        4,
    ]
    assert read_ids("INFO 2, inf01.prod, db-inf-003.internal, INF-0051, INF-12") == []


# ---------------------------------------------------------------------------- corpus


def test_corpus_is_large_enough() -> None:
    assert len(MUST_KEEP) >= 200
    assert len(set(MUST_KEEP)) == len(MUST_KEEP)
    assert len(MUST_SCRUB) >= 200


@pytest.mark.parametrize("text", MUST_KEEP)
def test_must_keep_comes_back_unchanged(text: str) -> None:
    assert scrub(text) == text
    assert stream(list(text)) == text
    assert stream([text[: len(text) // 2], text[len(text) // 2 :]]) == text
    # Also inside prose, and twice in a row.
    sentence = f"Checked {text} at 14:05; {text}"
    assert scrub(sentence) == sentence


@pytest.mark.parametrize("case", MUST_SCRUB, ids=lambda case: repr(case["text"])[:40])
def test_must_scrub_becomes_the_display_name(case: dict[str, str]) -> None:
    text, expected = case["text"], case["expected"]
    assert scrub(text) == expected
    assert expected != text
    assert read_ids(text), "the independent reading sees an ID in the input"
    assert read_ids(expected) == []
    for chunks in splits(text):
        assert stream(chunks) == expected, chunks
    assert scrub(expected) == expected


def test_issue_examples_are_in_the_corpus() -> None:
    keep = set(MUST_KEEP)
    for example in (
        "inf01.prod.example.com",
        "ssh inf001.prod",
        "db-inf-003.internal",
        "INF-1234 ticket",
        "ticket JIRA INF-100",
        "INF-12",
        'thread_id="ticket-inf2-7"',
        "INF-0051",
        "INFO",
        "INFRA",
    ):
        assert example in keep
    spellings = {case["text"] for case in MUST_SCRUB}
    for example in (
        "INF\\-005",
        "**INF**-005",
        "`INF`-005",
        "INF&#45;005",
        "INF<!-- -->-005",
        "INF.005",
        "INF/005",
        "INF:005",
        "INF&#x2D;005",
        "INF&hyphen;005",
    ):
        assert example in spellings


# ---------------------------------------------------------------------------- the issue


@pytest.mark.parametrize(
    "text",
    [
        "inf01.prod.example.com",
        "ssh inf001.prod",
        "db-inf-003.internal",
        "INF-1234 ticket",
        "ticket JIRA INF-100",
        "INF-12",
        'thread_id="ticket-inf2-7"',
        "INF-0051 and INF-1234",
        "INFO: INFRA is fine",
        "a hostname inf-005.prod.example.com",
        "a pod inf-005-canary-7d9f",
        "host and port inf001:9100",
    ],
)
def test_real_names_are_never_altered(text: str) -> None:
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INF\\-005", SRE),
        ("**INF**-005", f"**{SRE}**"),
        ("`INF`-005", f"`{SRE}`"),
        ("INF&#45;005", SRE),
        ("INF&#x2D;005", SRE),
        ("INF&hyphen;005", SRE),
        ("INF<!-- -->-005", f"{SRE}<!-- -->"),
        ("INF.005", SRE),
        ("INF/005", SRE),
        ("INF:005", SRE),
        ("unknown tool `INF-005`", f"unknown tool `{SRE}`"),
        ("ends a sentence: INF-005.", f"ends a sentence: {SRE}."),
        ("see INF-005. Then", f"see {SRE}. Then"),
        ("<td>db</td><td>INF-005</td>", f"<td>db</td><td>{SRE}</td>"),
        ("db<br>inf-005", f"db<br>{SRE}"),
        ("I\u200bNF\u2014\u00ad00\u20603", NETWORK),
        ("ＩＮＦ－００１", ARCHITECT),
        ("\u0399\u039d\u03dc-002", SYSADMIN),
        ("INF-004\u0301\u0308 ok", f"{DBA} ok"),
        ("INF —\n006", AUTOMATION),
    ],
)
def test_spellings_a_reader_reads_as_an_id(text: str, expected: str) -> None:
    assert scrub(text) == expected
    assert stream(list(text)) == expected


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*_input.txt")), ids=lambda path: path.name)
def test_fixture_pairs(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = path.with_name(path.name.replace("_input", "_output")).read_text(encoding="utf-8")
    assert scrub(text) == expected
    assert stream(list(text)) == expected


# ---------------------------------------------------------------------------- streaming


def test_ordinary_text_is_released_at_once() -> None:
    scrubber = Scrubber()
    assert scrubber.feed("checked db-inf-003.internal and ") == "checked db-inf-003.internal and "
    assert scrubber.feed("INF-00") == ""
    assert scrubber.feed("5") == ""  # INF-0051 would be a longer number
    assert scrubber.feed(".") == ""  # INF-005.prod would be a hostname
    assert scrubber.feed(" paged") == f"{SRE}. paged"
    assert scrubber.feed(" inf") == " "
    assert scrubber.feed("o") == "info"
    assert scrubber.flush() == ""


def test_plain_chunks_hold_only_a_spelling_that_reaches_their_end() -> None:
    scrubber = Scrubber()
    assert scrubber.feed("logged in") == "logged "  # "in" may become INF-00N
    assert scrubber.feed(" as root") == "in as root"  # the first symbol ends it
    assert scrubber.feed(" then in") == " then "
    assert scrubber.feed("fo: ok") == "info: ok"
    assert scrubber.feed("x-inf-005") == "x-inf-005"  # a hostname label: nothing held
    assert scrubber.feed(" and INF_00") == " and "
    assert scrubber.feed("5 paged") == f"{SRE} paged"
    assert scrubber.feed(" win") == " win"  # a word glues it
    assert scrubber.flush() == ""


@pytest.mark.parametrize(
    ("held", "after", "released"),
    [
        ("INF-005.", "\n", f"{SRE}.\n"),  # a full stop that ends a sentence
        ("INF-005.", "p", "INF-005.p"),  # a hostname label
        ("INF-005-", "c", "INF-005-c"),  # a Kubernetes name
        ("INF-005:", "9", "INF-005:9"),  # a host and port
        ("INF-005:", "a", f"{SRE}:a"),  # a colon and a word
        ("INF-005", "1", "INF-0051"),  # a longer number
        ("INF-005", ")", f"{SRE})"),
        ("\uff29\uff2e\uff26\uff0d\uff10\uff105.", " ", f"{SRE}. "),  # fullwidth
    ],
)
@pytest.mark.parametrize("chunked", [False, True])
def test_a_held_spelling_is_decided_by_the_next_symbol(
    held: str, after: str, released: str, chunked: bool
) -> None:
    scrubber = Scrubber()
    out = "".join(scrubber.feed(char) for char in held)
    assert out == ""
    rest = after + " more" if chunked else after
    assert out + scrubber.feed(rest) + scrubber.flush() == released + rest[1:]
    assert released + rest[1:] == scrub(held + rest)


def test_markup_and_unicode_chunks_without_a_spelling_are_released_whole() -> None:
    scrubber = Scrubber()
    assert scrubber.feed("**Summary**: `db-01` is fine") == "**Summary**: `db-01` is fine"
    assert scrubber.feed(" — café &amp; naïve <b>ok</b>") == (" — café &amp; naïve <b>ok</b>")
    assert scrubber.feed(" **I**NF-00") == " **"  # a tail: held from its first letter
    assert scrubber.feed("5 paged") == f"{SRE}** paged"
    assert scrubber.feed("x**in") == "x**in"  # glued behind markup: no tail
    assert scrubber.flush() == ""


def test_unfinished_reference_comment_or_tag_is_held() -> None:
    scrubber = Scrubber()
    assert scrubber.feed("INF&#4") == ""
    assert scrubber.feed("5;00") == ""
    assert scrubber.feed("5 ok") == f"{SRE} ok"
    assert scrubber.feed("a <!-- note") == "a "
    assert scrubber.feed(" -->") == "<!-- note -->"
    assert scrubber.flush() == ""


def test_flush_resets_the_scrubber() -> None:
    scrubber = Scrubber()
    assert scrubber.feed("x INF-00") == "x "
    assert scrubber.flush() == "INF-00"
    assert scrubber.feed("INF-001 ") == f"{ARCHITECT} "
    assert scrubber.flush() == ""


PIECES = [
    "INF-005",
    "inf_001",
    "INF 003",
    "INF.004",
    "INF:002",
    "inf006",
    "INF&#45;005",
    "INF&hyphen;001",
    "**INF**-002",
    "`INF`-003",
    "INF\\-004",
    "INF<!-- x -->-005",
    "<b>INF</b>-006",
    "<br>",
    "<td>",
    "&amp;",
    "&#4",
    "<!--",
    "-->",
    "ＩＮＦ－００１",
    "I\u200bNF-002",
    "INF-003\u0301",
    "\u0301",
    "\u200b",
    "inf01.prod.example.com",
    "db-inf-003.internal",
    "inf001:9100",
    "INF-1234",
    "INF-12",
    "INF-0051",
    "INFO",
    "infra",
    "ticket-inf2-7",
    "in",
    "i",
    "f",
    "0",
    "00",
    "5",
    "-",
    ".",
    ":",
    " ",
    "\n",
    "*",
    "`",
    "\\",
    "&",
    "<",
    ">",
    ";",
    "x",
    "db",
]
texts = st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=16).map("".join)


@PROPERTY
@given(texts, st.lists(st.integers(0, 64), max_size=40))
def test_streamed_output_always_equals_batch_output(text: str, cuts: list[int]) -> None:
    chunks: list[str] = []
    rest = text
    for size in cuts:
        chunks.append(rest[:size])
        rest = rest[size:]
    chunks.append(rest)
    expected = scrub(text)
    assert stream(chunks) == expected
    assert stream(list(text)) == expected
    assert scrub(expected) == expected  # idempotent


@PROPERTY
@given(texts)
def test_scrubbed_text_reads_as_no_id(text: str) -> None:
    assert read_ids(scrub(text)) == []


LETTERS = {
    "i": ["I", "i", "\uff29", "\u0399", "\u0406", "\u026a", "\U0001d408", "\u00cd"],
    "n": ["N", "n", "\uff2e", "\u039d", "\u0274", "\u00d1"],
    "f": ["F", "f", "\uff26", "\u03dc", "\ua730"],
}
SEPARATORS = ["-", "_", " ", ".", "/", ":", "\u2013", "\u2014", "\u2212", "\uff0d", "&#45;"]
INVISIBLE = ["", "", "", "\u200b", "\u00ad", "\u0301", "*", "`", "<!-- -->", "<i></i>"]
DIGITS = [0x30, 0xFF10, 0x660, 0x1D7CE]


@st.composite
def disguised_ids(draw: st.DrawFn) -> tuple[str, str]:
    number = draw(st.integers(1, 6))
    parts = [draw(st.sampled_from(LETTERS[letter])) for letter in "inf"]
    parts += draw(st.lists(st.sampled_from(SEPARATORS), max_size=3))
    base = draw(st.sampled_from(DIGITS))
    parts += [chr(base + int(digit)) for digit in f"00{number}"]
    text = parts[0] + "".join(draw(st.sampled_from(INVISIBLE)) + part for part in parts[1:])
    return text, NAMES[number]


@PROPERTY
@given(st.lists(disguised_ids(), min_size=1, max_size=4))
def test_every_disguise_is_read_and_replaced(ids: list[tuple[str, str]]) -> None:
    text = " and ".join(spelling for spelling, _ in ids) + "."
    numbers = {name: number for number, name in NAMES.items()}
    assert read_ids(text) == [numbers[name] for _, name in ids]
    scrubbed = scrub(text)
    assert read_ids(scrubbed) == []
    for _, name in ids:
        assert name in scrubbed
    assert stream(list(text)) == scrubbed


# ---------------------------------------------------------------------------- the request


def test_the_raw_request_is_kept_for_the_tools_only() -> None:
    typed = "  ssh inf005 and check inf01.prod.example.com  "
    shown = remember_request(typed)
    assert shown == f"  ssh {SRE} and check inf01.prod.example.com  "
    assert raw_request(shown) == typed
    assert raw_request(shown.strip()) == typed.strip()
    assert raw_request("never seen") == "never seen"


@pytest.mark.parametrize("module", ["infra_team.scrub", "infra_team._scrub_engine"])
def test_source_of_the_scrubber_is_clean(module: str) -> None:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin).read_text(encoding="utf-8")
    assert scrub(source) == source


def test_long_text_with_many_dropped_runs_scrubs_as_streamed() -> None:
    """The batch scrubber maps IDs back through a table of dropped runs; the streaming one
    walks the view chunk by chunk. On a long text with many runs both must agree."""
    rng = random.Random(11)
    text = " ".join(rng.choice(PIECES) for _ in range(3000))
    expected = stream([text[i : i + 7] for i in range(0, len(text), 7)])
    assert scrub(text) == expected
    assert stream(list(text)) == expected
    assert scrub(expected) == expected


@pytest.mark.parametrize(
    "text",
    [
        "x\u200bINF-005",
        "**x**INF-005",
        "db-<!-- c -->inf-003.internal",
        "db.\u200b\u200binf-003 ok",
        "\u200b" * 50 + "x" + "\u200b" * 70 + "INF-001",
    ],
)
def test_a_word_or_label_behind_dropped_characters_still_glues(text: str) -> None:
    """Scrubbing reads the compact view, where dropped characters are gone: a word or
    label behind them glues a spelling, however long the run is."""
    assert scrub(text) == text
    assert stream(list(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "\u200b" * 40 + "INF-005" + "\u200b" * 40,
        "I\u200bN\u200bF\u200b-\u200b0\u200b0\u200b5 and INF-001",
        "**INF**-00**5**\u0301\u0301 then `INF`-002&#8203;",
        "&#73;&#78;&#70;-&#48;&#48;&#53;&#x301; INF&#45;003",
        "a\u200b \u200bINF\u00ad-005<!-- c -->x INF-006\u200b.\u200bprod",
        "".join(f"x{chr(0x200B) * n}INF-00{n % 6 + 1}" for n in range(30)),
    ],
)
def test_ids_among_dropped_characters_map_back_to_their_source(text: str) -> None:
    """An ID is found on the compact view and its span mapped back past every dropped
    character before and inside it, with the marks and reference tails after its last
    digit: the output is the reference scrubber's, batch and streamed."""
    expected = scrub_reference.scrub(text)
    assert scrub(text) == expected
    assert stream(list(text)) == expected
    assert stream([text[i : i + 5] for i in range(0, len(text), 5)]) == expected


def test_held_views_agree_with_the_full_scan() -> None:
    """The streaming scrubber extends held text by a set lookup (``_UNDECIDED``) instead
    of scanning it again; every view in the set must be held whole by the full scan, and
    one more separator, digit or letter must leave the set exactly when the full scan
    releases or decides something."""
    module = importlib.import_module("infra_team._scrub_engine")
    dash = "\u2013"  # a separator that is not ASCII: its view symbol is ``=``
    for view in sorted(module._UNDECIDED):
        matches, end, _ = module._scan(view.replace("=", dash), b"  ", final=False)
        assert (matches, end) == (([], []), 0), view
    for view in sorted(module._PROPER):
        for symbol in "-._ /:=0123456789infxo":
            grown = view + symbol
            matches, end, _ = module._scan(grown.replace("=", dash), b"  ", final=False)
            held_whole = not matches[1] and end == 0
            assert held_whole == (grown in module._UNDECIDED), grown
            if grown not in module._UNDECIDED and symbol != "i":
                assert (matches, end) == (([], []), len(grown)), grown  # released unchanged


# ------------------------------------------------------- differential: stream == batch == reference

OTHER_PIECES = [
    "naïve café",
    "Größe",
    "日本語のテキスト",
    "ok ✅",
    "Ⅻ",
    "&amp;",
    "&lt;b&gt;",
    "&#x2D;",
    "&hyphen;",
    "&#45",
    "&nosuch;",
    "a < b",
    "<td>",
    "<span class='x'>",
    "</b>",
    "\u200d",
    "\ufeff",
    "\u00ad",
    "~~",
    "**",
    "\\",
    "inf01.prod.example.com",
    "db-inf-003.internal",
    "INF-1234",
    "INFO ",
    "inf",
    "in",
    "i",
    "\n",
]


@st.composite
def mixed_texts(draw: st.DrawFn) -> str:
    """IDs in many spellings among ASCII, non-ASCII, entities, markup and near-IDs."""
    pieces = st.one_of(
        disguised_ids().map(lambda pair: pair[0]),
        st.sampled_from(PIECES),
        st.sampled_from(OTHER_PIECES),
        st.text(max_size=6),
        st.text(alphabet="inf-_. 0123456:", max_size=8),
    )
    return "".join(draw(st.lists(pieces, max_size=20)))


@PROPERTY
@given(mixed_texts(), st.lists(st.integers(0, 80), max_size=60), st.randoms())
def test_stream_equals_batch_equals_the_reference(
    text: str, cuts: list[int], rng: random.Random
) -> None:
    """The fast paths change no output: batch and streamed scrubbing, cut anywhere, give
    what the frozen reference scrubber gives."""
    expected = scrub_reference.scrub(text)
    assert scrub(text) == expected
    chunks, rest = [], text
    for size in cuts:
        chunks.append(rest[:size])
        rest = rest[size:]
    chunks.append(rest)
    assert stream(chunks) == expected
    points = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 12))))
    assert stream([text[a:b] for a, b in itertools.pairwise([0, *points, len(text)])]) == expected
    assert stream(list(text)) == expected
