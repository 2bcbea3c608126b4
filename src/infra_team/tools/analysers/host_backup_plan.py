"""Host backup plan: restore points kept, repository size, restore time against the RTO, and
the 3-2-1 rule.

3-2-1: three copies, on two kinds of media, one off site (US-CERT, "Data Backup Options",
2012), plus one copy immutable or offline against ransomware (CISA #StopRansomware guide).
Grandfather-father-son retention keeps ``daily`` daily, ``weekly`` weekly and ``monthly``
monthly restore points. Repository size is an upper bound for a deduplicating tool (restic,
Borg): one full copy plus, per kept point, the data changed since the previous kept point
(daily change x days between them, at most one full copy).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import Args, fmt_minutes


class HostBackupPlanArgs(Args):
    """Arguments of ``host_backup_plan``."""

    data_gb: float = Field(gt=0, le=10_000_000)
    daily_change_percent: float = Field(ge=0, le=100)
    daily: int = Field(default=7, ge=0, le=366)
    weekly: int = Field(default=4, ge=0, le=520)
    monthly: int = Field(default=12, ge=0, le=1200)
    copies: int = Field(default=2, ge=1, le=10, description="Copies incl. the live data.")
    media_kinds: int = Field(default=1, ge=1, le=10)
    offsite: bool = False
    immutable: bool = False
    restore_mb_s: float = Field(gt=0, le=1_000_000)
    rto_minutes: float = Field(gt=0, le=10**7)


class HostBackupPlan(BaseModel):
    restore_points: int
    oldest_days: int
    repository_gb: float
    restore_minutes: float
    meets_rto: bool
    findings: list[str]
    summary: str


def plan_host_backup(args: HostBackupPlanArgs) -> HostBackupPlan:
    """Points = daily + weekly + monthly; reach = the oldest of 1 x daily, 7 x weekly,
    30 x monthly days; size as in the module docstring; restore = size / rate."""
    change = args.daily_change_percent / 100
    gaps = [1] * max(args.daily - 1, 0) + [7] * args.weekly + [30] * args.monthly
    points = args.daily + args.weekly + args.monthly
    repo = args.data_gb * (1 + sum(min(1.0, change * gap) for gap in gaps)) if points else 0.0
    restore = args.data_gb * 1024 / args.restore_mb_s / 60
    findings = []
    if args.copies < 3:
        findings.append(f"{args.copies} copy(ies): 3-2-1 needs 3 (the data and two backups)")
    if args.media_kinds < 2:
        findings.append("one kind of media: 3-2-1 needs 2")
    if not args.offsite:
        findings.append("no off-site copy: a site loss takes the backups with it")
    if not args.immutable:
        findings.append("no immutable or offline copy: ransomware can delete the backups")
    if restore > args.rto_minutes:
        findings.append(
            f"a full restore takes {fmt_minutes(restore)}, over the RTO of {fmt_minutes(args.rto_minutes)}"
        )
    if points == 0:
        findings.append("retention keeps no restore point")
    oldest = max(args.daily, 7 * args.weekly, 30 * args.monthly)
    return HostBackupPlan(
        restore_points=points,
        oldest_days=oldest,
        repository_gb=round(repo, 2),
        restore_minutes=round(restore, 2),
        meets_rto=restore <= args.rto_minutes,
        findings=findings,
        summary=(
            f"{points} restore point(s) back {oldest} days, repository up to {repo:,.0f} GB per "
            f"copy, full restore {fmt_minutes(restore)} ({'meets' if restore <= args.rto_minutes else 'MISSES'} "
            f"the RTO); {len(findings)} finding(s)."
        ),
    )
