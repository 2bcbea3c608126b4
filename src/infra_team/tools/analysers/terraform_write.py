"""Terraform for a group of hosts (AWS or Google Cloud), written in canonical ``terraform fmt``
layout, with the resource addresses it will create.

Resources as documented by the providers: ``aws_instance`` (hashicorp/aws) and
``google_compute_instance`` (hashicorp/google), https://registry.terraform.io. Every value
the code needs from its environment (image, subnet, region) is an input variable, never a
guess; every resource carries the tags/labels ``managed_by = terraform``, so coverage can
be measured. Review the result with ``terraform plan -out plan`` and
``terraform show -json plan`` passed to ``terraform_plan_review``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from infra_team.tools.analysers._common import Args, fullmatch

TfName = Annotated[str, Field(max_length=41), AfterValidator(fullmatch(r"^[a-z][a-z0-9_]{0,40}$"))]


class HostGroup(Args):
    name: TfName
    count: int = Field(default=1, ge=1, le=100)
    size: Annotated[str, AfterValidator(fullmatch(r"^[a-z0-9][a-z0-9.-]{0,40}$"))] = Field(
        max_length=41, description="Instance/machine type."
    )


class TerraformWriteArgs(Args):
    """Arguments of ``terraform_write``."""

    cloud: Literal["aws", "gcp"]
    groups: list[HostGroup] = Field(min_length=1, max_length=20)
    environment: TfName = "prod"


class TerraformWrite(BaseModel):
    files: dict[str, str]
    addresses: list[str]
    """Resource addresses the plan will create (for iac_coverage and the plan review)."""
    summary: str


def _aws(group: HostGroup, env: str) -> str:
    return f'''resource "aws_instance" "{group.name}" {{
  count         = {group.count}
  ami           = var.image
  instance_type = "{group.size}"
  subnet_id     = var.subnet_id

  metadata_options {{
    http_tokens = "required"
  }}

  root_block_device {{
    encrypted = true
  }}

  tags = {{
    Name        = "{group.name}-${{count.index + 1}}"
    environment = "{env}"
    managed_by  = "terraform"
  }}
}}
'''


def _gcp(group: HostGroup, env: str) -> str:
    return f'''resource "google_compute_instance" "{group.name}" {{
  count        = {group.count}
  name         = "{group.name.replace("_", "-")}-${{count.index + 1}}"
  machine_type = "{group.size}"
  zone         = var.zone

  boot_disk {{
    initialize_params {{
      image = var.image
    }}
  }}

  network_interface {{
    subnetwork = var.subnet_id
  }}

  shielded_instance_config {{
    enable_secure_boot = true
  }}

  labels = {{
    environment = "{env}"
    managed_by  = "terraform"
  }}
}}
'''


_VARIABLES = {
    "aws": [("region", "AWS region"), ("image", "AMI ID"), ("subnet_id", "Subnet ID")],
    "gcp": [
        ("project", "Project ID"),
        ("region", "Region"),
        ("zone", "Zone"),
        ("image", "Boot image"),
        ("subnet_id", "Subnetwork self link"),
    ],
}
_PROVIDER = {
    "aws": ("aws", "hashicorp/aws", "~> 5.0", "  region = var.region\n"),
    "gcp": (
        "google",
        "hashicorp/google",
        "~> 6.0",
        "  project = var.project\n  region  = var.region\n",
    ),
}
_TYPE = {"aws": "aws_instance", "gcp": "google_compute_instance"}


def write_terraform(args: TerraformWriteArgs) -> TerraformWrite:
    """main.tf (provider pin, one resource per group with ``count``), variables.tf, outputs.tf."""
    names = [g.name for g in args.groups]
    if len(set(names)) != len(names):
        from infra_team.tools._base import ToolInputError

        raise ToolInputError("group names must be unique")
    local, source, version, body = _PROVIDER[args.cloud]
    main = (
        'terraform {\n  required_version = ">= 1.5"\n  required_providers {\n'
        f'    {local} = {{\n      source  = "{source}"\n      version = "{version}"\n    }}\n'
        f'  }}\n}}\n\nprovider "{local}" {{\n{body}}}\n'
    )
    writer = _aws if args.cloud == "aws" else _gcp
    main += "".join("\n" + writer(g, args.environment) for g in args.groups)
    variables = "\n".join(
        f'variable "{n}" {{\n  type        = string\n  description = "{d}"\n}}\n'
        for n, d in _VARIABLES[args.cloud]
    )
    attribute = "id" if args.cloud == "aws" else "self_link"
    outputs = "\n".join(
        f'output "{g.name}_ids" {{\n  value = {_TYPE[args.cloud]}.{g.name}[*].{attribute}\n}}\n'
        for g in args.groups
    )
    addresses = [f"{_TYPE[args.cloud]}.{g.name}[{i}]" for g in args.groups for i in range(g.count)]
    return TerraformWrite(
        files={"main.tf": main, "variables.tf": variables, "outputs.tf": outputs},
        addresses=addresses,
        summary=(
            f"Terraform ({args.cloud}): {len(addresses)} instance(s) in {len(args.groups)} "
            "group(s); next: terraform plan, then terraform_plan_review on its JSON."
        ),
    )
