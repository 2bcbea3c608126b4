"""The scrubber's engine: :func:`scrub`, the streaming :class:`Scrubber` and
:func:`scrub_obj`, implementing the rules that ``infra_team.scrub`` states.

Import them from ``infra_team.scrub``, which picks the build of this module to use. The
install compiles this module with mypyc into a C extension of the same source
(``hatch_build.py``): streaming text a few characters at a time is bound by the
interpreter's cost per call. So the module is written for the compiled build: annotated,
its constants ``Final`` (read as C globals, not looked up by name), its searches calls
that compile to direct C calls (``str.find``), and a spelling read with byte tests
rather than regex searches, whose setup costs more than the test there. Nothing is
patched from outside. Without a C compiler the install keeps this pure module, which
gives the same output at about a third of the speed (``python -m bench.scrub`` prints
both builds).
"""

from __future__ import annotations

import codecs
import copy
import dataclasses
import functools
import html.entities
import itertools
import re
import unicodedata
from typing import Any, Final, TypeVar, cast

from pydantic import BaseModel

from infra_team._roles import INTERNAL_IDS

# --- the registry's IDs ----------------------------------------------------------------

_SPLIT_IDS: Final[list[tuple[list[str], str]]] = [
    (key.rsplit("-", 1), name) for key, (_, name) in INTERNAL_IDS.items()
]
_NUMBERS: Final[dict[bytes, str]] = {
    number.encode("ascii"): name for (_, number), name in _SPLIT_IDS
}
"""Registry number (ASCII digits) -> display name."""
_PREFIXES: Final = {prefix.lower() for (prefix, _), _ in _SPLIT_IDS}
if len(_PREFIXES) != 1:  # pragma: no cover - a registry edit, caught at import
    raise RuntimeError("internal IDs must share one prefix")
_PREFIX: Final[bytes] = _PREFIXES.pop().encode("ascii")

# --- the view: one byte per source character --------------------------------------------

_INVISIBLE: Final = b"\x00"
_MARK: Final = b"\x01"
_MARKUP: Final = b"\x02"
_REF_TAIL: Final = b"\x03"
_DROPPED: Final = _INVISIBLE + _MARK + _MARKUP + _REF_TAIL
_DROPPED_TEXT: Final = _DROPPED.decode("ascii")
_OTHER_SEPARATOR: Final = b"="  # a dash or separator that is not ASCII: never a hostname joiner
_LETTER: Final = b"a"  # a letter or digit with no ASCII fold: only its word boundary counts
_OTHER: Final = b"#"

_CONFUSABLES: Final[dict[str, str]] = {
    "\u0131": "i",  # Latin small dotless i
    "\u0269": "i",  # Latin small iota
    "\u026a": "i",  # Latin letter small capital i
    "\u03b9": "i",  # Greek small iota (capital iota case-folds here)
    "\u0456": "i",  # Cyrillic small byelorussian-ukrainian i
    "\u04cf": "i",  # Cyrillic small palochka
    "\u03bd": "n",  # Greek small nu
    "\u0274": "n",  # Latin letter small capital n
    "\u0578": "n",  # Armenian small vo
    "\u0192": "f",  # Latin small f with hook
    "\u03dd": "f",  # Greek small digamma
    "\u0493": "f",  # Cyrillic small ghe with stroke
    "\ua730": "f",  # Latin letter small capital f
}
_MINUS_SIGNS: Final = frozenset("\u2212\u02d7\u2043\u2796\u207b\u208b")
_FILLERS: Final = frozenset("\u115f\u1160\u3164\uffa0")
_INLINE_TAGS: Final = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    ]
)


def _ascii_view(code: int) -> bytes:
    char = chr(code)
    if char.isspace():
        return b" "
    if char.isalnum():
        return char.lower().encode("ascii")
    if char in "-._":
        return char.encode("ascii")
    if char in "/:":
        return char.encode("ascii")
    if char in "*`\\~":
        return _MARKUP
    if code < 32 or code == 127:
        return _INVISIBLE
    return _OTHER


_ASCII_TABLE: Final = b"".join(_ascii_view(code) for code in range(128)) + _OTHER * 128


def _char_view(char: str) -> str:
    """The view of one non-ASCII character (one ASCII symbol)."""
    if char.isspace():
        return " "
    category = unicodedata.category(char)
    if category in {"Cf", "Cc", "Cs", "Co"} or char in _FILLERS:
        return _INVISIBLE.decode()
    if category[0] == "M":
        return _MARK.decode()
    if category == "Pd" or char in _MINUS_SIGNS:
        return _OTHER_SEPARATOR.decode()
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold())
    folded = "".join(c for c in folded if unicodedata.category(c)[0] != "M")
    if len(folded) == 1:
        folded = _CONFUSABLES.get(folded, folded)
        if folded.isascii():
            if folded.isalnum():
                return folded.lower()
            if folded in "-._/:" or folded.isspace():
                return _OTHER_SEPARATOR.decode()
            return _OTHER.decode()
    return _LETTER.decode() if char.isalnum() else _OTHER.decode()


class _ViewTable(dict[int, str]):
    """``str.translate`` table for non-ASCII text, filled on first use and bounded."""

    def __missing__(self, code: int) -> str:
        view = _char_view(chr(code))
        if len(self) < 1 << 16:
            self[code] = view
        return view


