"""Infrastructure-as-code coverage of an inventory against the 100 % target."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict

IAC_TARGET_PERCENT = 100.0
"""The specification's KPI: 100 % of resources managed via IaC."""


class IacCoverageReport(BaseModel):
    """How much of the inventory is under IaC."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    inventory_count: int
    managed_count: int
    """Inventory resources that are managed."""
    coverage_percent: float
    target_percent: float
    target_met: bool
    unmanaged: tuple[str, ...]
    """Inventory resources not managed by IaC, in inventory order."""
    managed_not_in_inventory: tuple[str, ...]
    """Managed IDs missing from the inventory: stale state or an incomplete inventory."""
    duplicates: tuple[str, ...]
    """IDs listed more than once in the inventory (counted once)."""


def compute_iac_coverage(inventory: list[str], managed: list[str]) -> IacCoverageReport:
    """IaC coverage = managed inventory resources / inventory resources x 100, against the
    specification's "Infrastructure as Code: 100 %, resources managed via IaC" KPI. IDs are
    compared as exact strings after trimming; duplicates count once.
    """
    ids = [item.strip() for item in inventory]
    unique = list(dict.fromkeys(ids))
    duplicates = tuple(item for item, count in Counter(ids).items() if count > 1)
    managed_set = {item.strip() for item in managed}
    unmanaged = tuple(item for item in unique if item not in managed_set)
    inventory_set = set(unique)
    extra = tuple(
        dict.fromkeys(item.strip() for item in managed if item.strip() not in inventory_set)
    )
    covered = len(unique) - len(unmanaged)
    percent = round(covered / len(unique) * 100, 4) if unique else 0.0
    return IacCoverageReport(
        inventory_count=len(unique),
        managed_count=covered,
        coverage_percent=percent,
        target_percent=IAC_TARGET_PERCENT,
        target_met=bool(unique) and not unmanaged,
        unmanaged=unmanaged,
        managed_not_in_inventory=extra,
        duplicates=duplicates,
    )
