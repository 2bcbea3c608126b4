"""The settings audit: each rule fires on the value the PostgreSQL manual warns about."""

from __future__ import annotations

from infra_team.tools.analysers.postgres_settings import (
    AUDITED_SETTINGS,
    SettingRow,
    audit_postgres_settings,
)

HEALTHY = [
    SettingRow(name="fsync", setting="on"),
    SettingRow(name="full_page_writes", setting="on"),
    SettingRow(name="autovacuum", setting="on"),
    SettingRow(name="track_counts", setting="on"),
    SettingRow(name="synchronous_commit", setting="on"),
    SettingRow(name="data_checksums", setting="on"),
    SettingRow(name="log_lock_waits", setting="on"),
    SettingRow(name="idle_in_transaction_session_timeout", setting="600000", unit="ms"),
    SettingRow(name="wal_level", setting="replica"),
    SettingRow(name="password_encryption", setting="scram-sha-256"),
    SettingRow(name="ssl", setting="on"),
    SettingRow(name="listen_addresses", setting="*"),
    SettingRow(name="shared_buffers", setting="262144", unit="8kB"),  # 2048 MB
    SettingRow(name="effective_cache_size", setting="786432", unit="8kB"),  # 6144 MB
    SettingRow(name="log_min_duration_statement", setting="1000", unit="ms"),
]


def _with(**changes: str) -> list[SettingRow]:
    return [
        row.model_copy(update={"setting": changes[row.name]}) if row.name in changes else row
        for row in HEALTHY
    ]


def test_healthy_settings_give_no_finding() -> None:
    audit = audit_postgres_settings(HEALTHY, memory_mb=8192)
    assert audit.findings == ()
    assert {row.name for row in HEALTHY} == set(AUDITED_SETTINGS)


def test_fsync_off_is_high_and_cites_the_manual() -> None:
    (finding,) = audit_postgres_settings(_with(fsync="off")).findings
    assert (finding.setting, finding.severity) == ("fsync", "high")
    assert (
        finding.source
        == "https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-FSYNC"
    )


def test_findings_sort_most_severe_first() -> None:
    audit = audit_postgres_settings(
        _with(log_lock_waits="off", autovacuum="off", password_encryption="md5")
    )
    assert [f.setting for f in audit.findings] == [
        "autovacuum",
        "password_encryption",
        "log_lock_waits",
    ]
    assert audit.counts == {"high": 1, "medium": 1, "low": 1}


def test_shared_buffers_is_judged_against_ram_only_when_given() -> None:
    assert audit_postgres_settings(HEALTHY).findings == ()
    (low,) = audit_postgres_settings(HEALTHY, memory_mb=32768).findings  # 2 GB of 32 GB
    assert low.setting == "shared_buffers"
    assert "6% of 32768 MB" in low.detail
    (high,) = audit_postgres_settings(HEALTHY, memory_mb=4096).findings  # 2 GB of 4 GB
    assert "50% of 4096 MB" in high.detail


def test_ssl_off_matters_only_off_loopback() -> None:
    assert [f.setting for f in audit_postgres_settings(_with(ssl="off")).findings] == ["ssl"]
    local = _with(ssl="off", listen_addresses="localhost, 127.0.0.1")
    assert audit_postgres_settings(local).findings == ()


def test_effective_cache_below_shared_buffers_and_other_rules() -> None:
    found = audit_postgres_settings(
        _with(
            effective_cache_size="1024",
            wal_level="minimal",
            idle_in_transaction_session_timeout="0",
            log_min_duration_statement="-1",
            synchronous_commit="off",
        )
    )
    assert sorted(f.setting for f in found.findings) == [
        "effective_cache_size",
        "idle_in_transaction_session_timeout",
        "log_min_duration_statement",
        "synchronous_commit",
        "wal_level",
    ]
