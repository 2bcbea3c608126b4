"""SLO arithmetic from the SRE Workbook: error budgets and multiwindow burn-rate alerts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from infra_team.tools._base import ToolInputError


class ErrorBudgetReport(BaseModel):
    """An SLO's error budget over one window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    slo_percent: float
    window_days: float
    total_events: int
    good_events: int
    bad_events: int
    """Budget consumed, in events."""
    allowed_bad_events: float
    """The budget: (1 - SLO) x total events."""
    error_rate: float
    """Observed bad / total."""
    consumed_fraction: float
    """Bad events / budget (1.0 = the whole budget)."""
    remaining_fraction: float
    """1 - consumed; negative once the budget is overspent."""
    remaining_events: float
    burn_rate: float
    """Observed error rate / (1 - SLO): 1.0 spends exactly the budget over the window."""
    allowed_downtime_minutes: float
    """The budget as full-outage time over the window: (1 - SLO) x window."""
    exhausted: bool
    days_to_exhaustion: float | None
    """Days until the remaining budget is spent if the observed burn rate continues."""


def _budget_fraction(slo_percent: float) -> Decimal:
    """1 - SLO as an exact decimal (``99.9`` -> ``0.001``)."""
    return (Decimal(100) - Decimal(str(slo_percent))) / Decimal(100)


def compute_error_budget(
    slo_percent: float, window_days: float, good_events: int, total_events: int
) -> ErrorBudgetReport:
    """Error budget arithmetic from the SRE Workbook, ch. 2 "Implementing SLOs" (the error
    budget is 1 - SLO of the events in the window) and ch. 5 "Alerting on SLOs" (burn rate =
    observed error rate / (1 - SLO); at burn rate 1 the budget lasts exactly the window).

    Decimals keep round SLOs exact: 99.9 % of 1,000,000 events allows 1,000 bad events.

    Raises:
        ToolInputError: good events exceed total, or there are no events.
    """
    if good_events > total_events:
        msg = f"good_events ({good_events}) cannot exceed total_events ({total_events})"
        raise ToolInputError(msg)
    if total_events == 0:
        msg = "total_events is 0: there is no traffic in the window to measure against"
        raise ToolInputError(msg, code="no_data")
    fraction = _budget_fraction(slo_percent)
    total = Decimal(total_events)
    bad = total_events - good_events
    budget = fraction * total
    consumed = Decimal(bad) / budget
    error_rate = Decimal(bad) / total
    burn = error_rate / fraction
    remaining = 1 - consumed
    days_left = remaining * Decimal(str(window_days)) / burn if burn > 0 and remaining > 0 else None
    return ErrorBudgetReport(
        slo_percent=slo_percent,
        window_days=window_days,
        total_events=total_events,
        good_events=good_events,
        bad_events=bad,
        allowed_bad_events=float(budget),
        error_rate=float(error_rate),
        consumed_fraction=float(consumed),
        remaining_fraction=float(remaining),
        remaining_events=float(budget - bad),
        burn_rate=float(burn),
        allowed_downtime_minutes=float(fraction * Decimal(str(window_days)) * 1440),
        exhausted=consumed >= 1,
        days_to_exhaustion=float(days_left) if days_left is not None else None,
    )


class BurnRateWindow(BaseModel):
    """One row of the SRE Workbook's recommended multiwindow, multi-burn-rate table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    severity: Literal["page", "ticket"]
    long_window: str
    """Prometheus duration of the long window."""
    long_window_hours: Decimal
    short_window: str
    """Prometheus duration of the short window (1/12 of the long one)."""
    burn_rate: Decimal
    budget_percent: Decimal
    """Share of a 30-day budget spent in the long window at this burn rate."""
    pending: str
    """``for`` of the rule: a short pending period so one failed evaluation or scrape gap
    cannot fire it, well under the short window so detection stays close to the Workbook's."""


BURN_RATE_WINDOWS: tuple[BurnRateWindow, ...] = (
    BurnRateWindow(
        severity="page",
        long_window="1h",
        long_window_hours=Decimal(1),
        short_window="5m",
        burn_rate=Decimal("14.4"),
        budget_percent=Decimal(2),
        pending="2m",
    ),
    BurnRateWindow(
        severity="page",
        long_window="6h",
        long_window_hours=Decimal(6),
        short_window="30m",
        burn_rate=Decimal(6),
        budget_percent=Decimal(5),
        pending="15m",
    ),
    BurnRateWindow(
        severity="ticket",
        long_window="3d",
        long_window_hours=Decimal(72),
        short_window="6h",
        burn_rate=Decimal(1),
        budget_percent=Decimal(10),
        pending="1h",
    ),
)
"""SRE Workbook ch. 5, "Alerting on SLOs", the recommended parameters for a 99.9 % SLO
over 30 days: page at 14.4x over 1h/5m (2 % of the budget) and 6x over 6h/30m (5 %),
ticket at 1x over 3d/6h (10 %)."""
DEFAULT_METRIC = "job:slo_errors_per_request:ratio_rate{window}"
"""The Workbook's recording-rule naming for the error ratio over a window."""
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_MATCHER = r'\s*[a-zA-Z_]\w*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"\s*'
_SELECTOR = re.compile(rf"(?:{_MATCHER}(?:,{_MATCHER})*,?)?")


