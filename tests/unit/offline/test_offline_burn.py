"""A stated error ratio against the burn-rate alert thresholds of ``burn_rate_alerts``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from infra_team.offline._burn import compare_burn_rate, describe_burn
from infra_team.tools.analysers.slo import build_burn_rate_alerts


def _alerts(slo: float) -> dict[str, object]:
    return build_burn_rate_alerts(slo).model_dump(mode="json")


@pytest.mark.parametrize(
    ("slo", "ratio", "burn", "verdict", "exceeded"),
    [
        # SRE Workbook ch. 5: thresholds 14.4 x 0.001 = 0.0144, 6 x 0.001 = 0.006, 0.001.
        (99.9, 0.40, Decimal(400), "pages", ["14.4", "6", "1"]),
        (99.9, 0.01, Decimal(10), "pages", ["6", "1"]),
        (99.9, 0.003, Decimal(3), "tickets", ["1"]),
        (99.9, 0.0005, Decimal("0.5"), "no alert", []),
        (99.0, 0.10, Decimal(10), "pages", ["6", "1"]),  # 0.144 > 0.1 > 0.06
    ],
)
def test_verdict_and_exact_burn_rate(
    slo: float, ratio: float, burn: Decimal, verdict: str, exceeded: list[str]
) -> None:
    comparison = compare_burn_rate(_alerts(slo), ratio)
    assert comparison.burn_rate == burn
    assert comparison.verdict == verdict
    assert [format(row.burn_rate.normalize(), "f") for row in comparison.exceeded] == exceeded


def test_alerts_that_cannot_fire_are_left_out() -> None:
    # SLO 90 %: the 14.4x threshold is 1.44, which no error ratio can exceed.
    comparison = compare_burn_rate(_alerts(90.0), 0.9)
    assert [format(row.burn_rate.normalize(), "f") for row in comparison.exceeded] == ["6", "1"]
    assert comparison.lowest is not None
    assert comparison.lowest.threshold == Decimal("0.1")


def test_sentence_for_a_ticket_only_ratio() -> None:
    comparison = compare_burn_rate(_alerts(99.9), 0.003)
    assert describe_burn(comparison, 0.3) == (
        "the stated 0.3 % of requests failing (error ratio 0.003) is above the 1x ticket "
        "threshold 0.001 (3d/6h): opens a ticket now: burn rate 3x = 0.003 / (1 - 0.999) "
        '(SRE Workbook ch. 5, "Alerting on SLOs").'
    )
