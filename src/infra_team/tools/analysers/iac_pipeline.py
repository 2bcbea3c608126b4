"""Workflow automation for infrastructure changes: a GitHub Actions pipeline that formats,
validates and plans every pull request, and applies only the reviewed plan after a person
approves the deployment.

HashiCorp, "Running Terraform in Automation"
(https://developer.hashicorp.com/terraform/tutorials/automation/automate-terraform):
``init -input=false``, ``plan -out``, apply that saved plan only. GitHub, "Managing
environments for deployment" (required reviewers pause a job until approved) and
"Store and share data with workflow artifacts". The pipeline file is checked after
rendering: apply needs plan, runs in the protected environment and applies the saved file.
"""

from __future__ import annotations

from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, Field

from infra_team.tools._base import ToolInputError
from infra_team.tools.analysers._common import Args, fullmatch, render


class IacPipelineArgs(Args):
    """Arguments of ``iac_pipeline``."""

    directory: Annotated[str, AfterValidator(fullmatch(r"^[A-Za-z0-9_./-]{1,200}$"))] = Field(
        default="infra", max_length=200
    )
    environment: Annotated[str, AfterValidator(fullmatch(r"^[A-Za-z0-9_-]{1,60}$"))] = Field(
        default="production", max_length=60
    )
    branch: Annotated[str, AfterValidator(fullmatch(r"^[A-Za-z0-9_./-]{1,100}$"))] = Field(
        default="main", max_length=100
    )
    terraform_version: Annotated[str, AfterValidator(fullmatch(r"^\d+\.\d+\.\d+$"))] = Field(
        default="1.9.8", max_length=20
    )


class IacPipeline(BaseModel):
    workflow: str
    path: str
    checks: list[str]
    summary: str


def build_pipeline(args: IacPipelineArgs) -> IacPipeline:
    """Render ``iac_pipeline.yml.j2`` and verify its shape as data."""
    text = render("iac_pipeline.yml.j2", a=args)
    doc = yaml.safe_load(text)
    jobs = doc["jobs"]
    checks = []
    if jobs["apply"].get("needs") != "plan":
        raise ToolInputError("apply must need plan")
    checks.append("apply runs only after plan succeeds")
    if jobs["apply"].get("environment") != args.environment:
        raise ToolInputError("apply must run in the protected environment")
    checks.append(f"apply waits for a reviewer of environment {args.environment}")
    steps = " ".join(str(s.get("run", "")) for s in jobs["apply"]["steps"])
    if "apply -input=false tfplan" not in steps:
        raise ToolInputError("apply must use the saved plan")
    checks.append("apply uses the saved, reviewed plan file")
    return IacPipeline(
        workflow=text,
        path=".github/workflows/terraform.yml",
        checks=checks,
        summary=(
            f"Pipeline for {args.directory}: fmt, validate and plan on every pull request; apply "
            f"on {args.branch} after approval in {args.environment}."
        ),
    )
