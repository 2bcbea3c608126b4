"""Fitting tool-call arguments to a JSON schema."""

from __future__ import annotations

from typing import Any

import pytest

from infra_team.graph._schemas import ArchitectDesign, TriageDecision
from infra_team.offline._conform import conform, neutral_value

TRIAGE = TriageDecision.model_json_schema()
DESIGN = ArchitectDesign.model_json_schema()


def test_unknown_keys_dropped_and_missing_required_filled() -> None:
    fitted = conform({"severity": "P2", "extra": 1}, TRIAGE)
    assert fitted == {
        "incident": "not stated",
        "severity": "P2",
        "impact": "not stated",
        "current_action": "not stated",
        "eta": "not stated",
        "component": "not stated",
        "component_owner": None,
        "resolved": False,
        "summary": "not stated",
        "findings": [],
    }
    TriageDecision.model_validate(fitted)


def test_value_outside_enum_becomes_first_allowed() -> None:
    assert conform({"severity": "P9"}, TRIAGE)["severity"] == "P1"
    assert conform({"component_owner": "dba"}, TRIAGE)["component_owner"] is None


def test_nested_refs_are_followed() -> None:
    args = {"assignments": [{"role": "nobody", "task": "x", "extra": 1}]}
    assert conform(args, DESIGN)["assignments"] == [{"role": "systems-administrator", "task": "x"}]


def test_types_coerced_only_when_no_variant_fits() -> None:
    schema = {
        "type": "object",
        "properties": {
            "plan": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]
            },
            "names": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string"},
            "flag": {"type": "boolean"},
        },
    }
    args: dict[str, Any] = {"plan": [{"Plan": {}}], "names": "one", "note": {"a": 1}, "flag": 1}
    assert conform(args, schema) == {
        "plan": [{"Plan": {}}],
        "names": ["one"],
        "note": '{"a": 1}',
        "flag": True,
    }


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer", "minimum": 5}, 5),
        ({"type": "number", "exclusiveMinimum": 0}, 1),
        ({"type": "integer", "maximum": -2}, -2),
        ({"type": "string", "minLength": 12}, "not stated.."),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, [0, 0]),
        ({"type": "string", "default": "x"}, "x"),
        ({"const": "fixed"}, "fixed"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, None),
    ],
)
def test_neutral_values_respect_bounds(schema: dict[str, Any], value: Any) -> None:
    assert neutral_value(schema, schema) == value
