"""Severity levels shared by the audits: sshd_config, firewall rules and DNS records.

One scale, ordered most severe first, so findings from different audits sort and count alike.
"""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")


def count_by_severity(severities: list[Severity]) -> dict[str, int]:
    """Number of findings per severity, every level present (0 when it has none)."""
    return {level: severities.count(level) for level in SEVERITY_ORDER}
