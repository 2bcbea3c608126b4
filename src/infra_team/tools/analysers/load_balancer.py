"""Load-balancer pool verdict: healthy capacity, N+1, majority quorum and connection balance."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from infra_team.tools._base import ToolInputError
from infra_team.tools._limits import MAX_COUNT, NAME_CHARS

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_ARGS = ConfigDict(extra="forbid", allow_inf_nan=False)

Verdict = Literal["ok", "degraded", "critical"]
IMBALANCE_RATIO = 2.0
IMBALANCE_MIN_CONNECTIONS = 10


class Backend(BaseModel):
    """One member of a load-balancer pool."""

    model_config = _ARGS

    name: str = Field(max_length=NAME_CHARS, description="Backend name or address.")
    healthy: bool = Field(description="Whether the health check passes.")
    capacity: float | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Load it can serve (rps, connections ...)."
    )
    weight: float | None = Field(
        default=None,
        ge=0,
        le=MAX_COUNT,
        description="LB weight; used as capacity when capacity is absent.",
    )
    active_connections: int | None = Field(
        default=None, ge=0, le=MAX_COUNT, description="Current connections."
    )

    @property
    def effective_capacity(self) -> float:
        """Capacity, else weight, else 1 (each backend counts the same)."""
        if self.capacity is not None:
            return self.capacity
        return self.weight if self.weight is not None else 1.0


class BackendLoad(BaseModel):
    """Connections per unit of capacity on one healthy backend."""

    model_config = _FROZEN

    name: str
    """Backend."""
    active_connections: int
    """Current connections."""
    capacity: float
    """Effective capacity."""
    connections_per_capacity: float
    """``active_connections / capacity``."""


class LbHealth(BaseModel):
    """Verdict on a load-balancer pool."""

    model_config = _FROZEN

    verdict: Verdict
    """ok, degraded or critical."""
    reasons: list[str]
    """Why, most serious first."""
    total_backends: int
    """Backends in the pool."""
    healthy_backends: int
    """Backends passing health checks."""
    unhealthy: list[str]
    """Names of failing backends."""
    total_capacity: float
    """Capacity of all backends."""
    healthy_capacity: float
    """Capacity of healthy backends."""
    healthy_capacity_percent: float
    """Healthy share of total capacity, in percent."""
    required_capacity: float | None
    """Capacity the service needs, when given."""
    capacity_margin: float | None
    """``healthy_capacity - required_capacity``."""
    survives_next_failure: bool | None
    """Whether losing the largest healthy backend still meets the required capacity (N+1)."""
    quorum_size: int
    """Healthy backends needed for a majority."""
    has_quorum: bool
    """Whether a strict majority is healthy."""
    loads: list[BackendLoad]
    """Per-backend load, when connections were given."""
    imbalance_ratio: float | None
    """Highest / lowest connections per capacity among healthy backends."""


def evaluate_lb_health(
    backends: list[Backend], *, required_capacity: float | None = None
) -> LbHealth:
    """Judge a pool by healthy capacity, majority quorum and balance.

    Critical when no backend is healthy, when healthy capacity is below the required
    capacity, or when at most half of the backends are healthy (no majority quorum: the
    failure is systemic, and clustered backends lose consensus; Google SRE book ch. 23
    "Managing Critical State"). Degraded when any backend is down, when losing the largest
    healthy backend would drop below the required capacity (no N+1; SRE book ch. 22
    "Addressing Cascading Failures": remaining servers overload), when an unhealthy backend
    still holds connections, or when connections per unit of capacity differ by 2x or more
    between healthy backends or a healthy backend gets none while others are busy (SRE book
    ch. 20 "Load Balancing in the Datacenter").
    Capacity is ``capacity``, else ``weight``, else 1 per backend.

    Raises:
        ToolInputError: for an empty pool or duplicate backend names.
    """
    if not backends:
        msg = "`backends` is empty; pass at least one {name, healthy, capacity} entry."
        raise ToolInputError(msg)
    names = [b.name for b in backends]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        msg = f"backend names must be unique; repeated: {', '.join(duplicates)}."
        raise ToolInputError(msg)
    if required_capacity is not None and required_capacity < 0:
        msg = f"`required_capacity` must be zero or more; got {required_capacity}."
        raise ToolInputError(msg)

    healthy = [b for b in backends if b.healthy]
    unhealthy = [b.name for b in backends if not b.healthy]
    total_capacity = sum(b.effective_capacity for b in backends)
    healthy_capacity = sum(b.effective_capacity for b in healthy)
    quorum = len(backends) // 2 + 1
    has_quorum = len(healthy) >= quorum
    critical: list[str] = []
    degraded: list[str] = []
    if not healthy:
        critical.append("no healthy backend")
    if required_capacity is not None and healthy_capacity < required_capacity:
        critical.append(
            f"healthy capacity {healthy_capacity:g} is below the required {required_capacity:g}"
        )
    if healthy and not has_quorum:
        critical.append(f"only {len(healthy)} of {len(backends)} healthy: no majority quorum")
    if unhealthy:
        degraded.append(f"{len(unhealthy)} unhealthy: {', '.join(unhealthy)}")
    survives: bool | None = None
    if required_capacity is not None and healthy:
        largest = max(b.effective_capacity for b in healthy)
        survives = healthy_capacity - largest >= required_capacity
        if not survives and healthy_capacity >= required_capacity:
            degraded.append(
                f"losing the largest healthy backend ({largest:g}) would leave "
                f"{healthy_capacity - largest:g}, below the required {required_capacity:g} "
                "(no N+1)"
            )
    draining = [b.name for b in backends if not b.healthy and (b.active_connections or 0) > 0]
    if draining:
        degraded.append(f"unhealthy backends still hold connections: {', '.join(draining)}")
    loads = [
        BackendLoad(
            name=b.name,
            active_connections=b.active_connections,
            capacity=b.effective_capacity,
            connections_per_capacity=round(b.active_connections / b.effective_capacity, 4),
        )
        for b in healthy
        if b.active_connections is not None and b.effective_capacity > 0
    ]
    ratio, idle = _imbalance(loads)
    if ratio is not None and ratio >= IMBALANCE_RATIO:
        degraded.append(f"connections per capacity differ {ratio:g}x between healthy backends")
    if idle:
        degraded.append(f"healthy backends receive no connections: {', '.join(idle)}")
    verdict: Verdict = "critical" if critical else "degraded" if degraded else "ok"
    return LbHealth(
        verdict=verdict,
        reasons=critical + degraded,
        total_backends=len(backends),
        healthy_backends=len(healthy),
        unhealthy=unhealthy,
        total_capacity=total_capacity,
        healthy_capacity=healthy_capacity,
        healthy_capacity_percent=round(healthy_capacity / total_capacity * 100, 2)
        if total_capacity
        else 0.0,
        required_capacity=required_capacity,
        capacity_margin=None
        if required_capacity is None
        else round(healthy_capacity - required_capacity, 4),
        survives_next_failure=survives,
        quorum_size=quorum,
        has_quorum=has_quorum,
        loads=loads,
        imbalance_ratio=ratio,
    )


def _imbalance(loads: list[BackendLoad]) -> tuple[float | None, list[str]]:
    """Max/min connections per capacity among loaded backends, and the idle ones."""
    if len(loads) < 2 or max(load.active_connections for load in loads) < IMBALANCE_MIN_CONNECTIONS:
        return None, []
    idle = [load.name for load in loads if load.active_connections == 0]
    busy = [load.connections_per_capacity for load in loads if load.active_connections > 0]
    if len(busy) < 2:
        return None, idle
    return round(max(busy) / min(busy), 2), idle