_NON_ASCII_TABLE: Final = _ViewTable()
_TAG: Final = r"</?(?P<tag>[A-Za-z][A-Za-z0-9]{0,15})(?:[\s/][^<>]{0,100})?>"
_PARTIAL: Final = (  # a proper prefix of a construct that ends the text: a later chunk may complete it
    r"|(?P<partial>(?:&(?:#[0-9]{0,7}|#[xX][0-9a-fA-F]{0,6}|[A-Za-z][A-Za-z0-9]{0,31})?"
    r"|<(?:!(?:-(?:-.{0,202})?)?)?|</?[A-Za-z][A-Za-z0-9]{0,15}(?:[\s/][^<>]{0,100})?"
    r"|</)\Z)"
)


def _construct_pattern(final: bool) -> re.Pattern[str]:
    """Character references, comments and tags. A numeric reference may omit its ``;``
    (HTML decodes it): it then ends before the next character that is not a digit, or,
    once the text is complete, at its end."""
    end = r"|\Z" if final else ""
    reference = (
        f"&(?:#[0-9]{{1,7}}(?:;|(?=[^0-9;]){end})"
        f"|#[xX][0-9a-fA-F]{{1,6}}(?:;|(?=[^0-9a-fA-F;]){end})"
        r"|[A-Za-z][A-Za-z0-9]{1,31};)"
    )
    return re.compile(
        f"(?P<ref>{reference})|(?P<comment><!--.{{0,200}}?-->)|{_TAG}{_PARTIAL}", re.DOTALL
    )


_CONSTRUCTS: Final = {final: _construct_pattern(final) for final in (False, True)}


_VIEW_ERRORS: Final = "infra_team.scrub.view"
_AMPERSAND: Final = ord("&")
_LESS_THAN: Final = ord("<")
_HIGH: Final = bytes((code | 0x80) & 0xFF for code in range(256))
_WIDE_TABLE: Final = _ASCII_TABLE[:128] + bytes(range(128))
"""``_ASCII_TABLE`` for ASCII bytes; a byte the error handler wrote (the view symbol with
its high bit set) back to that symbol."""
_RUNS: Final[dict[str, bytes]] = {}


def _view_of_run(error: UnicodeError) -> tuple[bytes, int]:
    """Encoding error handler: the view of a run of characters that are not ASCII, one
    byte each with the high bit set (never ``&`` or ``<``, so construct search skips it)."""
    if not isinstance(error, UnicodeEncodeError):  # pragma: no cover - registered for encoding
        raise error
    part = error.object[error.start : error.end]
    high = _RUNS.get(part)
    if high is None:
        high = part.translate(_NON_ASCII_TABLE).encode("ascii").translate(_HIGH)
        if len(_RUNS) < 1 << 12:
            _RUNS[part] = high
    return high, error.end


codecs.register_error(_VIEW_ERRORS, _view_of_run)


@functools.lru_cache(maxsize=1024)
def _reference_view(reference: str) -> bytes | None:
    """The view of the character a complete character reference stands for."""
    body = reference[1:].removesuffix(";")
    if body.startswith(("#x", "#X")):
        value: str | None = _code_point(int(body[2:], 16))
    elif body.startswith("#"):
        value = _code_point(int(body[1:]))
    else:
        value = html.entities.html5.get(body + ";")
    if value is None or len(value) != 1:
        return None
    if value.isascii():
        return _ASCII_TABLE[ord(value) : ord(value) + 1]
    return value.translate(_NON_ASCII_TABLE).encode("ascii")


def _code_point(code: int) -> str | None:
    if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
        return chr(code)
    return None


def _view(text: str, final: bool) -> tuple[bytes, int]:
    """The view of ``text`` and where a construct that a later chunk may complete starts
    (``len(text)`` when none, and always when ``final``).

    The view is bytes, one per character: a ``str`` holding wide characters takes two or
    four bytes each to copy and search. Runs of characters that are not ASCII are viewed
    by an encoding error handler (``_view_of_run``), called once a run from C."""
    if text.isascii():
        raw = text.encode("ascii")
        view = raw.translate(_ASCII_TABLE)
    else:
        raw = text.encode("ascii", _VIEW_ERRORS)
        view = raw.translate(_WIDE_TABLE)
    incomplete = len(text)
    if _AMPERSAND in raw or _LESS_THAN in raw:  # int needles: a bytes needle raises inside
        parts: list[bytes] = []  # the view with each construct's symbols, joined once
        copied = 0  # where the view is not yet in ``parts``
        pos = 0
        constructs = _CONSTRUCTS[final]
        amp = text.find("&")  # ``str.find``: a direct call in the compiled build (``_as_text``)
        tag = text.find("<")
        while amp >= 0 or tag >= 0:
            if amp < pos and amp >= 0:
                amp = text.find("&", pos)
            if tag < pos and tag >= 0:
                tag = text.find("<", pos)
            if amp < 0 and tag < 0:
                break
            candidate = tag if amp < 0 or 0 <= tag < amp else amp
            found = constructs.match(text, candidate)
            if found is None:
                pos = candidate + 1
                continue
            start, end = found.span()
            if found["partial"] is not None:
                if not final:
                    incomplete = start
                    break
                pos = start + 1
                continue
            pos = end
            if found["ref"] is not None:
                head = _reference_view(found["ref"])
                if head is None:
                    continue
                symbols = head + _REF_TAIL * (end - start - 1)
            elif found["comment"] is not None or found["tag"].lower() in _INLINE_TAGS:
                symbols = _MARKUP * (end - start)
            else:
                symbols = b" " + _REF_TAIL * (end - start - 1)
            parts.append(view[copied:start])
            parts.append(symbols)
            copied = end
        if parts:
            parts.append(view[copied:])
            view = b"".join(parts)
    return view, incomplete


# --- matching on the view --------------------------------------------------------------

_SEPARATOR_SYMBOLS: Final = b"-._ /:="
if len({len(number) for number in _NUMBERS}) != 1:  # pragma: no cover - a registry edit
    raise RuntimeError("registry numbers must have one length")
