"""Automation Engineer tools: Terraform plan review, Ansible playbook check, IaC coverage.

Each tool has a pure function that computes the answer (``review_terraform_plan`` in
``_terraform_plan``, ``check_playbook`` in ``_ansible_playbook``, ``compute_iac_coverage`` in
``_iac_coverage``) and a thin ``@infra_tool`` wrapper. Live, read-only: ``terraform show
-json`` of a plan file (``live.terraform``) and ``ansible-playbook`` syntax and check-mode
runs (``live.ansible``), on files of the configured workspace.
"""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, field_validator

from infra_team.tools._base import ToolResult, infra_tool, no_data, ok
from infra_team.tools._limits import JSON_NOTE, MAX_SERIES, Document, DocumentOrObject, Line
from infra_team.tools.analysers._tool import analyser_tool
from infra_team.tools.analysers.ansible_playbook import check_playbook
from infra_team.tools.analysers.ansible_write import AnsibleWriteArgs, write_playbook
from infra_team.tools.analysers.iac_coverage import IAC_TARGET_PERCENT, compute_iac_coverage
from infra_team.tools.analysers.iac_pipeline import IacPipelineArgs, build_pipeline
from infra_team.tools.analysers.self_service_form import SelfServiceFormArgs, build_form
from infra_team.tools.analysers.terraform_plan import review_terraform_plan
from infra_team.tools.analysers.terraform_write import TerraformWriteArgs, write_terraform
from infra_team.tools.analysers.toil_inventory import ToilInventoryArgs, inventory_toil
from infra_team.tools.live import ansible, terraform

TERRAFORM_PLAN_REVIEW_DESCRIPTION = (
    "Review `terraform show -json` plan output: creates, updates, deletes and replaces, "
    "whether the plan is destructive, and its risk."
)
ANSIBLE_CHECK_DESCRIPTION = (
    "Check an Ansible playbook (YAML text) for structural errors and non-idempotent tasks, "
    "citing ansible-lint rules (no-changed-when, package-latest, ...)."
)
IAC_COVERAGE_DESCRIPTION = (
    "Compute the share of inventory resources managed by IaC against the 100 % target and "
    "list the unmanaged ones."
)


# --------------------------------------------------------------------------- terraform


class TerraformPlanReviewArgs(BaseModel):
    """Arguments of ``terraform_plan_review``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    plan_json: DocumentOrObject = Field(
        description=f"`terraform show -json` output, text or object. {JSON_NOTE}"
    )


@infra_tool(
    name="terraform_plan_review",
    description=TERRAFORM_PLAN_REVIEW_DESCRIPTION,
    args_schema=TerraformPlanReviewArgs,
)
def terraform_plan_review(*, plan_json: str | dict[str, Any]) -> ToolResult:
    """Review a Terraform plan (see ``review_terraform_plan``)."""
    review = review_terraform_plan(plan_json)
    c = review.counts
    summary = (
        f"Plan: {c['create']} to create, {c['update']} to update, {c['replace']} to replace, "
        f"{c['delete']} to delete; {'destructive, ' if review.destructive else ''}"
        f"risk {review.risk}."
    )
    return ok("terraform_plan_review", summary, review.model_dump(mode="json"))


# --------------------------------------------------------------------------- ansible


class AnsibleCheckArgs(BaseModel):
    """Arguments of ``ansible_check``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    playbook_yaml: Document = Field(min_length=1)
    """The playbook file's text."""


@infra_tool(
    name="ansible_check", description=ANSIBLE_CHECK_DESCRIPTION, args_schema=AnsibleCheckArgs
)
def ansible_check(*, playbook_yaml: str) -> ToolResult:
    """Check a playbook (see ``check_playbook``)."""
    report = check_playbook(playbook_yaml)
    if not report.findings:
        summary = f"Playbook OK: {report.plays} play(s), {report.tasks} task(s), no findings."
    else:
        rules = ", ".join(f"{rule} x{count}" for rule, count in report.rule_counts.items())
        summary = f"Playbook: {len(report.findings)} finding(s) in {report.tasks} task(s): {rules}."
    return ok("ansible_check", summary, report.model_dump(mode="json"))


# --------------------------------------------------------------------------- IaC coverage


class IacCoverageArgs(BaseModel):
    """Arguments of ``iac_coverage``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    inventory: list[Line] = Field(max_length=MAX_SERIES)
    """IDs of every resource that exists (cloud inventory, CMDB)."""
    managed: list[Line] = Field(max_length=MAX_SERIES)
    """IDs of resources under IaC (e.g. from `terraform state list` or state `id`s)."""

    @field_validator("inventory", "managed", mode="before")
    @classmethod
    def _ids_as_strings(cls, value: object) -> object:
        if isinstance(value, list):
            return [
                str(item) if isinstance(item, int) and not isinstance(item, bool) else item
                for item in value
            ]
        return value


@infra_tool(name="iac_coverage", description=IAC_COVERAGE_DESCRIPTION, args_schema=IacCoverageArgs)
def iac_coverage(*, inventory: list[str], managed: list[str]) -> ToolResult:
    """Compute IaC coverage (see ``compute_iac_coverage``)."""
    if not inventory:
        return no_data("iac_coverage", "The inventory is empty: there is nothing to cover.")
    report = compute_iac_coverage(inventory, managed)
    summary = (
        f"IaC coverage {report.coverage_percent:g}% ({report.managed_count}/{report.inventory_count}) "
        f"vs target {IAC_TARGET_PERCENT:g}%; {len(report.unmanaged)} unmanaged."
    )
    return ok("iac_coverage", summary, report.model_dump(mode="json"))


# --------------------------------------------------------------------------- capabilities

TERRAFORM_WRITE_DESCRIPTION = "Write Terraform (AWS or GCP) for host groups; returns the files and the resource addresses to create."
terraform_write = analyser_tool(
    "terraform_write", TERRAFORM_WRITE_DESCRIPTION, TerraformWriteArgs, write_terraform
)

ANSIBLE_WRITE_DESCRIPTION = "Write an Ansible playbook (packages, sysctl, services) and check it with the ansible_check rules."
ansible_write = analyser_tool(
    "ansible_write", ANSIBLE_WRITE_DESCRIPTION, AnsibleWriteArgs, write_playbook
)

IAC_PIPELINE_DESCRIPTION = "Write a GitHub Actions Terraform pipeline: plan on pull requests, apply the saved plan after approval."
iac_pipeline = analyser_tool(
    "iac_pipeline", IAC_PIPELINE_DESCRIPTION, IacPipelineArgs, build_pipeline
)

SELF_SERVICE_FORM_DESCRIPTION = "Write Terraform variables with validation rules for a self-service module; lists unbounded inputs."
self_service_form = analyser_tool(
    "self_service_form", SELF_SERVICE_FORM_DESCRIPTION, SelfServiceFormArgs, build_form
)

TOIL_INVENTORY_DESCRIPTION = "Rank manual tasks by automation payback: hours per month, hours saved over 12 months, toil share vs 50 %."
toil_inventory = analyser_tool(
    "toil_inventory", TOIL_INVENTORY_DESCRIPTION, ToilInventoryArgs, inventory_toil
)


TOOLS: tuple[BaseTool, ...] = (
    terraform_plan_review,
    ansible_check,
    iac_coverage,
    terraform_write,
    ansible_write,
    iac_pipeline,
    self_service_form,
    toil_inventory,
    *terraform.TOOLS,
    *ansible.TOOLS,
)
