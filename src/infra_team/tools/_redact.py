"""Removal of configured secrets from the text and data a tool returns or logs.

A secret rarely reaches an error message as the raw value. Libraries show it escaped
(``Illegal header value b'Bearer abc\\n'``), APIs echo it JSON-escaped or URL-encoded,
and basic auth sends it base64-encoded as ``user:password``. ``Redactor`` replaces every
one of those forms, longest first, with one regular expression built from escaped
literals, so a token full of regex metacharacters is matched as written.

Redaction must come before any truncation: a message cut first keeps the part of a
token in front of the cut, which no longer matches any form of the whole token.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "**********"
MIN_SECRET_LENGTH = 4
"""Bare values shorter than this are not replaced on their own (they would blank out
ordinary words); their decorated forms (``Bearer x``, ``Basic <base64>``) still are."""


def _encodings(value: str) -> set[str]:
    """The forms a secret takes in exception text, JSON, URLs and byte reprs."""
    raw = value.encode("utf-8", "surrogatepass")
    return {
        value,
        repr(value)[1:-1],
        repr(raw)[2:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        value.encode("unicode_escape").decode("ascii"),
        quote(value, safe=""),
        quote_plus(value, safe=""),
        base64.b64encode(raw).decode("ascii"),
        base64.urlsafe_b64encode(raw).decode("ascii"),
    }


def basic_credentials(username: str, password: str) -> str:
    """The ``Authorization`` value HTTP basic auth sends (RFC 7617 §2)."""
    pair = f"{username}:{password}".encode("utf-8", "surrogatepass")
    return "Basic " + base64.b64encode(pair).decode("ascii")


@dataclass(frozen=True)
class Redactor:
    """Replaces the given secrets, in each of their encodings, by ``**********``."""

    secrets: tuple[str, ...] = ()
    """Bare secret values (tokens, passwords, routing keys)."""
    decorated: tuple[str, ...] = ()
    """Forms always replaced whatever the secret's length: ``Bearer <t>``, ``user:pass``."""
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        forms: set[str] = set()
        for secret in self.secrets:
            if secret:
                forms |= {f for f in _encodings(secret) if len(f) >= MIN_SECRET_LENGTH}
        for text in self.decorated:
            if text:
                forms |= _encodings(text)
        ordered = sorted(forms, key=lambda form: (-len(form), form))
        pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        object.__setattr__(self, "_pattern", pattern)

    @classmethod
    def of(cls, secrets: Iterable[str], decorated: Iterable[str] = ()) -> Redactor:
        return cls(secrets=tuple(secrets), decorated=tuple(decorated))

    def text(self, value: str) -> str:
        """``value`` with every form of every secret replaced."""
        if self._pattern is None:
            return value
        return self._pattern.sub(REDACTED, value)

    def obj(self, value: Any) -> Any:
        """``value`` with strings redacted through dicts (keys too), lists and tuples."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.obj(key): self.obj(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.obj(item) for item in value)
        return value


__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "Redactor", "basic_credentials"]
