"""PostgreSQL memory, I/O and parallelism settings for a server's size, and the pool size.

From the PostgreSQL manual, "Resource Consumption" and "Query Planning"
(https://www.postgresql.org/docs/current/runtime-config-resource.html): ``shared_buffers``
about 25 % of RAM on a dedicated server; ``effective_cache_size`` what the OS can cache
(75 % of RAM is the usual starting point); ``work_mem`` is per sort or hash node, so it is
sized from what is left after shared buffers over (connections x 3 nodes);
``random_page_cost`` 1.1 on SSD (default 4 assumes spinning disks);
``effective_io_concurrency`` 200 on SSD. Active connections: the PostgreSQL wiki "Number Of
Database Connections" formula, cores x 2 + effective spindles; more client connections go
through a pooler (PgBouncer).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import Args

NODES_PER_QUERY = 3


class PgSettingsArgs(Args):
    """Arguments of ``pg_settings``."""

    ram_gb: float = Field(gt=0, le=65_536)
    cores: int = Field(ge=1, le=4096)
    storage: Literal["ssd", "hdd"] = "ssd"
    max_connections: int = Field(default=100, ge=1, le=100_000)
    workload: Literal["oltp", "olap"] = "oltp"


class PgSettings(BaseModel):
    settings: dict[str, str]
    pool_size: int
    use_pooler: bool
    conf: str
    summary: str


def _mb(value: float) -> str:
    return f"{max(1, int(value))}MB"


def tune_postgres(args: PgSettingsArgs) -> PgSettings:
    """Settings as documented above; ``work_mem`` x4 for analytics (fewer, larger queries)."""
    ram_mb = args.ram_gb * 1024
    shared = ram_mb * 0.25
    work = (ram_mb - shared) / (args.max_connections * NODES_PER_QUERY)
    if args.workload == "olap":
        work *= 4
    ssd = args.storage == "ssd"
    spindles = 1 if ssd else 2
    pool = args.cores * 2 + spindles
    settings = {
        "shared_buffers": _mb(shared),
        "effective_cache_size": _mb(ram_mb * 0.75),
        "work_mem": _mb(work),
        "maintenance_work_mem": _mb(min(ram_mb / 16, 2048)),
        "random_page_cost": "1.1" if ssd else "4.0",
        "effective_io_concurrency": "200" if ssd else "2",
        "max_connections": str(args.max_connections),
        "max_worker_processes": str(args.cores),
        "max_parallel_workers": str(args.cores),
        "max_parallel_workers_per_gather": str(max(1, min(4, args.cores // 2))),
    }
    use_pooler = args.max_connections > pool * 4
    conf = "".join(f"{k} = {v}\n" for k, v in settings.items())
    pooler = f"; put a pooler in front ({args.max_connections} > 4 x pool)" if use_pooler else ""
    return PgSettings(
        settings=settings,
        pool_size=pool,
        use_pooler=use_pooler,
        conf=conf,
        summary=(
            f"shared_buffers {settings['shared_buffers']}, work_mem {settings['work_mem']}, "
            f"effective_cache_size {settings['effective_cache_size']}; about {pool} active "
            f"connections{pooler}."
        ),
    )
