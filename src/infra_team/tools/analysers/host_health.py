"""Disk, memory and load of this machine (psutil) graded against warning and critical levels."""

from __future__ import annotations

from typing import Literal

import psutil  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict

from infra_team.tools._base import ToolInputError

_FROZEN = ConfigDict(frozen=True, extra="forbid")


HealthStatus = Literal["ok", "warning", "critical"]


class HealthThresholds(BaseModel):
    """Warning and critical levels for ``host_health``."""

    model_config = _FROZEN

    disk_warn_percent: float = 80.0
    """Disk used percent that warns."""
    disk_critical_percent: float = 90.0
    """Disk used percent that is critical."""
    memory_warn_percent: float = 85.0
    """Memory used percent (total minus available) that warns."""
    memory_critical_percent: float = 95.0
    """Memory used percent that is critical."""
    load_warn_per_cpu: float = 1.0
    """5-minute load average per logical CPU that warns (1.0: saturated)."""
    load_critical_per_cpu: float = 2.0
    """5-minute load average per logical CPU that is critical."""


class DiskUsage(BaseModel):
    """Usage of one mounted filesystem."""

    model_config = _FROZEN

    path: str
    """A path on the filesystem."""
    total_bytes: int
    """Size."""
    used_bytes: int
    """Used space."""
    free_bytes: int
    """Space available to unprivileged users."""
    percent: float
    """Used percent as df reports it (reserved blocks excluded)."""


class HostSnapshot(BaseModel):
    """Raw measurements of one machine."""

    model_config = _FROZEN

    disks: list[DiskUsage]
    """Filesystems measured."""
    memory_total_bytes: int
    """Physical memory."""
    memory_available_bytes: int
    """Memory available without swapping."""
    memory_percent: float
    """Used percent: (total - available) / total."""
    load_1m: float
    """1-minute load average."""
    load_5m: float
    """5-minute load average."""
    load_15m: float
    """15-minute load average."""
    cpu_count: int
    """Logical CPUs."""


class HealthCheck(BaseModel):
    """One metric against its thresholds."""

    model_config = _FROZEN

    metric: str
    """``disk:/``, ``memory`` or ``load_per_cpu``."""
    value: float
    """Measured value."""
    warn: float
    """Warning threshold."""
    critical: float
    """Critical threshold."""
    status: HealthStatus
    """Verdict of this metric."""
    message: str
    """One line a person can read."""


class HostHealth(BaseModel):
    """Health verdict of one machine."""

    model_config = _FROZEN

    status: HealthStatus
    """Worst status of the checks."""
    checks: list[HealthCheck]
    """Every metric checked."""
    snapshot: HostSnapshot
    """Measurements used."""
    thresholds: HealthThresholds
    """Thresholds used."""


def _grade(value: float, warn: float, critical: float) -> HealthStatus:
    if value >= critical:
        return "critical"
    if value >= warn:
        return "warning"
    return "ok"


def evaluate_host_health(snapshot: HostSnapshot, thresholds: HealthThresholds) -> HostHealth:
    """Grade disk, memory and load against thresholds; the worst grade is the verdict.

    Disk and memory are used percentages (psutil ``disk_usage().percent`` and
    ``virtual_memory().percent``, i.e. total minus *available*, so page cache does not count
    as used). Load is the 5-minute load average divided by logical CPUs: above 1.0 runnable
    work queues for CPU (saturation in Brendan Gregg's USE method). Default levels (80/90 %
    disk, 85/95 % memory, 1.0/2.0 load per CPU) warn well before the node-exporter mixin's
    last-resort alerts (NodeFilesystemAlmostOutOfSpace at 5 %/3 % free,
    NodeMemoryHighUtilization at 90 %), leaving time to act.
    """
    checks: list[HealthCheck] = []
    for disk in snapshot.disks:
        status = _grade(
            disk.percent, thresholds.disk_warn_percent, thresholds.disk_critical_percent
        )
        checks.append(
            HealthCheck(
                metric=f"disk:{disk.path}",
                value=disk.percent,
                warn=thresholds.disk_warn_percent,
                critical=thresholds.disk_critical_percent,
                status=status,
                message=f"disk {disk.path} {disk.percent:g} % used "
                f"({disk.free_bytes / 1024**3:.1f} GiB free)",
            )
        )
    memory_status = _grade(
        snapshot.memory_percent, thresholds.memory_warn_percent, thresholds.memory_critical_percent
    )
    checks.append(
        HealthCheck(
            metric="memory",
            value=snapshot.memory_percent,
            warn=thresholds.memory_warn_percent,
            critical=thresholds.memory_critical_percent,
            status=memory_status,
            message=f"memory {snapshot.memory_percent:g} % used "
            f"({snapshot.memory_available_bytes / 1024**3:.1f} GiB available)",
        )
    )
    per_cpu = round(snapshot.load_5m / max(snapshot.cpu_count, 1), 3)
    checks.append(
        HealthCheck(
            metric="load_per_cpu",
            value=per_cpu,
            warn=thresholds.load_warn_per_cpu,
            critical=thresholds.load_critical_per_cpu,
            status=_grade(per_cpu, thresholds.load_warn_per_cpu, thresholds.load_critical_per_cpu),
            message=f"5-min load {snapshot.load_5m:g} on {snapshot.cpu_count} CPUs "
            f"= {per_cpu:g} per CPU",
        )
    )
    worst = max(checks, key=lambda c: ("ok", "warning", "critical").index(c.status)).status
    return HostHealth(status=worst, checks=checks, snapshot=snapshot, thresholds=thresholds)


def read_host_snapshot(paths: list[str]) -> HostSnapshot:
    """Measure this machine with psutil (disk_usage, virtual_memory, getloadavg, cpu_count).

    Raises:
        ToolInputError: when a path does not exist.
    """
    disks = []
    for path in paths:
        try:
            usage = psutil.disk_usage(path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            msg = f"`{path}` does not exist on this machine; pass mounted paths such as `/`."
            raise ToolInputError(msg) from exc
        disks.append(
            DiskUsage(
                path=path,
                total_bytes=usage.total,
                used_bytes=usage.used,
                free_bytes=usage.free,
                percent=usage.percent,
            )
        )
    memory = psutil.virtual_memory()
    load_1m, load_5m, load_15m = psutil.getloadavg()
    return HostSnapshot(
        disks=disks,
        memory_total_bytes=memory.total,
        memory_available_bytes=memory.available,
        memory_percent=memory.percent,
        load_1m=round(load_1m, 3),
        load_5m=round(load_5m, 3),
        load_15m=round(load_15m, 3),
        cpu_count=psutil.cpu_count() or 1,
    )