_SHOWN: Final = len(_DROPPED)  # view symbols below this are dropped
_ALNUM_SYMBOLS: Final = b"abcdefghijklmnopqrstuvwxyz0123456789"
_LABEL_JOINERS: Final = b"-."
_ALNUM_SET: Final = frozenset(_ALNUM_SYMBOLS)
_IS_ALNUM: Final = 2
_IS_JOINER: Final = 1
_KIND: Final = bytes(
    _IS_ALNUM if code in _ALNUM_SET else _IS_JOINER if code in _LABEL_JOINERS else 0
    for code in range(256)
)
"""View symbol -> whether it is a letter or digit, or a hostname joiner: one byte read."""
_MARKUP_CODE: Final = _MARKUP[0]
_MARKUP_TEXT: Final = _MARKUP.decode("ascii")
_TRAILING: Final = bytes(code in _MARK + _REF_TAIL for code in range(256))
"""View symbol -> whether it belongs to the symbol before it (a combining mark, the rest of
a character reference): an ID's span takes those after its last digit."""


_SEPARATES: Final = bytes(code in _SEPARATOR_SYMBOLS for code in range(256))
"""View symbol -> whether it may come between the prefix and the number: one byte read."""
_PREFIX_LENGTH: Final = len(_PREFIX)
_NUMBER_LENGTH: Final = len(next(iter(_NUMBERS)))
_COLON: Final = ord(":")
_PREFIX_TEXT: Final = _PREFIX.decode("ascii")
_DIGITS: Final = bytes(code in b"0123456789" for code in range(256))
_NUMBER_FIRST: Final = bytes(any(number[0] == code for number in _NUMBERS) for code in range(256))
"""View symbol -> whether a registry number starts with it: most prefixes are followed by
something else (``INFO``, ``inf01``), rejected before the number is looked up."""


def _as_text(view: bytes) -> str:
    """A view as text, to look for the prefix in: ``str.find`` is a direct call in the
    compiled build, where ``bytes.find`` parses its arguments from a tuple (about a
    thousand instructions a call, more than the search)."""
    return view.decode("latin-1")


def _unglued_at(view: bytes, start: int) -> bool:
    """No letter or digit, nor one and a hostname joiner, right before ``start`` within
    ``view``: the glue rule on a view with nothing dropped, up to its start (what comes
    before the view is the caller's to check)."""
    if start == 0:
        return True
    kind = _KIND[view[start - 1]]
    if kind == _IS_ALNUM:
        return False
    return kind != _IS_JOINER or start < 2 or _KIND[view[start - 2]] != _IS_ALNUM


def _number_start(view: bytes, start: int) -> int:
    """With the prefix at ``start``: where the number after it starts, past up to three
    separators (none of them a digit, so the number can start nowhere else)."""
    at = start + _PREFIX_LENGTH
    stop = min(at + 3, len(view))
    while at < stop and _SEPARATES[view[at]]:
        at += 1
    return at


def _id_end(view: bytes, start: int) -> int:
    """Where the ID that starts at ``start`` ends in a view with nothing dropped, or -1:
    the prefix that no word or hostname label in the view glues, up to three separators,
    a registry number, and after it no letter or digit (a longer number, a word), no
    hostname joiner and one (a hostname label), no colon and digit (a port).

    This is the one reading of what an ID is: other text is read on its compact view,
    where nothing is dropped (``_scan``). Byte reads, not a regex: a regex search's setup
    (a state and a stack allocated each call) costs more than the whole test."""
    if not _unglued_at(view, start):
        return -1
    at = _number_start(view, start)
    end = at + _NUMBER_LENGTH
    size = len(view)
    if end > size or not _NUMBER_FIRST[view[at]] or view[at:end] not in _NUMBERS:
        return -1
    if end < size:
        symbol = view[end]
        kind = _KIND[symbol]
        if kind == _IS_ALNUM:
            return -1
        if end + 1 < size:
            after = view[end + 1]
            if kind == _IS_JOINER and _KIND[after] == _IS_ALNUM:
                return -1
            if symbol == _COLON and _DIGITS[after]:
                return -1
    return end


def _next_plain_id(view: bytes, letters: str, pos: int) -> tuple[int, int]:
    """The start and end of the first ID from ``pos`` in a view with nothing dropped
    (``_id_end``), or ``(-1, -1)``; ``letters`` is the view as text, where the prefix is
    looked for (``_as_text``)."""
    start = letters.find(_PREFIX_TEXT, pos)
    while start >= 0:
        end = _id_end(view, start)
        if end >= 0:
            return start, end
        start = letters.find(_PREFIX_TEXT, start + 1)
    return -1, -1


_NUMBER_PREFIXES: Final = frozenset(n[:i] for n in _NUMBERS for i in range(len(n)))
"""The registry numbers' proper prefixes, the empty one included."""
_HEAD: Final = _PREFIX[:1]


_TAIL_WINDOW: Final = len(_PREFIX) + 3 + max(len(n) for n in _NUMBERS)
_TAIL_ENDS: Final = frozenset(_PREFIX + _SEPARATOR_SYMBOLS + b"".join(_NUMBER_PREFIXES))
"""The symbols a tail can end with."""
_JOINERS: Final = frozenset(b"-.:")
_JOINER_TEXT: Final = frozenset(map(chr, _JOINERS))  # the same, as text


_Matches = tuple[list[int], list[str]]
"""The IDs found in a text: the source start and end of each, one after the other, and
each one's replacement (the display name, then the markup inside the spelling: bold stays
bold, escaping backslashes are dropped). Ints and strings in two lists, not an object per
ID: a long text's tens of thousands of IDs then leave the garbage collector nothing to
track, where a tuple each set off collections that walked the whole heap."""


