"""The gate a query passes before ``EXPLAIN`` sends it to PostgreSQL: one plain SELECT.

The DBA's ``postgres_explain`` plans a query a person or a model supplies. Only a single
``SELECT`` (or ``WITH … SELECT``, ``VALUES``, ``TABLE``) is let through; anything else is
refused here, before a connection is opened. This is the first of three walls: the text
goes out only as ``EXPLAIN (FORMAT JSON) <query>`` (never ``ANALYZE``, so the query is
planned, not run), in a session that is ``READ ONLY``
(https://www.postgresql.org/docs/current/sql-set-transaction.html).

The scan follows the lexical rules of
https://www.postgresql.org/docs/current/sql-syntax-lexical.html: ``--`` and nested
``/* */`` comments, ``'…'`` strings (``''`` doubles a quote; ``E'…'`` takes backslash
escapes), dollar quoting ``$tag$…$tag$`` and ``"…"`` identifiers are skipped, so a keyword
inside them neither refuses nor admits a query. It refuses: more than one statement (a
``;`` followed by anything), a first word other than SELECT/WITH/VALUES/TABLE, any
data-modifying or utility keyword anywhere (INSERT, UPDATE, DELETE, MERGE in a CTE …),
``SELECT … INTO`` (creates a table) and locking clauses (``FOR UPDATE``/``SHARE``, which
take row locks, https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE).
A refusal can be a false positive (a column named ``update`` must then be quoted); it is
never a false negative for these words.
"""

from __future__ import annotations

import re

from infra_team.tools._base import ToolInputError

FIRST_WORDS = frozenset({"select", "with", "values", "table"})
"""Statements that only read (https://www.postgresql.org/docs/current/queries.html)."""
REFUSED_WORDS = frozenset(
    {
        # data modification, also inside a WITH (data-modifying CTEs)
        "insert",
        "update",
        "delete",
        "merge",
        "truncate",
        "copy",
        # DDL, privileges and utility commands
        "create",
        "alter",
        "drop",
        "grant",
        "revoke",
        "comment",
        "security",
        "reindex",
        "cluster",
        "vacuum",
        "analyze",
        "analyse",
        "refresh",
        "lock",
        "call",
        "do",
        "set",
        "reset",
        "prepare",
        "execute",
        "deallocate",
        "listen",
        "notify",
        "unlisten",
        "discard",
        "checkpoint",
        "load",
        "import",
        "explain",
        # transaction control: the session's READ ONLY must not be ended or changed
        "begin",
        "commit",
        "rollback",
        "savepoint",
        "release",
        "abort",
        "start",
        "transaction",
        # SELECT INTO creates a table
        "into",
    }
)
LOCKING_STRENGTHS = frozenset({"update", "share", "no", "key"})
"""Words that may follow FOR in a locking clause (FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE,
FOR KEY SHARE)."""

_WORD = re.compile(r"[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$")


class RefusedStatement(ToolInputError):
    """A query that is not one read-only SELECT; it never reaches the server."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="refused_statement")


def _skip_block_comment(text: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(text):
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    raise RefusedStatement("the query has an unterminated /* comment")


def _skip_quoted(text: str, start: int, quote: str, *, backslash: bool) -> int:
    i = start + 1
    while i < len(text):
        char = text[i]
        if backslash and char == "\\":
            i += 2
            continue
        if char == quote:
            if text.startswith(quote * 2, i):
                i += 2
                continue
            return i + 1
        i += 1
    raise RefusedStatement(f"the query has an unterminated {quote} quote")


def code_tokens(query: str) -> list[str]:
    """The query's words (lower case) and punctuation, outside comments, strings and
    quoted identifiers (which become one ``"…"``/``'…'`` placeholder token each)."""
    tokens: list[str] = []
    text = query
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        elif text.startswith("/*", i):
            i = _skip_block_comment(text, i)
        elif char in "eE" and text.startswith("'", i + 1):
            i = _skip_quoted(text, i + 1, "'", backslash=True)
            tokens.append("'…'")
        elif char == "'":
            i = _skip_quoted(text, i, "'", backslash=False)
            tokens.append("'…'")
        elif char == '"':
            i = _skip_quoted(text, i, '"', backslash=False)
            tokens.append('"…"')
        elif char == "$" and (tag := _DOLLAR_TAG.match(text, i)) is not None:
            end = text.find(tag.group(0), tag.end())
            if end < 0:
                raise RefusedStatement("the query has an unterminated dollar-quoted string")
            i = end + len(tag.group(0))
            tokens.append("'…'")
        elif (word := _WORD.match(text, i)) is not None:
            tokens.append(word.group(0).lower())
            i = word.end()
        else:
            tokens.append(char)
            i += 1
    return tokens


def check_read_only_select(query: str) -> str:
    """Return the query without a trailing ``;`` when it is one read-only SELECT; else raise
    ``RefusedStatement`` naming the reason."""
    if "\x00" in query:
        raise RefusedStatement("the query contains a NUL byte")
    tokens = code_tokens(query)
    while tokens and tokens[-1] == ";":
        tokens.pop()
    if not tokens:
        raise RefusedStatement("the query is empty")
    if ";" in tokens:
        raise RefusedStatement("only one statement is allowed: remove the `;` between statements")
    first = next((t for t in tokens if t != "("), "")
    if first not in FIRST_WORDS:
        raise RefusedStatement(
            f"only a SELECT (or WITH … SELECT, VALUES, TABLE) can be explained; "
            f"the query starts with `{first.upper()}`"
        )
    for index, token in enumerate(tokens):
        if token in REFUSED_WORDS:
            raise RefusedStatement(
                f"`{token.upper()}` is refused: only a read-only SELECT can be explained "
                "(no data-modifying CTE, SELECT INTO or utility command)"
            )
        if token == "for" and index + 1 < len(tokens) and tokens[index + 1] in LOCKING_STRENGTHS:
            raise RefusedStatement("a locking clause (FOR UPDATE/SHARE) is refused: it takes locks")
    stripped = query.rstrip()
    while stripped.endswith(";"):
        stripped = stripped[:-1].rstrip()
    return stripped
