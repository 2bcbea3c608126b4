"""The sshd hardening benchmark: one check per audited keyword.

Each check carries its CIS Linux 5.2.x / dev-sec ssh-baseline reference, the upstream OpenSSH
default (sshd_config(5)) and a judge that grades a value; algorithm lists take sshd's ``+``,
``-`` and ``^`` operators against the defaults.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass

from infra_team.tools.analysers.severity import Severity

_DEFAULT_CIPHERS = (
    "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
    "aes128-ctr,aes192-ctr,aes256-ctr"
)
_DEFAULT_MACS = (
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"
)
_DEFAULT_KEX = (
    "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,"
    "diffie-hellman-group18-sha512,diffie-hellman-group14-sha256"
)
_WEAK_CIPHER = re.compile(r"(-cbc\b|-cbc@|^arcfour|^3des|^blowfish|^cast128|^des\b)")
_WEAK_MAC = re.compile(r"(md5|ripemd160|sha1|-96\b|-96-|umac-64)")
_WEAK_KEX = re.compile(r"(-sha1\b|-sha1-|group1-|group-exchange-sha1)")
_TIME = re.compile(r"^(?:\d+[smhdwSMHDW]?)+$")
_TIME_PART = re.compile(r"(\d+)([smhdwSMHDW]?)")
_TIME_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class Verdict:
    """How one value fares against one check; ``note`` says why it fails."""

    passed: bool
    severity: Severity = "info"
    note: str = ""


@dataclass(frozen=True)
class SshdCheck:
    """One audited keyword: reference, OpenSSH default and how a value is judged."""

    key: str
    ref: str
    title: str
    default: str | None
    expected: str
    remediation: str
    judge: Callable[[str], Verdict]
    allowed_in_match: bool = True


def _choice(value: str, allowed: set[str], key: str) -> str:
    lowered = value.lower()
    if lowered not in allowed:
        msg = f"`{key} {value}` is not a valid value; valid: {', '.join(sorted(allowed))}"
        raise ValueError(msg)
    return lowered


def _seconds(value: str, key: str) -> int:
    if not _TIME.match(value):
        msg = f"`{key} {value}` is not an sshd time value (e.g. 60, 30s, 1m30s)"
        raise ValueError(msg)
    return sum(int(n) * _TIME_UNITS[unit.lower()] for n, unit in _TIME_PART.findall(value))


def _integer(value: str, key: str) -> int:
    if not value.isdigit():
        msg = f"`{key} {value}` is not a whole number"
        raise ValueError(msg)
    return int(value)


_YES_NO = {"yes", "no"}


def _judge_root_login(value: str) -> Verdict:
    mode = _choice(
        value,
        {"yes", "no", "prohibit-password", "without-password", "forced-commands-only"},
        "PermitRootLogin",
    )
    if mode == "no":
        return Verdict(passed=True)
    if mode == "yes":
        return Verdict(passed=False, severity="high", note="root may log in with a password")
    if mode == "forced-commands-only":
        return Verdict(passed=False, severity="low", note="root keys limited to forced commands")
    return Verdict(passed=False, severity="medium", note="root may log in with a key")


def _judge_flag(key: str, bad: str, severity: Severity, note: str) -> Callable[[str], Verdict]:
    def judge(value: str) -> Verdict:
        if _choice(value, _YES_NO, key) == bad:
            return Verdict(passed=False, severity=severity, note=note)
        return Verdict(passed=True)

    return judge


def _judge_max_auth_tries(value: str) -> Verdict:
    tries = _integer(value, "MaxAuthTries")
    if tries <= 4:
        return Verdict(passed=True)
    return Verdict(passed=False, severity="medium", note=f"{tries} attempts per connection")


def _judge_tcp_forwarding(value: str) -> Verdict:
    mode = _choice(value, {"yes", "all", "no", "local", "remote"}, "AllowTcpForwarding")
    if mode == "no":
        return Verdict(passed=True)
    return Verdict(passed=False, severity="low", note="TCP port forwarding is allowed")


def _judge_client_alive(value: str) -> Verdict:
    seconds = _seconds(value, "ClientAliveInterval")
    if seconds == 0:
        return Verdict(passed=False, severity="medium", note="idle sessions never time out")
    if seconds > 300:
        return Verdict(passed=False, severity="low", note=f"idle check every {seconds} s")
    return Verdict(passed=True)


def _judge_grace_time(value: str) -> Verdict:
    seconds = _seconds(value, "LoginGraceTime")
    if seconds == 0:
        return Verdict(passed=False, severity="medium", note="no limit on unauthenticated time")
    if seconds > 60:
        return Verdict(passed=False, severity="low", note=f"{seconds} s to authenticate")
    return Verdict(passed=True)


def _judge_user_environment(value: str) -> Verdict:
    if value.lower() == "no":
        return Verdict(passed=True)
    return Verdict(passed=False, severity="medium", note="users may set environment variables")


def _judge_protocol(value: str) -> Verdict:
    if "1" in value.split(","):
        return Verdict(passed=False, severity="high", note="SSH protocol 1 enabled")
    return Verdict(passed=True)


def _algorithm_judge(
    weak: re.Pattern[str], severity: Severity, what: str
) -> Callable[[str], Verdict]:
    def judge(value: str) -> Verdict:
        bad = [name for name in value.split(",") if weak.search(name.lower())]
        if bad:
            return Verdict(passed=False, severity=severity, note=f"weak {what}: {', '.join(bad)}")
        return Verdict(passed=True)

    return judge


SSHD_CHECKS: tuple[SshdCheck, ...] = (
    SshdCheck(
        key="PermitRootLogin",
        ref="CIS 5.2.10; dev-sec sshd-06",
        title="SSH root login is disabled",
        default="prohibit-password",
        expected="no",
        remediation="Set `PermitRootLogin no`; log in as a named user and escalate with sudo.",
        judge=_judge_root_login,
    ),
    SshdCheck(
        key="PasswordAuthentication",
        ref="dev-sec sshd-27",
        title="password authentication is disabled",
        default="yes",
        expected="no",
        remediation="Set `PasswordAuthentication no` and use public keys or certificates.",
        judge=_judge_flag(
            "PasswordAuthentication", "yes", "medium", "passwords are accepted (brute force)"
        ),
    ),
    SshdCheck(
        key="PermitEmptyPasswords",
        ref="CIS 5.2.11; dev-sec sshd-28",
        title="empty passwords are refused",
        default="no",
        expected="no",
        remediation="Set `PermitEmptyPasswords no`.",
        judge=_judge_flag(
            "PermitEmptyPasswords", "yes", "critical", "accounts without a password can log in"
        ),
    ),
    SshdCheck(
        key="MaxAuthTries",
        ref="CIS 5.2.7; dev-sec sshd-19",
        title="MaxAuthTries is 4 or less",
        default="6",
        expected="4 or less",
        remediation="Set `MaxAuthTries 4` (or lower).",
        judge=_judge_max_auth_tries,
    ),
    SshdCheck(
        key="X11Forwarding",
        ref="CIS 5.2.6; dev-sec sshd-42",
        title="X11 forwarding is disabled",
        default="no",
        expected="no",
        remediation="Set `X11Forwarding no` unless X11 applications are required.",
        judge=_judge_flag("X11Forwarding", "yes", "medium", "X11 forwarding is enabled"),
    ),
    SshdCheck(
        key="AllowTcpForwarding",
        ref="CIS 5.2.21 (Level 2); dev-sec sshd-39",
        title="TCP forwarding is disabled",
        default="yes",
        expected="no",
        remediation="Set `AllowTcpForwarding no`; allow it in a `Match` block for the users "
        "who need tunnels.",
        judge=_judge_tcp_forwarding,
    ),
    SshdCheck(
        key="ClientAliveInterval",
        ref="CIS 5.2.16; dev-sec sshd-36",
        title="idle timeout interval is configured",
        default="0",
        expected="1 to 300 seconds (with ClientAliveCountMax 1-3)",
        remediation="Set `ClientAliveInterval 300` and `ClientAliveCountMax 3` (a count of 0 "
        "disables the timeout since OpenSSH 8.2).",
        judge=_judge_client_alive,
    ),
    SshdCheck(
        key="LoginGraceTime",
        ref="CIS 5.2.17; dev-sec sshd-18",
        title="LoginGraceTime is one minute or less",
        default="120",
        expected="1 to 60 seconds",
        remediation="Set `LoginGraceTime 60`.",
        judge=_judge_grace_time,
        allowed_in_match=False,
    ),
    SshdCheck(
        key="IgnoreRhosts",
        ref="CIS 5.2.8; dev-sec sshd-23",
        title=".rhosts files are ignored",
        default="yes",
        expected="yes",
        remediation="Set `IgnoreRhosts yes`.",
        judge=_judge_flag("IgnoreRhosts", "no", "high", ".rhosts/.shosts trust is honoured"),
    ),
    SshdCheck(
        key="HostbasedAuthentication",
        ref="CIS 5.2.9; dev-sec sshd-25",
        title="host-based authentication is disabled",
        default="no",
        expected="no",
        remediation="Set `HostbasedAuthentication no`.",
        judge=_judge_flag(
            "HostbasedAuthentication", "yes", "medium", "hosts are trusted instead of users"
        ),
    ),
    SshdCheck(
        key="PermitUserEnvironment",
        ref="CIS 5.2.12; dev-sec sshd-17",
        title="users cannot set the sshd environment",
        default="no",
        expected="no",
        remediation="Set `PermitUserEnvironment no`.",
        judge=_judge_user_environment,
        allowed_in_match=False,
    ),
    SshdCheck(
        key="Protocol",
        ref="CIS 5.2.4; dev-sec sshd-10",
        title="only SSH protocol 2",
        default=None,
        expected="2 (or absent: OpenSSH 7.4+ speaks only protocol 2)",
        remediation="Remove `Protocol` or set `Protocol 2`.",
        judge=_judge_protocol,
        allowed_in_match=False,
    ),
    SshdCheck(
        key="Ciphers",
        ref="CIS 5.2.13; dev-sec sshd-01",
        title="only strong ciphers (no CBC, RC4, 3DES, Blowfish, CAST)",
        default=_DEFAULT_CIPHERS,
        expected="chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,"
        "aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
        remediation="List only AEAD/CTR ciphers in `Ciphers`, e.g. "
        "`Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,"
        "aes256-ctr,aes192-ctr,aes128-ctr`.",
        judge=_algorithm_judge(_WEAK_CIPHER, "high", "ciphers"),
        allowed_in_match=False,
    ),
    SshdCheck(
        key="MACs",
        ref="CIS 5.2.14; dev-sec sshd-03",
        title="only strong MACs (no MD5, RIPEMD-160, SHA-1, 64/96-bit tags)",
        default=_DEFAULT_MACS,
        expected="hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
        "hmac-sha2-512,hmac-sha2-256",
        remediation="Set `MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
        "hmac-sha2-512,hmac-sha2-256`.",
        judge=_algorithm_judge(_WEAK_MAC, "medium", "MACs"),
        allowed_in_match=False,
    ),
    SshdCheck(
        key="KexAlgorithms",
        ref="CIS 5.2.15; dev-sec sshd-02",
        title="only strong key exchange (no SHA-1, no group1)",
        default=_DEFAULT_KEX,
        expected="curve25519-sha256,curve25519-sha256@libssh.org,"
        "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
        "diffie-hellman-group-exchange-sha256 (plus the post-quantum hybrids of OpenSSH 9+)",
        remediation="Remove SHA-1 key exchange from `KexAlgorithms`, e.g. "
        "`KexAlgorithms -diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
        "diffie-hellman-group-exchange-sha1`.",
        judge=_algorithm_judge(_WEAK_KEX, "medium", "key exchange"),
        allowed_in_match=False,
    ),
)
ALGORITHM_KEYS = {"ciphers", "macs", "kexalgorithms"}


def effective_algorithms(value: str, default: str) -> str:
    """Apply sshd_config(5)'s list operators: ``+`` append, ``-`` remove, ``^`` prepend."""
    defaults = default.split(",")
    if value.startswith("+"):
        extra = [name for name in value[1:].split(",") if name not in defaults]
        return ",".join(defaults + extra)
    if value.startswith("-"):
        patterns = value[1:].split(",")
        kept = [n for n in defaults if not any(fnmatch.fnmatch(n, p) for p in patterns)]
        return ",".join(kept)
    if value.startswith("^"):
        head = value[1:].split(",")
        return ",".join(head + [name for name in defaults if name not in head])
    return value
