"""DNS record change plan: when to lower the TTL, change the record, retire the old target
and restore the TTL, so no resolver serves the old answer past a known time.

A resolver may cache an answer for its TTL (RFC 1035 §3.2.1, RFC 2181 §8): lowering the TTL
takes effect only once the answers cached under the *old* TTL have expired, so the low TTL
must be published at least one old TTL before the change. After the change, resolvers may
still serve the old answer for up to the low TTL; the old target stays up that long plus a
margin. A new name that was queried before it existed may be cached as NXDOMAIN for the
SOA minimum / negative TTL (RFC 2308 §5).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from infra_team.tools.analysers._common import Args, fullmatch, render

MAX_TTL = 2**31 - 1
MARGIN = 0.1
"""Margin added to every wait, for clock skew and resolvers that round up."""


class DnsCutoverArgs(Args):
    """Arguments of ``dns_cutover``."""

    name: Annotated[str, AfterValidator(fullmatch(r"^[A-Za-z0-9_*.-]{1,253}$"))] = Field(
        max_length=253
    )
    type: Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV"] = "A"
    old_value: Annotated[str, AfterValidator(fullmatch(r"^[A-Za-z0-9_.:-]{1,253}$"))] = Field(
        max_length=253
    )
    new_value: Annotated[str, AfterValidator(fullmatch(r"^[A-Za-z0-9_.:-]{1,253}$"))] = Field(
        max_length=253
    )
    current_ttl: int = Field(ge=0, le=MAX_TTL, description="Seconds.")
    change_at: AwareDatetime = Field(description="When the record changes (ISO 8601).")
    low_ttl: int = Field(default=60, ge=0, le=MAX_TTL)
    negative_ttl: int | None = Field(default=None, ge=0, le=MAX_TTL, description="SOA minimum.")


class Step(BaseModel):
    at: str
    action: str


class DnsCutover(BaseModel):
    steps: list[Step]
    old_answers_until: str
    rollback_seconds: int
    markdown: str
    summary: str


def _fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def plan_dns_cutover(args: DnsCutoverArgs) -> DnsCutover:
    """Lower TTL at ``change_at - old TTL x 1.1``; change at ``change_at``; old answers may be
    served until ``change_at + low TTL x 1.1``; restore the TTL a day after the change."""
    change = args.change_at.astimezone(UTC)
    low = min(args.low_ttl, args.current_ttl)
    lower_at = change - timedelta(seconds=args.current_ttl * (1 + MARGIN))
    old_until = change + timedelta(seconds=low * (1 + MARGIN))
    rr = f"{args.name} {{ttl}} IN {args.type} {{value}}"
    steps = []
    if low < args.current_ttl:
        steps.append(
            Step(
                at=_fmt(lower_at),
                action="lower TTL: " + rr.format(ttl=low, value=args.old_value),
            )
        )
    steps.append(
        Step(at=_fmt(change), action="change record: " + rr.format(ttl=low, value=args.new_value))
    )
    steps.append(
        Step(
            at=_fmt(old_until),
            action=f"no resolver serves {args.old_value} any more; verify, then retire it",
        )
    )
    if args.negative_ttl is not None:
        steps.append(
            Step(
                at=_fmt(change + timedelta(seconds=args.negative_ttl)),
                action="resolvers that cached NXDOMAIN for a new name have now expired it",
            )
        )
    steps.append(
        Step(
            at=_fmt(change + timedelta(days=1)),
            action="restore TTL: " + rr.format(ttl=args.current_ttl, value=args.new_value),
        )
    )
    markdown = render("dns_cutover.md.j2", a=args, steps=steps, low=low)
    return DnsCutover(
        steps=steps,
        old_answers_until=_fmt(old_until),
        rollback_seconds=low,
        markdown=markdown,
        summary=(
            f"{args.name} {args.type}: lower TTL {args.current_ttl}s->{low}s at {_fmt(lower_at)}, "
            f"change at {_fmt(change)}, old answers gone by {_fmt(old_until)}."
        ),
    )
