"""Multi-region or hybrid design: combined availability, RPO, RTO, the write latency of
synchronous replication, and the capacity each site needs to survive the loss of one.

AWS Well-Architected, Reliability pillar (REL10 "Use fault isolation to protect your
workload") and "Disaster Recovery of Workloads on AWS" (active/active vs. active/passive);
availability of independent sites in parallel, 1 - prod(1 - a_i) (Google SRE book ch. 3
and the Well-Architected availability appendix). Synchronous replication waits for the
remote site on every commit: at least one round trip is added to each write. Surviving the
loss of one of n active sites needs each to carry 1/(n-1) of the peak.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import Args, Ident, render

MINUTES_PER_YEAR = 525_600


class Site(Args):
    name: Ident
    kind: Literal["cloud", "onprem"] = "cloud"
    availability_percent: float = Field(gt=0, lt=100)


class MultiRegionPlanArgs(Args):
    """Arguments of ``multi_region_plan``."""

    sites: list[Site] = Field(min_length=2, max_length=10)
    mode: Literal["active-active", "active-passive"]
    replication: Literal["sync", "async"]
    rtt_ms: float = Field(ge=0, le=10_000)
    lag_s: float = Field(default=0.0, ge=0, le=10**7)
    failover_minutes: float = Field(default=15, ge=0, le=10**6)


class MultiRegionPlan(BaseModel):
    availability_percent: float
    downtime_minutes_per_year: float
    rpo_s: float
    rto_minutes: float
    write_latency_added_ms: float
    capacity_per_site_percent: float
    """Share of the peak each site must carry to survive the loss of one."""
    hybrid: bool
    markdown: str
    summary: str


def plan_multi_region(args: MultiRegionPlanArgs) -> MultiRegionPlan:
    """The figures named in the module docstring, assuming independent site failures."""
    unavailable = 1.0
    for site in args.sites:
        unavailable *= 1 - site.availability_percent / 100
    availability = (1 - unavailable) * 100
    n = len(args.sites)
    active = n if args.mode == "active-active" else 1
    capacity = 100.0 / (active - 1) if active > 1 else 100.0
    rpo = 0.0 if args.replication == "sync" else args.lag_s
    rto = 0.0 if args.mode == "active-active" else args.failover_minutes
    latency = args.rtt_ms if args.replication == "sync" else 0.0
    hybrid = len({s.kind for s in args.sites}) > 1
    downtime = unavailable * MINUTES_PER_YEAR
    markdown = render(
        "multi_region_design.md.j2",
        a=args,
        availability=availability,
        downtime=downtime,
        rpo=rpo,
        rto=rto,
        latency=latency,
        capacity=capacity,
        hybrid=hybrid,
    )
    return MultiRegionPlan(
        availability_percent=round(availability, 6),
        downtime_minutes_per_year=round(downtime, 3),
        rpo_s=rpo,
        rto_minutes=rto,
        write_latency_added_ms=latency,
        capacity_per_site_percent=round(capacity, 2),
        hybrid=hybrid,
        markdown=markdown,
        summary=(
            f"{n} sites {args.mode}, {args.replication}: availability {availability:.5g} % "
            f"({downtime:.1f} min/year), RPO {rpo:g} s, RTO {rto:g} min, +{latency:g} ms per "
            f"write, each site sized for {capacity:.0f} % of peak."
        ),
    )
