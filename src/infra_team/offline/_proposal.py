"""The ``change`` a single role proposes when it works alone (``ChangeProposal``).

In the team flow the architect's design carries the Infrastructure Change Request; a
specialist or the automation engineer entered directly has no design, and its prompt
promises a Change Request (and, for the specialists, a Maintenance Notification). The
graph writes both from the role report's ``change`` field, so the offline engine fills
it with the same rules the design uses (change type from the verbs, impact, risks and
rollback by change type), and the component the role owns.
"""

from __future__ import annotations

from typing import Any

from infra_team.offline._design import _IMPACT, _ROLLBACK, _risks
from infra_team.offline._evidence import Evidence
from infra_team.offline._routing import change_type
from infra_team.offline._text import first_sentence

SOLO_COMPONENTS = {
    "systems-administrator": "Server",
    "network-engineer": "Network",
    "database-administrator": "Database",
    "automation-engineer": "Automation",
}
"""Roles that propose a change alone, and the component each owns (the specification's
Infrastructure Change Request COMPONENT field: Server/Network/Database/etc.)."""
REPORT_STAGES = frozenset({"implement", "codify", "operate"})


def with_change(stage: str, evidence: Evidence, output: dict[str, Any]) -> dict[str, Any]:
    """``output`` with a ``change`` proposal when a change-owning role works alone."""
    role = evidence.brief.role
    if stage not in REPORT_STAGES or role not in SOLO_COMPONENTS or output.get("change"):
        return output
    if evidence.context("design"):
        return output
    kind = change_type(evidence.request).value
    change = {
        "change_type": kind,
        "component": SOLO_COMPONENTS[role],
        "justification": f"Requested: {first_sentence(evidence.request)}",
        "timeline": evidence.facts.timeline
        or "Not stated in the request: schedule after Change Approval in the next "
        "maintenance window.",
        "impact": _IMPACT[kind],
        "risks": _risks(evidence, kind),
        "rollback_plan": _ROLLBACK[kind],
    }
    return {**output, "change": change}
