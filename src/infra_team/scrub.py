"""Scrubbing of internal identifiers from everything a user can see.

The team's internal IDs (see ``infra_team.registry.INTERNAL_IDS``) are replaced with the
role's display name; an unknown number becomes a neutral word. Matching works on a
normalised view of the text, so the usual disguises still match: any letter case,
fullwidth and other compatibility forms (Unicode NFKC), look-alike Greek and Cyrillic
letters, zero-width and other invisible format characters anywhere inside, combining
marks, and any dash (hyphen, non-breaking hyphen, en/em dash, minus sign, soft hyphen),
underscore, space or nothing between the letters and the digits.

Scrubbing is deterministic and idempotent: ``scrub(scrub(x)) == scrub(x)``.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from infra_team.registry import INTERNAL_IDS

NEUTRAL_WORD = "team member"
_CONFUSABLES = str.maketrans(
    {
        "\u0456": "i",  # Cyrillic small byelorussian-ukrainian i
        "\u0131": "i",  # dotless i
        "\u03b9": "i",  # Greek iota
        "\u04cf": "i",  # Cyrillic palochka
        "\u1fbe": "i",  # Greek prosgegrammeni
        "\u03bd": "n",  # Greek nu (casefolded capital Nu)
        "\u0578": "n",  # Armenian vo
        "\u0493": "f",  # Cyrillic ghe with stroke
        "\u03dd": "f",  # Greek digamma
    }
)
_DASHES = "\\-_\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u02d7\ufe58\ufe63\uff0d"
_SEPARATOR = f"[\\s{_DASHES}]"
_ID_PATTERN = re.compile(f"inf{_SEPARATOR}{{0,3}}(?P<number>\\d+)")
# A buffer tail that may still grow into an ID: held back by the stream scrubber.
_PARTIAL_PATTERN = re.compile(f"i(?:n(?:f(?:{_SEPARATOR}{{0,3}}\\d*)?)?)?")

_REPLACEMENTS: dict[int, str] = {
    int(key.rsplit("-", 1)[1]): name for key, (_, name) in INTERNAL_IDS.items()
}


@cache
def _normal_form(char: str) -> str:
    """The matching view of one character ('' for invisible ones)."""
    if unicodedata.category(char) in {"Cf", "Mn", "Me"} and char not in _DASHES:
        return ""
    if char == "\u00ad":  # soft hyphen: both invisible and a dash
        return "-"
    form = unicodedata.normalize("NFKC", char).casefold().translate(_CONFUSABLES)
    return unicodedata.normalize("NFKC", form)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Normalised text and, per normalised char, the index of its source char."""
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        form = _normal_form(char) if not char.isascii() else char.lower()
        for piece in form:
            chars.append(piece)
            origin.append(index)
    return "".join(chars), origin


def _replacement(number: str) -> str:
    try:
        value = int(number)
    except ValueError:
        return NEUTRAL_WORD
    return _REPLACEMENTS.get(value, NEUTRAL_WORD)


def _spans(text: str) -> tuple[list[tuple[int, int, str]], str, list[int]]:
    normal, origin = _normalise(text)
    spans = [
        (origin[m.start()], origin[m.end() - 1] + 1, _replacement(m["number"]))
        for m in _ID_PATTERN.finditer(normal)
    ]
    return spans, normal, origin


def _apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    cursor = 0
    for start, end, word in spans:
        out.append(text[cursor:start])
        out.append(word)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def scrub(text: str) -> str:
    """Replace every internal ID in ``text`` with a display name or a neutral word."""
    if not text:
        return text
    spans, _, _ = _spans(text)
    return _apply(text, spans) if spans else text


class Scrubber:
    """Scrubs a stream of text chunks; an ID split across chunks at any point is caught.

    ``feed`` returns the text that is safe to show now and holds back a tail that could
    still become an ID; ``flush`` returns what is left at the end of the stream.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, chunk: str) -> str:
        buffer = self._pending + chunk
        if not buffer:
            return ""
        spans, normal, origin = _spans(buffer)
        hold = self._hold_from(normal, origin, len(buffer))
        # A match touching the held tail may still grow (more digits): keep it whole.
        for start, end, _ in spans:
            if end >= hold > start or end == len(buffer):
                hold = min(hold, start)
        safe = [span for span in spans if span[1] <= hold]
        self._pending = buffer[hold:]
        return _apply(buffer[:hold], safe)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return scrub(rest)

    @staticmethod
    def _hold_from(normal: str, origin: list[int], length: int) -> int:
        """Index in the raw buffer from which the tail might still grow into an ID."""
        for start in range(len(normal)):
            if normal[start] == "i" and _PARTIAL_PATTERN.fullmatch(normal, start):
                return origin[start]
        # Trailing invisible characters may sit between the letters of an ID yet to come.
        return length if not normal else min(length, origin[-1] + 1)


T = TypeVar("T")


def scrub_obj(obj: T) -> T:
    """Scrub every string inside nested dicts, lists, tuples, sets, dataclasses and
    pydantic models (LangChain messages included); other values pass unchanged."""
    return _scrub_any(obj)  # type: ignore[no-any-return]


def _scrub_any(obj: Any) -> Any:
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, dict):
        return {_scrub_any(key): _scrub_any(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [_scrub_any(item) for item in obj]
    if isinstance(obj, tuple):
        items = [_scrub_any(item) for item in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, set | frozenset):
        return type(obj)(_scrub_any(item) for item in obj)
    if isinstance(obj, BaseModel):
        update = {name: _scrub_any(getattr(obj, name)) for name in type(obj).model_fields}
        return obj.model_copy(update=update)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {
            field.name: _scrub_any(getattr(obj, field.name))
            for field in dataclasses.fields(obj)
            if field.init
        }
        return dataclasses.replace(obj, **changes)
    return obj
