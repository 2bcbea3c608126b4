"""The offline engine's routing accuracy over hand-labelled cases (``routing_cases.yaml``).

The cases come from public postmortems and typical operations tickets, labelled with what
the team should decide (kind; for an incident its owner and severity; for a request the
specialists it needs). The accuracy is the share of labels the engine gets right. It may
only rise: the first test fails below ``ACCURACY_FLOOR``, the second when the floor is not
the measured accuracy rounded down to one decimal, so the floor follows every improvement.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_team.offline._extract import extract_facts
from infra_team.offline._routing import (
    assign_specialists,
    classify_kind,
    component_ownership,
    severity,
)

CASES_FILE = Path(__file__).with_name("routing_cases.yaml")
ACCURACY_FLOOR = 91.4
"""Percent of labels right, rounded down to one decimal (see the module docstring)."""
MIN_CASES = 60


def _cases() -> list[dict[str, Any]]:
    data = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return list(data["cases"])


def _decide(text: str) -> dict[str, Any]:
    """What the engine decides for ``text``: the same rules the graph's stages use."""
    kind = classify_kind(text).value
    decided: dict[str, Any] = {"kind": kind}
    if kind == "incident":
        decided["owner"] = component_ownership(text).owner
        decided["severity"] = severity(text, extract_facts(text)).value
    else:
        decided["specialists"] = sorted(assign_specialists(text))
    return decided


def _right(label: str, expected: Any, decided: dict[str, Any]) -> bool:
    got = decided.get(label)
    if label == "specialists":
        return got == sorted(expected)
    if isinstance(expected, list):
        return got in expected
    return bool(got == expected)


def measure(subset: str | None = None) -> tuple[float, list[str]]:
    """The accuracy in percent over every label (of the cases whose ``set`` is
    ``subset``, when given), and one line per wrong label."""
    right = total = 0
    wrong: list[str] = []
    for case in _cases():
        if subset is not None and case.get("set", "development") != subset:
            continue
        decided = _decide(case["text"])
        for label in ("kind", "owner", "severity", "specialists"):
            if label not in case:
                continue
            if label != "kind" and decided["kind"] != case["kind"]:
                total += 1  # the wrong kind answers the wrong question: the label is missed
                wrong.append(f"{case['id']}: {label} not decided (kind {decided['kind']})")
                continue
            total += 1
            if _right(label, case[label], decided):
                right += 1
            else:
                wrong.append(f"{case['id']}: {label} {decided.get(label)!r}, want {case[label]!r}")
    return right / total * 100, wrong


@pytest.fixture(scope="module")
def measured() -> tuple[float, list[str]]:
    return measure()


def test_there_are_enough_labelled_cases() -> None:
    cases = _cases()
    assert len(cases) >= MIN_CASES
    assert len({case["id"] for case in cases}) == len(cases)
    kinds = {case["kind"] for case in cases}
    assert kinds == {"request", "incident"}
    for case in cases:
        assert ("owner" in case and "severity" in case) == (case["kind"] == "incident"), case["id"]
        assert ("specialists" in case) == (case["kind"] == "request"), case["id"]


def test_routing_accuracy_is_at_least_the_floor(measured: tuple[float, list[str]]) -> None:
    accuracy, wrong = measured
    held_out = measure("held-out")[0]
    print(
        f"\nrouting accuracy {math.floor(accuracy * 10) / 10:.1f} % over {len(_cases())} cases "
        f"(held-out cases, never tuned against: {held_out:.1f} %)"
    )
    print("\n".join(wrong))
    assert accuracy >= ACCURACY_FLOOR, "\n".join(wrong)


def test_floor_is_the_measured_accuracy_rounded_down(measured: tuple[float, list[str]]) -> None:
    expected = math.floor(measured[0] * 10) / 10
    assert expected == ACCURACY_FLOOR, f"set ACCURACY_FLOOR to {expected}"


if __name__ == "__main__":  # python tests/unit/offline/test_offline_routing_cases.py
    accuracy, wrong = measure()
    print(f"routing accuracy {math.floor(accuracy * 10) / 10:.1f} % over {len(_cases())} cases")
    for subset in ("development", "held-out"):
        print(f"  {subset}: {measure(subset)[0]:.1f} %")
    print("\n".join(wrong))
