"""Self-service tooling: the input variables of a Terraform module that people provision with
on their own, each bounded by a validation rule, so a request outside the guardrails fails
at plan time instead of reaching a reviewer.

Terraform, "Input Variables: Custom Validation Rules"
(https://developer.hashicorp.com/terraform/language/values/variables#custom-validation-rules):
``validation { condition = ..., error_message = ... }``; ``contains()`` for allowed values,
numeric ranges, ``can(regex())`` for patterns. A parameter with no bound is reported: it
is where self-service turns into an unreviewed change.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from infra_team.tools.analysers._common import MAX_ROWS, Args, fullmatch


def _no_interpolation(value: object) -> object:
    """HCL would expand ``${`` and ``%{`` inside the quoted strings written from these values."""
    if isinstance(value, str) and ("${" in value or "%{" in value):
        raise ValueError("`${` and `%{` are not allowed (HCL template syntax)")
    return value


class Param(Args):
    name: Annotated[str, AfterValidator(fullmatch(r"^[a-z][a-z0-9_]{0,40}$"))] = Field(
        max_length=41
    )
    kind: Literal["string", "number"] = "string"
    allowed: list[
        Annotated[str, Field(max_length=100)] | Annotated[float, Field(ge=-1e15, le=1e15)]
    ] = Field(default_factory=list, max_length=100)
    min: float | None = Field(default=None, ge=-1e15, le=1e15)
    max: float | None = Field(default=None, ge=-1e15, le=1e15)
    pattern: str | None = Field(default=None, max_length=200, description="RE2 regex.")

    @field_validator("pattern", "allowed", mode="after")
    @classmethod
    def _plain(cls, value: object) -> object:
        for item in value if isinstance(value, list) else [value]:
            _no_interpolation(item)
        return value


class SelfServiceFormArgs(Args):
    """Arguments of ``self_service_form``."""

    params: list[Param] = Field(min_length=1, max_length=MAX_ROWS)


class SelfServiceForm(BaseModel):
    variables_tf: str
    unbounded: list[str]
    summary: str


def _condition(p: Param) -> list[tuple[str, str]]:
    var = f"var.{p.name}"
    rules = []
    if p.allowed:
        rules.append(
            (
                f"contains({json.dumps(p.allowed)}, {var})",
                f"{p.name} must be one of {', '.join(str(v) for v in p.allowed)}.",
            )
        )
    if p.kind == "number" and p.min is not None:
        rules.append((f"{var} >= {p.min:g}", f"{p.name} must be at least {p.min:g}."))
    if p.kind == "number" and p.max is not None:
        rules.append((f"{var} <= {p.max:g}", f"{p.name} must be at most {p.max:g}."))
    if p.kind == "string" and p.pattern:
        rules.append(
            (
                f"can(regex({json.dumps('^(?:' + p.pattern + ')$')}, {var}))",
                f"{p.name} must match the naming rule.",
            )
        )
    return rules


def build_form(args: SelfServiceFormArgs) -> SelfServiceForm:
    """One ``variable`` block per parameter with its validation blocks (JSON-quoted strings,
    which HCL reads as its own string literals)."""
    blocks, unbounded = [], []
    for p in args.params:
        rules = _condition(p)
        if not rules:
            unbounded.append(p.name)
        body = "".join(
            f"\n  validation {{\n    condition     = {c}\n    error_message = {json.dumps(m)}\n  }}\n"
            for c, m in rules
        )
        blocks.append(f'variable "{p.name}" {{\n  type = {p.kind}\n{body}}}\n')
    return SelfServiceForm(
        variables_tf="\n".join(blocks),
        unbounded=unbounded,
        summary=(
            f"{len(args.params)} parameter(s), {len(args.params) - len(unbounded)} bounded"
            + (f"; unbounded: {', '.join(unbounded[:10])}" if unbounded else "")
            + "."
        ),
    )
