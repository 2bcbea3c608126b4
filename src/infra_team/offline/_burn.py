"""A stated error ratio against an SLO's burn-rate alert thresholds.

When a request gives only a failure share ("40 % of requests"), there are no event counts
to spend an error budget with, but the share is an error ratio, and that is what the
multiwindow burn-rate alerts compare with their thresholds (SRE Workbook ch. 5,
"Alerting on SLOs"): burn rate = error ratio / (1 - SLO), and an alert's threshold is its
burn rate x (1 - SLO). So the engine reads ``burn_rate_alerts`` for the SLO and says which
alerts the stated ratio is above, without inventing how many requests failed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from infra_team.offline._templates import format_number

WORKBOOK = 'SRE Workbook ch. 5, "Alerting on SLOs"'


class AlertThreshold(BaseModel):
    """One burn-rate alert of ``burn_rate_alerts``, as compared."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    severity: Literal["page", "ticket"]
    burn_rate: Decimal
    threshold: Decimal
    """Error ratio both windows must exceed: burn rate x (1 - SLO)."""
    windows: str
    """Long and short window, ``1h/5m``."""


class BurnComparison(BaseModel):
    """Where a stated error ratio stands against an SLO's burn-rate alerts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    error_ratio: Decimal
    slo_percent: Decimal
    burn_rate: Decimal
    """error_ratio / (1 - SLO)."""
    exceeded: tuple[AlertThreshold, ...]
    """Alerts whose threshold the ratio is above, in the tool's order (fastest first)."""
    lowest: AlertThreshold | None
    """The alert with the lowest threshold, for the "below every threshold" case."""
    verdict: Literal["pages", "tickets", "no alert"]


def compare_burn_rate(alerts: dict[str, Any], error_ratio: float) -> BurnComparison:
    """Compare ``error_ratio`` (0.4 for 40 %) with the alerts in ``burn_rate_alerts`` data.

    Alerts that can never fire (threshold 1 or more) are left out. Decimals keep the
    arithmetic exact: 0.4 / (1 - 0.999) is 400, not 399.99999999999994.
    """
    slo = Decimal(str(alerts.get("slo_percent", 0)))
    budget = (Decimal(100) - slo) / Decimal(100)
    ratio = Decimal(str(error_ratio))
    rows = [
        AlertThreshold(
            severity=row["severity"],
            burn_rate=Decimal(str(row["burn_rate"])),
            threshold=Decimal(str(row["burn_rate"])) * budget,
            windows=f"{row['long_window']}/{row['short_window']}",
        )
        for row in alerts.get("alerts", [])
        if row.get("can_fire", True)
    ]
    exceeded = tuple(row for row in rows if ratio > row.threshold)
    if any(row.severity == "page" for row in exceeded):
        verdict: Literal["pages", "tickets", "no alert"] = "pages"
    elif exceeded:
        verdict = "tickets"
    else:
        verdict = "no alert"
    return BurnComparison(
        error_ratio=ratio,
        slo_percent=slo,
        burn_rate=ratio / budget if budget else Decimal(0),
        exceeded=exceeded,
        lowest=min(rows, key=lambda row: row.threshold) if rows else None,
        verdict=verdict,
    )


def _decimal(value: Decimal) -> str:
    return format_number(float(value))


def _alert(row: AlertThreshold) -> str:
    return f"{_decimal(row.burn_rate)}x {row.severity} threshold {_decimal(row.threshold)} ({row.windows})"


def _short(row: AlertThreshold) -> str:
    return f"{_decimal(row.burn_rate)}x {row.severity} ({_decimal(row.threshold)}, {row.windows})"


def describe_burn(comparison: BurnComparison, share_percent: float) -> str:
    """One sentence: the stated share, the alert it trips first and the burn rate."""
    ratio = _decimal(comparison.error_ratio)
    formula = (
        f"burn rate {_decimal(comparison.burn_rate)}x = {ratio} / (1 - "
        f"{_decimal(comparison.slo_percent / 100)}) ({WORKBOOK})"
    )
    stated = (
        f"the stated {format_number(share_percent)} % of requests failing (error ratio {ratio})"
    )
    if not comparison.exceeded:
        lowest = f" (lowest: {_alert(comparison.lowest)})" if comparison.lowest else ""
        return f"{stated} is below every alert threshold{lowest}: no alert; {formula}."
    first, *others = comparison.exceeded
    verb = "pages now" if comparison.verdict == "pages" else "opens a ticket now"
    text = f"{stated} is above the {_alert(first)}: {verb}: {formula}"
    if others:
        text += "; also above " + " and ".join(_short(row) for row in others)
    return text + "."
