"""The specification's team capabilities, who owns each, and the tools and templates that
serve it, read from ``agents/capabilities.yaml``.

Loading reads YAML only (the ``capabilities`` command stays quick); ``check_capabilities``
builds the tool catalogue and the roster to prove every entry: the owner holds each tool on
its ``tools:`` line, and each template is shipped and rendered by one of those tools.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from infra_team import _paths

CAPABILITY_COUNT = 30
"""Six areas of five in the specification's "Team Capabilities"."""
TEMPLATE_PACKAGES = ("infra_team.tools.analysers", "infra_team.tools")
"""Where a deliverable template may live (each package's ``templates/`` folder)."""


class Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str
    rendered_by: str


class Capability(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    owner: str
    tools: tuple[str, ...] = ()
    templates: tuple[Template, ...] = ()


class Area(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    area: str
    capabilities: tuple[Capability, ...] = Field(min_length=1)


class CapabilityRow(BaseModel):
    """One capability, flat: what ``infra-team capabilities --json`` prints."""

    area: str
    capability: str
    owner: str
    tools: list[str]
    templates: list[str]
    served: Literal[True, False]


@cache
def load_capabilities() -> tuple[Area, ...]:
    """The areas of ``agents/capabilities.yaml``, validated."""
    raw = yaml.safe_load((_paths.agents_dir() / "capabilities.yaml").read_text(encoding="utf-8"))
    return tuple(Area.model_validate(item) for item in raw)


def capability_rows() -> list[CapabilityRow]:
    return [
        CapabilityRow(
            area=area.area,
            capability=cap.name,
            owner=cap.owner,
            tools=list(cap.tools),
            templates=[t.file for t in cap.templates],
            served=bool(cap.tools or cap.templates),
        )
        for area in load_capabilities()
        for cap in area.capabilities
    ]


def template_path(name: str) -> str | None:
    """The package that ships template ``name``, or None."""
    for package in TEMPLATE_PACKAGES:
        if (resources.files(package) / "templates" / name).is_file():
            return package
    return None


def check_capabilities() -> list[str]:
    """Problems with the map; empty when every capability is served by its owner's own
    tools and every template exists and is rendered by one of them."""
    from infra_team.registry import registry
    from infra_team.tools import TOOL_CATALOG

    roster = registry()
    problems = []
    rows = [cap for area in load_capabilities() for cap in area.capabilities]
    if len(rows) != CAPABILITY_COUNT:
        problems.append(
            f"{len(rows)} capabilities listed, the specification has {CAPABILITY_COUNT}"
        )
    for cap in rows:
        if cap.owner not in roster:
            problems.append(f"{cap.name}: unknown owner `{cap.owner}`")
            continue
        own = set(roster[cap.owner].tools)
        if not cap.tools and not cap.templates:
            problems.append(f"{cap.name}: no tool or template serves it")
        for tool in cap.tools:
            if tool not in TOOL_CATALOG:
                problems.append(f"{cap.name}: `{tool}` is not a tool")
            elif tool not in own:
                problems.append(f"{cap.name}: `{tool}` is not on {cap.owner}'s tools line")
        for template in cap.templates:
            if template_path(template.file) is None:
                problems.append(f"{cap.name}: template `{template.file}` is not shipped")
            if template.rendered_by not in cap.tools:
                problems.append(f"{cap.name}: `{template.rendered_by}` is not one of its tools")
    return problems
