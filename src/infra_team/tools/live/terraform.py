"""``terraform show -json`` of a saved plan file, fed into the plan review.

Read-only: the only command run is ``terraform show -json -no-color <planfile>``, which
reads a plan file and changes nothing (Terraform CLI docs, "Command: show"; the JSON is
the "JSON Output Format" the review in ``_terraform_plan`` reads). The plan file and the
working folder must lie inside the automation workspace from the settings; the model
names them, nothing else. OpenTofu's ``tofu`` is used when ``terraform`` is absent (same
command and JSON format). ``CHECKPOINT_DISABLE`` stops Terraform's version check call.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from infra_team.settings import Settings
from infra_team.tools._base import ToolResult, error, infra_tool, ok
from infra_team.tools._limits import DOCUMENT_CHARS, Name, parse_json_document
from infra_team.tools.analysers.terraform_plan import review_terraform_plan
from infra_team.tools.integrations.http import not_configured, with_settings
from infra_team.tools.live._process import child_environment, inside, run, which

TOOL = "terraform_show_plan"
SERVICE = "Terraform"
MAX_OUTPUT_BYTES = DOCUMENT_CHARS
"""The most plan JSON read: the plan review's own input cap."""
MAX_STDERR_CHARS = 1_000
_ENV = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1", "NO_COLOR": "1"}
SETTINGS = ("automation.workspace",)
"""The settings fields these tools need (``infra-team tools`` lists them)."""


class TerraformShowArgs(BaseModel):
    """Arguments of ``terraform_show_plan``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan_file: Name = Field(min_length=1, description="Saved plan, relative to the workspace.")
    directory: Name | None = Field(
        default=None, description="Initialised config folder; default the plan's folder."
    )


def review_show_output(stdout: str) -> ToolResult:
    """The plan review of ``terraform show -json`` output."""
    review = review_terraform_plan(parse_json_document(stdout, "terraform show output"))
    c = review.counts
    summary = (
        f"Plan (terraform {review.terraform_version}): {c['create']} to create, "
        f"{c['update']} to update, {c['replace']} to replace, {c['delete']} to delete; "
        f"{'destructive, ' if review.destructive else ''}risk {review.risk}."
    )
    return ok(TOOL, summary, review.model_dump(mode="json"))


def show_plan(settings: Settings, args: TerraformShowArgs) -> ToolResult:
    config = settings.automation
    if config.workspace is None:
        return not_configured(TOOL, SERVICE, ["INFRA_TEAM_AUTOMATION_WORKSPACE"])
    binary = which("terraform", "tofu")
    if binary is None:
        return error(
            TOOL,
            "terraform not on PATH (nor OpenTofu's tofu); nothing was run",
            code="not_installed",
        )
    plan = inside(config.workspace, args.plan_file, "plan_file")
    folder = (
        inside(config.workspace, args.directory, "directory", folder=True)
        if args.directory is not None
        else plan.parent
    )
    done = run(
        [binary, "show", "-json", "-no-color", str(plan)],
        cwd=folder,
        timeout=config.timeout,
        max_bytes=MAX_OUTPUT_BYTES,
        env=child_environment(_ENV),
    )
    if done.returncode is None:
        return error(
            TOOL, f"terraform show did not finish within {config.timeout:g} s", code="timeout"
        )
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[:MAX_STDERR_CHARS]
        return error(
            TOOL, f"terraform show failed (exit {done.returncode}): {detail}", code="command_failed"
        )
    if done.stdout_truncated:
        return error(
            TOOL,
            f"the plan JSON is larger than {MAX_OUTPUT_BYTES:,} bytes; review it in parts",
            code="too_large",
        )
    try:
        json.loads(done.stdout)
    except ValueError:
        return error(TOOL, "terraform show did not print JSON", code="unexpected_output")
    return review_show_output(done.stdout)


@infra_tool(
    name=TOOL,
    description=(
        "Read-only: run `terraform show -json` on a saved plan file in the automation "
        "workspace and review it (creates, updates, deletes, replaces, risk)."
    ),
    args_schema=TerraformShowArgs,
    live=True,
    settings=SETTINGS,
)
def terraform_show_plan(**fields: Any) -> ToolResult:
    """A plan file read by Terraform itself, so the review sees what will really happen."""
    return with_settings(TOOL, show_plan, TerraformShowArgs.model_validate(fields))


TOOLS: tuple[BaseTool, ...] = (terraform_show_plan,)
