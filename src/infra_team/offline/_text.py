"""Text utilities shared by the engine's writers."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of ``text`` on one line, at most ``limit`` characters, cut at a word
    boundary (a word cut in half reads as a different word, or a wrong host name)."""
    flat = _flat_head(text, limit + 2)
    sentence = _SENTENCE_END.split(flat, maxsplit=1)[0] if flat else ""
    if len(sentence) <= limit:
        return sentence
    head = sentence[: limit - 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,;:") + "…"


def _flat_head(text: str, chars: int) -> str:
    """The start of ``text`` with its whitespace collapsed, at least ``chars`` characters
    long when the text is: only a prefix is flattened, so a long request is not copied
    whole to read its first sentence."""
    size = 4 * chars + 64
    while True:
        head = text[:size]
        flat = " ".join(head.split())
        if size >= len(text):
            return flat
        if len(flat) > chars:
            cut = flat.rfind(" ", 0, len(flat))
            return flat[:cut] if cut > chars else flat
        size *= 2
