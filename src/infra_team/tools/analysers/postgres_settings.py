"""PostgreSQL server settings judged against the practice the PostgreSQL documentation states.

Input is rows of ``pg_settings`` (name, setting, unit); each rule cites the page of the
manual it applies (https://www.postgresql.org/docs/current/…). Memory rules that need the
machine's RAM run only when it is given. Findings say what a setting risks, not how to tune
a workload: the manual gives no single right ``work_mem``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra_team.tools.analysers.severity import SEVERITY_ORDER, Severity

DOCS = "https://www.postgresql.org/docs/current/"

_UNIT_BYTES = {"B": 1, "kB": 1024, "8kB": 8192, "16kB": 16384, "32kB": 32768, "MB": 1024**2}
"""``pg_settings.unit`` values of memory parameters, in bytes."""


class SettingRow(BaseModel):
    """One row of ``pg_settings``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    setting: str
    unit: str | None = None
    source: str | None = None


class SettingFinding(BaseModel):
    """A setting that departs from documented practice."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    setting: str
    value: str
    severity: Severity
    detail: str
    recommendation: str
    source: str
    """The manual page the rule comes from."""


class SettingsAudit(BaseModel):
    """The audit of one server's settings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    settings_read: int
    memory_mb: float | None
    findings: tuple[SettingFinding, ...]
    counts: dict[str, int]


@dataclass(frozen=True)
class _Context:
    values: Mapping[str, SettingRow]
    memory_mb: float | None

    def text(self, name: str) -> str | None:
        row = self.values.get(name)
        return row.setting if row is not None else None

    def megabytes(self, name: str) -> float | None:
        row = self.values.get(name)
        if row is None or row.unit not in _UNIT_BYTES:
            return None
        try:
            amount = float(row.setting)
        except ValueError:
            return None
        if amount < 0:
            return None
        return amount * _UNIT_BYTES[row.unit] / 1024**2


Rule = Callable[[_Context], SettingFinding | None]


def _off(name: str, severity: Severity, detail: str, advice: str, page: str) -> Rule:
    def rule(ctx: _Context) -> SettingFinding | None:
        if ctx.text(name) != "off":
            return None
        return SettingFinding(
            setting=name,
            value="off",
            severity=severity,
            detail=detail,
            recommendation=advice,
            source=DOCS + page,
        )

    return rule


def _shared_buffers(ctx: _Context) -> SettingFinding | None:
    """runtime-config-resource: "a reasonable starting value for shared_buffers is 25% of
    the memory in your system"; "unlikely that an allocation of more than 40% of RAM will
    work better than a smaller amount"."""
    size = ctx.megabytes("shared_buffers")
    if size is None or ctx.memory_mb is None or ctx.memory_mb <= 0:
        return None
    share = size / ctx.memory_mb
    if 0.15 <= share <= 0.40:
        return None
    where = "below 15 %" if share < 0.15 else "above 40 %"
    return SettingFinding(
        setting="shared_buffers",
        value=f"{size:g} MB",
        severity="medium",
        detail=f"shared_buffers is {share:.0%} of {ctx.memory_mb:g} MB of RAM ({where}).",
        recommendation="Start from 25 % of RAM on a dedicated server; more than 40 % rarely helps.",
        source=DOCS + "runtime-config-resource.html#GUC-SHARED-BUFFERS",
    )


def _effective_cache_size(ctx: _Context) -> SettingFinding | None:
    """runtime-config-query: effective_cache_size should count "both PostgreSQL's shared
    buffers and the portion of the kernel's disk cache"; below shared_buffers it
    undercounts the cache the planner can rely on."""
    cache = ctx.megabytes("effective_cache_size")
    buffers = ctx.megabytes("shared_buffers")
    if cache is None or buffers is None or cache >= buffers:
        return None
    return SettingFinding(
        setting="effective_cache_size",
        value=f"{cache:g} MB",
        severity="low",
        detail=f"effective_cache_size ({cache:g} MB) is below shared_buffers ({buffers:g} MB).",
        recommendation="Set it to shared_buffers plus the OS page cache the database can use.",
        source=DOCS + "runtime-config-query.html#GUC-EFFECTIVE-CACHE-SIZE",
    )


def _wal_level(ctx: _Context) -> SettingFinding | None:
    """runtime-config-wal: "minimal" WAL "does not contain sufficient information for
    point-in-time recovery" nor for replication."""
    if ctx.text("wal_level") != "minimal":
        return None
    return SettingFinding(
        setting="wal_level",
        value="minimal",
        severity="medium",
        detail="wal_level = minimal rules out WAL archiving, point-in-time recovery and "
        "streaming replication.",
        recommendation="Use `replica` (the default) or `logical`.",
        source=DOCS + "runtime-config-wal.html#GUC-WAL-LEVEL",
    )


def _password_encryption(ctx: _Context) -> SettingFinding | None:
    """auth-password: MD5 "is not considered secure against some attacks"; scram-sha-256
    is the default and the recommended method."""
    if ctx.text("password_encryption") != "md5":
        return None
    return SettingFinding(
        setting="password_encryption",
        value="md5",
        severity="medium",
        detail="New passwords are stored as MD5 hashes, which the manual calls weaker "
        "than SCRAM and deprecates.",
        recommendation="Set `scram-sha-256` and have users reset their passwords.",
        source=DOCS + "auth-password.html",
    )


