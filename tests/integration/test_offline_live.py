"""The offline engine reads the live systems that are configured, and its report cites
what they measured: a real PostgreSQL primary with a streaming standby whose replay is
paused (so the lag is real and only the server knows it), and real Prometheus and
Alertmanager servers with one alert posted through Alertmanager's own API."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from infra_team import task
from infra_team.settings import reset_settings
from tests.support.postgres import Cluster, postgres_cluster
from tests.support.prometheus import alertmanager_server, post_alert, prometheus_server

pytestmark = pytest.mark.slow
LAG_ALERT = {"alertname": "ReplicaLagHigh", "severity": "critical", "instance": "db-1:9187"}
MEASURED_LAG = re.compile(r"standby1 streaming, replay lag (\d+\.\d{3})s / (\d+) bytes")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with postgres_cluster() as made:
        with psycopg.connect(made.primary, autocommit=True) as conn:
            conn.execute("CREATE TABLE events (id bigint, kind int, payload text)")
        end = time.monotonic() + 60
        while time.monotonic() < end:
            with psycopg.connect(made.primary, autocommit=True) as conn:
                row = conn.execute(
                    "SELECT state FROM pg_stat_replication WHERE application_name = %s",
                    (made.standby_name,),
                ).fetchone()
            if row and row[0] == "streaming":
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the standby never reached the streaming state")
        yield made


@pytest.fixture(scope="module")
def prometheus() -> Iterator[str]:
    with prometheus_server() as url:
        yield url


@pytest.fixture(scope="module")
def alertmanager() -> Iterator[str]:
    with alertmanager_server() as url:
        post_alert(url, LAG_ALERT, summary="replica lag over 1 s on db-1", minutes_ago=10)
        yield url


@contextmanager
def replay_paused(cluster: Cluster) -> Iterator[None]:
    """The standby stops replaying while the primary keeps writing: real, growing lag."""
    stop = threading.Event()

    def keep_writing() -> None:
        with psycopg.connect(cluster.primary, autocommit=True) as primary:
            while not stop.is_set():
                primary.execute("INSERT INTO events VALUES (0, 2, 'offline-live')")
                time.sleep(0.05)

    with psycopg.connect(cluster.standby, autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        writer = threading.Thread(target=keep_writing, daemon=True)
        writer.start()
        try:
            time.sleep(2)
            yield
        finally:
            stop.set()
            writer.join(timeout=10)
            standby.execute("SELECT pg_wal_replay_resume()")


def _port(dsn: str) -> str:
    return dsn.rsplit(":", 1)[1].split("/")[0]


def _measured_lag(line: str) -> float:
    found = MEASURED_LAG.search(line)
    assert found is not None, line
    assert int(found[2]) > 0
    return float(found[1])


def test_a_database_request_cites_the_lag_the_primary_measured(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRA_TEAM_POSTGRES_DSN", cluster.primary)
    reset_settings()
    request = "New Postgres replica for billing; alert when replica lag exceeds 1 s"
    with replay_paused(cluster):
        result = task("infrastructure-team", request, model="offline")
    assert result.status in {"completed", "interrupted"}, result.error
    report = result.report
    server = f"postgres@127.0.0.1:{_port(cluster.primary)}/postgres"
    # The tool evidence: the engine called the live tool through the stage's bound tools.
    evidence = report.split("## Tool evidence", 1)[1]
    row = next(r for r in evidence.splitlines() if "`postgres_replication`" in r)
    assert "| Database Administrator |" in row
    lag = _measured_lag(row)
    assert lag > 1.0  # replay stopped 2 s before the reading: only the server knows this
    # The DBA's own report: the figure, where it was measured, and the decision it drives.
    body = report.split("## Tool evidence", 1)[0]
    assert f"Measured replica lag on {server}: standby1 " in body
    assert "over the 1 s threshold: standby1" in body
    assert f"### Replication (measured live by `postgres_replication` on {server})" in body
    assert re.search(r"\| standby1 \| streaming \| \d+(\.\d+)? s \| \d+ \| falling behind \|", body)
    assert "Replica lag not measured" not in report
    assert re.search(
        rf"`postgres_replication` \(measured live on {re.escape(server)}, read at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)",
        body,
    )
    # The settings audit read the real server's pg_settings.
    assert f"### Server settings (measured live by `postgres_settings_audit` on {server})" in body
    assert "`fsync = on`" not in body  # fsync is on: no finding
    assert "`postgres_settings_audit` | success" in evidence


def test_without_settings_the_engine_reads_nothing_live() -> None:
    result = task(
        "infrastructure-team",
        "New Postgres replica for billing; alert when replica lag exceeds 1 s",
        model="offline",
    )
    assert "postgres_replication" not in result.report
    assert "measured live" not in result.report
    assert "Replica lag not measured" in result.report


def test_an_incident_run_cites_the_alerts_the_lag_and_up_it_measured(
    cluster: Cluster,
    prometheus: str,
    alertmanager: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Configured against the local PostgreSQL, Prometheus and Alertmanager: triage reads
    the firing alert and ``up``, the DBA (component owner) reads the lag and blocking."""
    monkeypatch.setenv("INFRA_TEAM_POSTGRES_DSN", cluster.primary)
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", prometheus)
    monkeypatch.setenv("INFRA_TEAM_ALERTMANAGER_URL", alertmanager)
    reset_settings()
    request = (
        "Incident: the billing database replica is lagging behind the primary and "
        "customers see stale balances"
    )
    with replay_paused(cluster):
        result = task("infrastructure-team", request, model="offline")
    assert result.status in {"completed", "interrupted"}, result.error
    report = result.report
    body, evidence = report.split("## Tool evidence", 1)
    # Triage: the alert posted to the real Alertmanager, and `up` from the real Prometheus.
    triage = body.split("## Triage", 1)[1].split("## Escalation trail", 1)[0]
    assert "Measured live: `list_alertmanager_alerts`: 1 alert(s)" in triage
    assert "ReplicaLagHigh" in triage
    prom_port = prometheus.rsplit(":", 1)[1].rstrip("/")
    assert re.search(
        rf"`query_prometheus` \(measured live on Prometheus, read at [^)]+\): `up`: \d+ series; "
        rf'highest up\{{instance="127\.0\.0\.1:{prom_port}",job="[^"]+"\}} = 1',
        triage,
    ), triage
    # Escalation: the DBA hands up the lag its own read of pg_stat_replication measured.
    owner = next(r for r in body.splitlines() if r.startswith("| component owner |"))
    assert "Database Administrator" in owner
    assert (
        f"`postgres_replication`: 1 standbys of postgres@127.0.0.1:{_port(cluster.primary)}"
        in owner
    )
    assert _measured_lag(owner) > 1.0
    for tool in ("list_alertmanager_alerts", "query_prometheus", "postgres_replication"):
        assert f"`{tool}` | success" in evidence
    assert "`postgres_locks` | no_data | No session waits on a lock" in evidence


