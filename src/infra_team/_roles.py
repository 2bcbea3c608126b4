"""The role types and the internal ID table, with no imports from the package.

This is the only place in the code where the team's internal identifiers are written down.
They serve routing and documentation (state keys, checkpoints, trace metadata) and must
never reach a user; see ``infra_team.scrub``, which reads this table. ``infra_team.registry``
re-exports both names.
"""

from __future__ import annotations

from typing import Literal

RoleType = Literal[
    "infrastructure-architect",
    "systems-administrator",
    "network-engineer",
    "database-administrator",
    "site-reliability-engineer",
    "automation-engineer",
]

# Internal ID -> (subagent type, display name). Internal use only: never user-visible.
INTERNAL_IDS: dict[str, tuple[RoleType, str]] = {
    "INF-001": ("infrastructure-architect", "Infrastructure Architect"),
    "INF-002": ("systems-administrator", "Systems Administrator"),
    "INF-003": ("network-engineer", "Network Engineer"),
    "INF-004": ("database-administrator", "Database Administrator"),
    "INF-005": ("site-reliability-engineer", "Site Reliability Engineer"),
    "INF-006": ("automation-engineer", "Automation Engineer"),
}