def _markup_inside(text: str, view: bytes, start: int, end: int) -> str:
    """The markup inside a spelling, kept after the name (bold stays bold); escaping
    backslashes are dropped."""
    inside = _as_text(view[start:end])  # the spelling alone: a long text is not copied
    first = inside.find(_MARKUP_TEXT)
    last = inside.rfind(_MARKUP_TEXT)
    source = text[start:end]
    if inside.count(_MARKUP_TEXT, first, last + 1) == last + 1 - first:  # one run: ``**INF**-00N``
        return source[first : last + 1].replace("\\", "")
    return "".join(
        source[i] for i in range(first, last + 1) if inside[i] == _MARKUP_TEXT and source[i] != "\\"
    )


def _compact(view: bytes, endpos: int) -> tuple[bytes, list[int]]:
    """The compact view of ``view[:endpos]`` (its dropped symbols removed) and where its
    dropped symbols are, in order (for ``_ViewIndex``); the view itself and no positions
    when nothing is dropped, as in most text. Dropped symbols are rare: each is found
    with a one-character search, and the compact view is joined from the runs between
    them (``bytes.translate`` with deletions costs several times as much a byte)."""
    part = view[:endpos] if endpos < len(view) else view
    drops: list[int] = []
    letters = ""
    for code in range(_SHOWN):  # the dropped symbols are the view's lowest byte values
        if code in part:  # an int needle: one byte search
            letters = letters or _as_text(part)
            symbol = chr(code)
            at = letters.find(symbol)
            while at >= 0:
                drops.append(at)
                at = letters.find(symbol, at + 1)
    if not drops:
        return part, drops
    drops.sort()
    runs: list[bytes] = []
    start = 0
    for drop in drops:
        if drop > start:
            runs.append(part[start:drop])
        start = drop + 1
    runs.append(part[start:])
    return b"".join(runs), drops


class _ViewIndex:
    """Maps indexes of a compact view, in increasing order, back to the view: one more
    for each dropped symbol before the shown symbol (``_compact``'s positions)."""

    __slots__ = ("_drops", "_passed")

    def __init__(self, drops: list[int]) -> None:
        self._drops = drops
        self._passed = 0  # dropped symbols before the last index mapped

    def at(self, index: int) -> int:
        """The view index of the shown symbol at compact ``index`` (no smaller than the
        last one asked for)."""
        drops = self._drops
        passed = self._passed
        while passed < len(drops) and drops[passed] <= index + passed:
            passed += 1
        self._passed = passed
        return index + passed


def _scan(
    text: str,
    left: bytes,
    final: bool,
    viewed: tuple[bytes, int] | None = None,
    compacted: tuple[bytes, list[int]] | None = None,
) -> tuple[_Matches, int, bytes]:
    """The IDs in ``text`` after the context ``left`` (the last two compact symbols
    before it), how much of ``text`` is final, and the context after that part.

    Spellings are found on the compact view with the plain tests (``_next_plain_id``):
    what is dropped between two symbols of a spelling, it skips by construction. Each ID's
    span is then mapped back to the source, with the combining marks and reference tails
    after its last digit (``_TRAILING``), so that nothing of it shows.

    Unless ``final``, the text from an ID that the next symbol may still turn into a
    longer number, a word or a hostname label (nothing shown after it, or one joiner),
    or else from a tail that may still become an ID, is held, as is an unfinished
    character reference, comment or tag. ``viewed`` and ``compacted``: ``text``'s view
    and compact view, when the caller has them."""
    view, incomplete = viewed or _view(text, final)
    compact, drops = compacted or _compact(view, incomplete)
    to_view = _ViewIndex(drops)
    haystack = left + compact if left else compact
    base = len(left)
    size = len(haystack)
    letters = _as_text(haystack)
    bounds: list[int] = []
    names: list[str] = []
    held = size
    start, end = _next_plain_id(haystack, letters, base)
    while start >= 0:
        if not final and (end == size or (end == size - 1 and haystack[end] in _JOINERS)):
            held = start  # undecided: the next symbol decides
            break
        first = to_view.at(start - base)
        last = to_view.at(end - 1 - base) + 1
        while last < incomplete and _TRAILING[view[last]]:
            last += 1
        name = _NUMBERS[haystack[end - _NUMBER_LENGTH : end]]
        if drops and _MARKUP_CODE in view[first:last]:
            name += _markup_inside(text, view, first, last)
        bounds.append(first)
        bounds.append(last)
        names.append(name)
        start, end = _next_plain_id(haystack, letters, end)
    else:
        if not final and size > base and haystack[size - 1] in _TAIL_ENDS:
            tail = letters.rfind(_HEAD_TEXT, max(base, size - _TAIL_WINDOW))
            if tail >= 0 and haystack[tail:] in _PROPER_VIEWS and _unglued_at(haystack, tail):
                held = tail  # a tail holds the prefix's first letter once
    after = haystack[max(0, held - 2) : held]
    return (bounds, names), incomplete if held == size else to_view.at(held - base), after


def _apply(text: str, matches: _Matches) -> str:
    bounds, names = matches
    if not names:
        return text
    if len(names) == 1:
        return text[: bounds[0]] + names[0] + text[bounds[1] :]
    out: list[str] = []
    cursor = 0
    for i, name in enumerate(names):
        out.append(text[cursor : bounds[2 * i]])
        out.append(name)
        cursor = bounds[2 * i + 1]
    out.append(text[cursor:])
    return "".join(out)


