"""An oracle for internal-ID leaks that shares no code with the scrubber.

It reads text the way the spec in ``infra_team.scrub`` describes, by other means: tags and
comments by a regex, references by ``html.unescape``, Unicode by NFKD/NFKC, categories and
character names.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import Any

_TAG = re.compile(r"<!--.*?-->|</?([A-Za-z][A-Za-z0-9]*)[^<>]*>", re.DOTALL)
_REFERENCE = re.compile(r"&#[0-9]+;?|&#[xX][0-9a-fA-F]+;?|&[A-Za-z][A-Za-z0-9]*;")
_INLINE = {"b", "i", "em", "strong", "span", "code", "a", "u", "s", "sub", "sup", "kbd"}
_LOOKALIKES = str.maketrans("\u0131\u026a\u03b9\u0456\u03bd\u0274\u03dd\ua730", "iiiinnff")
_ORACLE_ID = re.compile(  # a letter or digit of any script is a word boundary: [^\W_]
    r"(?<![^\W_])(?<![^\W_][-.])inf[-_ ./:]{0,3}00([1-6])(?![^\W_])(?![-.][^\W_])(?!:\d)"
)


def _oracle_char(char: str) -> str:
    if char.isspace():
        return " "
    if unicodedata.decimal(char, None) is not None:
        return str(unicodedata.decimal(char))
    name = unicodedata.name(char, "")
    if any(word in name for word in ("HYPHEN", "DASH", "MINUS")):
        return "-"
    return char


def read_ids(text: str) -> list[int]:
    """The registry numbers a reader sees in ``text``, by an independent reading."""
    text = _TAG.sub(lambda m: "" if m[0].startswith("<!") or m[1].lower() in _INLINE else " ", text)
    text = _REFERENCE.sub(lambda m: html.unescape(m[0].removesuffix(";") + ";"), text)
    text = re.sub(r"[*`~\\]", "", text)
    decomposed = unicodedata.normalize("NFKD", text)
    visible = "".join(
        c for c in decomposed if c.isspace() or unicodedata.category(c)[0] not in "CM"
    )
    folded = unicodedata.normalize("NFKC", visible.casefold()).translate(_LOOKALIKES)
    return [int(n) for n in _ORACLE_ID.findall("".join(_oracle_char(c) for c in folded))]


def leaks(value: Any) -> list[int]:
    """The registry numbers of every internal ID a reader sees in ``value`` (any JSON-able
    value or str)."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return read_ids(text)