def test_a_change_run_cites_the_lag_and_closes_monitoring_on_the_measured_up(
    cluster: Cluster, prometheus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Configured against the local PostgreSQL and Prometheus: the DBA's report carries
    the lag the primary measured, and the Production Readiness gate's monitoring item is
    met on the ``up`` series the SRE read from the real Prometheus."""
    monkeypatch.setenv("INFRA_TEAM_POSTGRES_DSN", cluster.primary)
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", prometheus)
    reset_settings()
    with replay_paused(cluster):
        result = task(
            "infrastructure-team",
            "New Postgres replica for billing; alert when replica lag exceeds 1 s",
            model="offline",
        )
    assert result.status in {"completed", "interrupted"}, result.error
    body, evidence = result.report.split("## Tool evidence", 1)
    lag = re.search(
        r"Measured replica lag on postgres@127\.0\.0\.1:\d+/postgres: standby1 ([\d.]+) s", body
    )
    assert lag is not None and float(lag[1]) > 1.0
    assert (
        "- [x] Monitoring configured (Prometheus scrapes 1 target(s) for `up`, all up "
        "(query_prometheus))" in body
    )
    assert "| Site Reliability Engineer | `query_prometheus` | success | `up`: 1 series" in evidence


def test_without_prometheus_monitoring_stays_open() -> None:
    result = task("infrastructure-team", "New Postgres replica for billing", model="offline")
    assert "- [ ] Monitoring configured (SLO and alert rules written" in result.report
    assert "`query_prometheus`" not in result.report


def test_a_network_run_cites_the_certificate_it_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local TLS server whose certificate expires in 5 days, on the network allowlist:
    the network engineer's report gives the days the handshake showed, and the probe."""
    from tests.support.tls_server import tls_server

    with tls_server(days=5) as server:
        monkeypatch.setenv("INFRA_TEAM_NETWORK_TARGETS", '["localhost", "127.0.0.1/32"]')
        monkeypatch.setenv("INFRA_TEAM_NETWORK_ALLOW_PRIVATE", "true")
        monkeypatch.setenv("INFRA_TEAM_NETWORK_CA_FILE", str(server.ca_file))
        reset_settings()
        result = task(
            "infrastructure-team",
            f"New load balancer and firewall rules in front of https://localhost:{server.port}/ "
            "for the shop",
            model="offline",
        )
    body, evidence = result.report.split("## Tool evidence", 1)
    assert (
        f"Measured: the certificate served on localhost:{server.port} expires in 5 days "
        "(critical)." in body
    )
    assert re.search(
        rf"`http_probe` \(measured live on https://localhost:{server.port}/, read at [^)]+\): "
        rf"https://localhost:{server.port}/: 200 ",
        body,
    )
    assert "| Network Engineer | `tls_check` | success | CRITICAL:" in evidence


def test_a_host_incident_cites_the_health_read_over_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local sshd with a generated host and user key; the host named in the incident
    is in ``ssh.hosts``, so the Systems Administrator (component owner) reads its health."""
    from tests.support.sshd import sshd_server

    with sshd_server() as server:
        for key, value in {
            "HOSTS": '["127.0.0.1"]',
            "USERNAME": server.username,
            "KEY_PATH": str(server.key_path),
            "KNOWN_HOSTS": str(server.known_hosts),
            "PORT": str(server.port),
            "TIMEOUT": "30",
        }.items():
            monkeypatch.setenv(f"INFRA_TEAM_SSH_{key}", value)
        reset_settings()
        result = task(
            "infrastructure-team",
            "Incident: host 127.0.0.1 is running out of disk space and the app logs fail to write",
            model="offline",
        )
    body, evidence = result.report.split("## Tool evidence", 1)
    owner = next(r for r in body.splitlines() if r.startswith("| component owner |"))
    assert "| Systems Administrator |" in owner
    assert "Measured live: `ssh_host_health`: 127.0.0.1 " in owner
    row = next(r for r in evidence.splitlines() if "`ssh_host_health`" in r)
    assert "| success | 127.0.0.1 " in row
