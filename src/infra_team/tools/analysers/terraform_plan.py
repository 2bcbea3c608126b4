"""Terraform plan review: what ``terraform show -json`` says will change, and how risky it is."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from infra_team.tools._base import ToolInputError
from infra_team.tools._limits import parse_json_document

SUPPORTED_FORMAT_MAJOR = "1"
Risk = Literal["none", "low", "medium", "high"]
ChangeKind = Literal["create", "update", "delete", "replace", "read", "no-op", "forget", "unknown"]
_ACTIONS: dict[tuple[str, ...], ChangeKind] = {
    ("no-op",): "no-op",
    ("create",): "create",
    ("read",): "read",
    ("update",): "update",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("delete",): "delete",
    ("forget",): "forget",
}


class ResourceChangeSummary(BaseModel):
    """One entry of ``resource_changes`` as the review sees it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str
    type: str
    mode: str
    actions: tuple[str, ...]
    kind: ChangeKind
    action_reason: str | None = None
    replace_order: Literal["delete-before-create", "create-before-destroy"] | None = None
    destructive: bool
    """The action list contains ``delete``: an object will be destroyed."""


class TerraformPlanReview(BaseModel):
    """What a Terraform plan will do, counted and judged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    format_version: str
    terraform_version: str | None
    counts: dict[str, int]
    """Changes per kind: create, update, delete, replace, read, no-op, forget, unknown."""
    creates: tuple[str, ...]
    updates: tuple[str, ...]
    deletes: tuple[str, ...]
    replaces: tuple[str, ...]
    forgets: tuple[str, ...]
    """Objects Terraform stops managing without destroying them (``removed`` blocks)."""
    unknown: tuple[str, ...]
    """Action lists this review does not recognise; treat them with care."""
    destructive: bool
    risk: Risk
    reasons: tuple[str, ...]
    """Why the risk is what it is."""
    changes: tuple[ResourceChangeSummary, ...]
    """Every entry that is not a no-op."""


def _plan_object(plan: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(plan, dict):
        return plan
    try:
        loaded = parse_json_document(plan, "plan_json")
    except json.JSONDecodeError as exc:
        msg = (
            f"`plan_json` is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "pass the output of `terraform show -json <planfile>`"
        )
        raise ToolInputError(msg) from exc
    if not isinstance(loaded, dict):
        msg = "`plan_json` must be a JSON object, the output of `terraform show -json <planfile>`"
        raise ToolInputError(msg)
    return loaded


def _change_summary(entry: Any, index: int) -> ResourceChangeSummary:
    if not isinstance(entry, dict):
        msg = f"`resource_changes[{index}]` must be an object"
        raise ToolInputError(msg)
    change = entry.get("change")
    actions = change.get("actions") if isinstance(change, dict) else None
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        msg = f"`resource_changes[{index}]` has no `change.actions` list of strings"
        raise ToolInputError(msg)
    key = tuple(actions)
    kind = _ACTIONS.get(key, "unknown")
    order = None
    if kind == "replace":
        order = "delete-before-create" if key[0] == "delete" else "create-before-destroy"
    reason = entry.get("action_reason")
    return ResourceChangeSummary(
        address=str(entry.get("address", f"resource_changes[{index}]")),
        type=str(entry.get("type", "")),
        mode=str(entry.get("mode", "managed")),
        actions=key,
        kind=kind,
        action_reason=reason if isinstance(reason, str) else None,
        replace_order=order,
        destructive="delete" in key,
    )


def _plan_risk(
    changes: list[ResourceChangeSummary],
) -> tuple[Risk, list[str]]:
    reasons: list[str] = []
    destroyed = [c for c in changes if c.destructive]
    if destroyed:
        replaced = sum(1 for c in destroyed if c.kind == "replace")
        reasons.append(
            f"{len(destroyed)} object(s) will be destroyed ({replaced} by replacement); "
            "check data, dependents and rollback before applying"
        )
        first_delete = [c.address for c in destroyed if c.replace_order == "delete-before-create"]
        if first_delete:
            reasons.append(
                "destroyed before the replacement exists (downtime unless "
                "create_before_destroy): " + ", ".join(first_delete)
            )
    unknown = [c.address for c in changes if c.kind == "unknown"]
    if unknown:
        reasons.append("unrecognised action lists: " + ", ".join(unknown))
    updates = [c for c in changes if c.kind == "update"]
    if updates:
        reasons.append(f"{len(updates)} in-place update(s)")
    forgets = [c for c in changes if c.kind == "forget"]
    if forgets:
        reasons.append(f"{len(forgets)} object(s) leave Terraform management (not destroyed)")
    creates = [c for c in changes if c.kind == "create"]
    if creates:
        reasons.append(f"{len(creates)} new object(s)")
    if destroyed:
        return "high", reasons
    if unknown or updates or forgets:
        return "medium", reasons
    if creates:
        return "low", reasons
    return "none", reasons or ["no managed object changes"]


def review_terraform_plan(plan: str | dict[str, Any]) -> TerraformPlanReview:
    """Review a plan in Terraform's JSON output format (Terraform docs, "JSON Output
    Format", internals/json-format): ``format_version`` must have major version 1 (the doc
    says to reject unsupported majors and ignore unknown properties); each
    ``resource_changes[].change.actions`` is one of ``["no-op"]``, ``["create"]``,
    ``["read"]``, ``["update"]``, ``["delete", "create"]`` (replace, delete first),
    ``["create", "delete"]`` (replace, create_before_destroy), ``["delete"]``, or
    ``["forget"]`` (a ``removed`` block with ``destroy = false``). As the doc advises, any
    action list containing ``delete`` is destructive; such a plan is high risk. In-place
    updates, forgets or unrecognised actions make it medium, creates only low.

    Raises:
        ToolInputError: not JSON, not a plan, or an unsupported format version.
    """
    data = _plan_object(plan)
    version = data.get("format_version")
    if not isinstance(version, str):
        msg = (
            "no `format_version` string: this is not `terraform show -json` output; run "
            "`terraform plan -out=tfplan && terraform show -json tfplan`"
        )
        raise ToolInputError(msg)
    if version.split(".")[0] != SUPPORTED_FORMAT_MAJOR:
        msg = (
            f"unsupported plan format_version `{version}`: only major version "
            f"{SUPPORTED_FORMAT_MAJOR} (1.x) is understood; use a Terraform 1.x-compatible "
            "`terraform show -json`"
        )
        raise ToolInputError(msg, code="unsupported_format")
    entries = data.get("resource_changes", [])
    if not isinstance(entries, list):
        msg = "`resource_changes` must be a list"
        raise ToolInputError(msg)
    summaries = [_change_summary(entry, i) for i, entry in enumerate(entries)]
    counts = Counter(s.kind for s in summaries)
    changes = [s for s in summaries if s.kind != "no-op"]
    risk, reasons = _plan_risk(changes)
    tf_version = data.get("terraform_version")

    def addresses(kind: ChangeKind) -> tuple[str, ...]:
        return tuple(s.address for s in summaries if s.kind == kind)

    return TerraformPlanReview(
        format_version=version,
        terraform_version=tf_version if isinstance(tf_version, str) else None,
        counts={kind: counts.get(kind, 0) for kind in _kind_order()},
        creates=addresses("create"),
        updates=addresses("update"),
        deletes=addresses("delete"),
        replaces=addresses("replace"),
        forgets=addresses("forget"),
        unknown=addresses("unknown"),
        destructive=any(s.destructive for s in summaries),
        risk=risk,
        reasons=tuple(reasons),
        changes=tuple(changes),
    )


def _kind_order() -> tuple[ChangeKind, ...]:
    return ("create", "update", "delete", "replace", "read", "no-op", "forget", "unknown")
