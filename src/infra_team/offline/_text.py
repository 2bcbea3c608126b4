"""Text utilities shared by the engine's writers."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of ``text`` on one line, at most ``limit`` characters, cut at a word
    boundary (a word cut in half reads as a different word, or a wrong host name)."""
    flat = " ".join(text.split())
    sentence = _SENTENCE_END.split(flat, maxsplit=1)[0] if flat else ""
    if len(sentence) <= limit:
        return sentence
    head = sentence[: limit - 1]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.rstrip(" ,;:") + "…"
