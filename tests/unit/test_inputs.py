"""One rule for descriptions at the edge: a size limit, and bytes that are not UTF-8 kept as
visible ``\\xNN`` escapes, the same from argv, stdin, files and the Python API."""

from __future__ import annotations

import json
import os

import pytest

from infra_team.errors import ErrorCode, InvalidRequestError
from infra_team.inputs import (
    MAX_DESCRIPTION_BYTES,
    CleanText,
    check_description,
    clean_text,
    decode_text,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"disk full on db-01", CleanText("disk full on db-01", 0)),
        (b"caf\xc3\xa9 on web-01", CleanText("café on web-01", 0)),
        (b"latin-1 caf\xe9 on web-01", CleanText("latin-1 caf\\xe9 on web-01", 1)),
        (b"\xff\xfe binary \x80", CleanText("\\xff\\xfe binary \\x80", 3)),
        (b"\xed\xa0\x80 encoded surrogate", CleanText("\\xed\\xa0\\x80 encoded surrogate", 3)),
    ],
)
def test_bytes_decode_by_one_rule(raw, expected):
    assert decode_text(raw) == expected
    json.dumps(decode_text(raw).text).encode("utf-8")  # serialisable everywhere


def test_argv_bytes_and_stdin_bytes_give_the_same_text():
    raw = b"host web-\xff01 down"
    from_argv = os.fsdecode(raw)  # how Python decodes a command-line argument
    assert clean_text(from_argv) == decode_text(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text, PROJ-123, web-01", CleanText("plain text, PROJ-123, web-01", 0)),
        ("lone high \ud800 here", CleanText("lone high \\ud800 here", 1)),
        ("escaped byte \udcff", CleanText("escaped byte \\xff", 1)),
        ("a pair \ud83d\ude00 joined", CleanText("a pair 😀 joined", 0)),
    ],
)
def test_lone_surrogates_from_the_python_api(text, expected):
    assert clean_text(text) == expected
    expected.text.encode("utf-8")


def test_size_limit_counts_utf8_bytes():
    check_description("x" * MAX_DESCRIPTION_BYTES)
    with pytest.raises(InvalidRequestError, match="256 KiB") as raised:
        check_description("é" * (MAX_DESCRIPTION_BYTES // 2 + 1))
    assert raised.value.code is ErrorCode.DESCRIPTION_TOO_LARGE


def test_size_error_names_the_size_and_the_limit():
    with pytest.raises(InvalidRequestError) as raised:
        check_description("x" * 1024 * 1024)
    assert "1,048,576 bytes" in str(raised.value)
    assert "256 KiB" in str(raised.value)