def scrub(text: str) -> str:
    """Replace every internal ID in ``text`` with the role's display name.

    Args:
        text: Any text bound for a person or a host.

    Returns:
        ``text`` itself when it holds no ID, otherwise the scrubbed copy.
    """
    if not text:
        return text
    if text.isascii():  # most text a run scrubs: short, plain, no ID
        plain = text.encode("ascii").translate(_PLAIN_TABLE)
        if 0 not in plain:  # nothing dropped, no ``&`` or ``<``: byte reads, no regex
            letters = _as_text(plain)
            start, end = _next_plain_id(plain, letters, 0)
            if start < 0:
                return text
            bounds: list[int] = []
            names: list[str] = []
            while start >= 0:
                bounds.append(start)
                bounds.append(end)
                names.append(_NUMBERS[plain[end - _NUMBER_LENGTH : end]])
                start, end = _next_plain_id(plain, letters, end)
            return _apply(text, (bounds, names))
    return _apply(text, _scan(text, b"", True)[0])


# --- streaming ---------------------------------------------------------------------------


def _context(left: bytes) -> bytes:
    """The two compact symbols before a position, reduced to what the glue test reads of
    them (``_unglued_at``): a letter or digit (``" a"``), one and a hostname joiner
    (``"a-"``), or neither (``"  "``). The test gives the same answer on ``left`` and on
    this."""
    left = left[-2:]
    last = left[-1:]
    if last and last in _ALNUM_SYMBOLS:
        return b" a"
    if last and last in b"-." and len(left) == 2 and left[:1] in _ALNUM_SYMBOLS:
        return b"a-"
    return b"  "


_SHOWN_SYMBOLS: Final = [bytes([code]) for code in range(_SHOWN, 128)]
_CONTEXTS: Final = {
    left: _context(left)
    for left in [b"", *_SHOWN_SYMBOLS] + [a + b for a in _SHOWN_SYMBOLS for b in _SHOWN_SYMBOLS]
}
"""``_context`` of every view of up to two shown symbols: one lookup."""


class _Steps(dict[str, "_Steps"]):
    """One-character chunks that leave nothing to hold after a context, each mapped to the
    steps of the context that follows it; ``left`` is the context itself."""

    __slots__ = ("left",)

    def __init__(self, left: bytes) -> None:
        super().__init__()
        self.left = left


# ASCII characters that read as themselves whatever follows (``&`` and ``<`` may open a
# reference, comment or tag), with their view symbol.
_PLAIN_VIEW: Final = {
    chr(code): _ASCII_TABLE[code : code + 1] for code in range(128) if chr(code) not in "&<"
}
_STEPS: Final = {left: _Steps(left) for left in (b"  ", b" a", b"a-")}
for _steps in _STEPS.values():
    for _char, _symbol in _PLAIN_VIEW.items():
        if _symbol in _DROPPED:
            _steps[_char] = _steps  # dropped: the context stays
        elif _symbol != _HEAD or _steps.left != b"  ":  # else an ID may start here
            _steps[_char] = _STEPS[_context((_steps.left + _symbol)[-2:])]
_FREE: Final = _STEPS[b"  "]
_HOLDING: Final = _Steps(b"")  # no steps while a tail is held
_LAZY: Final = _Steps(b"")  # the context is the last two symbols of ``Scrubber._last``
_PLAIN_TABLE: Final = bytes(
    0 if code > 127 or code in b"&<" or _ASCII_TABLE[code] < _SHOWN else _ASCII_TABLE[code]
    for code in range(256)
)
"""The view of plain ASCII that shows, for UTF-8 bytes, with 0 for what the full scan must
see: bytes of characters that are not ASCII, dropped characters, and ``&`` and ``<``,
which may open a reference, comment or tag."""
_STEPS_AFTER: Final = {view: _STEPS[context] for view, context in _CONTEXTS.items()}
"""The steps after released text, by the last two compact symbols of its view."""


class _Symbols(dict[str, str | None]):
    """One character (not ``&`` or ``<``) -> its compact view: one symbol, or ``""`` when it
    is dropped; anything else -> None. Filled on first use, bounded."""

    def __missing__(self, chunk: str) -> str | None:
        if len(chunk) != 1 or chunk in "&<":
            return None
        symbol = chunk.translate(_NON_ASCII_TABLE)
        symbol = "" if symbol in _DROPPED_TEXT else symbol
        if len(self) < 1 << 16:
            self[chunk] = symbol
        return symbol


_SYMBOL: Final = _Symbols(
    (c, "" if s in _DROPPED else s.decode("ascii")) for c, s in _PLAIN_VIEW.items()
)


def _undecided_views() -> tuple[frozenset[str], frozenset[str]]:
    """The compact views, read from a start that no word or hostname label glues, that the
    scan holds whole: proper prefixes of an ID spelling (the tails), and whole spellings
    that the next symbol may still turn into a longer number, a word or a hostname label
    (``_WHOLE``)."""
    prefix = _PREFIX.decode()
    separators = [
        "".join(run) for size in range(4) for run in itertools.product(_SEPARATOR_TEXT, repeat=size)
    ]
    numbers = [n.decode() for n in _NUMBERS]
    heads = sorted({n[:i] for n in numbers for i in range(len(n))})
    proper = {prefix[:i] for i in range(1, len(prefix))}
    whole: set[str] = set()
    for separator in separators:
        proper.update(prefix + separator + head for head in heads)
        for number in numbers:
            spelling = prefix + separator + number
            whole.update([spelling] + [spelling + chr(j) for j in sorted(_JOINERS)])
    return frozenset(proper), frozenset(whole)


