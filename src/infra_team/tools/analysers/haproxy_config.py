"""Load balancer configuration: an HAProxy frontend/backend pair with health checks, and what
it implies: time to detect a dead server, traffic share per server, N+1 headroom.

HAProxy configuration manual (https://docs.haproxy.org/2.8/configuration.html): ``balance``
(roundrobin, leastconn, source), ``server ... check inter <ms> fall <n> rise <n> weight
<w>``, ``option httpchk``/``http-check expect``. A server is marked down after ``fall``
failed checks ``inter`` apart and back up after ``rise`` good ones. N+1: the pool must carry
the required load with its largest server lost.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from infra_team.tools.analysers._common import MAX_ROWS, Address, Args, Ident, fullmatch

MAX_WEIGHT = 256


class LbServer(Args):
    name: Ident
    address: Address
    port: int = Field(ge=1, le=65535)
    weight: int = Field(default=100, ge=0, le=MAX_WEIGHT)
    capacity_rps: float | None = Field(default=None, gt=0, le=1e12)


class HaproxyConfigArgs(Args):
    """Arguments of ``haproxy_config``."""

    name: Ident
    port: int = Field(ge=1, le=65535, description="Frontend port.")
    mode: Literal["http", "tcp"] = "http"
    balance: Literal["roundrobin", "leastconn", "source"] = "roundrobin"
    servers: list[LbServer] = Field(min_length=1, max_length=MAX_ROWS)
    health_path: Annotated[str, AfterValidator(fullmatch(r"^/[A-Za-z0-9/_.-]{0,200}$"))] = Field(
        default="/healthz", max_length=201
    )
    inter_s: float = Field(default=2.0, ge=0.1, le=3600)
    fall: int = Field(default=3, ge=1, le=100)
    rise: int = Field(default=2, ge=1, le=100)
    required_rps: float | None = Field(default=None, gt=0, le=1e12)


class HaproxyConfig(BaseModel):
    config: str
    detect_down_s: float
    recover_up_s: float
    share_percent: dict[str, float]
    n_plus_one: bool | None
    findings: list[str]
    summary: str


def build_haproxy_config(args: HaproxyConfigArgs) -> HaproxyConfig:
    """Render the sections and compute: detect = fall x inter, recover = rise x inter, share =
    weight / total weight (roundrobin/leastconn with equal load), N+1 = capacity without the
    largest server >= required."""
    findings = []
    names = [s.name for s in args.servers]
    if len(set(names)) != len(names):
        findings.append("server names must be unique")
    total = sum(s.weight for s in args.servers)
    active = [s for s in args.servers if s.weight > 0]
    if len(active) < 2:
        findings.append("fewer than two servers take traffic: no redundancy")
    share = {s.name: round(s.weight / total * 100, 2) if total else 0.0 for s in args.servers}
    n1: bool | None = None
    if args.required_rps is not None:
        caps = [s.capacity_rps for s in active]
        if all(c is not None for c in caps) and caps:
            known = [c for c in caps if c is not None]
            n1 = sum(known) - max(known) >= args.required_rps
            if not n1:
                findings.append(
                    f"without its largest server the pool carries {sum(known) - max(known):g} rps, "
                    f"below the required {args.required_rps:g} (no N+1)"
                )
        else:
            findings.append("give capacity_rps for every server to check N+1")
    if args.balance == "source":
        findings.append("balance source pins clients: shares follow client spread, not weights")
    inter = int(args.inter_s * 1000)
    lines = [
        f"frontend {args.name}_front",
        f"    bind :{args.port}",
        f"    mode {args.mode}",
        f"    default_backend {args.name}_back",
        "",
        f"backend {args.name}_back",
        f"    mode {args.mode}",
        f"    balance {args.balance}",
    ]
    if args.mode == "http":
        lines += [f"    option httpchk GET {args.health_path}", "    http-check expect status 200"]
    else:
        lines.append("    option tcp-check")
    lines += [
        f"    server {s.name} {s.address}:{s.port} check inter {inter} fall {args.fall} "
        f"rise {args.rise} weight {s.weight}"
        for s in args.servers
    ]
    detect = args.fall * args.inter_s
    recover = args.rise * args.inter_s
    state = f"; {len(findings)} finding(s)" if findings else ""
    return HaproxyConfig(
        config="\n".join(lines) + "\n",
        detect_down_s=detect,
        recover_up_s=recover,
        share_percent=share,
        n_plus_one=n1,
        findings=findings,
        summary=(
            f"{args.name}: {len(args.servers)} server(s), {args.balance}; a dead server leaves "
            f"the pool after {detect:g} s, returns after {recover:g} s"
            + ("" if n1 is None else f"; N+1 {'met' if n1 else 'NOT met'}")
            + state
            + "."
        ),
    )
