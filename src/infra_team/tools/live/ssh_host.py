"""The systems administrator's live host checks over SSH: ``ssh_host_health`` and ``ssh_host_check``.

Both reach only hosts in ``ssh.hosts`` and run only the commands of ``ssh_commands``. The
measurements go through the same analysers as pasted input: load, memory and disks
through the host-health thresholds (Brendan Gregg's USE method), ``sshd -T`` through the
sshd audit (CIS Linux 5.2.x, dev-sec ssh-baseline), the package listing through the
patch-listing parser.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from infra_team.settings import Settings
from infra_team.tools._base import ToolInputError, ToolResult, error, infra_tool, no_data, ok
from infra_team.tools.analysers.host_health import (
    DiskUsage,
    HealthThresholds,
    HostSnapshot,
    evaluate_host_health,
)
from infra_team.tools.analysers.patch_listing import parse_patch_listing
from infra_team.tools.analysers.sshd_audit import audit_sshd
from infra_team.tools.integrations.http import not_configured
from infra_team.tools.live import ssh_commands as cmd
from infra_team.tools.live._common import (
    bounded_lines,
    extra_missing,
    run_coroutine,
    with_live_settings,
)
from infra_team.tools.live.ssh_client import (
    CommandOutput,
    SshFailure,
    missing_settings,
    run_commands,
)

HEALTH_TOOL = "ssh_host_health"
CHECK_TOOL = "ssh_host_check"
MAX_LINES = 200
HEALTH_DESCRIPTION = (
    "Live, read-only over SSH: load, memory and disks of an allowlisted host, judged against "
    "warn/critical thresholds (at most 50 filesystems)."
)
CHECK_DESCRIPTION = (
    "Live, read-only over SSH on an allowlisted host, one allowlisted check: failed_units, "
    "journal_errors (last N error lines, N<=200), sshd_config (`sshd -T`, audited), "
    "security_updates (pending, apt or dnf). Output capped at 64 KiB per command."
)
MAX_DISKS = 50
_SKIPPED_FS = ("overlay", "shm", "udev", "none")


class SshHostHealthArgs(BaseModel):
    """Arguments of ``ssh_host_health``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    host: str = Field(min_length=1, max_length=253, description="A host from `ssh.hosts`.")
    disk_warn_percent: float = Field(default=80.0, ge=0, le=100)
    disk_critical_percent: float = Field(default=90.0, ge=0, le=100)