_SEPARATOR_TEXT: Final = _SEPARATOR_SYMBOLS.decode()  # as the view spells them
_UNDECIDED_VIEWS: Final = _undecided_views()
_PROPER: Final = _UNDECIDED_VIEWS[0]
_WHOLE: Final = _UNDECIDED_VIEWS[1]
_UNDECIDED: Final = _PROPER | _WHOLE
_ALNUM_TEXT: Final = frozenset(_ALNUM_SYMBOLS.decode())
_NAME_OF_NUMBER: Final = {number.decode(): name for number, name in _NUMBERS.items()}
_HEAD_TEXT: Final = _HEAD.decode()
_PREFIX_LAST: Final = _PREFIX[-1]
"""The prefix's last letter (``f``): a view without it holds no whole prefix."""
_ENDS_HEAD: Final = bytes(code in _PREFIX[:-1] for code in range(256))
"""View symbol -> whether a proper prefix of the prefix ends with it (``i``, ``n``)."""
_HEAD_VIEWS: Final = frozenset(_PREFIX[:i] for i in range(1, len(_PREFIX)))
"""The prefix's proper prefixes (``i``, ``in``)."""
_PROPER_VIEWS: Final = frozenset(view.encode("ascii") for view in _PROPER)
"""``_PROPER`` as bytes: the tails a plain view holds."""


def _may_start(view: bytes, pos: int = 0) -> tuple[int, int]:
    """The start and end of the first spelling start in ``view`` from ``pos``, or
    ``(-1, -1)``: the prefix, up to three separators and then a registry number, or a
    proper prefix of one that reaches the end of the text (``i`` and ``in`` included),
    where no word or hostname label in the text glues it. Every ID and every tail to hold
    contains one, so plain text without one needs no scan (``inf01.prod``, ``INF-1234``,
    ``INFO``, ``running`` need none).

    The glue test sees only the text: a spelling at its first two symbols is checked
    against the context before it (``Scrubber._spelling``). Byte reads, not a regex: most
    chunks hold the prefix or end in one of its letters, and a regex search's setup costs
    more than the test."""
    size = len(view)
    if _PREFIX_LAST in view:  # an int needle: one byte search, before the view as text
        letters = _as_text(view)
        start = letters.find(_PREFIX_TEXT, pos)
        while start >= 0:
            if _unglued_at(view, start):
                at = _number_start(view, start)
                if view[at : at + _NUMBER_LENGTH] in _NUMBERS:
                    return start, at + _NUMBER_LENGTH
                if at + _NUMBER_LENGTH > size and view[at:] in _NUMBER_PREFIXES:
                    return start, size
            start = letters.find(_PREFIX_TEXT, start + 1)
    if size and _ENDS_HEAD[view[size - 1]]:
        for start in range(max(pos, size - _PREFIX_LENGTH + 1), size):
            if view[start:] in _HEAD_VIEWS and _unglued_at(view, start):
                return start, size
    return -1, -1


