"""Replication HA: which replica to promote if the primary is lost now, the data it would lose,
and whether the cluster survives a zone loss and keeps quorum.

PostgreSQL manual, "Synchronous Replication" and "Failover"
(https://www.postgresql.org/docs/current/warm-standby.html#SYNCHRONOUS-REPLICATION,
https://www.postgresql.org/docs/current/warm-standby-failover.html): a synchronous standby
has every committed transaction (RPO 0); an asynchronous one loses what it has not replayed.
Patroni (https://patroni.readthedocs.io/en/latest/replication_modes.html) refuses to promote a
replica lagging more than ``maximum_lag_on_failover``; its DCS (etcd, Raft) needs a majority
of members, so an odd count of 3 or more (https://etcd.io/docs/v3.5/faq/).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import MAX_ROWS, Args, Ident


class Replica(Args):
    name: Ident
    zone: Ident
    sync: bool = False
    lag_s: float = Field(ge=0, le=10**9, description="Replay lag in seconds.")


class FailoverPlanArgs(Args):
    """Arguments of ``failover_plan``."""

    primary_zone: Ident
    replicas: list[Replica] = Field(min_length=1, max_length=MAX_ROWS)
    max_lag_s: float = Field(
        default=30.0, ge=0, le=10**9, description="Refuse to promote above this."
    )
    dcs_members: int | None = Field(default=None, ge=1, le=99)


class FailoverPlan(BaseModel):
    candidate: str | None
    rpo_s: float | None
    """Seconds of committed writes lost if the candidate is promoted now."""
    zone_loss_candidate: str | None
    """Best candidate outside the primary's zone."""
    findings: list[str]
    summary: str


def _rank(replicas: list[Replica], max_lag: float) -> list[Replica]:
    eligible = [r for r in replicas if r.sync or r.lag_s <= max_lag]
    return sorted(eligible, key=lambda r: (not r.sync, r.lag_s, r.name))


def plan_failover(args: FailoverPlanArgs) -> FailoverPlan:
    """Candidate = synchronous first, then least lag, among replicas within ``max_lag_s``."""
    ranked = _rank(list(args.replicas), args.max_lag_s)
    best = ranked[0] if ranked else None
    remote = [r for r in ranked if r.zone != args.primary_zone]
    findings = []
    if best is None:
        findings.append(
            f"no replica is within {args.max_lag_s:g} s: a failover now loses data or waits"
        )
    if not any(r.sync for r in args.replicas):
        findings.append("no synchronous replica: any failover may lose committed writes")
    if not remote:
        findings.append(
            f"no eligible replica outside zone {args.primary_zone}: a zone loss is an outage"
        )
    if args.dcs_members is not None and (args.dcs_members < 3 or args.dcs_members % 2 == 0):
        findings.append(
            f"{args.dcs_members} DCS member(s): use an odd number of at least 3 so a majority survives one loss"
        )
    rpo = None if best is None else (0.0 if best.sync else best.lag_s)
    head = (
        f"promote {best.name} ({'sync' if best.sync else 'async'}, RPO {rpo:g} s)"
        if best is not None
        else "no safe candidate"
    )
    return FailoverPlan(
        candidate=None if best is None else best.name,
        rpo_s=rpo,
        zone_loss_candidate=remote[0].name if remote else None,
        findings=findings,
        summary=f"Failover: {head}; {len(findings)} finding(s).",
    )
