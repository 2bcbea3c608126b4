"""Server provisioning: a cloud-init ``#cloud-config`` for a new host, hardened by default.

cloud-init module reference (https://cloudinit.readthedocs.io/en/latest/reference/modules.html):
``users`` (ssh_authorized_keys, sudo), ``ssh_pwauth``, ``disable_root``, ``package_update``,
``package_upgrade``, ``packages``, ``timezone``, ``ntp``. Password login and root login are
off (CIS Linux 5.2.x); only public keys are accepted: anything holding a private key is
refused and never echoed.
"""

from __future__ import annotations

import re
from typing import Annotated

import yaml
from pydantic import AfterValidator, BaseModel, Field, field_validator

from infra_team.tools._base import ToolInputError
from infra_team.tools.analysers._common import Args, Ident, fullmatch

PUBLIC_KEY = r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/=]{16,16384}( [A-Za-z0-9@._-]{0,100})?$"
Package = Annotated[
    str, Field(max_length=100), AfterValidator(fullmatch(r"^[a-z0-9][a-z0-9+._-]{0,99}$"))
]


class CloudUser(Args):
    name: Annotated[str, AfterValidator(fullmatch(r"^[a-z_][a-z0-9_-]{0,31}$"))] = Field(
        max_length=32
    )
    ssh_key: str = Field(max_length=16_500, description="One OpenSSH public key.")
    sudo: bool = False

    @field_validator("ssh_key", mode="before")
    @classmethod
    def _public_only(cls, value: object) -> object:
        if isinstance(value, str) and "PRIVATE KEY" in value:
            raise ValueError("a private key was given: pass the public key (.pub) only")
        return value


class CloudInitArgs(Args):
    """Arguments of ``cloud_init``."""

    hostname: Ident
    users: list[CloudUser] = Field(min_length=1, max_length=50)
    packages: list[Package] = Field(default_factory=list, max_length=200)
    timezone: Annotated[str, AfterValidator(fullmatch(r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}$"))] = (
        Field(default="Etc/UTC", max_length=64)
    )
    ntp_servers: list[Ident] = Field(default_factory=list, max_length=10)


class CloudInit(BaseModel):
    user_data: str
    sudo_users: list[str]
    summary: str


def build_cloud_init(args: CloudInitArgs) -> CloudInit:
    """Build the document as data and dump it with a YAML emitter (nothing is spliced as text)."""
    for user in args.users:
        if not re.match(PUBLIC_KEY, user.ssh_key.strip()):
            raise ToolInputError(f"ssh_key of {user.name} is not an OpenSSH public key line")
    doc: dict[str, object] = {
        "hostname": args.hostname,
        "timezone": args.timezone,
        "ssh_pwauth": False,
        "disable_root": True,
        "package_update": True,
        "package_upgrade": True,
        "users": [
            {
                "name": u.name,
                "shell": "/bin/bash",
                "lock_passwd": True,
                "ssh_authorized_keys": [u.ssh_key.strip()],
                **({"sudo": "ALL=(ALL) NOPASSWD:ALL", "groups": "sudo"} if u.sudo else {}),
            }
            for u in args.users
        ],
    }
    if args.packages:
        doc["packages"] = list(dict.fromkeys(args.packages))
    if args.ntp_servers:
        doc["ntp"] = {"enabled": True, "servers": list(args.ntp_servers)}
    text = "#cloud-config\n" + yaml.safe_dump(doc, sort_keys=False, width=100000)
    sudo = [u.name for u in args.users if u.sudo]
    return CloudInit(
        user_data=text,
        sudo_users=sudo,
        summary=(
            f"cloud-config for {args.hostname}: {len(args.users)} key-only user(s) "
            f"({len(sudo)} with sudo), {len(args.packages)} package(s), password and root "
            "login off."
        ),
    )
