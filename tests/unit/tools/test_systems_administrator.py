"""Known answers for the sysadmin checks: sshd_config audit, patch listings, host health."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil
import pytest
from langchain_core.tools import BaseTool

from infra_team.scrub import scrub
from infra_team.tools._base import ToolInputError, ToolResult, parse_tool_output
from infra_team.tools.analysers.host_health import (
    DiskUsage,
    HealthThresholds,
    HostSnapshot,
    evaluate_host_health,
)
from infra_team.tools.analysers.patch_listing import detect_listing_format, parse_patch_listing
from infra_team.tools.analysers.sshd_audit import SshdAudit, SshdFinding, audit_sshd
from infra_team.tools.live import ssh_host
from infra_team.tools.systems_administrator import (
    AUDIT_SSHD_CONFIG_DESCRIPTION,
    HOST_HEALTH_DESCRIPTION,
    PATCH_STATUS_DESCRIPTION,
    TOOLS,
    audit_sshd_config,
    host_health,
    patch_status,
)
from tests.test_agent_files import MODULE_TOOLS

FIXTURES = Path(__file__).parents[2] / "fixtures" / "tools" / "sysadmin"
OWN_FIXTURES = (
    "sshd_config_hardened",
    "sshd_config_weak",
    "apt_upgradable.txt",
    "dnf_check_update.txt",
    "dnf_updateinfo_list.txt",
)
GIB = 1024**3


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def call(tool: BaseTool, args: dict[str, Any]) -> ToolResult:
    return parse_tool_output(tool.invoke(args))


def findings_for(audit: SshdAudit, key: str) -> list[SshdFinding]:
    return [f for f in audit.findings if f.key == key]


@pytest.mark.parametrize("name", OWN_FIXTURES)
def test_fixtures_are_already_scrubbed(name: str) -> None:
    text = fixture(name)
    assert scrub(text) == text


def test_tools_tuple_names_and_descriptions() -> None:
    assert [tool.name for tool in TOOLS] == list(MODULE_TOOLS["systems_administrator"])
    assert [tool.description for tool in TOOLS[:5]] == [
        AUDIT_SSHD_CONFIG_DESCRIPTION,
        PATCH_STATUS_DESCRIPTION,
        HOST_HEALTH_DESCRIPTION,
        ssh_host.HEALTH_DESCRIPTION,
        ssh_host.CHECK_DESCRIPTION,
    ]


# --- audit_sshd_config -----------------------------------------------------------------------


def test_hardened_config_has_no_findings() -> None:
    audit = audit_sshd(fixture("sshd_config_hardened"))
    assert audit.findings == []
    assert len(audit.passed) == 15
    assert audit.includes == []


def test_first_obtained_value_wins_and_keywords_are_case_insensitive() -> None:
    audit = audit_sshd(fixture("sshd_config_weak"))
    [root] = findings_for(audit, "PermitRootLogin")
    # `permitrootlogin yes` on line 4 wins over `PermitRootLogin no` on line 5.
    assert root.source == "line 4"
    assert root.severity == "high"
    assert root.observed.startswith("yes")
    assert root.expected == "no"
    assert root.id == "CIS 5.2.10; dev-sec sshd-06"
    assert root.overridable_by_include is True


def test_weak_config_findings() -> None:
    audit = audit_sshd(fixture("sshd_config_weak"))
    global_findings = {f.key: f for f in audit.findings if f.conditional is None}
    assert global_findings["PasswordAuthentication"].source == "line 6"  # Key=value syntax
    assert global_findings["MaxAuthTries"].observed.startswith("10")
    assert global_findings["X11Forwarding"].severity == "medium"
    assert global_findings["ClientAliveInterval"].observed == "0 — idle sessions never time out"
    assert global_findings["LoginGraceTime"].observed == "2m — 120 s to authenticate"
    assert "weak ciphers: aes256-cbc, 3des-cbc" in global_findings["Ciphers"].observed
    assert global_findings["Ciphers"].severity == "high"
    assert "weak MACs: hmac-md5" in global_findings["MACs"].observed
    assert global_findings["AllowTcpForwarding"].source == "OpenSSH default"
    assert audit.counts == {"critical": 1, "high": 3, "medium": 7, "low": 3, "info": 0}
    assert [inc.line for inc in audit.includes] == [2]
    assert audit.match_blocks == ["User deploy", "Address 10.0.0.0/8"]


def test_plus_list_is_appended_to_the_default_algorithms() -> None:
    audit = audit_sshd(fixture("sshd_config_weak"))
    [kex] = findings_for(audit, "KexAlgorithms")
    assert kex.observed.startswith("+diffie-hellman-group14-sha1 (effective: mlkem768x25519")
    assert kex.observed.endswith("weak key exchange: diffie-hellman-group14-sha1")
    settings = {s.key: s for s in audit.settings}
    assert settings["KexAlgorithms"].value is not None
    assert settings["KexAlgorithms"].value.endswith(
        "diffie-hellman-group14-sha256,diffie-hellman-group14-sha1"
    )


def test_match_blocks_are_conditional_overrides() -> None:
    audit = audit_sshd(fixture("sshd_config_weak"))
    conditional = [(f.key, f.conditional, f.severity) for f in audit.findings if f.conditional]
    assert ("PermitEmptyPasswords", "Address 10.0.0.0/8", "critical") in conditional
    assert ("PasswordAuthentication", "User deploy", "medium") in conditional
    assert ("AllowTcpForwarding", "User deploy", "low") in conditional
    # `PermitRootLogin no` inside Match passes; `Ciphers` is not allowed inside Match.
    assert not any(key == "PermitRootLogin" for key, _, _ in conditional)
    [cipher_in_match] = [f for f in findings_for(audit, "Ciphers") if f.conditional]
    assert cipher_in_match.id == "sshd_config(5)"
    assert cipher_in_match.source == "line 24 (Match Address 10.0.0.0/8)"
    # The global PermitEmptyPasswords keeps its default: Match never replaces it.
    settings = {s.key: s for s in audit.settings}
    assert settings["PermitEmptyPasswords"].value == "no"
    assert settings["PermitEmptyPasswords"].source == "OpenSSH default"


def test_match_value_does_not_replace_the_global_value() -> None:
    text = "PasswordAuthentication no\nMatch User bob\n    PasswordAuthentication yes\n"
    audit = audit_sshd(text)
    [finding] = findings_for(audit, "PasswordAuthentication")
    assert finding.conditional == "User bob"
    assert finding.source == "line 3 (Match User bob)"
    assert "PasswordAuthentication" in audit.passed


def test_empty_config_uses_openssh_defaults() -> None:
    audit = audit_sshd("")
    by_key = {f.key: f for f in audit.findings}
    assert set(by_key) == {
        "PermitRootLogin",
        "PasswordAuthentication",
        "MaxAuthTries",
        "AllowTcpForwarding",
        "ClientAliveInterval",
        "LoginGraceTime",
        "MACs",
    }
    assert all(f.source == "OpenSSH default" for f in audit.findings)
    assert by_key["PermitRootLogin"].observed == "prohibit-password — root may log in with a key"
    assert by_key["PermitRootLogin"].severity == "medium"
    assert by_key["MaxAuthTries"].observed == "6 — 6 attempts per connection"
    assert by_key["LoginGraceTime"].observed.startswith("120")
    assert "umac-64-etm@openssh.com" in by_key["MACs"].observed
    assert {"X11Forwarding", "PermitEmptyPasswords", "Ciphers", "KexAlgorithms"} <= set(
        audit.passed
    )


def test_minus_list_removes_weak_defaults_with_wildcards() -> None:
    audit = audit_sshd("MACs -umac-64*,hmac-sha1*\n")
    assert "MACs" in audit.passed
    settings = {s.key: s for s in audit.settings}
    assert settings["MACs"].value == (
        "umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,"
        "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512"
    )


def test_caret_list_is_prepended() -> None:
    audit = audit_sshd("Ciphers ^aes128-cbc\n")
    [finding] = findings_for(audit, "Ciphers")
    assert "(effective: aes128-cbc,chacha20-poly1305@openssh.com" in finding.observed


@pytest.mark.parametrize(
    ("text", "key", "severity", "fragment"),
    [
        ("PermitRootLogin maybe\n", "PermitRootLogin", "high", "is not a valid value"),
        ("MaxAuthTries many\n", "MaxAuthTries", "high", "is not a whole number"),
        ("LoginGraceTime soon\n", "LoginGraceTime", "high", "is not an sshd time value"),
        (
            "Port 22\nPermitRootLogins no\n",
            "PermitRootLogins",
            "medium",
            "is not an OpenSSH sshd keyword",
        ),
        ("PermitRootLogin\n", "PermitRootLogin", "high", "has no value"),
        ("Port 22\n!!! nonsense\n", "(syntax)", "high", "not a `Keyword value` line"),
    ],
)
def test_invalid_lines_are_findings(text: str, key: str, severity: str, fragment: str) -> None:
    audit = audit_sshd(text)
    matching = [f for f in findings_for(audit, key) if fragment in f.observed]
    assert matching, audit.findings
    assert matching[0].severity == severity


@pytest.mark.parametrize(
    ("text", "expected_source"),
    [
        ("PermitRootLogin no # keep root out\n", None),
        ('Banner "/etc/issue net"\nPermitRootLogin "no"\n', None),
        ("PermitRootLogin = no\n", None),
        ("LoginGraceTime 1m\n", None),
        ("LoginGraceTime 1m30s\n", "line 1"),
    ],
)
def test_values_are_tokenised_like_sshd(text: str, expected_source: str | None) -> None:
    audit = audit_sshd(text)
    keys = {"PermitRootLogin", "LoginGraceTime"}
    failing = [f.source for f in audit.findings if f.key in keys and f.source != "OpenSSH default"]
    assert failing == ([expected_source] if expected_source else [])


def test_include_marks_later_settings_only() -> None:
    text = "PermitRootLogin yes\nInclude /etc/ssh/sshd_config.d/*.conf\nX11Forwarding yes\n"
    audit = audit_sshd(text)
    by_key = {f.key: f for f in audit.findings}
    assert by_key["PermitRootLogin"].overridable_by_include is False
    assert by_key["X11Forwarding"].overridable_by_include is True
    assert by_key["MaxAuthTries"].overridable_by_include is True  # a default
    assert audit.includes[0].paths == ["/etc/ssh/sshd_config.d/*.conf"]
    assert any("Include directives were not followed" in note for note in audit.notes)


def test_audit_tool_round_trip() -> None:
    result = call(audit_sshd_config, {"config_text": fixture("sshd_config_weak")})
    assert result.status == "success"
    assert (
        result.summary
        == "14 findings (1 critical, 3 high, 7 medium, 3 low); 5 of 15 settings pass."
    )
    assert result.data["findings"][0]["key"] == "PermitEmptyPasswords"
    clean = call(audit_sshd_config, {"config_text": fixture("sshd_config_hardened")})
    assert clean.summary == "No findings; all 15 audited settings pass."


@pytest.mark.parametrize(
    ("config_text", "fragment"),
    [
        ('Banner "/etc/issue\n', 'line 1: unterminated " quote'),
        ('{"sshd": {"PermitRootLogin": "no"}}', "does not look like sshd_config"),
        (None, "`config_text`"),
    ],
)
def test_audit_tool_rejects_malformed_input(config_text: Any, fragment: str) -> None:
    result = call(audit_sshd_config, {"config_text": config_text})
    assert result.status == "error"
    assert fragment in (result.error or "")
    if isinstance(config_text, str):
        with pytest.raises(ToolInputError):
            audit_sshd(config_text)


# --- patch_status ----------------------------------------------------------------------------


def test_apt_listing() -> None:
    status = parse_patch_listing(fixture("apt_upgradable.txt"))
    assert status.format == "apt"
    assert status.pending == 7
    assert status.security == 4
    assert status.security_packages == ["curl", "libcurl4", "libssl3", "openssl"]
    openssl = next(p for p in status.packages if p.name == "openssl")
    assert (openssl.current_version, openssl.new_version) == (
        "3.0.2-0ubuntu1.14",
        "3.0.2-0ubuntu1.15",
    )
    assert openssl.source == "jammy-updates,jammy-security"
    tzdata = next(p for p in status.packages if p.name == "tzdata")
    assert tzdata.security is False


def test_dnf_check_update_listing() -> None:
    status = parse_patch_listing(fixture("dnf_check_update.txt"))
    assert status.format == "dnf"
    assert [p.name for p in status.packages] == [
        "NetworkManager",
        "glibc",
        "glibc-common",
        "kernel",
        "python3-setuptools-wheel-with-a-very-long-name",  # wrapped onto two lines
        "tzdata",
    ]  # the Obsoleting Packages section is not counted
    assert status.packages[4].new_version == "53.0.0-12.el9_4.1"
    assert status.packages[4].source == "appstream"
    assert status.packages[0].new_version == "1:1.46.0-8.el9_4"
    assert status.security == 0
    assert "does not mark security updates" in status.security_basis


def test_dnf_updateinfo_advisories_flag_security() -> None:
    status = parse_patch_listing(fixture("dnf_updateinfo_list.txt"))
    assert status.pending == 5
    assert status.security_packages == ["glibc", "glibc-common", "kernel"]
    kernel = next(p for p in status.packages if p.name == "kernel")
    assert kernel.advisories == ["RHSA-2024:2757"]
    assert kernel.new_version == "5.14.0-427.16.1.el9_4"


def test_dnf_check_update_with_updateinfo_lines() -> None:
    listing = fixture("dnf_check_update.txt") + fixture("dnf_updateinfo_list.txt")
    status = parse_patch_listing(listing)
    assert status.pending == 6
    assert status.security_packages == ["glibc", "glibc-common", "kernel"]
    glibc = next(p for p in status.packages if p.name == "glibc")
    assert glibc.source == "baseos"
    assert glibc.advisories == ["RHSA-2024:2722"]


@pytest.mark.parametrize(
    "prefix",
    ["$ sudo dnf check-update --security\n", "--> 6 package(s) needed for security, out of 9\n"],
)
def test_dnf_security_only_listing(prefix: str) -> None:
    status = parse_patch_listing(prefix + fixture("dnf_check_update.txt"))
    assert status.security == 6


def test_security_only_flag() -> None:
    status = parse_patch_listing(fixture("dnf_check_update.txt"), security_only=True)
    assert status.security == status.pending == 6


def test_detect_listing_format() -> None:
    assert detect_listing_format(fixture("apt_upgradable.txt")) == "apt"
    assert detect_listing_format(fixture("dnf_check_update.txt")) == "dnf"
    assert detect_listing_format("Listing... Done\n") == "apt"
    assert detect_listing_format("hello world") is None


def test_patch_status_tool() -> None:
    result = call(patch_status, {"listing": fixture("apt_upgradable.txt")})
    assert result.status == "success"
    assert result.summary == (
        "7 pending updates (apt), 4 security: curl, libcurl4, libssl3, openssl."
    )
    assert result.data["security"] == 4
    nothing = call(patch_status, {"listing": "Listing... Done\n"})
    assert (nothing.status, nothing.data["pending"]) == ("success", 0)


@pytest.mark.parametrize(
    ("listing", "status", "fragment"),
    [
        ("   \n", "no_data", "The listing is empty"),
        ("this is not a package list", "error", "is neither `apt list --upgradable`"),
        (42, "error", "`listing`"),
    ],
)
def test_patch_status_bad_input(listing: Any, status: str, fragment: str) -> None:
    result = call(patch_status, {"listing": listing})
    assert result.status == status
    assert fragment in result.summary


# --- host_health -----------------------------------------------------------------------------


def _snapshot(disk: float, memory: float, load5: float, cpus: int = 4) -> HostSnapshot:
    return HostSnapshot(
        disks=[
            DiskUsage(
                path="/",
                total_bytes=100 * GIB,
                used_bytes=int(disk * GIB),
                free_bytes=int((100 - disk) * GIB),
                percent=disk,
            )
        ],
        memory_total_bytes=16 * GIB,
        memory_available_bytes=int(16 * GIB * (100 - memory) / 100),
        memory_percent=memory,
        load_1m=load5,
        load_5m=load5,
        load_15m=load5,
        cpu_count=cpus,
    )


@pytest.mark.parametrize(
    ("disk", "memory", "load5", "status"),
    [
        (50.0, 40.0, 1.0, "ok"),
        (80.0, 40.0, 1.0, "warning"),  # thresholds are inclusive
        (50.0, 96.0, 1.0, "critical"),
        (50.0, 40.0, 4.0, "warning"),  # 1.0 per CPU on 4 CPUs
        (50.0, 40.0, 8.0, "critical"),
        (91.0, 86.0, 0.0, "critical"),
    ],
)
def test_evaluate_host_health(disk: float, memory: float, load5: float, status: str) -> None:
    health = evaluate_host_health(_snapshot(disk, memory, load5), HealthThresholds())
    assert health.status == status


def test_evaluate_host_health_messages() -> None:
    health = evaluate_host_health(_snapshot(85.0, 40.0, 2.0), HealthThresholds())
    checks = {c.metric: c for c in health.checks}
    assert checks["disk:/"].status == "warning"
    assert checks["disk:/"].message == "disk / 85 % used (15.0 GiB free)"
    assert checks["load_per_cpu"].value == 0.5
    assert checks["memory"].status == "ok"


@pytest.fixture
def fake_psutil(monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_usage(path: str) -> SimpleNamespace:
        if path != "/":
            raise FileNotFoundError(path)
        return SimpleNamespace(total=100 * GIB, used=92 * GIB, free=8 * GIB, percent=92.0)

    memory = SimpleNamespace(total=8 * GIB, available=4 * GIB, percent=50.0)
    monkeypatch.setattr(psutil, "disk_usage", disk_usage)
    monkeypatch.setattr(psutil, "virtual_memory", lambda: memory)
    monkeypatch.setattr(psutil, "getloadavg", lambda: (3.0, 2.0, 1.0))
    monkeypatch.setattr(psutil, "cpu_count", lambda: 2)


@pytest.mark.usefixtures("fake_psutil")
def test_host_health_tool_with_known_values() -> None:
    result = call(host_health, {})
    assert result.status == "success"
    assert result.data["status"] == "critical"
    assert result.summary == (
        "Host critical: disk / 92 % used (8.0 GiB free); 5-min load 2 on 2 CPUs = 1 per CPU."
    )
    relaxed = call(
        host_health,
        {
            "disk_warn_percent": 95,
            "disk_critical_percent": 99,
            "load_warn_per_cpu": 1.5,
            "load_critical_per_cpu": 3,
        },
    )
    assert relaxed.data["status"] == "ok"
    assert relaxed.summary == "Host ok: disk, memory and load within thresholds."


@pytest.mark.usefixtures("fake_psutil")
@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ({"paths": ["/no/such/mount"]}, "`/no/such/mount` does not exist"),
        ({"paths": []}, "`paths` is empty"),
        ({"memory_warn_percent": 96}, "memory warning level (96) is above its critical level (95)"),
        ({"disk_warn_percent": 150}, "`disk_warn_percent`"),
        ({"paths": "/"}, "`paths`"),
    ],
)
def test_host_health_bad_arguments(args: dict[str, Any], fragment: str) -> None:
    result = call(host_health, args)
    assert result.status == "error"
    assert fragment in (result.error or "")


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_empty_config_text_is_an_error_not_an_audit(text: str) -> None:
    result = parse_tool_output(audit_sshd_config.invoke({"config_text": text}))
    assert result.status == "error"
    assert "is empty" in (result.error or "")
