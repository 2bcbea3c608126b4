"""One pass over a request's text, shared by every rule and fact finder of a run.

A long request (a pasted log of 100 KB) used to be searched once per keyword and per
fact, at every stage. ``scan`` reads it once: the lowered text and the set of its words.
A phrase can only occur where all of its words occur, so the word set rules out almost
every keyword with a set lookup, and the exact (whole-word) pattern runs only for the
few phrases whose words are all present. The result is memoised per text, so the stages
of one run share it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

_WORD = re.compile(r"[a-z0-9]+")
_SPLIT = re.compile(r"[\s_-]+")
_PLURALS = ("", "s", "es")


@dataclass(frozen=True)
class Scan:
    """A request's text read once: as written, lowered, and its set of words."""

    text: str
    lowered: str
    words: frozenset[str]
    sorted_words: tuple[str, ...] = ()
    _positions: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def has(self, *words: str) -> bool:
        """Whether any of ``words`` (lower case) occurs as a whole word."""
        return any(word in self.words for word in words)

    def has_prefix(self, prefix: str) -> bool:
        """Whether a word starts with ``prefix`` (lower case letters and digits)."""
        index = bisect.bisect_left(self.sorted_words, prefix)
        return index < len(self.sorted_words) and self.sorted_words[index].startswith(prefix)

    def position(self, phrase: str) -> int:
        """Where ``phrase`` first occurs as whole words (see ``phrase_pattern``), or -1.

        The pattern runs only when every word of the phrase is in the word set (its last
        word possibly with a plural ``s``/``es``), so absent phrases cost a set lookup."""
        known = self._positions.get(phrase)
        if known is not None:
            return known
        found = -1
        if _may_occur(phrase, self.words):
            match = phrase_pattern(phrase).search(self.text)
            found = match.start() if match else -1
        self._positions[phrase] = found
        return found


@cache
def _phrase_words(phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words a phrase needs: all but the last exactly, the last with its plurals."""
    tokens = _WORD.findall(phrase.lower())
    if not tokens:
        return (), ()
    return tuple(tokens[:-1]), tuple(tokens[-1] + suffix for suffix in _PLURALS)


def _may_occur(phrase: str, words: frozenset[str]) -> bool:
    head, last = _phrase_words(phrase)
    if not last:
        return True  # no letters or digits: let the pattern decide
    return all(word in words for word in head) and any(word in words for word in last)


@cache
def phrase_body(phrase: str) -> str:
    """A phrase as a pattern: hyphens, underscores or spaces between its words, an
    optional plural ``s``/``es``, not followed by a word character or a slash."""
    words = [re.escape(word) for word in _SPLIT.split(phrase.strip().lower()) if word]
    body = r"[\s_-]+".join(words)
    return rf"{body}(?:s|es)?(?![\w/])"


@cache
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as whole words, any case (``phrase_body`` not preceded by a word
    character or a slash)."""
    return re.compile(rf"(?<![\w/]){phrase_body(phrase)}", re.IGNORECASE)


@lru_cache(maxsize=16)
def scan(text: str) -> Scan:
    """The text read once (memoised: the stages of a run read the same request)."""
    lowered = text.lower()
    words = frozenset(_WORD.findall(lowered))
    return Scan(text=text, lowered=lowered, words=words, sorted_words=tuple(sorted(words)))


@dataclass(frozen=True)
class Gated:
    """A case-insensitive pattern and what any match of it must contain: a word starting
    with one of ``needles`` (lower case; a needle of several words needs its first word),
    or for a needle of other characters (``%``) that text. When none is present (a binary
    search in the sorted words), the pattern cannot match and a long text is not scanned."""

    pattern: re.Pattern[str]
    needles: tuple[str, ...]

    @classmethod
    def of(cls, pattern: str, *needles: str) -> Gated:
        return cls(re.compile(pattern, re.IGNORECASE), needles)

    def possible(self, read: Scan) -> bool:
        for needle in self.needles:
            word = _WORD.match(needle)
            if word is None:
                if needle in read.text:
                    return True
            elif read.has_prefix(word[0]):
                return True
        return False

    def finditer(self, text: str) -> list[re.Match[str]]:
        """Every match in ``text``, or none when no needle occurs."""
        read = scan(text)
        return list(self.pattern.finditer(text)) if self.possible(read) else []

    def search(self, text: str) -> re.Match[str] | None:
        """The first match in ``text``, or None."""
        return self.pattern.search(text) if self.possible(scan(text)) else None
