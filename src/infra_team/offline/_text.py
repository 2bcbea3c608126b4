"""Text utilities shared by the engine's writers."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of ``text`` on one line, cut at ``limit`` characters."""
    flat = " ".join(text.split())
    sentence = _SENTENCE_END.split(flat, maxsplit=1)[0] if flat else ""
    return sentence if len(sentence) <= limit else sentence[: limit - 3].rstrip() + "..."
