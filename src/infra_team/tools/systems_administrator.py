"""The systems administrator's checks: sshd hardening, pending patches, host health.

Each tool is a thin wrapper over a pure function (``_sshd_audit``, ``_patch_listing``,
``_host_health``), so the audit logic is testable on text fixtures and the model always gets
the same findings for the same input.
"""

from __future__ import annotations

from typing import Annotated

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, no_data, ok
from infra_team.tools._limits import Document
from infra_team.tools.analysers._tool import analyser_tool
from infra_team.tools.analysers.cloud_init import CloudInitArgs, build_cloud_init
from infra_team.tools.analysers.config_drift import ConfigDriftArgs, check_drift
from infra_team.tools.analysers.host_backup_plan import HostBackupPlanArgs, plan_host_backup
from infra_team.tools.analysers.host_health import (
    HealthThresholds,
    evaluate_host_health,
    read_host_snapshot,
)
from infra_team.tools.analysers.patch_listing import parse_patch_listing
from infra_team.tools.analysers.patch_plan import PatchPlanArgs, plan_patching
from infra_team.tools.analysers.severity import SEVERITY_ORDER
from infra_team.tools.analysers.sshd_audit import audit_sshd
from infra_team.tools.analysers.sshd_checks import SSHD_CHECKS
from infra_team.tools.live.ssh_host import ssh_host_check, ssh_host_health

AUDIT_SSHD_CONFIG_DESCRIPTION = (
    "Audit sshd_config text against CIS Linux 5.2.x and dev-sec ssh-baseline, applying "
    "OpenSSH rules (first value wins, Match blocks, Include, defaults)."
)
PATCH_STATUS_DESCRIPTION = (
    "Count pending updates and security updates in `apt list --upgradable` or "
    "`dnf check-update` output."
)
HOST_HEALTH_DESCRIPTION = (
    "Check disk, memory and load average of this machine against warning and critical thresholds."
)

_ARGS = ConfigDict(extra="forbid", allow_inf_nan=False)
PATH_CHARS = 4096
"""Longest path accepted (Linux PATH_MAX)."""
MAX_PATHS = 64
MAX_LOAD_PER_CPU = 1000.0


# --- audit_sshd_config ---------------------------------------------------------------------


class AuditSshdConfigArgs(BaseModel):
    """Arguments of ``audit_sshd_config``."""

    model_config = _ARGS

    config_text: Document = Field(description="Full text of /etc/ssh/sshd_config.")


@infra_tool(
    name="audit_sshd_config",
    description=AUDIT_SSHD_CONFIG_DESCRIPTION,
    args_schema=AuditSshdConfigArgs,
)
def audit_sshd_config(*, config_text: str) -> ToolResult:
    """sshd_config audit (CIS Distribution Independent Linux 5.2.x, dev-sec ssh-baseline)."""
    if not config_text.strip():
        msg = (
            "`config_text` is empty, so nothing was audited; pass the text of "
            "/etc/ssh/sshd_config (a file of only comments is audited as OpenSSH defaults)."
        )
        raise ToolInputError(msg)
    audit = audit_sshd(config_text)
    worst = [f"{audit.counts[level]} {level}" for level in SEVERITY_ORDER if audit.counts[level]]
    summary = (
        f"{len(audit.findings)} findings ({', '.join(worst)}); "
        f"{len(audit.passed)} of {len(SSHD_CHECKS)} settings pass."
        if audit.findings
        else f"No findings; all {len(SSHD_CHECKS)} audited settings pass."
    )
    return ok("audit_sshd_config", summary, audit.model_dump(mode="json"))


# --- patch_status --------------------------------------------------------------------------


class PatchStatusArgs(BaseModel):
    """Arguments of ``patch_status``."""

    model_config = _ARGS

    listing: Document = Field(
        description="Output of `apt list --upgradable` or `dnf check-update`."
    )
    security_only: bool = Field(
        default=False,
        description="True when the listing holds only security updates "
        "(e.g. from `dnf check-update --security`).",
    )


@infra_tool(name="patch_status", description=PATCH_STATUS_DESCRIPTION, args_schema=PatchStatusArgs)
def patch_status(*, listing: str, security_only: bool) -> ToolResult:
    """Pending updates from apt or dnf output (apt(8) list, dnf(8) check-update/updateinfo)."""
    if not listing.strip():
        return no_data(
            "patch_status",
            "The listing is empty: paste the output of `apt list --upgradable` or "
            "`dnf check-update`.",
        )
    status = parse_patch_listing(listing, security_only=security_only)
    summary = (
        f"{status.pending} pending updates ({status.format}), {status.security} security"
        + (f": {', '.join(status.security_packages[:10])}" if status.security else "")
        + ("." if status.security <= 10 else " ...")
    )
    return ok("patch_status", summary, status.model_dump(mode="json"))


