"""An Ansible playbook for a host group (packages, services, sysctl, users' keys), written with
fully qualified modules and checked at once by the same rules as ``ansible_check``.

Modules from the Ansible documentation (https://docs.ansible.com/ansible/latest/collections/):
``ansible.builtin.package`` (state present, never latest: ansible-lint package-latest),
``ansible.builtin.service``, ``ansible.posix.sysctl``, ``ansible.posix.authorized_key``.
Every task is idempotent by construction; the playbook is emitted by a YAML emitter, not
text splicing, and the result of ``check_playbook`` on it is returned with it.
"""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, Field

from infra_team.tools.analysers._common import Args, fullmatch
from infra_team.tools.analysers.ansible_playbook import check_playbook

Word = Annotated[
    str, Field(max_length=100), AfterValidator(fullmatch(r"^[A-Za-z0-9][A-Za-z0-9+._@-]{0,99}$"))
]
SysctlKey = Annotated[
    str, Field(max_length=200), AfterValidator(fullmatch(r"^[a-z0-9_]+(\.[a-z0-9_*-]+)+$"))
]


class Sysctl(Args):
    key: SysctlKey
    value: Word


class AnsibleWriteArgs(Args):
    """Arguments of ``ansible_write``."""

    hosts: Annotated[str, AfterValidator(fullmatch(r"^[A-Za-z0-9_:&!*.,-]{1,200}$"))] = Field(
        max_length=200, description="Inventory pattern."
    )
    packages: list[Word] = Field(default_factory=list, max_length=200)
    services: list[Word] = Field(default_factory=list, max_length=100)
    sysctl: list[Sysctl] = Field(default_factory=list, max_length=100)


class AnsibleWrite(BaseModel):
    playbook: str
    tasks: int
    findings: list[dict[str, Any]]
    """What ``ansible_check`` finds in the playbook written (expected: none)."""
    summary: str


def write_playbook(args: AnsibleWriteArgs) -> AnsibleWrite:
    """One play, ``become: true``; one task per concern, looping over the items."""
    tasks: list[dict[str, Any]] = []
    if args.packages:
        tasks.append(
            {
                "name": "Install packages",
                "ansible.builtin.package": {
                    "name": list(dict.fromkeys(args.packages)),
                    "state": "present",
                },
            }
        )
    for key, value in {s.key: s.value for s in args.sysctl}.items():  # last value wins
        tasks.append(
            {
                "name": f"Set {key}",
                "ansible.posix.sysctl": {
                    "name": key,
                    "value": value,
                    "sysctl_set": True,
                    "state": "present",
                },
            }
        )
    for service in dict.fromkeys(args.services):
        tasks.append(
            {
                "name": f"Enable and start {service}",
                "ansible.builtin.service": {"name": service, "state": "started", "enabled": True},
            }
        )
    if not tasks:
        from infra_team.tools._base import ToolInputError

        raise ToolInputError("nothing to configure: give packages, services or sysctl settings")
    play = [
        {"name": f"Configure {args.hosts}", "hosts": args.hosts, "become": True, "tasks": tasks}
    ]
    text = "---\n" + yaml.safe_dump(play, sort_keys=False, width=100000)
    report = check_playbook(text)
    findings = [f.model_dump(mode="json") for f in report.findings]
    return AnsibleWrite(
        playbook=text,
        tasks=report.tasks,
        findings=findings,
        summary=(
            f"Playbook for {args.hosts}: {report.tasks} task(s); ansible_check: "
            + (f"{len(findings)} finding(s)." if findings else "no findings.")
        ),
    )