class BurnRateAlert(BaseModel):
    """One alert of the plan, with its computed threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert: str
    severity: Literal["page", "ticket"]
    long_window: str
    short_window: str
    burn_rate: float
    error_rate_threshold: float
    """burn rate x (1 - SLO): the error ratio both windows must exceed."""
    budget_consumed_percent: float
    """Share of the SLO window's budget spent during the long window at this burn rate."""
    time_to_exhaustion_hours: float
    """How long the whole budget lasts at this burn rate."""
    can_fire: bool
    """False when the threshold is 1 or more: an error ratio can never exceed it."""
    expr: str


class BurnRateAlertPlan(BaseModel):
    """Multiwindow, multi-burn-rate alerts for one SLO, and the Prometheus rules file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    slo_percent: float
    window_days: float
    error_budget: float
    """1 - SLO as a ratio."""
    alerts: tuple[BurnRateAlert, ...]
    required_recording_rules: tuple[str, ...]
    """Error-ratio series the expressions read; they must exist as recording rules."""
    rules_yaml: str
    """Prometheus alerting rules file (groups/rules), for ``promtool check rules``."""


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _series(metric: str, window: str, selector: str) -> str:
    name = metric.replace("{window}", window)
    return f"{name}{{{selector}}}" if selector else name


def build_burn_rate_alerts(
    slo_percent: float,
    *,
    metric: str = DEFAULT_METRIC,
    selector: str = "",
    service: str = "",
    window_days: float = 30,
) -> BurnRateAlertPlan:
    """The SRE Workbook ch. 5 multiwindow, multi-burn-rate alerts as Prometheus rules.

    Each row of ``BURN_RATE_WINDOWS`` fires when the error ratio over both its long and its
    short window exceeds burn rate x (1 - SLO): 14.4 x 0.001 = 0.0144 for a 99.9 % SLO.
    The short window (1/12 of the long) makes the alert stop soon after the errors stop.
    ``metric`` names the error-ratio recording rule with ``{window}`` where the window goes,
    as in the Workbook's ``job:slo_errors_per_request:ratio_rate1h``; ``selector`` holds
    label matchers (``job="api"``). The rules file follows Prometheus "Alerting rules"
    (groups -> rules with alert, expr, for, labels, annotations).

    Raises:
        ToolInputError: a metric without ``{window}`` or not a valid metric name, or a
            malformed selector.
    """
    if metric.count("{window}") != 1 or not _METRIC_NAME.fullmatch(
        metric.replace("{window}", "1h")
    ):
        msg = (
            f"metric `{metric}` must be a Prometheus metric name holding `{{window}}` once, "
            f"e.g. `{DEFAULT_METRIC}`"
        )
        raise ToolInputError(msg)
    selector = selector.strip().removeprefix("{").removesuffix("}").strip()
    if not _SELECTOR.fullmatch(selector):
        msg = f'selector `{selector}` must be label matchers such as `job="api", env="prod"`'
        raise ToolInputError(msg)
    budget = _budget_fraction(slo_percent)
    window_hours = Decimal(str(window_days)) * 24
    prefix = re.sub(r"[^A-Za-z0-9]", "", service.title()) if service else ""
    alerts: list[BurnRateAlert] = []
    rules: list[dict[str, Any]] = []
    for row in BURN_RATE_WINDOWS:
        threshold = row.burn_rate * budget
        limit = _decimal_text(threshold)
        expr = (
            f"{_series(metric, row.long_window, selector)} > {limit}"
            f" and {_series(metric, row.short_window, selector)} > {limit}"
        )
        name = f"{prefix}ErrorBudgetBurn{row.severity.title()}{row.long_window}"
        consumed = row.burn_rate * row.long_window_hours / window_hours * 100
        alerts.append(
            BurnRateAlert(
                alert=name,
                severity=row.severity,
                long_window=row.long_window,
                short_window=row.short_window,
                burn_rate=float(row.burn_rate),
                error_rate_threshold=float(threshold),
                budget_consumed_percent=round(float(consumed), 4),
                time_to_exhaustion_hours=round(float(window_hours / row.burn_rate), 4),
                can_fire=threshold < 1,
                expr=expr,
            )
        )
        labels = {"severity": row.severity, "slo": f"{slo_percent:g}"}
        if service:
            labels["service"] = service
        rules.append(
            {
                "alert": name,
                "expr": expr,
                "for": row.pending,
                "labels": labels,
                "annotations": {
                    "summary": f"Error budget burning at over {_decimal_text(row.burn_rate)}x "
                    f"({row.long_window} and {row.short_window} windows)",
                    "description": f"Error ratio is above {limit} over the last "
                    f"{row.long_window} and {row.short_window}; at this rate "
                    f"{_decimal_text(consumed.quantize(Decimal('0.01')))}% of the "
                    f"{window_days:g}-day error budget of the {slo_percent:g}% SLO is spent "
                    f"every {row.long_window}.",
                },
            }
        )
    group = f"{service}-slo-burn-rate" if service else "slo-burn-rate"
    document = {"groups": [{"name": group, "rules": rules}]}
    windows = dict.fromkeys(
        w for row in BURN_RATE_WINDOWS for w in (row.long_window, row.short_window)
    )
    return BurnRateAlertPlan(
        slo_percent=slo_percent,
        window_days=window_days,
        error_budget=float(budget),
        alerts=tuple(alerts),
        required_recording_rules=tuple(metric.replace("{window}", w) for w in windows),
        rules_yaml=yaml.safe_dump(document, sort_keys=False, width=1000),
    )
