"""Shared pieces of the capability analysers: argument types and the template renderer.

Everything a model passes that ends up inside a generated file (a host name, a package, an
address) is matched against a strict pattern first, so no argument can break out of the
line it is written on (no newline, quote or brace reaches the output).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Annotated, Any

import jinja2
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_ROWS = 200
"""Most rows (hosts, sites, tasks, instances) one call accepts: every list output is bounded
by it."""

_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_ADDRESS = re.compile(r"[A-Za-z0-9][A-Za-z0-9.:-]{0,252}")


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    """A validator (kept out of the JSON schema, which every model call carries)."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"not a valid {what}")
        return value

    return check


Ident = Annotated[
    str,
    Field(max_length=63),
    AfterValidator(_matching(_IDENT, "name (letters, digits, `_ . -`)")),
]
"""A name written into a generated file: letters, digits, ``_ . -``."""
Address = Annotated[
    str, Field(max_length=253), AfterValidator(_matching(_ADDRESS, "host name or IP address"))
]
"""A host name, IPv4 or IPv6 address."""


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("|", "/")


Label = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line)]
"""Free text shown in a Markdown document only (never inside a config file): one line, no
table separators."""

_TEMPLATES = resources.files("infra_team.tools.analysers") / "templates"


def _lean_schema(schema: dict[str, Any]) -> None:
    """Unknown keys are still refused at validation; the schema every call carries does
    not repeat it for each nested object."""
    schema.pop("additionalProperties", None)


class Args(BaseModel):
    """Base of every analyser's arguments: frozen, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", allow_inf_nan=False, json_schema_extra=_lean_schema
    )


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_TEMPLATES / name).read_text(encoding="utf-8")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **context: Any) -> str:
    """Render one shipped deliverable template (``templates/<template>``)."""
    return _environment().get_template(template).render(**context)


def template_names() -> list[str]:
    """Every deliverable template shipped with the analysers."""
    return sorted(p.name for p in _TEMPLATES.iterdir() if p.name.endswith(".j2"))


def fmt_minutes(minutes: float) -> str:
    """``95.5`` -> ``1 h 35.5 min``; below an hour, minutes only."""
    if minutes < 60:
        return f"{minutes:.1f} min"
    hours, rest = divmod(minutes, 60)
    return f"{int(hours)} h {rest:.0f} min"


def fullmatch(pattern: str) -> Callable[[str], str]:
    """A validator for the whole value against ``pattern``; the pattern stays out of the
    tool's JSON schema (every model call carries the schema) and is named in the error."""
    return _matching(re.compile(pattern), f"value (allowed form: {pattern})")