class SshHostCheckArgs(BaseModel):
    """Arguments of ``ssh_host_check``."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=253, description="A host from `ssh.hosts`.")
    check: cmd.Check
    lines: int = Field(default=50, ge=1, le=MAX_LINES, description="journal_errors lines.")
    since_minutes: int = Field(default=60, ge=1, le=10_080, description="journal_errors window.")
    unit: str | None = Field(
        default=None, pattern=cmd.UNIT_PATTERN, max_length=256, description="journal_errors unit."
    )
    package_manager: cmd.PackageManager = "apt"


def _allowed_host(settings: Settings, tool: str, host: str) -> ToolResult | None:
    missing = missing_settings(settings.ssh)
    if missing:
        return not_configured(tool, "SSH host access", missing)
    if host not in settings.ssh.hosts:
        msg = f"`{host}` is not in `ssh.hosts`; allowed: {', '.join(settings.ssh.hosts)}."
        return error(tool, msg, code="host_not_allowed")
    return extra_missing(tool, "asyncssh")


def _run(settings: Settings, host: str, commands: list[tuple[str, ...]]) -> list[CommandOutput]:
    try:
        return run_coroutine(lambda: run_commands(settings.ssh, host, commands))
    except SshFailure as exc:
        raise ToolInputError(str(exc), code=exc.code) from None


def _failed(tool: str, host: str, out: CommandOutput) -> ToolResult:
    lines, _ = bounded_lines(out.stderr or out.stdout, 5)
    msg = f"`{out.command}` on {host} exited {out.exit_status}: {' / '.join(lines) or 'no output'}"
    return error(tool, msg, code="command_failed")


def host_health(settings: Settings, args: SshHostHealthArgs) -> ToolResult:
    refused = _allowed_host(settings, HEALTH_TOOL, args.host)
    if refused is not None:
        return refused
    if args.disk_warn_percent > args.disk_critical_percent:
        msg = "`disk_warn_percent` is above `disk_critical_percent`."
        raise ToolInputError(msg)
    argvs = [cmd.LOAD_ARGV, cmd.CPU_ARGV, cmd.MEMORY_ARGV, cmd.DISKS_ARGV]
    load_out, cpu_out, mem_out, df_out = _run(settings, args.host, argvs)
    for out in (load_out, cpu_out, mem_out):
        if out.exit_status != 0:
            return _failed(HEALTH_TOOL, args.host, out)
    try:
        snapshot, truncated = _snapshot(load_out, cpu_out, mem_out, df_out)
    except (ValueError, IndexError, KeyError) as exc:
        msg = f"{args.host} answered in an unexpected format ({type(exc).__name__}: {exc})."
        raise ToolInputError(msg, code="unexpected_output") from None
    thresholds = HealthThresholds(
        disk_warn_percent=args.disk_warn_percent, disk_critical_percent=args.disk_critical_percent
    )
    health = evaluate_host_health(snapshot, thresholds)
    problems = [c.message for c in health.checks if c.status != "ok"]
    summary = f"{args.host} {health.status}" + (
        f": {'; '.join(problems)}." if problems else ": disk, memory and load within thresholds."
    )
    data = {"host": args.host, **health.model_dump(mode="json")}
    data["disks_truncated"] = truncated
    return ok(HEALTH_TOOL, summary, data)


def _snapshot(
    load_out: CommandOutput, cpu_out: CommandOutput, mem_out: CommandOutput, df_out: CommandOutput
) -> tuple[HostSnapshot, bool]:
    """The host-health snapshot from the four outputs, and whether disks were cut."""
    load = cmd.parse_loadavg(load_out.stdout)
    total, available = cmd.parse_meminfo(mem_out.stdout)
    rows = [r for r in cmd.parse_df(df_out.stdout) if r.filesystem not in _SKIPPED_FS] or [
        r for r in cmd.parse_df(df_out.stdout) if r.mount == "/"
    ]
    disks = [
        DiskUsage(
            path=r.mount,
            total_bytes=r.total_bytes,
            used_bytes=r.used_bytes,
            free_bytes=r.free_bytes,
            percent=r.percent,
        )
        for r in rows[:MAX_DISKS]
    ]
    snapshot = HostSnapshot(
        disks=disks,
        memory_total_bytes=total,
        memory_available_bytes=available,
        memory_percent=round((total - available) / total * 100, 1) if total else 0.0,
        load_1m=load.load_1m,
        load_5m=load.load_5m,
        load_15m=load.load_15m,
        cpu_count=max(1, int(cpu_out.stdout.strip() or 1)),
    )
    return snapshot, len(rows) > MAX_DISKS


def _argv(args: SshHostCheckArgs) -> tuple[str, ...]:
    if args.check == "failed_units":
        return cmd.FAILED_UNITS_ARGV
    if args.check == "journal_errors":
        return cmd.journal_argv(args.lines, args.since_minutes, args.unit)
    if args.check == "sshd_config":
        return cmd.SSHD_ARGV
    return cmd.UPDATES_ARGV[args.package_manager]


def host_check(settings: Settings, args: SshHostCheckArgs) -> ToolResult:
    refused = _allowed_host(settings, CHECK_TOOL, args.host)
    if refused is not None:
        return refused
    (out,) = _run(settings, args.host, [_argv(args)])
    base: dict[str, Any] = {"host": args.host, "check": args.check, "command": out.command}
    base["output_truncated"] = out.truncated
    ok_status = {0, 100} if args.check == "security_updates" else {0}
    if out.exit_status not in ok_status and not out.truncated:
        return _failed(CHECK_TOOL, args.host, out)
    if args.check == "failed_units":
        units = cmd.parse_failed_units(out.stdout)
        names = ", ".join(u["unit"] for u in units[:10])
        summary = f"{args.host}: {len(units)} failed units" + (f": {names}." if units else ".")
        return ok(CHECK_TOOL, summary, base | {"failed_units": units[:MAX_LINES]})
    if args.check == "journal_errors":
        lines, more = bounded_lines(out.stdout, args.lines)
        if not lines:
            return no_data(
                CHECK_TOOL,
                f"{args.host}: no journal errors in the last {args.since_minutes} min.",
                base,
            )
        summary = f"{args.host}: {len(lines)} journal error lines; latest: {lines[-1]}"
        return ok(CHECK_TOOL, summary, base | {"lines": lines, "more": more})
    if args.check == "sshd_config":
        audit = audit_sshd(out.stdout)
        worst = sum(1 for f in audit.findings if f.severity in {"critical", "high"})
        summary = (
            f"{args.host} sshd effective config: {len(audit.findings)} findings "
            f"({worst} critical/high), {len(audit.passed)} settings pass."
        )
        return ok(CHECK_TOOL, summary, base | {"audit": audit.model_dump(mode="json")})
    listing = out.stdout
    if not any(line.strip() and not line.startswith("Listing") for line in listing.splitlines()):
        return ok(CHECK_TOOL, f"{args.host}: no pending updates.", base | {"pending": 0})
    status = parse_patch_listing(listing, security_only=args.package_manager == "dnf")
    summary = (
        f"{args.host}: {status.pending} pending updates, {status.security} security"
        + (f": {', '.join(status.security_packages[:10])}" if status.security else "")
        + "."
    )
    return ok(CHECK_TOOL, summary, base | status.model_dump(mode="json"))


@infra_tool(
    name=HEALTH_TOOL,
    description=HEALTH_DESCRIPTION,
    args_schema=SshHostHealthArgs,
    live=True,
    settings=("ssh.hosts", "ssh.username", "ssh.key_path", "ssh.known_hosts"),
)
def ssh_host_health(**fields: Any) -> ToolResult:
    """Remote load, memory, disks (proc(5), POSIX df) judged by USE-method thresholds."""
    args = SshHostHealthArgs.model_validate(fields)
    return with_live_settings(HEALTH_TOOL, lambda settings: host_health(settings, args))


@infra_tool(
    name=CHECK_TOOL,
    description=CHECK_DESCRIPTION,
    args_schema=SshHostCheckArgs,
    live=True,
    settings=("ssh.hosts", "ssh.username", "ssh.key_path", "ssh.known_hosts"),
)
def ssh_host_check(**fields: Any) -> ToolResult:
    """One allowlisted read-only command over SSH, parsed by the matching analyser."""
    args = SshHostCheckArgs.model_validate(fields)
    return with_live_settings(CHECK_TOOL, lambda settings: host_check(settings, args))