class Scrubber:
    """Scrubs a stream of text chunks exactly as :func:`scrub` scrubs the whole text.

    ``feed`` releases at once what no later chunk can change and holds back only the
    tail that could still become an ID (or decide one: a number followed by ``.`` might
    be a hostname), or an unfinished character reference, comment or tag. ``flush``
    releases the held tail at the end of the stream; the scrubber can then be reused.

    Most chunks never reach that scan (``python -m bench.scrub`` measures the paths):

    * A chunk of plain ASCII that shows (nothing dropped, no ``&`` or ``<``) and holds no
      prefix followed by a registry number, nor ends in a proper prefix of one
      (``_may_start``), is released whole after a few byte operations. The context it
      leaves (its last two symbols) is read only when a later chunk needs it (``_LAZY``).
    * In a plain chunk where such a spelling is found, one that a word or hostname label
      glues is passed over; one that reaches the end is held as it is (nothing before it
      can be an ID); only a spelling with text after it is scanned, and on plain text
      the scan's glue tests are byte reads (``_plain``).
    * A one-character chunk costs one dictionary lookup (``_Steps``: the context after
      it). Held text is never scanned again while it grows one character at a time: the
      scrubber keeps its compact view and looks the view plus the next symbol up in the
      views that stay undecided (``_UNDECIDED``); a symbol that ends a proper prefix
      releases the tail unchanged, and so does the first symbol of a longer plain chunk.
      A symbol that decides a held whole spelling (an ID, or a longer number, hostname
      label or port) replaces or releases it without a scan (``_decided``).
    * A chunk with markup, references or characters that are not ASCII, nothing held,
      is viewed; with no spelling start in its compact view it is released whole
      (``_shown``).

    Anything else takes the scan that :func:`scrub` makes, on the held text and the
    chunk (``_scan``).
    """

    __slots__ = ("_held", "_last", "_left", "_pending", "_step")

    def __init__(self) -> None:
        self._step = _FREE  # the context after released text; ``_HOLDING`` while holding
        self._last = b""  # the view of the last plain chunk, while ``_step`` is ``_LAZY``
        self._pending = ""  # held text
        self._held: str | None = None  # its compact view, when it has no ``&`` or ``<``
        self._left = b""  # the context before the held text

    def feed(self, chunk: str) -> str:
        """Add a chunk; return the scrubbed text that no later chunk can change."""
        if len(chunk) > 1:
            view = chunk.encode().translate(_PLAIN_TABLE)
            if 0 in view:
                return self._scan(chunk) if self._pending else self._shown(chunk)
            if self._pending:
                return self._after_held(chunk, view)
            start, end = _may_start(view)
            if start >= 0:
                return self._spelling(chunk, view, start, end)
            self._step, self._last = _LAZY, view
            return chunk
        step = self._step.get(chunk)
        if step is not None:  # one plain character, nothing held, nothing to hold
            self._step = step
            return chunk
        return self._feed_one(chunk) if chunk else ""

    def _spelling(self, chunk: str, view: bytes, start: int, end: int) -> str:
        """A plain chunk, nothing held, where ``_may_start`` found a spelling. One that a
        word or hostname label glues is no ID: look on. One that reaches the end is a tail
        to hold (the next chunk decides it; nothing before it is an ID); any other may be
        an ID: scan."""
        step = self._step
        if step is _LAZY:
            step = _STEPS_AFTER[self._last[-2:]]
        haystack = step.left + view  # the two-symbol context, then the chunk's view
        while start >= 0:
            # ``_may_start`` tests the glue within the view; here the context's part
            if start >= 2 or _unglued_at(haystack, start + 2):
                if end < len(view):
                    return self._plain(chunk, haystack, start + 2)
                self._pending, self._held = chunk[start:], view[start:].decode("ascii")
                self._left, self._step = _CONTEXTS[haystack[start : start + 2]], _HOLDING
                return chunk[:start]
            start, end = _may_start(view, end)
        self._step, self._last = _LAZY, view
        return chunk

    def _decided(self, held: str, symbol: str) -> str | None:
        """The held text scrubbed, when it is a whole spelling in one symbol per character
        (no markup, mark or reference in it) and the next ``symbol``, shown and not the
        prefix's first letter, decides it without a scan: a letter or digit right after
        the number, or after a ``-`` or ``.`` after it, makes a longer number, a word or a
        hostname label; a digit after a ``:`` makes a port; anything else leaves an ID.
        None when the scan must decide."""
        pending = self._pending
        if (
            held not in _WHOLE
            or len(pending) != len(held)
            or not symbol
            or symbol == _HEAD_TEXT
            or held + symbol in _UNDECIDED
        ):
            return None
        joiner = held[-1] if held[-1] in _JOINER_TEXT else ""
        if symbol in _ALNUM_TEXT and (joiner != ":" or symbol.isdigit()):
            return pending
        end = len(held) - len(joiner)
        return _NAME_OF_NUMBER[held[end - _NUMBER_LENGTH : end]] + pending[end:]

    def _after_held(self, chunk: str, view: bytes) -> str:
        """A plain chunk after held text: when the held text is a proper prefix of a
        spelling that the chunk's first symbol ends, or a whole spelling that it decides
        (``_decided``), the held text is released and the chunk read on its own;
        otherwise both are scanned together."""
        held = self._held
        released = None
        if held is not None:
            first = chr(view[0])
            if held not in _PROPER:
                released = self._decided(held, first)
            elif held + first not in _UNDECIDED:
                released = self._pending
        if released is not None and held is not None:
            self._pending, self._held = "", None
            self._step = _STEPS_AFTER[(self._left + held.encode("ascii"))[-2:]]
            start, end = _may_start(view)
            if start >= 0:
                return released + self._spelling(chunk, view, start, end)
            self._step, self._last = _LAZY, view
            return released + chunk
        pending = self._pending
        if held is not None and len(held) == len(pending):  # one shown symbol a character
            return self._plain(pending + chunk, self._left + held.encode("ascii") + view, 2)
        return self._scan(chunk)

    def _shown(self, chunk: str) -> str:
        """A chunk that is not plain ASCII (markup, references, characters that are not
        ASCII), nothing held: released whole when its compact view holds no spelling
        start (``_may_start``: its glue test reads past what is dropped there, as the
        glue rule does), else scanned with the view already made."""
        viewed = _view(chunk, final=False)
        view, incomplete = viewed
        compacted = _compact(view, incomplete)
        if incomplete == len(chunk):
            compact = compacted[0]
            if len(compact) >= 2 and _may_start(compact)[0] < 0:
                self._step, self._last = _LAZY, compact
                return chunk
        return self._scan(chunk, viewed, compacted)

    def _context_step(self) -> _Steps:
        """The steps after released text, reading the context a plain chunk left."""
        if self._step is _LAZY:
            self._step = _STEPS_AFTER[self._last[-2:]]
        return self._step

    def _feed_one(self, chunk: str) -> str:
        """One character that is not plain, or that may start or extend a held tail."""
        held = self._held
        if held is not None:
            symbol = _SYMBOL[chunk]
            if symbol is not None:
                view = held + symbol
                if view in _UNDECIDED:
                    self._held = view
                    self._pending += chunk
                    return ""
                if held in _PROPER and symbol != _HEAD_TEXT:  # no ID, and none starts here
                    text = self._pending + chunk
                    self._pending, self._held = "", None
                    self._step = _STEPS_AFTER[view[-2:].encode("ascii")]
                    return text
                released = self._decided(held, symbol)
                if released is not None:
                    self._pending, self._held = "", None
                    self._step = _STEPS_AFTER[view[-2:].encode("ascii")]
                    return released + chunk
        elif not self._pending:
            step = self._context_step()
            found = step.get(chunk)
            if found is not None:
                self._step = found
                return chunk
            symbol = _SYMBOL[chunk]  # not plain ASCII, or the prefix's first letter
            if symbol == _HEAD_TEXT and step is _FREE:
                self._left, self._step = step.left, _HOLDING
                self._pending, self._held = chunk, symbol
                return ""
            if symbol is not None and symbol != _HEAD_TEXT:
                if symbol:
                    self._step = _STEPS_AFTER[(step.left + symbol.encode("ascii"))[-2:]]
                return chunk
        return self._scan(chunk)

    def _scan(
        self,
        chunk: str,
        viewed: tuple[bytes, int] | None = None,
        compacted: tuple[bytes, list[int]] | None = None,
    ) -> str:
        """The full scan of the held text and ``chunk`` (``viewed`` and ``compacted``: the
        view of ``chunk`` and its compact view, when nothing is held)."""
        pending = self._pending
        if pending:
            text, left = pending + chunk, self._left
        else:
            step = self._step
            if step is _LAZY:
                step = _STEPS_AFTER[self._last[-2:]]
            text, left = chunk, step.left
        viewed = viewed or _view(text, final=False)
        matches, end, after = _scan(text, left, False, viewed, compacted)
        if end == len(text):
            self._pending, self._held, self._step = "", None, _STEPS_AFTER[after]
            return _apply(text, matches)
        rest = text[end:]
        # A held tail starts at a construct or a character, never inside one: without ``&``
        # or ``<`` in it, its view is the text's view from there.
        self._pending = rest
        self._held = (
            None
            if "&" in rest or "<" in rest
            else viewed[0][end:].translate(None, _DROPPED).decode("ascii")
        )
        self._left, self._step = _CONTEXTS[after], _HOLDING
        return _apply(text[:end], matches)

    def _plain(self, text: str, haystack: bytes, pos: int) -> str:
        """``_scan`` for text whose view is its compact view (nothing dropped, no
        reference, comment or tag): view indexes are source indexes, and the glue tests fit
        in byte reads (``_next_plain_id``, ``_PROPER_VIEWS``). ``haystack`` is the two-symbol
        context and the view; no ID starts before ``pos``."""
        size = len(haystack)
        letters = _as_text(haystack)
        start, end = _next_plain_id(haystack, letters, pos)
        out: list[str] = []
        cursor = 2  # haystack index of the source text not yet out
        held = size
        while start >= 0:
            if end == size or (end == size - 1 and haystack[end] in _JOINERS):
                held = start  # undecided: the next symbol decides
                break
            out.append(text[cursor - 2 : start - 2])
            out.append(_NUMBERS[haystack[end - _NUMBER_LENGTH : end]])
            cursor = end
            start, end = _next_plain_id(haystack, letters, end)
        else:
            if haystack[-1] in _TAIL_ENDS:  # a tail holds the prefix's first letter once
                tail = letters.rfind(_HEAD_TEXT, max(2, size - _TAIL_WINDOW))
                if tail >= 0 and haystack[tail:] in _PROPER_VIEWS and _unglued_at(haystack, tail):
                    held = tail
        if held == size:
            self._pending, self._held = "", None
            self._step = _STEPS_AFTER[haystack[-2:]]
        else:
            self._pending = text[held - 2 :]
            self._held = haystack[held:].decode("ascii")
            self._left, self._step = _CONTEXTS[haystack[held - 2 : held]], _HOLDING
        if not out:
            return text[: held - 2]
        out.append(text[cursor - 2 : held - 2])
        return "".join(out)

    def flush(self) -> str:
        """End the stream: return the scrubbed held tail and reset."""
        rest, left = self._pending, self._left
        self._step, self._pending, self._held, self._left = _FREE, "", None, b""
        return _apply(rest, _scan(rest, left, final=True)[0]) if rest else ""


