"""Cost optimisation by right-sizing: the smallest size that keeps each instance's p95 CPU and
memory under a target, and the monthly saving.

AWS Well-Architected, Cost Optimization pillar (COST06 "Meet cost targets when selecting
resource type, size and number") and AWS Compute Optimizer: size from observed peak
utilisation with headroom. Sizes halve within one family (vCPU, memory and price scale
together, as in the m/c/r families of AWS and the standard families of GCP and Azure), so
utilisation doubles with each step down.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import MAX_ROWS, Args, Ident


class Instance(Args):
    name: Ident
    vcpus: int = Field(ge=1, le=1024)
    cpu_p95: float = Field(ge=0, le=100)
    mem_p95: float = Field(default=0.0, ge=0, le=100)
    monthly_cost: float = Field(ge=0, le=1e12)


class RightsizingArgs(Args):
    """Arguments of ``rightsizing``."""

    instances: list[Instance] = Field(min_length=1, max_length=MAX_ROWS)
    target_percent: float = Field(default=60, gt=0, le=100)


class Resize(BaseModel):
    name: str
    vcpus: int
    new_vcpus: int
    new_cpu_p95: float
    monthly_saving: float


class Rightsizing(BaseModel):
    resizes: list[Resize]
    monthly_cost: float
    monthly_saving: float
    saving_percent: float
    summary: str


def rightsize(args: RightsizingArgs) -> Rightsizing:
    """Halve while the doubled p95 CPU and memory both stay at or under the target."""
    resizes = []
    total = sum(i.monthly_cost for i in args.instances)
    for inst in args.instances:
        vcpus, cpu, mem = inst.vcpus, inst.cpu_p95, inst.mem_p95
        while vcpus % 2 == 0 and cpu * 2 <= args.target_percent and mem * 2 <= args.target_percent:
            vcpus, cpu, mem = vcpus // 2, cpu * 2, mem * 2
        if vcpus != inst.vcpus:
            saving = inst.monthly_cost * (1 - vcpus / inst.vcpus)
            resizes.append(
                Resize(
                    name=inst.name,
                    vcpus=inst.vcpus,
                    new_vcpus=vcpus,
                    new_cpu_p95=cpu,
                    monthly_saving=round(saving, 2),
                )
            )
    resizes.sort(key=lambda r: -r.monthly_saving)
    saving = sum(r.monthly_saving for r in resizes)
    percent = saving / total * 100 if total else 0.0
    return Rightsizing(
        resizes=resizes,
        monthly_cost=round(total, 2),
        monthly_saving=round(saving, 2),
        saving_percent=round(percent, 2),
        summary=(
            f"{len(resizes)} of {len(args.instances)} instance(s) can shrink under a "
            f"{args.target_percent:g} % p95 target: {saving:,.2f}/month saved ({percent:.1f} %, "
            f"{saving * 12:,.0f}/year)."
        ),
    )
