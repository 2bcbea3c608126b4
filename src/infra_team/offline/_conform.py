"""Make tool-call arguments fit a JSON schema, deterministically.

The engine composes its structured output for the schemas it knows; ``conform`` is the
safety net that keeps a call valid when a schema differs from what the engine expects (a
field added, a closed set changed): unknown keys are dropped, a missing required field
gets the neutral value of its type, and a value outside an ``enum`` becomes the first
allowed value. The same input always gives the same output, so a ToolStrategy retry
after a validation error is a fixed, single step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/$defs/Name``) and unwrap a single ``allOf``."""
    seen = 0
    while "$ref" in schema and seen < 16:
        path = str(schema["$ref"]).removeprefix("#/").split("/")
        target: Any = root
        for part in path:
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        schema, seen = target if isinstance(target, Mapping) else {}, seen + 1
    if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], root)
    return schema


def _variants(schema: Mapping[str, Any], root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    schema = _resolve(schema, root)
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        return [_resolve(option, root) for option in options if isinstance(option, Mapping)]
    return [schema]


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return str(kinds[0]) if kinds else "null"
    if kind is None and "properties" in schema:
        return "object"
    return str(kind) if kind else "any"


def _neutral_number(schema: Mapping[str, Any], integer: bool) -> float | int:
    """The smallest value at or above zero that the bounds allow."""
    value: float = 0
    if isinstance(schema.get("minimum"), int | float):
        value = max(value, schema["minimum"])
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        value = max(value, schema["exclusiveMinimum"] + 1)
    if isinstance(schema.get("maximum"), int | float):
        value = min(value, schema["maximum"])
    return int(value) if integer else value


def neutral_value(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    """The value a missing or rejected field gets: the default, a constant, the first enum
    value, or the smallest value of its type within its bounds (``None`` when null is
    allowed)."""
    schema = _resolve(schema, root)
    if "default" in schema:
        return schema["default"]
    variants = _variants(schema, root)
    if any(_type_of(v) == "null" for v in variants):
        return None
    first = variants[0] if variants else {}
    if "const" in first:
        return first["const"]
    if isinstance(first.get("enum"), list) and first["enum"]:
        return first["enum"][0]
    kind = _type_of(first)
    if kind in {"integer", "number"}:
        return _neutral_number(first, kind == "integer")
    if kind == "string":
        return "not stated".ljust(int(first.get("minLength", 0)), ".")
    if kind == "array":
        return [neutral_value(first.get("items", {}), root)] * int(first.get("minItems", 0))
    if kind == "boolean":
        return False
    if kind == "object":
        return conform({}, first, root)
    return None


def _fits_enum(value: Any, variants: list[Mapping[str, Any]]) -> bool:
    for variant in variants:
        if "const" in variant and value == variant["const"]:
            return True
        if isinstance(variant.get("enum"), list):
            if value in variant["enum"]:
                return True
        elif "const" not in variant and _type_of(variant) in {"string", "any"}:
            return True
        if _type_of(variant) == "null" and value is None:
            return True
    return False


def _matches(value: Any, kind: str) -> bool:
    """Whether a Python value already has the JSON type ``kind``."""
    if kind == "any":
        return True
    if isinstance(value, bool):
        return kind == "boolean"
    checks: dict[str, bool] = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int),
        "number": isinstance(value, int | float),
        "array": isinstance(value, list | tuple),
        "object": isinstance(value, Mapping),
    }
    return checks.get(kind, False)


def _conform_value(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> Any:
    variants = _variants(schema, root)
    kinds = [_type_of(v) for v in variants]
    if value is None:
        return None if "null" in kinds or "any" in kinds else neutral_value(schema, root)
    if any("enum" in v or "const" in v for v in variants) and not _fits_enum(value, variants):
        return neutral_value(schema, root)
    typed = [v for v in variants if _type_of(v) != "null"]
    chosen = next((v for v in typed if _matches(value, _type_of(v))), None)
    if chosen is None:
        chosen = typed[0] if typed else {}
        if _type_of(chosen) == "string":
            return json.dumps(value, sort_keys=True)
        if _type_of(chosen) == "array":
            value = [value]
        elif _type_of(chosen) == "boolean":
            return bool(value)
    kind = _type_of(chosen)
    if kind == "array" and isinstance(value, list | tuple):
        items = chosen.get("items", {})
        return [_conform_value(item, items, root) for item in value]
    if kind == "object" and isinstance(value, Mapping) and "properties" in chosen:
        return conform(value, chosen, root)
    return value


def conform(
    args: Mapping[str, Any], schema: Mapping[str, Any], root: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``args`` reshaped to fit an object ``schema`` (see the module docstring)."""
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return dict(args)
    fitted: dict[str, Any] = {}
    for name, field_schema in properties.items():
        if name in args:
            fitted[name] = _conform_value(args[name], field_schema, root)
        elif name in schema.get("required", ()):
            fitted[name] = neutral_value(field_schema, root)
    return fitted
