"""Scrubbing of internal identifiers from everything a user can see.

The team's internal IDs (the keys of ``infra_team.registry.INTERNAL_IDS``: the prefix
``inf``, a separator, a number) are replaced with the role's display name; a number
that names no role becomes :data:`NEUTRAL_WORD`.

Matching runs on a *matching view* of the text, built one character at a time so that
the view of a prefix is a prefix of the view (which is what makes streaming exact).
Each character maps to:

* whitespace (``str.isspace``) -> a space; a dash (general category ``Pd``, plus the
  minus signs outside it) -> ``-``; connector punctuation (``Pc``, the underscore and
  its fullwidth form) -> ``_``. Source: Unicode Standard Annex #44, General_Category.
* an invisible character -> a placeholder that the pattern skips anywhere: format
  characters (``Cf``: zero-width space, (non-)joiners, word joiner, BOM, soft hyphen,
  bidi controls, tags), combining marks (``Mn``, ``Mc``, ``Me``, variation selectors
  included), control characters (``Cc``) and the Hangul fillers that are
  Default_Ignorable_Code_Point. Source: Unicode Standard §5.21 "Ignoring Characters in
  Processing", UAX #44 DerivedCoreProperties.
* anything else -> its compatibility decomposition (NFKD, UAX #15) with combining marks
  dropped, case-folded (Unicode Standard §3.13), then Latin/Greek/Cyrillic look-alikes of
  the three prefix letters folded to ASCII (a subset of UTS #39 confusables.txt). So
  fullwidth, mathematical, circled and accented forms all match, and any decimal digit
  (``Nd``) counts as a digit.

In that view an ID is ``i n f``, then zero to three separators (space, ``-``, ``_``),
then one or more digits; invisible characters may sit anywhere inside. Boundary
decisions, security first:

* No word boundary is required on either side. An ID glued to a word still leaks, so
  only the ID part of ``w`` + ID is replaced and the ``w`` stays. Base64 blobs that
  happen to contain such a run are altered too.
* The prefix with a bare number (no padding, no separator, or a space) is an ID: a
  number that names a role gets that role's name, any other number the neutral word.
  The digit run is taken whole, so a longer number is a different, unknown one.
* A letter right after the prefix makes an ordinary word (info, infra, inflation,
  Infinity), even when a number follows later.
* Punctuation other than dashes and underscores (``.`` ``,`` ``:`` ``/``), or four or
  more separators, ends a candidate: math and tables keep the spelling of infinity.
* Letters spelt apart (a separator between the prefix letters) and ASCII look-alikes of
  other letters (``l`` or ``1`` for ``i``) make a different word and are left alone.
* Combining marks right after the last digit belong to it and are replaced with it.

Scrubbing is deterministic and idempotent: ``scrub(scrub(x)) == scrub(x)``, because
neither a display name nor the neutral word can take part in a match.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import re
import unicodedata
from collections.abc import Iterator
from typing import Any, NamedTuple, TypeVar, cast

from pydantic import BaseModel

from infra_team.registry import INTERNAL_IDS

NEUTRAL_WORD = "team member"
"""Stands in for an internal ID whose number names no role."""

_INVISIBLE = "\x00"
_CONFUSABLES: dict[str, str] = {
    "\u0131": "i",  # Latin small dotless i
    "\u0269": "i",  # Latin small iota
    "\u026a": "i",  # Latin letter small capital i
    "\u03b9": "i",  # Greek small iota (capital iota case-folds here)
    "\u0456": "i",  # Cyrillic small byelorussian-ukrainian i
    "\u04cf": "i",  # Cyrillic small palochka (capital palochka case-folds here)
    "\u03bd": "n",  # Greek small nu (capital nu case-folds here)
    "\u0274": "n",  # Latin letter small capital n
    "\u0578": "n",  # Armenian small vo
    "\u0192": "f",  # Latin small f with hook
    "\u03dd": "f",  # Greek small digamma (capital digamma case-folds here)
    "\u0493": "f",  # Cyrillic small ghe with stroke
    "\ua730": "f",  # Latin letter small capital f
}
_MINUS_SIGNS = frozenset("\u2212\u02d7\u2043\u2796\u207b\u208b")
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
_SEPARATORS = "[-_ ]"
_ID_PATTERN = re.compile(
    f"i\x00*n\x00*f(?:\x00*{_SEPARATORS}){{0,3}}\x00*(?P<number>\\d(?:\x00*\\d)*)"
)
# A tail of the view that could still grow into an ID: held back by the stream scrubber.
_TAIL_PATTERN = re.compile(
    f"i(?:\x00*n(?:\x00*f(?:\x00*{_SEPARATORS}){{0,3}}(?:\x00*\\d)*)?)?\x00*\\Z"
)
_USABLE = re.compile(f"[inf\x00\\d]|{_SEPARATORS}")
_CACHE_LIMIT = 1 << 16
_REPLACEMENTS: dict[int, str] = {
    int(key.rsplit("-", 1)[1]): name for key, (_, name) in INTERNAL_IDS.items()
}


def _kind(char: str) -> str | None:
    """The view of a space, dash, underscore or invisible character; None for others."""
    if char.isspace():
        return " "
    category = unicodedata.category(char)
    if category in {"Cf", "Cc"} or category[0] == "M" or char in _FILLERS:
        return _INVISIBLE
    if category == "Pd" or char in _MINUS_SIGNS:
        return "-"
    if category == "Pc":
        return "_"
    return None


def _char_view(char: str) -> str:
    """The matching view of one character: never empty, usually one character."""
    kind = _kind(char)
    if kind is not None:
        return kind
    pieces: list[str] = []
    folded = unicodedata.normalize("NFKD", char).casefold()
    for piece in unicodedata.normalize("NFKD", folded):
        kind = _kind(piece)
        if kind != _INVISIBLE:
            pieces.append(kind or _CONFUSABLES.get(piece, piece))
    view = "".join(pieces) or _INVISIBLE
    # A longer view no ID can use (Hangul syllables, ellipsis...) stays one character,
    # which keeps the view as long as the text and the source index trivial.
    return view if len(view) == 1 or _USABLE.search(view) else char


class _ViewTable(dict[int, str]):
    """``str.translate`` table that computes and caches a code point's view on first use."""

    def __missing__(self, code: int) -> str:
        view = _char_view(chr(code))
        if len(self) < _CACHE_LIMIT:  # bounded even for text that runs through all of Unicode
            self[code] = view
        return view