def _ssl(ctx: _Context) -> SettingFinding | None:
    """ssl-tcp: without ``ssl`` "client/server communications" are unencrypted; it only
    matters when the server listens beyond the local machine."""
    listen = ctx.text("listen_addresses")
    if ctx.text("ssl") != "off" or listen is None:
        return None
    local = {"localhost", "127.0.0.1", "::1", ""}
    if {part.strip() for part in listen.split(",")} <= local:
        return None
    return SettingFinding(
        setting="ssl",
        value="off",
        severity="medium",
        detail=f"The server listens on `{listen}` without TLS: passwords and data cross "
        "the network in clear.",
        recommendation="Enable ssl with a certificate and require it in pg_hba.conf (`hostssl`).",
        source=DOCS + "ssl-tcp.html",
    )


def _zero(name: str, severity: Severity, detail: str, advice: str, page: str) -> Rule:
    def rule(ctx: _Context) -> SettingFinding | None:
        if ctx.text(name) != "0":
            return None
        return SettingFinding(
            setting=name,
            value="0",
            severity=severity,
            detail=detail,
            recommendation=advice,
            source=DOCS + page,
        )

    return rule


def _log_min_duration(ctx: _Context) -> SettingFinding | None:
    """runtime-config-logging: log_min_duration_statement "is useful in tracking down
    unoptimized queries"; -1 disables it."""
    if ctx.text("log_min_duration_statement") != "-1":
        return None
    return SettingFinding(
        setting="log_min_duration_statement",
        value="-1",
        severity="low",
        detail="Slow statements are not logged, so they are found only while they run.",
        recommendation="Log statements slower than a threshold your SLO implies (e.g. 1000 ms).",
        source=DOCS + "runtime-config-logging.html#GUC-LOG-MIN-DURATION-STATEMENT",
    )


RULES: tuple[Rule, ...] = (
    _off(
        "fsync",
        "high",
        "fsync = off: an operating system crash or power loss can leave the cluster "
        "with unrecoverable data corruption.",
        "Turn fsync on; for bulk loads use unlogged tables or synchronous_commit = off.",
        "runtime-config-wal.html#GUC-FSYNC",
    ),
    _off(
        "full_page_writes",
        "high",
        "full_page_writes = off: a torn page after a crash may be unrecoverable.",
        "Turn full_page_writes on unless the file system prevents partial page writes.",
        "runtime-config-wal.html#GUC-FULL-PAGE-WRITES",
    ),
    _off(
        "autovacuum",
        "high",
        "autovacuum = off: dead rows pile up and transaction ID wraparound is not "
        "prevented automatically.",
        "Turn autovacuum on (the manual strongly recommends it) and tune it per table.",
        "routine-vacuuming.html#AUTOVACUUM",
    ),
    _off(
        "track_counts",
        "high",
        "track_counts = off: autovacuum needs these statistics and cannot work.",
        "Turn track_counts on.",
        "runtime-config-statistics.html#GUC-TRACK-COUNTS",
    ),
    _off(
        "synchronous_commit",
        "medium",
        "synchronous_commit = off: a crash can lose the last transactions reported "
        "committed (no corruption).",
        "Keep it on where a lost commit matters; set it off only per session or transaction.",
        "runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT",
    ),
    _off(
        "data_checksums",
        "low",
        "Data checksums are off: silent storage corruption goes undetected.",
        "Enable them with pg_checksums --enable (offline) or at initdb.",
        "app-pgchecksums.html",
    ),
    _off(
        "log_lock_waits",
        "low",
        "log_lock_waits = off: waits longer than deadlock_timeout leave no trace.",
        "Turn log_lock_waits on to see lock contention in the log.",
        "runtime-config-logging.html#GUC-LOG-LOCK-WAITS",
    ),
    _zero(
        "idle_in_transaction_session_timeout",
        "low",
        "Sessions idle in a transaction are never ended: they hold locks and keep "
        "vacuum from removing dead rows.",
        "Set a timeout (e.g. 10 min) so forgotten transactions end.",
        "runtime-config-client.html#GUC-IDLE-IN-TRANSACTION-SESSION-TIMEOUT",
    ),
    _wal_level,
    _password_encryption,
    _ssl,
    _shared_buffers,
    _effective_cache_size,
    _log_min_duration,
)

AUDITED_SETTINGS: tuple[str, ...] = (
    "autovacuum",
    "data_checksums",
    "effective_cache_size",
    "fsync",
    "full_page_writes",
    "idle_in_transaction_session_timeout",
    "listen_addresses",
    "log_lock_waits",
    "log_min_duration_statement",
    "password_encryption",
    "shared_buffers",
    "ssl",
    "synchronous_commit",
    "track_counts",
    "wal_level",
)
"""The ``pg_settings`` names the rules read."""


def audit_postgres_settings(
    rows: list[SettingRow], *, memory_mb: float | None = None
) -> SettingsAudit:
    """Run every rule on the settings; findings most severe first."""
    ctx = _Context(values={row.name: row for row in rows}, memory_mb=memory_mb)
    findings = [finding for rule in RULES if (finding := rule(ctx)) is not None]
    findings.sort(key=lambda f: SEVERITY_ORDER.index(f.severity))
    counts = {level: sum(1 for f in findings if f.severity == level) for level in SEVERITY_ORDER}
    return SettingsAudit(
        settings_read=len(rows),
        memory_mb=memory_mb,
        findings=tuple(findings),
        counts={level: count for level, count in counts.items() if count},
    )
