"""The systems administrator's SSH host checks against a real ``sshd`` on loopback.

The server (tests/support/sshd.py) has a generated host key, pinned in a known_hosts
file, and accepts a generated user key: the same verification and authentication as in
production. Skipped on a laptop without openssh-server; a failure under CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra_team.settings import Settings, SshSettings, reset_settings
from infra_team.tools import TOOL_CATALOG, parse_tool_output
from infra_team.tools._base import ToolInputError
from infra_team.tools.live import ssh_commands
from infra_team.tools.live._common import run_coroutine
from infra_team.tools.live.ssh_client import (
    MAX_OUTPUT_BYTES,
    CommandOutput,
    SshFailure,
    run_commands,
)
from infra_team.tools.live.ssh_host import (
    SshHostCheckArgs,
    SshHostHealthArgs,
    _snapshot,
    host_check,
    host_health,
)
from tests.support.sshd import SshServer, sshd_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clean_settings")]


@pytest.fixture(scope="module")
def server() -> Iterator[SshServer]:
    with sshd_server() as running:
        yield running


def _settings(server: SshServer, **changes: object) -> Settings:
    fields: dict[str, object] = {
        "hosts": ["127.0.0.1"],
        "username": server.username,
        "key_path": server.key_path,
        "known_hosts": server.known_hosts,
        "port": server.port,
        "timeout": 30,
    } | changes
    return Settings(ssh=SshSettings.model_validate(fields))


def _proc_meminfo_total() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no MemTotal")


def test_host_health_reads_the_remote_host(server: SshServer) -> None:
    result = host_health(_settings(server), SshHostHealthArgs(host="127.0.0.1"))
    assert result.status == "success", result.error
    snapshot = result.data["snapshot"]
    # The sshd runs on this machine, so the remote figures are this machine's.
    assert snapshot["memory_total_bytes"] == _proc_meminfo_total()
    assert snapshot["cpu_count"] >= 1
    assert any(disk["path"] == "/" for disk in snapshot["disks"])
    metrics = {c["metric"] for c in result.data["checks"]}
    assert {"memory", "disk:/"} <= metrics
    assert any(metric.startswith("load") for metric in metrics)
    assert result.summary.startswith("127.0.0.1 ")


def test_sshd_effective_config_goes_through_the_audit(server: SshServer) -> None:
    result = host_check(_settings(server), SshHostCheckArgs(host="127.0.0.1", check="sshd_config"))
    assert result.status == "success", result.error
    assert result.data["command"] == "/usr/sbin/sshd -T"
    audit = result.data["audit"]
    assert audit["findings"] or audit["passed"]
    assert len(audit["findings"]) + len(audit["passed"]) > 5


def test_journal_errors_are_bounded_and_the_unit_is_quoted(server: SshServer) -> None:
    args = SshHostCheckArgs(
        host="127.0.0.1", check="journal_errors", lines=5, since_minutes=30, unit="ssh.service"
    )
    result = host_check(_settings(server), args)
    assert result.data["command"] == (
        "journalctl --no-pager --quiet --output=short-iso --priority=err --since=-30min "
        "--lines=5 --unit=ssh.service"
    )
    assert result.status in {"success", "no_data", "error"}
    if result.status == "success":
        assert len(result.data["lines"]) <= 5


def test_failed_units_or_a_clear_reason(server: SshServer) -> None:
    result = host_check(_settings(server), SshHostCheckArgs(host="127.0.0.1", check="failed_units"))
    if result.status == "error":  # a container without systemd as PID 1
        assert result.code == "command_failed"
        assert "systemctl" in (result.error or "")
    else:
        assert isinstance(result.data["failed_units"], list)


def test_security_updates_parses_the_package_listing(server: SshServer) -> None:
    result = host_check(
        _settings(server), SshHostCheckArgs(host="127.0.0.1", check="security_updates")
    )
    assert result.status == "success", result.error
    assert result.data["pending"] >= 0
    if result.data["pending"]:
        assert result.data["security"] <= result.data["pending"]


def test_a_host_key_not_in_known_hosts_stops_the_session(server: SshServer, tmp_path: Path) -> None:
    other = tmp_path / "known_hosts"
    other.write_text(
        f"[127.0.0.1]:{server.port} ssh-ed25519 "
        "AAAAC3NzaC1lZDI1NTE5AAAAIGx9kq3cXeN7K9QeVUeK5ZK5lN8q2Yq2ZcX5m9oX8Y2a\n"
    )
    with pytest.raises(ToolInputError) as caught:
        host_health(_settings(server, known_hosts=other), SshHostHealthArgs(host="127.0.0.1"))
    assert caught.value.code == "host_key_not_verified"


def test_the_tool_refuses_a_host_outside_the_allowlist(
    server: SshServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRA_TEAM_SSH_HOSTS", json.dumps(["127.0.0.1"]))
    monkeypatch.setenv("INFRA_TEAM_SSH_USERNAME", server.username)
    monkeypatch.setenv("INFRA_TEAM_SSH_KEY_PATH", str(server.key_path))
    monkeypatch.setenv("INFRA_TEAM_SSH_KNOWN_HOSTS", str(server.known_hosts))
    monkeypatch.setenv("INFRA_TEAM_SSH_PORT", str(server.port))
    reset_settings()
    refused = parse_tool_output(
        TOOL_CATALOG["ssh_host_check"].invoke({"host": "localhost", "check": "sshd_config"})
    )
    assert refused.status == "error"
    assert refused.code == "host_not_allowed"
    content = TOOL_CATALOG["ssh_host_health"].invoke({"host": "127.0.0.1"})
    assert content.startswith('<tool-output trust="untrusted" tool="ssh_host_health">')
    assert parse_tool_output(content).status == "success"


def test_wrong_key_is_refused_without_printing_the_passphrase(
    server: SshServer, tmp_path: Path
) -> None:
    import subprocess

    key = tmp_path / "other_key"
    passphrase = "correct horse battery staple"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-f", str(key)], check=True
    )
    settings = _settings(server, key_path=key, key_passphrase=passphrase)
    with pytest.raises(ToolInputError) as caught:
        host_health(settings, SshHostHealthArgs(host="127.0.0.1"))
    assert caught.value.code == "auth_failed"
    assert passphrase not in str(caught.value)


def test_not_configured_without_settings() -> None:
    result = parse_tool_output(TOOL_CATALOG["ssh_host_health"].invoke({"host": "db1"}))
    assert result.status == "not_configured"
    assert "INFRA_TEAM_SSH_HOSTS" in result.summary


@pytest.mark.parametrize("unit", ["-x", "a;rm -rf /", "$(id)", "a b", "", "x" * 300])
def test_a_unit_name_that_is_not_one_is_refused_before_anything_runs(unit: str) -> None:
    result = parse_tool_output(
        TOOL_CATALOG["ssh_host_check"].invoke(
            {"host": "db1", "check": "journal_errors", "unit": unit}
        )
    )
    assert result.status == "error"
    assert result.code == "invalid_arguments"
    with pytest.raises(ValueError, match="not a systemd unit name"):
        ssh_commands.journal_argv(5, 5, unit)


def test_check_names_outside_the_allowlist_are_refused() -> None:
    result = parse_tool_output(
        TOOL_CATALOG["ssh_host_check"].invoke({"host": "db1", "check": "rm -rf /"})
    )
    assert result.status == "error"
    assert result.code == "invalid_arguments"


def test_output_is_cut_at_the_byte_cap_and_the_process_closed(server: SshServer) -> None:
    ssh = _settings(server).ssh
    (out,) = run_coroutine(
        lambda: run_commands(ssh, "127.0.0.1", [("head", "-c", "1000000", "/dev/zero")])
    )
    assert out.truncated is True
    assert len(out.stdout.encode()) == MAX_OUTPUT_BYTES
    assert out.exit_status is None


def test_a_command_slower_than_the_timeout_is_stopped(server: SshServer) -> None:
    ssh = _settings(server, timeout=2).ssh
    with pytest.raises(SshFailure) as caught:
        run_coroutine(lambda: run_commands(ssh, "127.0.0.1", [("sleep", "30")]))
    assert caught.value.code == "timeout"


# --- parsers on recorded output (no server) -------------------------------------------------

DF = """Filesystem     1024-blocks      Used Available Capacity Mounted on
/dev/sda1         41152736  37037568   2015360      95% /
/dev/sdb1        102687672  10240000  87182992      11% /var/lib/data dir
"""
MEMINFO = "MemTotal:        8000000 kB\nMemFree:          100000 kB\nMemAvailable:    2000000 kB\n"
FAILED = "nginx.service loaded failed failed A high performance web server\n"


def test_parsers_read_recorded_output() -> None:
    rows = ssh_commands.parse_df(DF)
    assert [(r.mount, r.percent, r.total_bytes) for r in rows] == [
        ("/", 95.0, 41152736 * 1024),
        ("/var/lib/data dir", 11.0, 102687672 * 1024),
    ]
    assert ssh_commands.parse_meminfo(MEMINFO) == (8000000 * 1024, 2000000 * 1024)
    assert ssh_commands.parse_loadavg("0.50 1.25 2.00 1/123 4567\n").load_5m == 1.25
    assert ssh_commands.parse_failed_units(FAILED) == [
        {
            "unit": "nginx.service",
            "load": "loaded",
            "active": "failed",
            "sub": "failed",
            "description": "A high performance web server",
        }
    ]


def test_unreadable_remote_output_is_a_clear_error() -> None:
    def output(text: str) -> CommandOutput:
        return CommandOutput(command="x", exit_status=0, stdout=text, stderr="", truncated=False)

    with pytest.raises(KeyError):
        _snapshot(output("1 2 3"), output("2"), output("nothing here"), output(DF))
    snapshot, cut = _snapshot(output("4 6 8 1/1 1"), output("2"), output(MEMINFO), output(DF))
    assert snapshot.memory_percent == 75.0
    assert snapshot.load_5m == 6
    assert [d.path for d in snapshot.disks] == ["/", "/var/lib/data dir"]
    assert cut is False
