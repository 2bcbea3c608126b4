"""Data migration plan: copy time, catch-up time and the write downtime, from size and throughput.

Offline (dump and restore, PostgreSQL ``pg_dump``/``pg_restore``,
https://www.postgresql.org/docs/current/backup-dump.html): writes stop for the whole copy.
Online (logical replication, https://www.postgresql.org/docs/current/logical-replication.html,
or AWS DMS full load + CDC): the copy runs while writes continue; changes arrive at
``change_rate`` and are applied at ``throughput``, so the target catches up after
``size / (throughput - change_rate)`` seconds in total (the geometric series of successive
backlogs), and writes stop only for the cutover. Catch-up never ends when the change rate
reaches the throughput.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import Args, Label, fmt_minutes, render


class MigrationPlanArgs(Args):
    """Arguments of ``migration_plan``."""

    source: Label
    target: Label
    size_gb: float = Field(gt=0, le=10_000_000)
    throughput_mb_s: float = Field(gt=0, le=1_000_000, description="Measured copy rate.")
    method: Literal["offline", "online"]
    change_rate_mb_s: float = Field(
        default=0.0, ge=0, le=1_000_000, description="Write rate (online)."
    )
    cutover_minutes: float = Field(default=5.0, ge=0, le=1440)
    verify_minutes: float = Field(default=15.0, ge=0, le=1440)
    window_minutes: float | None = Field(
        default=None, gt=0, le=10**7, description="Allowed downtime."
    )


class MigrationPlan(BaseModel):
    copy_minutes: float
    catch_up_minutes: float | None
    """Online: copy plus catch-up until the target is in sync; None if it never catches up."""
    downtime_minutes: float | None
    fits_window: bool | None
    markdown: str
    summary: str


def plan_migration(args: MigrationPlanArgs) -> MigrationPlan:
    """Copy = size / throughput (1 GB = 1024 MB). Offline downtime = copy + verify + cutover;
    online downtime = verify + cutover, once in sync."""
    megabytes = args.size_gb * 1024
    copy = megabytes / args.throughput_mb_s / 60
    sync: float | None = None
    if args.method == "offline":
        downtime: float | None = copy + args.verify_minutes + args.cutover_minutes
    elif args.change_rate_mb_s >= args.throughput_mb_s:
        downtime = None
    else:
        sync = megabytes / (args.throughput_mb_s - args.change_rate_mb_s) / 60
        downtime = args.verify_minutes + args.cutover_minutes
    fits = (
        None if args.window_minutes is None or downtime is None else downtime <= args.window_minutes
    )
    markdown = render(
        "migration_plan.md.j2",
        a=args,
        copy=fmt_minutes(copy),
        sync=None if sync is None else fmt_minutes(sync),
        downtime=None if downtime is None else fmt_minutes(downtime),
        fits=fits,
    )
    if downtime is None:
        summary = (
            f"Online copy of {args.size_gb:g} GB never catches up: writes at "
            f"{args.change_rate_mb_s:g} MB/s reach the {args.throughput_mb_s:g} MB/s apply rate."
        )
    else:
        window = "" if fits is None else (" (fits the window)" if fits else " (EXCEEDS the window)")
        summary = (
            f"{args.method.capitalize()} migration of {args.size_gb:g} GB at "
            f"{args.throughput_mb_s:g} MB/s: copy {fmt_minutes(copy)}, write downtime "
            f"{fmt_minutes(downtime)}{window}."
        )
    return MigrationPlan(
        copy_minutes=round(copy, 2),
        catch_up_minutes=None if sync is None else round(sync, 2),
        downtime_minutes=None if downtime is None else round(downtime, 2),
        fits_window=fits,
        markdown=markdown,
        summary=summary,
    )