# --- host_health ---------------------------------------------------------------------------


class HostHealthArgs(BaseModel):
    """Arguments of ``host_health`` (all optional)."""

    model_config = _ARGS

    paths: list[Annotated[str, Field(min_length=1, max_length=PATH_CHARS)]] = Field(
        default_factory=lambda: ["/"],
        max_length=MAX_PATHS,
        description="Filesystem paths to check; default `/`.",
    )
    disk_warn_percent: float = Field(default=80.0, ge=0, le=100)
    disk_critical_percent: float = Field(default=90.0, ge=0, le=100)
    memory_warn_percent: float = Field(default=85.0, ge=0, le=100)
    memory_critical_percent: float = Field(default=95.0, ge=0, le=100)
    load_warn_per_cpu: float = Field(default=1.0, gt=0, le=MAX_LOAD_PER_CPU)
    load_critical_per_cpu: float = Field(default=2.0, gt=0, le=MAX_LOAD_PER_CPU)


@infra_tool(
    name="host_health", description=HOST_HEALTH_DESCRIPTION, args_schema=HostHealthArgs, live=True
)
def host_health(
    *,
    paths: list[str],
    disk_warn_percent: float,
    disk_critical_percent: float,
    memory_warn_percent: float,
    memory_critical_percent: float,
    load_warn_per_cpu: float,
    load_critical_per_cpu: float,
) -> ToolResult:
    """Disk, memory and load of this machine via psutil (USE method thresholds)."""
    pairs = (
        ("disk", disk_warn_percent, disk_critical_percent),
        ("memory", memory_warn_percent, memory_critical_percent),
        ("load", load_warn_per_cpu, load_critical_per_cpu),
    )
    for name, warn, critical in pairs:
        if warn > critical:
            msg = f"the {name} warning level ({warn:g}) is above its critical level ({critical:g})."
            raise ToolInputError(msg)
    if not paths:
        msg = "`paths` is empty; pass at least one path such as `/`."
        raise ToolInputError(msg)
    thresholds = HealthThresholds(
        disk_warn_percent=disk_warn_percent,
        disk_critical_percent=disk_critical_percent,
        memory_warn_percent=memory_warn_percent,
        memory_critical_percent=memory_critical_percent,
        load_warn_per_cpu=load_warn_per_cpu,
        load_critical_per_cpu=load_critical_per_cpu,
    )
    health = evaluate_host_health(read_host_snapshot(paths), thresholds)
    problems = [c.message for c in health.checks if c.status != "ok"]
    summary = f"Host {health.status}" + (
        f": {'; '.join(problems)}." if problems else ": disk, memory and load within thresholds."
    )
    return ok("host_health", summary, health.model_dump(mode="json"))


# --------------------------------------------------------------------------- capabilities

CLOUD_INIT_DESCRIPTION = (
    "Write a hardened cloud-init user-data for a new host: key-only users, packages, timezone, NTP."
)
cloud_init = analyser_tool("cloud_init", CLOUD_INIT_DESCRIPTION, CloudInitArgs, build_cloud_init)

CONFIG_DRIFT_DESCRIPTION = "Compare each host's `key value` settings (sysctl -a, sshd -T) with a baseline and list the drift."
config_drift = analyser_tool("config_drift", CONFIG_DRIFT_DESCRIPTION, ConfigDriftArgs, check_drift)

PATCH_PLAN_DESCRIPTION = "Schedule patching in waves (canary first, soak between) inside a UTC window, with the severity deadline."
patch_plan = analyser_tool("patch_plan", PATCH_PLAN_DESCRIPTION, PatchPlanArgs, plan_patching)

HOST_BACKUP_PLAN_DESCRIPTION = (
    "Check a host backup plan: restore points, repository size, restore time vs RTO, 3-2-1 rule."
)
host_backup_plan = analyser_tool(
    "host_backup_plan", HOST_BACKUP_PLAN_DESCRIPTION, HostBackupPlanArgs, plan_host_backup
)


TOOLS: tuple[BaseTool, ...] = (
    audit_sshd_config,
    patch_status,
    host_health,
    ssh_host_health,
    ssh_host_check,
    cloud_init,
    config_drift,
    patch_plan,
    host_backup_plan,
)