# --- nested values -----------------------------------------------------------------------

T = TypeVar("T")


def scrub_obj(obj: T) -> T:
    """Scrub every string inside a nested value, dictionary keys included.

    Containers (dicts, lists, tuples, named tuples, sets), dataclasses (LangGraph's
    ``Interrupt`` among them) and pydantic models (LangChain messages among them, with
    their content blocks, tool calls and extra kwargs) are rebuilt; the input is never
    mutated. Other values (numbers, bytes, arbitrary objects) are returned as they are.
    Keys that scrub to the same text collapse into one, the later value winning.

    Args:
        obj: The value bound for a user.

    Returns:
        A scrubbed copy of the same type.
    """
    return cast(T, _scrub_any(obj))


def _scrub_any(obj: Any) -> Any:
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, dict):
        return _scrub_dict(obj)
    if isinstance(obj, list):
        items = [_scrub_any(item) for item in obj]
        if type(obj) is list:
            return items
        rebuilt = copy.copy(obj)
        rebuilt[:] = items
        return rebuilt
    if isinstance(obj, tuple):
        items = [_scrub_any(item) for item in obj]
        return obj._make(items) if hasattr(obj, "_make") else type(obj)(items)
    if isinstance(obj, set | frozenset):
        return type(obj)(_scrub_any(item) for item in obj)
    if isinstance(obj, BaseModel):
        return _scrub_model(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _scrub_dataclass(obj)
    return obj


def _scrub_dict(obj: dict[Any, Any]) -> dict[Any, Any]:
    items = {_scrub_any(key): _scrub_any(value) for key, value in obj.items()}
    if type(obj) is dict:
        return items
    rebuilt = copy.copy(obj)  # keeps the subclass and its state (a default factory, say)
    rebuilt.clear()
    rebuilt.update(items)
    return rebuilt


def _scrub_model(obj: BaseModel) -> BaseModel:
    values = {name: getattr(obj, name) for name in type(obj).model_fields}
    values.update(obj.model_extra or {})
    update = {name: _scrub_any(value) for name, value in values.items()}
    copied = obj.model_copy(update=update)
    # ``model_copy`` marks every updated field as set; keep ``exclude_unset`` dumps as they were.
    object.__setattr__(copied, "__pydantic_fields_set__", set(obj.model_fields_set))
    return copied


def _scrub_dataclass(obj: Any) -> Any:
    fields = dataclasses.fields(obj)
    changes = {f.name: _scrub_any(getattr(obj, f.name)) for f in fields if f.init}
    rebuilt = dataclasses.replace(obj, **changes)
    for field in fields:
        if not field.init and hasattr(obj, field.name):
            object.__setattr__(rebuilt, field.name, _scrub_any(getattr(obj, field.name)))
    return rebuilt
