"""Where a description enters the package: one size limit, and one rule for text that is
not UTF-8.

A description arrives as command-line arguments (which Python decodes with
``surrogateescape``, so undecodable bytes become lone surrogates), as bytes from stdin or a
file, or as a ``str`` through the Python API (which may hold lone surrogates). Left as
they are, lone surrogates travel through several tool calls and then fail on the first
JSON serialisation. The rule, applied the same way on every path: each byte that is not
UTF-8 is kept as the visible escape ``\\xNN`` (the byte's value, so nothing is lost), a
lone surrogate that is not an escaped byte becomes ``\\uNNNN``, and everything else is
left exactly as written: host names, ticket keys and commands are never altered.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from infra_team.errors import ErrorCode, InvalidRequestError

MAX_DESCRIPTION_BYTES = 256 * 1024
"""Largest description accepted, in UTF-8 bytes (256 KiB): a long incident write-up with
logs fits; a whole log file does not (pass the relevant excerpt)."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_BYTES = range(0xDC80, 0xDD00)
"""``surrogateescape`` maps an undecodable byte 0xNN to the code point U+DCNN."""


class CleanText(NamedTuple):
    """Text safe to serialise, and how many characters had to be escaped."""

    text: str
    escaped: int


def _escape(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point - 0xDC00:02x}" if point in _ESCAPED_BYTES else f"\\u{point:04x}"


def clean_text(text: str) -> CleanText:
    """Replace lone surrogates by visible escapes; text without any is returned unchanged.

    Surrogate pairs (UTF-16 halves that belong together) are first joined into the
    character they encode. Pure: no I/O, never raises.
    """
    if not _LONE_SURROGATE.search(text):
        return CleanText(text, 0)
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    escaped = len(_LONE_SURROGATE.findall(joined))
    return CleanText(_LONE_SURROGATE.sub(_escape, joined), escaped)


def decode_text(data: bytes) -> CleanText:
    """Decode bytes as UTF-8 by the same rule: each invalid byte becomes ``\\xNN``."""
    text = data.decode("utf-8", "surrogateescape")
    return clean_text(text)


def check_size(size: int, *, at_least: bool = False) -> None:
    """Raise ``InvalidRequestError`` (``DESCRIPTION_TOO_LARGE``) past ``MAX_DESCRIPTION_BYTES``;
    ``at_least`` when reading stopped at the limit, so the full size is unknown."""
    if size > MAX_DESCRIPTION_BYTES:
        shown = "more than the limit" if at_least else f"{size:,} bytes, over the limit"
        msg = (
            f"the description is {shown} of {MAX_DESCRIPTION_BYTES // 1024} KiB ({MAX_DESCRIPTION_BYTES:,} bytes); pass "
            "the relevant part (the symptoms, the timeline, the key log lines), not the whole log"
        )
        raise InvalidRequestError(msg, code=ErrorCode.DESCRIPTION_TOO_LARGE)


def check_description(text: str) -> CleanText:
    """The description as the team will see it: escapes applied, size checked.

    Raises:
        InvalidRequestError: the description is larger than ``MAX_DESCRIPTION_BYTES``.
    """
    clean = clean_text(text)
    if len(clean.text) > MAX_DESCRIPTION_BYTES // 4:  # below that, it fits whatever the bytes
        check_size(len(clean.text.encode("utf-8")))
    return clean
