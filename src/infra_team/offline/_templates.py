"""The engine's text templates: jinja2 files under ``offline/templates/``.

Everything the engine writes that is longer than a sentence (deliverables, designs, the
hardened sshd_config, the hardening playbook) is a template read with
``importlib.resources``, so it ships inside the wheel and can be reviewed as a file.
Rendering is strict: a missing variable is an error, never an empty string.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import jinja2

from infra_team.provenance import OFFLINE_MARKER, OFFLINE_NOTE

__all__ = ["OFFLINE_MARKER", "OFFLINE_NOTE", "format_number", "render", "render_list"]

_BLANK_RUNS = re.compile(r"\n{3,}")


def _load(name: str) -> str | None:
    """Template source, or None so jinja2 raises ``TemplateNotFound`` with the name."""
    path = resources.files("infra_team.offline").joinpath("templates").joinpath(name)
    return path.read_text("utf-8") if path.is_file() else None


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["marker"] = OFFLINE_MARKER
    environment.filters["num"] = format_number
    return environment


def format_number(value: object) -> str:
    """A number as people write it: ``43.2``, ``1200``, ``0.5`` (no trailing ``.0``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,.4f}".rstrip("0").rstrip(".").replace(",", "")


def render(name: str, **variables: Any) -> str:
    """Render ``templates/<name>``: runs of blank lines left by skipped sections become
    one, and the text ends with exactly one newline."""
    text = _environment().get_template(name).render(**variables)
    return _BLANK_RUNS.sub("\n\n", text).rstrip() + "\n"


def render_list(name: str, **variables: Any) -> list[str]:
    """Render a template of ``- item`` lines into its items (other lines are ignored)."""
    return [
        line[2:].strip() for line in render(name, **variables).splitlines() if line.startswith("- ")
    ]
