"""Size limits of tool arguments: one table, used by every tool's argument schema.

A model can send anything: a 50 MB string, a number with 400 digits, a list of a million
items, JSON nested until the stack runs out. Each tool schema caps its arguments with
these types, so pydantic refuses an oversized call before any analyser runs, the caps are
part of the JSON schema the model sees (``maxLength``, ``maxItems``, ``maximum``), and
the refusal is a ``invalid_arguments`` result naming the field and the cap.

The caps sit well above real inputs: an ``iptables-save`` of a busy Kubernetes node or a
``terraform show -json`` of a large plan is a few MB at most, and a model cannot send
more than its output window (a few hundred thousand characters) in one call anyway.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, Discriminator, Field, Tag, WithJsonSchema

from infra_team.tools._base import ToolInputError

DOCUMENT_CHARS = 2_000_000
"""Pasted files and command output: configs, plans, listings, rule sets, playbooks."""
QUERY_CHARS = 20_000
"""One PromQL or SQL statement."""
TEXT_CHARS = 10_000
"""Free text a person reads: notes, comments, resolutions, update bodies."""
LINE_CHARS = 2_048
"""One line: titles, symptoms, matchers, resource IDs (an AWS ARN is at most 2,048)."""
NAME_CHARS = 255
"""Names and identifiers: hosts, services, labels, IDs, file paths (DNS names are
at most 253 characters, RFC 1035 §2.3.4)."""
TIME_CHARS = 64
"""A timestamp, duration or cron expression."""
MAX_ITEMS = 10_000
"""Entries of a list of records (DNS records, backends, matchers, incidents)."""
MAX_SERIES = 100_000
"""Entries of a list of numbers or IDs (samples, monthly costs, inventories)."""
MAX_COUNT = 10**15
"""Largest event count or quantity: far above any real count, safe in a float."""
JSON_DEPTH = 64
"""Deepest nesting of free-form JSON (Terraform plan values, security groups, details)."""
JSON_VALUES = 1_000_000
"""Most values (objects, arrays, scalars) in one free-form JSON argument."""


def check_json_size(value: Any) -> Any:
    """Refuse JSON nested deeper than ``JSON_DEPTH`` or with more than ``JSON_VALUES`` values.

    Walks with an explicit stack: the structure being checked may be exactly the one that
    would exhaust Python's recursion limit.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    seen = 0
    while stack:
        current, depth = stack.pop()
        seen += 1
        if depth > JSON_DEPTH:
            msg = f"nested deeper than {JSON_DEPTH} levels"
            raise ValueError(msg)
        if seen > JSON_VALUES:
            msg = f"holds more than {JSON_VALUES:,} values"
            raise ValueError(msg)
        if isinstance(current, dict):
            stack.extend((item, depth + 1) for item in current.values())
        elif isinstance(current, list | tuple):
            stack.extend((item, depth + 1) for item in current)
    return value


def bounded_document(value: Any, field: str) -> Any:
    """``value`` (parsed JSON or YAML) if within the JSON caps, else a ``ToolInputError``."""
    try:
        return check_json_size(value)
    except ValueError as exc:
        msg = f"`{field}` is {exc}; pass the document itself"
        raise ToolInputError(msg) from exc


def parse_json_document(text: str, field: str) -> Any:
    """``json.loads`` within the caps: nesting that would exhaust the stack is an input error.

    Raises:
        json.JSONDecodeError: the text is not JSON (callers word their own hint).
        ToolInputError: deeper than ``JSON_DEPTH`` levels or more than ``JSON_VALUES`` values.
    """
    try:
        value = json.loads(text)
    except RecursionError as exc:
        msg = f"`{field}` is nested deeper than {JSON_DEPTH} levels; pass the document itself"
        raise ToolInputError(msg) from exc
    return bounded_document(value, field)


Document = Annotated[str, Field(max_length=DOCUMENT_CHARS)]
Query = Annotated[str, Field(max_length=QUERY_CHARS)]
Text = Annotated[str, Field(max_length=TEXT_CHARS)]
Line = Annotated[str, Field(max_length=LINE_CHARS)]
Name = Annotated[str, Field(max_length=NAME_CHARS)]
Instant = Annotated[str, Field(max_length=TIME_CHARS)]
JsonObject = Annotated[dict[str, Any], AfterValidator(check_json_size)]
JsonArray = Annotated[list[Any], Field(max_length=MAX_SERIES), AfterValidator(check_json_size)]


def json_kind(value: Any) -> str | None:
    """The union tag of a document argument: ``text``, ``object``, ``array`` or none."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return None


_KIND_ERROR = Discriminator(
    json_kind,
    custom_error_type="document_kind",
    custom_error_message="Input should be text, a JSON object or a JSON array",
)
_TEXT_SCHEMA = {"type": "string", "maxLength": DOCUMENT_CHARS}
_OBJECT_SCHEMA = {"type": "object", "additionalProperties": True}
_ARRAY_SCHEMA = {"type": "array", "items": {}, "maxItems": MAX_SERIES}

DocumentOrJson = Annotated[
    Annotated[Document, Tag("text")]
    | Annotated[JsonObject, Tag("object")]
    | Annotated[JsonArray, Tag("array")],
    _KIND_ERROR,
    # anyOf, as a plain union shows: some providers refuse the oneOf pydantic writes here.
    WithJsonSchema({"anyOf": [_TEXT_SCHEMA, _OBJECT_SCHEMA, _ARRAY_SCHEMA]}),
]
"""A document given as text or already parsed; an error names ``rules.text``, not pydantic's
internal names of the union members."""
DocumentOrObject = Annotated[
    Annotated[Document, Tag("text")] | Annotated[JsonObject, Tag("object")],
    Discriminator(
        json_kind,
        custom_error_type="document_kind",
        custom_error_message="Input should be text or a JSON object",
    ),
    WithJsonSchema({"anyOf": [_TEXT_SCHEMA, _OBJECT_SCHEMA]}),
]

JSON_NOTE = f"At most {JSON_DEPTH} levels deep."
"""The one sentence a free-form JSON field adds to its description (its cap has no JSON
schema keyword)."""

__all__ = [
    "DOCUMENT_CHARS",
    "JSON_DEPTH",
    "JSON_NOTE",
    "JSON_VALUES",
    "LINE_CHARS",
    "MAX_COUNT",
    "MAX_ITEMS",
    "MAX_SERIES",
    "NAME_CHARS",
    "QUERY_CHARS",
    "TEXT_CHARS",
    "TIME_CHARS",
    "Document",
    "DocumentOrJson",
    "DocumentOrObject",
    "Instant",
    "JsonArray",
    "JsonObject",
    "Line",
    "Name",
    "Query",
    "Text",
    "bounded_document",
    "check_json_size",
    "json_kind",
    "parse_json_document",
]
