"""Runbook skeletons rendered from the shipped template and symptom catalog."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Literal

import jinja2
import yaml
from pydantic import BaseModel, ConfigDict

from infra_team.oncall import COMPONENT_OWNER, ON_CALL_POLICY, component_owner
from infra_team.registry import RoleType, display_name
from infra_team.tools.analysers.oncall_now import RoleRef, role_ref

_TEMPLATES = resources.files("infra_team.tools.analysers") / "templates"


class SymptomClass(BaseModel):
    """One symptom class of ``templates/runbook_symptoms.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    title: str
    keywords: tuple[str, ...]
    component: str
    """Component word whose owner (agents/ ``components``) takes the specialist rung."""
    steps: tuple[str, ...]


class _GeneralTriage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    steps: tuple[str, ...]


class SymptomCatalog(BaseModel):
    """The runbook's triage data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    classes: tuple[SymptomClass, ...]
    general: _GeneralTriage


@cache
def load_symptom_catalog() -> SymptomCatalog:
    """The symptom classes shipped in ``templates/runbook_symptoms.yaml``."""
    text = (_TEMPLATES / "runbook_symptoms.yaml").read_text(encoding="utf-8")
    return SymptomCatalog.model_validate(yaml.safe_load(text))


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_TEMPLATES / name).read_text(encoding="utf-8")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def classify_symptom(symptom: str, catalog: SymptomCatalog) -> list[SymptomClass]:
    """The classes whose keywords appear in ``symptom`` as whole words (any case)."""
    text = symptom.lower()
    return [
        cls
        for cls in catalog.classes
        if any(re.search(rf"(?<![\w-]){re.escape(k.lower())}(?![\w-])", text) for k in cls.keywords)
    ]


class RunbookReport(BaseModel):
    """A rendered runbook and how the symptoms were read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    service: str
    symptom_classes: tuple[str, ...]
    unclassified_symptoms: tuple[str, ...]
    owners: dict[str, RoleRef | None]
    """Symptom class -> specialist owning its component."""
    markdown: str


def _tier_rows(owner: RoleType | None) -> list[dict[str, str]]:
    rows = []
    for tier in ON_CALL_POLICY.tiers:
        start = f"{tier.from_minute:g}"
        span = f"{start}-{tier.until_minute:g} min" if tier.until_minute else f"{start}+ min"
        if tier.holder == COMPONENT_OWNER:
            who = owner or ON_CALL_POLICY.secondary
            holder = f"{display_name(who)} (component owner)"
        else:
            holder = display_name(tier.holder)
        rows.append({"span": span, "holder": holder})
    return rows


def render_runbook(service: str, symptoms: list[str]) -> RunbookReport:
    """A runbook skeleton from the shipped template and symptom catalog.

    Triage follows the classes of ``templates/runbook_symptoms.yaml`` (5xx, latency,
    saturation, errors in logs, certificate, DNS, database), each owned by the specialist
    listed for its component in agents/; escalation follows the specification's on-call
    tiers (``infra_team.oncall.ON_CALL_POLICY``) with the first matched class's owner on
    the component rung; rollback, verification and the Incident Communication block
    follow the specification's gates and protocol.
    """
    catalog = load_symptom_catalog()
    env = _environment()
    matched: list[SymptomClass] = []
    unclassified: list[str] = []
    for symptom in symptoms:
        classes = classify_symptom(symptom, catalog)
        if not classes:
            unclassified.append(symptom)
        matched += [cls for cls in classes if cls not in matched]
    owners = {cls.key: component_owner(cls.component) for cls in matched}
    sections = [
        {
            "title": cls.title,
            "owner": display_name(owner) if (owner := owners[cls.key]) else "",
            "steps": [env.from_string(step).render(service=service) for step in cls.steps],
        }
        for cls in matched
    ]
    if unclassified or not matched:
        sections.append(
            {
                "title": catalog.general.title,
                "owner": "",
                "steps": [
                    env.from_string(step).render(service=service) for step in catalog.general.steps
                ],
            }
        )
    first_owner = next((owner for owner in owners.values() if owner), None)
    markdown = env.get_template("runbook.md.j2").render(
        service=service,
        symptoms=symptoms,
        handoff=f"{ON_CALL_POLICY.handoff:%H:%M}",
        sections=sections,
        tiers=_tier_rows(first_owner),
    )
    return RunbookReport(
        service=service,
        symptom_classes=tuple(cls.key for cls in matched),
        unclassified_symptoms=tuple(unclassified),
        owners={key: role_ref(owner) if owner else None for key, owner in owners.items()},
        markdown=markdown,
    )