_VIEW_TABLE = _ViewTable({code: _char_view(chr(code)) for code in range(128)})


class _Match(NamedTuple):
    """One ID found in a text: its source span and its replacement."""

    start: int
    end: int
    word: str


def _replacement(number: str) -> str:
    digits = number.replace(_INVISIBLE, "")
    try:
        value = int(digits)
    except ValueError:  # beyond int()'s digit limit: certainly no role's number
        return NEUTRAL_WORD
    return _REPLACEMENTS.get(value, NEUTRAL_WORD)


class _SourceIndex:
    """Maps a view index back to the index of the source character it came from.

    Only characters whose view is longer than one character (ligatures, circled
    numbers...) shift the two apart, so only their positions are stored.
    """

    def __init__(self, text: str) -> None:
        wide = {char for char in set(text) if len(_VIEW_TABLE[ord(char)]) > 1}
        self._view_starts: list[int] = []
        self._sources: list[int] = []
        self._widths: list[int] = []
        if not wide:
            return
        shift = 0
        pattern = "[" + re.escape("".join(sorted(wide))) + "]"
        for found in re.finditer(pattern, text):
            source = found.start()
            width = len(_VIEW_TABLE[ord(text[source])])
            self._view_starts.append(source + shift)
            self._sources.append(source)
            self._widths.append(width)
            shift += width - 1

    def __call__(self, index: int) -> int:
        slot = bisect.bisect_right(self._view_starts, index) - 1
        if slot < 0:
            return index
        inside = index - self._view_starts[slot]
        if inside < self._widths[slot]:
            return self._sources[slot]
        return self._sources[slot] + 1 + inside - self._widths[slot]


def _view(text: str) -> tuple[str, _SourceIndex | None]:
    """The matching view and, when lengths differ, the map back to source indexes."""
    view = text.translate(_VIEW_TABLE)
    return view, (None if len(view) == len(text) else _SourceIndex(text))


def _matches(text: str, view: str, origin: _SourceIndex | None) -> Iterator[_Match]:
    for found in _ID_PATTERN.finditer(view):
        start, last = found.start(), found.end() - 1
        if origin is not None:
            start, last = origin(start), origin(last)
        end = last + 1
        while end < len(text) and unicodedata.category(text[end])[0] == "M":
            end += 1
        yield _Match(start, end, _replacement(found["number"]))


def _apply(text: str, matches: list[_Match]) -> str:
    out: list[str] = []
    cursor = 0
    for match in matches:
        out.append(text[cursor : match.start])
        out.append(match.word)
        cursor = max(cursor, match.end)
    out.append(text[cursor:])
    return "".join(out)


def scrub(text: str) -> str:
    """Replace every internal ID in ``text`` with a display name or the neutral word.

    Args:
        text: Any text bound for a user.

    Returns:
        ``text`` itself when it holds no ID, otherwise the scrubbed copy.
    """
    if not text:
        return text
    view, origin = _view(text)
    matches = list(_matches(text, view, origin))
    return _apply(text, matches) if matches else text


class Scrubber:
    """Scrubs a stream of text chunks exactly as :func:`scrub` scrubs the whole text.

    An ID may be split at any point, inside a multi-character separator or a run of
    invisible characters included: ``feed`` releases what is final and holds back only
    the tail that could still grow into an ID (the prefix letters, separators, digits and
    invisible characters after them), so ordinary text comes back at once. ``flush``
    releases the held tail at the end of the stream; the scrubber can then be reused.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> str:
        """Add a chunk; return the scrubbed text that no later chunk can change."""
        buffer = self._pending + chunk
        if not buffer:
            return ""
        view, origin = _view(buffer)
        tail = _TAIL_PATTERN.search(view)
        if tail is None:
            hold = len(buffer)
        else:
            hold = tail.start() if origin is None else origin(tail.start())
        matches = list(_matches(buffer, view, origin))
        # A match sharing a source character with the held tail waits for it, and so does
        # one that ends the buffer: combining marks may still come to join its last digit.
        for match in reversed(matches):
            if match.end > hold or match.end == len(buffer):
                hold = min(hold, match.start)
        self._pending = buffer[hold:]
        return _apply(buffer[:hold], [match for match in matches if match.end <= hold])

    def flush(self) -> str:
        """End the stream: return the scrubbed held tail and reset."""
        rest, self._pending = self._pending, ""
        return scrub(rest)


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
