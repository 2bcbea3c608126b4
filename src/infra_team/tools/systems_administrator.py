"""The systems administrator's checks: sshd hardening, pending patches, host health.

Each tool is a thin wrapper over a pure function, so the audit logic is testable on text
fixtures and the model always gets the same findings for the same input.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import psutil  # type: ignore[import-untyped, unused-ignore]
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, no_data, ok

AUDIT_SSHD_CONFIG_DESCRIPTION = (
    "Audit sshd_config text against CIS Linux 5.2.x and dev-sec ssh-baseline, applying "
    "OpenSSH rules (first value wins, Match blocks, Include, defaults)."
)
PATCH_STATUS_DESCRIPTION = (
    "Count pending updates and security updates in `apt list --upgradable` or "
    "`dnf check-update` output."
)
HOST_HEALTH_DESCRIPTION = (
    "Check disk, memory and load average of this machine against warning and critical thresholds."
)

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
_FROZEN = ConfigDict(frozen=True, extra="forbid")
_ARGS = ConfigDict(extra="forbid", allow_inf_nan=False)


# --- audit_sshd_config: parsing ------------------------------------------------------------

# Keywords of upstream OpenSSH sshd_config(5), then deprecated ones sshd still accepts with
# a warning. Any other keyword makes sshd refuse to start.
_KEYWORDS_TEXT = """
AcceptEnv AddressFamily AllowAgentForwarding AllowGroups AllowStreamLocalForwarding
AllowTcpForwarding AllowUsers AuthenticationMethods AuthorizedKeysCommand
AuthorizedKeysCommandUser AuthorizedKeysFile AuthorizedPrincipalsCommand
AuthorizedPrincipalsCommandUser AuthorizedPrincipalsFile Banner CASignatureAlgorithms
ChannelTimeout ChrootDirectory Ciphers ClientAliveCountMax ClientAliveInterval Compression
DenyGroups DenyUsers DisableForwarding ExposeAuthInfo FingerprintHash ForceCommand
GatewayPorts GSSAPIAuthentication GSSAPICleanupCredentials GSSAPIStrictAcceptorCheck
HostbasedAcceptedAlgorithms HostbasedAuthentication HostbasedUsesNameFromPacketOnly
HostCertificate HostKey HostKeyAgent HostKeyAlgorithms IgnoreRhosts IgnoreUserKnownHosts
Include IPQoS KbdInteractiveAuthentication KerberosAuthentication KerberosGetAFSToken
KerberosOrLocalPasswd KerberosTicketCleanup KexAlgorithms ListenAddress LoginGraceTime
LogLevel LogVerbose MACs Match MaxAuthTries MaxSessions MaxStartups ModuliFile
PasswordAuthentication PermitEmptyPasswords PermitListen PermitOpen PermitRootLogin PermitTTY
PermitTunnel PermitUserEnvironment PermitUserRC PerSourceMaxStartups PerSourceNetBlockSize
PerSourcePenalties PerSourcePenaltyExemptList PidFile Port PrintLastLog PrintMotd
PubkeyAcceptedAlgorithms PubkeyAuthOptions PubkeyAuthentication RDomain RefuseConnection
RekeyLimit RequiredRSASize RevokedKeys SecurityKeyProvider SetEnv SshdAuthPath
SshdSessionPath StreamLocalBindMask StreamLocalBindUnlink StrictModes Subsystem
SyslogFacility TCPKeepAlive TrustedUserCAKeys UnusedConnectionTimeout UseDNS UsePAM
VersionAddendum X11DisplayOffset X11Forwarding X11UseLocalhost XAuthLocation
ChallengeResponseAuthentication PubkeyAcceptedKeyTypes HostbasedAcceptedKeyTypes Protocol
UsePrivilegeSeparation UseLogin RSAAuthentication RhostsRSAAuthentication ServerKeyBits
KeyRegenerationInterval AuthorizedKeysFile2 SkeyAuthentication
"""
_KNOWN_KEYWORDS = frozenset(_KEYWORDS_TEXT.lower().split())


@dataclass(frozen=True)
class _Directive:
    keyword: str
    """Lower-cased keyword."""
    spelled: str
    """Keyword as written."""
    args: list[str]
    line: int
    match: str | None
    """Criteria of the enclosing Match block, or None in the global section."""
    block: int
    """0 in the global section, else the 1-based number of the enclosing Match block."""


def _tokenize(text: str, line_no: int) -> list[str]:
    """Split one line like OpenSSH's argv_split: quotes group, '#' at a token start ends it."""
    tokens: list[str] = []
    current: list[str] = []
    quote: str | None = None
    in_token = False
    for char in text:
        if quote:
            if char == quote:
                quote = None
            else:
                current.append(char)
            continue
        if char in "\"'":
            quote = char
            in_token = True
        elif char.isspace():
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
        elif char == "#" and not in_token:
            break
        else:
            current.append(char)
            in_token = True
    if quote:
        msg = f"line {line_no}: unterminated {quote} quote in `{text.strip()}`; close the quote."
        raise ToolInputError(msg)
    if in_token:
        tokens.append("".join(current))
    return tokens


_LINE = re.compile(r"^\s*(?P<keyword>[A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+|$)(?P<rest>.*)$")


def _parse_sshd(config_text: str) -> tuple[list[_Directive], list[tuple[int, str]]]:
    """Directives in file order and the lines that are not ``Keyword arguments``."""
    directives: list[_Directive] = []
    bad_lines: list[tuple[int, str]] = []
    match: str | None = None
    block = 0
    for number, raw in enumerate(config_text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        found = _LINE.match(raw)
        if found is None:
            bad_lines.append((number, stripped))
            continue
        args = _tokenize(found["rest"], number)
        keyword = found["keyword"].lower()
        if keyword == "match":
            match = " ".join(args) or "(no criteria)"
            block += 1
        directives.append(
            _Directive(
                keyword=keyword,
                spelled=found["keyword"],
                args=args,
                line=number,
                match=None if keyword == "match" else match,
                block=0 if keyword == "match" else block,
            )
        )
    return directives, bad_lines


# --- audit_sshd_config: checks -------------------------------------------------------------

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
class _Verdict:
    passed: bool
    severity: Severity = "info"
    note: str = ""


@dataclass(frozen=True)
class _Check:
    """One audited keyword: reference, OpenSSH default and how a value is judged."""

    key: str
    ref: str
    title: str
    default: str | None
    expected: str
    remediation: str
    judge: Callable[[str], _Verdict]
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


def _judge_root_login(value: str) -> _Verdict:
    mode = _choice(
        value,
        {"yes", "no", "prohibit-password", "without-password", "forced-commands-only"},
        "PermitRootLogin",
    )
    if mode == "no":
        return _Verdict(passed=True)
    if mode == "yes":
        return _Verdict(passed=False, severity="high", note="root may log in with a password")
    if mode == "forced-commands-only":
        return _Verdict(passed=False, severity="low", note="root keys limited to forced commands")
    return _Verdict(passed=False, severity="medium", note="root may log in with a key")


def _judge_flag(key: str, bad: str, severity: Severity, note: str) -> Callable[[str], _Verdict]:
    def judge(value: str) -> _Verdict:
        if _choice(value, _YES_NO, key) == bad:
            return _Verdict(passed=False, severity=severity, note=note)
        return _Verdict(passed=True)

    return judge


def _judge_max_auth_tries(value: str) -> _Verdict:
    tries = _integer(value, "MaxAuthTries")
    if tries <= 4:
        return _Verdict(passed=True)
    return _Verdict(passed=False, severity="medium", note=f"{tries} attempts per connection")


def _judge_tcp_forwarding(value: str) -> _Verdict:
    mode = _choice(value, {"yes", "all", "no", "local", "remote"}, "AllowTcpForwarding")
    if mode == "no":
        return _Verdict(passed=True)
    return _Verdict(passed=False, severity="low", note="TCP port forwarding is allowed")


def _judge_client_alive(value: str) -> _Verdict:
    seconds = _seconds(value, "ClientAliveInterval")
    if seconds == 0:
        return _Verdict(passed=False, severity="medium", note="idle sessions never time out")
    if seconds > 300:
        return _Verdict(passed=False, severity="low", note=f"idle check every {seconds} s")
    return _Verdict(passed=True)


def _judge_grace_time(value: str) -> _Verdict:
    seconds = _seconds(value, "LoginGraceTime")
    if seconds == 0:
        return _Verdict(passed=False, severity="medium", note="no limit on unauthenticated time")
    if seconds > 60:
        return _Verdict(passed=False, severity="low", note=f"{seconds} s to authenticate")
    return _Verdict(passed=True)


def _judge_user_environment(value: str) -> _Verdict:
    if value.lower() == "no":
        return _Verdict(passed=True)
    return _Verdict(passed=False, severity="medium", note="users may set environment variables")


def _judge_protocol(value: str) -> _Verdict:
    if "1" in value.split(","):
        return _Verdict(passed=False, severity="high", note="SSH protocol 1 enabled")
    return _Verdict(passed=True)


def _algorithm_judge(
    weak: re.Pattern[str], severity: Severity, what: str
) -> Callable[[str], _Verdict]:
    def judge(value: str) -> _Verdict:
        bad = [name for name in value.split(",") if weak.search(name.lower())]
        if bad:
            return _Verdict(passed=False, severity=severity, note=f"weak {what}: {', '.join(bad)}")
        return _Verdict(passed=True)

    return judge


SSHD_CHECKS: tuple[_Check, ...] = (
    _Check(
        key="PermitRootLogin",
        ref="CIS 5.2.10; dev-sec sshd-06",
        title="SSH root login is disabled",
        default="prohibit-password",
        expected="no",
        remediation="Set `PermitRootLogin no`; log in as a named user and escalate with sudo.",
        judge=_judge_root_login,
    ),
    _Check(
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
    _Check(
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
    _Check(
        key="MaxAuthTries",
        ref="CIS 5.2.7; dev-sec sshd-19",
        title="MaxAuthTries is 4 or less",
        default="6",
        expected="4 or less",
        remediation="Set `MaxAuthTries 4` (or lower).",
        judge=_judge_max_auth_tries,
    ),
    _Check(
        key="X11Forwarding",
        ref="CIS 5.2.6; dev-sec sshd-42",
        title="X11 forwarding is disabled",
        default="no",
        expected="no",
        remediation="Set `X11Forwarding no` unless X11 applications are required.",
        judge=_judge_flag("X11Forwarding", "yes", "medium", "X11 forwarding is enabled"),
    ),
    _Check(
        key="AllowTcpForwarding",
        ref="CIS 5.2.21 (Level 2); dev-sec sshd-39",
        title="TCP forwarding is disabled",
        default="yes",
        expected="no",
        remediation="Set `AllowTcpForwarding no`; allow it in a `Match` block for the users "
        "who need tunnels.",
        judge=_judge_tcp_forwarding,
    ),
    _Check(
        key="ClientAliveInterval",
        ref="CIS 5.2.16; dev-sec sshd-36",
        title="idle timeout interval is configured",
        default="0",
        expected="1 to 300 seconds (with ClientAliveCountMax 1-3)",
        remediation="Set `ClientAliveInterval 300` and `ClientAliveCountMax 3` (a count of 0 "
        "disables the timeout since OpenSSH 8.2).",
        judge=_judge_client_alive,
    ),
    _Check(
        key="LoginGraceTime",
        ref="CIS 5.2.17; dev-sec sshd-18",
        title="LoginGraceTime is one minute or less",
        default="120",
        expected="1 to 60 seconds",
        remediation="Set `LoginGraceTime 60`.",
        judge=_judge_grace_time,
        allowed_in_match=False,
    ),
    _Check(
        key="IgnoreRhosts",
        ref="CIS 5.2.8; dev-sec sshd-23",
        title=".rhosts files are ignored",
        default="yes",
        expected="yes",
        remediation="Set `IgnoreRhosts yes`.",
        judge=_judge_flag("IgnoreRhosts", "no", "high", ".rhosts/.shosts trust is honoured"),
    ),
    _Check(
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
    _Check(
        key="PermitUserEnvironment",
        ref="CIS 5.2.12; dev-sec sshd-17",
        title="users cannot set the sshd environment",
        default="no",
        expected="no",
        remediation="Set `PermitUserEnvironment no`.",
        judge=_judge_user_environment,
        allowed_in_match=False,
    ),
    _Check(
        key="Protocol",
        ref="CIS 5.2.4; dev-sec sshd-10",
        title="only SSH protocol 2",
        default=None,
        expected="2 (or absent: OpenSSH 7.4+ speaks only protocol 2)",
        remediation="Remove `Protocol` or set `Protocol 2`.",
        judge=_judge_protocol,
        allowed_in_match=False,
    ),
    _Check(
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
    _Check(
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
    _Check(
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
_ALGORITHM_KEYS = {"ciphers", "macs", "kexalgorithms"}


def _effective_algorithms(value: str, default: str) -> str:
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


# --- audit_sshd_config: result -------------------------------------------------------------


class SshdFinding(BaseModel):
    """One setting that misses its benchmark value, or a configuration problem."""

    model_config = _FROZEN

    id: str
    """Benchmark reference: ``CIS 5.2.10; dev-sec sshd-06``, or ``sshd_config(5)``."""
    key: str
    """The sshd_config keyword."""
    title: str
    """What the check wants, in words."""
    severity: Severity
    """critical, high, medium, low or info."""
    observed: str
    """Value in effect (or the offending line)."""
    source: str
    """``line 12``, ``line 30 (Match User deploy)`` or ``OpenSSH default``."""
    expected: str
    """Value the benchmark wants."""
    remediation: str
    """What to change."""
    conditional: str | None = None
    """Match criteria when the value applies only to matching connections."""
    overridable_by_include: bool = False
    """An earlier ``Include`` may set this keyword first (included files were not read)."""


class SshdSetting(BaseModel):
    """Value in effect for one audited keyword, outside any Match block."""

    model_config = _FROZEN

    key: str
    """The keyword."""
    value: str | None
    """Effective value (algorithm lists with +/-/^ applied); None when unset with no default."""
    source: str
    """``line N`` or ``OpenSSH default``."""
    passed: bool
    """Whether the value meets the benchmark."""


class SshdInclude(BaseModel):
    """An ``Include`` directive: its files were not read."""

    model_config = _FROZEN

    line: int
    """Line of the directive."""
    paths: list[str]
    """Paths or globs it includes."""
    match: str | None
    """Enclosing Match criteria, if any."""


class SshdAudit(BaseModel):
    """Findings of an sshd_config audit."""

    model_config = _FROZEN

    findings: list[SshdFinding]
    """Failed checks and problems, most severe first."""
    counts: dict[str, int]
    """Number of findings per severity."""
    settings: list[SshdSetting]
    """Global value in effect for each audited keyword."""
    passed: list[str]
    """Keywords whose global value meets the benchmark."""
    includes: list[SshdInclude]
    """Include directives (their files were not audited)."""
    match_blocks: list[str]
    """Criteria of each Match block, in file order."""
    notes: list[str]
    """Caveats on how the result was computed."""


def _evaluate(check: _Check, value: str) -> _Verdict:
    try:
        return check.judge(value)
    except ValueError as exc:
        return _Verdict(
            passed=False,
            severity="high",
            note=f"{exc}; `sshd -t` rejects it and sshd will not start",
        )


def _observed(raw: str, effective: str, verdict: _Verdict) -> str:
    shown = effective if raw == effective else f"{raw} (effective: {effective})"
    return f"{shown} — {verdict.note}" if verdict.note else shown


def audit_sshd(config_text: str) -> SshdAudit:
    """Audit sshd_config text against CIS and dev-sec SSH hardening checks.

    Checks and references: CIS Distribution Independent Linux Benchmark v2.0.0 section 5.2
    (5.2.4 Protocol, 5.2.6 X11Forwarding, 5.2.7 MaxAuthTries <= 4, 5.2.8 IgnoreRhosts,
    5.2.9 HostbasedAuthentication, 5.2.10 PermitRootLogin no, 5.2.11 PermitEmptyPasswords,
    5.2.12 PermitUserEnvironment, 5.2.13-15 ciphers/MACs/KEX, 5.2.16 ClientAliveInterval,
    5.2.17 LoginGraceTime <= 60 s, 5.2.21 AllowTcpForwarding) and the dev-sec ssh-baseline
    InSpec profile (sshd-27 PasswordAuthentication no, and the matching sshd-NN controls).

    Parsing follows sshd_config(5) (OpenSSH 10): keywords are case-insensitive, ``Key value``
    and ``Key=value`` both work, the first obtained value of a keyword wins, and a ``Match``
    block runs to the next ``Match`` or the end of the file. Values inside a Match block
    apply only to matching connections: they are reported as conditional overrides and never
    replace the global value. ``Include`` files are not read; every finding whose keyword an
    earlier Include could set is marked. Missing keywords take the upstream OpenSSH defaults
    (PermitRootLogin prohibit-password, PasswordAuthentication yes, MaxAuthTries 6,
    LoginGraceTime 120, X11Forwarding no, AllowTcpForwarding yes, ClientAliveInterval 0, the
    default cipher/MAC/KEX lists); ``+``, ``-`` and ``^`` algorithm lists are applied to them.

    Raises:
        ToolInputError: for an unterminated quote, or text that is not sshd_config at all.
    """
    directives, bad_lines = _parse_sshd(config_text)
    known = [d for d in directives if d.keyword in _KNOWN_KEYWORDS]
    if (directives or bad_lines) and not known:
        msg = (
            "`config_text` does not look like sshd_config: no line starts with an sshd "
            "keyword (e.g. `PermitRootLogin no`). Pass the text of /etc/ssh/sshd_config."
        )
        raise ToolInputError(msg)

    findings: list[SshdFinding] = []
    includes = [
        SshdInclude(line=d.line, paths=d.args, match=d.match)
        for d in directives
        if d.keyword == "include"
    ]
    global_include_lines = [inc.line for inc in includes if inc.match is None]
    first_include = min(global_include_lines, default=None)

    for number, text in bad_lines:
        findings.append(_syntax_finding(f"line {number}", text, "not a `Keyword value` line"))
    for d in directives:
        if d.keyword not in _KNOWN_KEYWORDS:
            findings.append(
                _syntax_finding(
                    f"line {d.line}",
                    f"{d.spelled} {' '.join(d.args)}".strip(),
                    f"`{d.spelled}` is not an OpenSSH sshd keyword (typo, or a distribution "
                    "patch); upstream sshd refuses to start on unknown keywords",
                    key=d.spelled,
                    severity="medium",
                )
            )
        elif not d.args:
            findings.append(
                _syntax_finding(
                    f"line {d.line}", d.spelled, f"`{d.spelled}` has no value", key=d.spelled
                )
            )

    settings: list[SshdSetting] = []
    passed: list[str] = []
    for check in SSHD_CHECKS:
        lowered = check.key.lower()
        global_hits = [d for d in directives if d.keyword == lowered and d.match is None and d.args]
        first = global_hits[0] if global_hits else None
        if first is not None:
            raw, source = first.args[0], f"line {first.line}"
            overridable = first_include is not None and first_include < first.line
        else:
            raw, source = check.default or "", "OpenSSH default"
            overridable = first_include is not None
        if first is None and check.default is None:
            settings.append(SshdSetting(key=check.key, value=None, source="not set", passed=True))
            passed.append(check.key)
        else:
            effective = (
                _effective_algorithms(raw, check.default or "")
                if lowered in _ALGORITHM_KEYS
                else raw
            )
            verdict = _evaluate(check, effective)
            settings.append(
                SshdSetting(key=check.key, value=effective, source=source, passed=verdict.passed)
            )
            if verdict.passed:
                passed.append(check.key)
            else:
                findings.append(
                    SshdFinding(
                        id=check.ref,
                        key=check.key,
                        title=check.title,
                        severity=verdict.severity,
                        observed=_observed(raw, effective, verdict),
                        source=source,
                        expected=check.expected,
                        remediation=check.remediation,
                        overridable_by_include=overridable,
                    )
                )
        findings.extend(_match_findings(check, directives))

    findings.sort(key=lambda f: SEVERITY_ORDER.index(f.severity))
    counts = {level: sum(1 for f in findings if f.severity == level) for level in SEVERITY_ORDER}
    notes = [
        "Defaults are upstream OpenSSH's; distributions may ship other defaults (e.g. "
        "system-wide crypto policies on RHEL/Fedora). Confirm with `sshd -T`."
    ]
    if includes:
        notes.append(
            "Include directives were not followed: a keyword set in an included file before "
            "the line shown wins (first value wins). Audit those files too."
        )
    return SshdAudit(
        findings=findings,
        counts=counts,
        settings=settings,
        passed=passed,
        includes=includes,
        match_blocks=[" ".join(d.args) for d in directives if d.keyword == "match"],
        notes=notes,
    )


def _syntax_finding(
    source: str,
    text: str,
    problem: str,
    *,
    key: str = "(syntax)",
    severity: Severity = "high",
) -> SshdFinding:
    return SshdFinding(
        id="sshd_config(5)",
        key=key,
        title="sshd_config parses cleanly",
        severity=severity,
        observed=f"{text} — {problem}",
        source=source,
        expected="`Keyword value` with a known keyword and a valid value",
        remediation="Fix or remove the line, then check with `sshd -t`.",
    )


def _match_findings(check: _Check, directives: list[_Directive]) -> list[SshdFinding]:
    """Conditional overrides: the first value per Match block that fails the check."""
    findings: list[SshdFinding] = []
    seen_blocks: set[int] = set()
    lowered = check.key.lower()
    for d in directives:
        if d.keyword != lowered or d.match is None or not d.args or d.block in seen_blocks:
            continue
        seen_blocks.add(d.block)
        source = f"line {d.line} (Match {d.match})"
        if not check.allowed_in_match:
            findings.append(
                SshdFinding(
                    id="sshd_config(5)",
                    key=check.key,
                    title=f"`{check.key}` is not allowed inside Match",
                    severity="high",
                    observed=f"{d.spelled} {' '.join(d.args)}",
                    source=source,
                    expected=f"`{check.key}` in the global section only",
                    remediation=f"Move `{check.key}` above the first `Match` line; `sshd -t` "
                    "rejects it inside a Match block and sshd will not start.",
                    conditional=d.match,
                )
            )
            continue
        verdict = _evaluate(check, d.args[0])
        if not verdict.passed:
            findings.append(
                SshdFinding(
                    id=check.ref,
                    key=check.key,
                    title=check.title,
                    severity=verdict.severity,
                    observed=_observed(d.args[0], d.args[0], verdict),
                    source=source,
                    expected=check.expected,
                    remediation=f"{check.remediation} This value applies only to connections "
                    f"matching `Match {d.match}`; narrow or remove the override.",
                    conditional=d.match,
                )
            )
    return findings


class AuditSshdConfigArgs(BaseModel):
    """Arguments of ``audit_sshd_config``."""

    model_config = _ARGS

    config_text: str = Field(description="Full text of /etc/ssh/sshd_config.")


@infra_tool(
    name="audit_sshd_config",
    description=AUDIT_SSHD_CONFIG_DESCRIPTION,
    args_schema=AuditSshdConfigArgs,
)
def audit_sshd_config(*, config_text: str) -> ToolResult:
    """sshd_config audit (CIS Distribution Independent Linux 5.2.x, dev-sec ssh-baseline)."""
    audit = audit_sshd(config_text)
    worst = [f"{audit.counts[level]} {level}" for level in SEVERITY_ORDER if audit.counts[level]]
    summary = (
        f"{len(audit.findings)} findings ({', '.join(worst)}); "
        f"{len(audit.passed)} of {len(SSHD_CHECKS)} settings pass."
        if audit.findings
        else f"No findings; all {len(SSHD_CHECKS)} audited settings pass."
    )
    return ok("audit_sshd_config", summary, audit.model_dump(mode="json"))


# --- patch_status --------------------------------------------------------------------------

_APT_LINE = re.compile(
    r"^(?P<name>[^\s/]+)/(?P<origins>\S+)\s+(?P<version>\S+)\s+(?P<arch>\S+)"
    r"(?:\s+\[upgradable from:\s*(?P<current>[^\]]+)\])?\s*$"
)
_ARCHES = (
    "x86_64|noarch|i686|i386|aarch64|ppc64le|ppc64|s390x|armv7hl|armhfp|riscv64|src|loongarch64"
)
_DNF_LINE = re.compile(
    rf"^(?P<name>\S+)\.(?P<arch>{_ARCHES})\s+(?P<version>\S+)\s+(?P<repo>\S+)\s*$"
)
_DNF_NAME_ONLY = re.compile(rf"^(?P<name>\S+)\.(?P<arch>{_ARCHES})\s*$")
_DNF_CONTINUATION = re.compile(r"^\s+(?P<version>\S+)\s+(?P<repo>\S+)\s*$")
_ADVISORY_LINE = re.compile(
    r"^(?P<advisory>[A-Z][A-Za-z0-9]*-[0-9][\w:.-]*|FEDORA-[\w-]+)\s+(?P<kind>\S+)\s+"
    rf"(?P<nevra>\S+\.(?:{_ARCHES}))\s*$"
)
_SECURITY_COMMAND = re.compile(r"\b(?:dnf|yum)\b[^\n]*--security\b")
_YUM_SECURITY_SUMMARY = re.compile(r"package\(s\) needed for security", re.IGNORECASE)


class PendingUpdate(BaseModel):
    """One package with an update waiting."""

    model_config = _FROZEN

    name: str
    """Package name."""
    arch: str
    """Architecture."""
    new_version: str
    """Version that would be installed."""
    current_version: str | None
    """Installed version (apt shows it; dnf check-update does not)."""
    source: str
    """apt suites (``jammy-updates,jammy-security``) or the dnf repository."""
    security: bool
    """Whether this update fixes a security issue."""
    advisories: list[str] = Field(default_factory=list)
    """Advisory IDs (dnf updateinfo lines)."""


class PatchStatus(BaseModel):
    """Pending updates found in a package-manager listing."""

    model_config = _FROZEN

    format: Literal["apt", "dnf"]
    """Detected listing format (``dnf`` covers yum too)."""
    pending: int
    """Number of packages with an update."""
    security: int
    """Number of those that are security updates."""
    security_packages: list[str]
    """Names of the security updates."""
    packages: list[PendingUpdate]
    """Every pending update, in listing order."""
    security_basis: str
    """How security updates were recognised."""


def _nevra_name(nevra: str) -> tuple[str, str, str]:
    """``openssl-1:3.0.7-27.el9.x86_64`` -> (``openssl``, ``1:3.0.7-27.el9``, ``x86_64``)."""
    stem, _, arch = nevra.rpartition(".")
    name, version, release = stem.rsplit("-", 2)
    return name, f"{version}-{release}", arch


def _parse_apt(lines: list[str], security_only: bool) -> PatchStatus:
    packages = []
    for line in lines:
        found = _APT_LINE.match(line.strip())
        if found is None:
            continue
        origins = found["origins"]
        packages.append(
            PendingUpdate(
                name=found["name"],
                arch=found["arch"],
                new_version=found["version"],
                current_version=found["current"].strip() if found["current"] else None,
                source=origins,
                security=security_only
                or any("-security" in origin for origin in origins.split(",")),
            )
        )
    basis = (
        "all entries (security_only was set)"
        if security_only
        else "apt: an origin suite containing `-security` (e.g. jammy-security, bookworm-security)"
    )
    return _status("apt", packages, basis)


def _parse_dnf(text: str, lines: list[str], security_only: bool) -> PatchStatus:
    packages: dict[str, PendingUpdate] = {}
    advisories: dict[str, list[tuple[str, bool]]] = {}
    pending_name: re.Match[str] | None = None
    in_obsoletes = False
    for line in lines:
        lowered = line.strip().lower()
        if lowered.startswith(("obsoleting packages", "last metadata expiration check")):
            in_obsoletes = lowered.startswith("obsoleting")
            pending_name = None
            continue
        if pending_name is not None:
            cont = _DNF_CONTINUATION.match(line)
            if cont is not None:
                _add_dnf(packages, pending_name["name"], pending_name["arch"], cont)
            pending_name = None
            if cont is not None:
                continue
        if (advisory := _ADVISORY_LINE.match(line.strip())) is not None:
            name, version, arch = _nevra_name(advisory["nevra"])
            is_security = "sec" in advisory["kind"].lower()
            advisories.setdefault(name, []).append((advisory["advisory"], is_security))
            packages.setdefault(
                name,
                PendingUpdate(
                    name=name,
                    arch=arch,
                    new_version=version,
                    current_version=None,
                    source="updateinfo",
                    security=False,
                ),
            )
        elif in_obsoletes:
            continue
        elif (found := _DNF_LINE.match(line.strip())) is not None:
            _add_dnf(packages, found["name"], found["arch"], found)
        else:
            pending_name = _DNF_NAME_ONLY.match(line.strip())
    whole_listing = security_only or bool(
        _SECURITY_COMMAND.search(text) or _YUM_SECURITY_SUMMARY.search(text)
    )
    result = []
    for name, update in packages.items():
        notes = advisories.get(name, [])
        security = whole_listing or any(flag for _, flag in notes)
        result.append(
            update.model_copy(
                update={"security": security, "advisories": [adv for adv, _ in notes]}
            )
        )
    if whole_listing:
        basis = "all entries: the listing is security-only (`--security` or security_only)"
    elif advisories:
        basis = "dnf updateinfo advisory lines whose type is security (`*/Sec.` or `security`)"
    else:
        basis = (
            "none recognisable: plain `dnf check-update` does not mark security updates; run "
            "`dnf check-update --security` or `dnf updateinfo list` and pass that output"
        )
    return _status("dnf", result, basis)


def _add_dnf(
    packages: dict[str, PendingUpdate], name: str, arch: str, found: re.Match[str]
) -> None:
    packages[name] = PendingUpdate(
        name=name,
        arch=arch,
        new_version=found["version"],
        current_version=None,
        source=found["repo"],
        security=False,
    )


def _status(fmt: Literal["apt", "dnf"], packages: list[PendingUpdate], basis: str) -> PatchStatus:
    security = [p.name for p in packages if p.security]
    return PatchStatus(
        format=fmt,
        pending=len(packages),
        security=len(security),
        security_packages=security,
        packages=packages,
        security_basis=basis,
    )


def detect_listing_format(listing: str) -> Literal["apt", "dnf"] | None:
    """``apt`` for ``apt list --upgradable``, ``dnf`` for dnf/yum output, else None."""
    lines = [line.strip() for line in listing.splitlines() if line.strip()]
    if any(line.startswith("Listing...") or _APT_LINE.match(line) for line in lines):
        return "apt"
    dnf_markers = (
        _DNF_LINE,
        _ADVISORY_LINE,
        _DNF_NAME_ONLY,
        re.compile(r"^Last metadata expiration check", re.IGNORECASE),
    )
    if any(marker.match(line) for line in lines for marker in dnf_markers):
        return "dnf"
    return None


def parse_patch_listing(listing: str, *, security_only: bool = False) -> PatchStatus:
    """Pending and security updates from ``apt list --upgradable`` or ``dnf check-update``.

    apt (apt-patterns(7), apt(8) ``list --upgradable``): each line is
    ``name/suite[,suite] new-version arch [upgradable from: old-version]``; an update is a
    security update when one of its suites ends in ``-security`` (Debian and Ubuntu publish
    security fixes in the ``<codename>-security`` suite). dnf/yum (dnf(8) ``check-update``):
    each line is ``name.arch version repository``, names too long for the column wrap onto
    the next line, and the ``Obsoleting Packages`` section repeats packages and is skipped.
    check-update output does not mark security fixes, so an entry is a security update when
    the listing came from ``--security`` (the command line pasted with it, yum's
    "needed for security" summary, or ``security_only``), or when ``dnf updateinfo list``
    lines (``ADVISORY TYPE/SEVERITY NEVRA``) name it with a security type.

    Raises:
        ToolInputError: when the text is neither format.
    """
    fmt = detect_listing_format(listing)
    if fmt is None:
        msg = (
            "`listing` is neither `apt list --upgradable` output (`name/suite version arch "
            "[upgradable from: old]`) nor `dnf check-update` output (`name.arch version repo`). "
            "Paste the command's full output."
        )
        raise ToolInputError(msg)
    lines = listing.splitlines()
    if fmt == "apt":
        return _parse_apt(lines, security_only)
    return _parse_dnf(listing, lines, security_only)


class PatchStatusArgs(BaseModel):
    """Arguments of ``patch_status``."""

    model_config = _ARGS

    listing: str = Field(description="Output of `apt list --upgradable` or `dnf check-update`.")
    security_only: bool = Field(
        default=False,
        description="True when the listing holds only security updates "
        "(e.g. from `dnf check-update --security`).",
    )


@infra_tool(name="patch_status", description=PATCH_STATUS_DESCRIPTION, args_schema=PatchStatusArgs)
def patch_status(*, listing: str, security_only: bool) -> ToolResult:
    """Pending updates from apt or dnf output (apt(8) list, dnf(8) check-update/updateinfo)."""
    if not listing.strip():
        return no_data(
            "patch_status",
            "The listing is empty: paste the output of `apt list --upgradable` or "
            "`dnf check-update`.",
        )
    status = parse_patch_listing(listing, security_only=security_only)
    summary = (
        f"{status.pending} pending updates ({status.format}), {status.security} security"
        + (f": {', '.join(status.security_packages[:10])}" if status.security else "")
        + ("." if status.security <= 10 else " ...")
    )
    return ok("patch_status", summary, status.model_dump(mode="json"))


# --- host_health ---------------------------------------------------------------------------

HealthStatus = Literal["ok", "warning", "critical"]


class HealthThresholds(BaseModel):
    """Warning and critical levels for ``host_health``."""

    model_config = _FROZEN

    disk_warn_percent: float = 80.0
    """Disk used percent that warns."""
    disk_critical_percent: float = 90.0
    """Disk used percent that is critical."""
    memory_warn_percent: float = 85.0
    """Memory used percent (total minus available) that warns."""
    memory_critical_percent: float = 95.0
    """Memory used percent that is critical."""
    load_warn_per_cpu: float = 1.0
    """5-minute load average per logical CPU that warns (1.0: saturated)."""
    load_critical_per_cpu: float = 2.0
    """5-minute load average per logical CPU that is critical."""


class DiskUsage(BaseModel):
    """Usage of one mounted filesystem."""

    model_config = _FROZEN

    path: str
    """A path on the filesystem."""
    total_bytes: int
    """Size."""
    used_bytes: int
    """Used space."""
    free_bytes: int
    """Space available to unprivileged users."""
    percent: float
    """Used percent as df reports it (reserved blocks excluded)."""


class HostSnapshot(BaseModel):
    """Raw measurements of one machine."""

    model_config = _FROZEN

    disks: list[DiskUsage]
    """Filesystems measured."""
    memory_total_bytes: int
    """Physical memory."""
    memory_available_bytes: int
    """Memory available without swapping."""
    memory_percent: float
    """Used percent: (total - available) / total."""
    load_1m: float
    """1-minute load average."""
    load_5m: float
    """5-minute load average."""
    load_15m: float
    """15-minute load average."""
    cpu_count: int
    """Logical CPUs."""


class HealthCheck(BaseModel):
    """One metric against its thresholds."""

    model_config = _FROZEN

    metric: str
    """``disk:/``, ``memory`` or ``load_per_cpu``."""
    value: float
    """Measured value."""
    warn: float
    """Warning threshold."""
    critical: float
    """Critical threshold."""
    status: HealthStatus
    """Verdict of this metric."""
    message: str
    """One line a person can read."""


class HostHealth(BaseModel):
    """Health verdict of one machine."""

    model_config = _FROZEN

    status: HealthStatus
    """Worst status of the checks."""
    checks: list[HealthCheck]
    """Every metric checked."""
    snapshot: HostSnapshot
    """Measurements used."""
    thresholds: HealthThresholds
    """Thresholds used."""


def _grade(value: float, warn: float, critical: float) -> HealthStatus:
    if value >= critical:
        return "critical"
    if value >= warn:
        return "warning"
    return "ok"


def evaluate_host_health(snapshot: HostSnapshot, thresholds: HealthThresholds) -> HostHealth:
    """Grade disk, memory and load against thresholds; the worst grade is the verdict.

    Disk and memory are used percentages (psutil ``disk_usage().percent`` and
    ``virtual_memory().percent``, i.e. total minus *available*, so page cache does not count
    as used). Load is the 5-minute load average divided by logical CPUs: above 1.0 runnable
    work queues for CPU (saturation in Brendan Gregg's USE method). Default levels (80/90 %
    disk, 85/95 % memory, 1.0/2.0 load per CPU) warn well before the node-exporter mixin's
    last-resort alerts (NodeFilesystemAlmostOutOfSpace at 5 %/3 % free,
    NodeMemoryHighUtilization at 90 %), leaving time to act.
    """
    checks: list[HealthCheck] = []
    for disk in snapshot.disks:
        status = _grade(
            disk.percent, thresholds.disk_warn_percent, thresholds.disk_critical_percent
        )
        checks.append(
            HealthCheck(
                metric=f"disk:{disk.path}",
                value=disk.percent,
                warn=thresholds.disk_warn_percent,
                critical=thresholds.disk_critical_percent,
                status=status,
                message=f"disk {disk.path} {disk.percent:g} % used "
                f"({disk.free_bytes / 1024**3:.1f} GiB free)",
            )
        )
    memory_status = _grade(
        snapshot.memory_percent, thresholds.memory_warn_percent, thresholds.memory_critical_percent
    )
    checks.append(
        HealthCheck(
            metric="memory",
            value=snapshot.memory_percent,
            warn=thresholds.memory_warn_percent,
            critical=thresholds.memory_critical_percent,
            status=memory_status,
            message=f"memory {snapshot.memory_percent:g} % used "
            f"({snapshot.memory_available_bytes / 1024**3:.1f} GiB available)",
        )
    )
    per_cpu = round(snapshot.load_5m / max(snapshot.cpu_count, 1), 3)
    checks.append(
        HealthCheck(
            metric="load_per_cpu",
            value=per_cpu,
            warn=thresholds.load_warn_per_cpu,
            critical=thresholds.load_critical_per_cpu,
            status=_grade(per_cpu, thresholds.load_warn_per_cpu, thresholds.load_critical_per_cpu),
            message=f"5-min load {snapshot.load_5m:g} on {snapshot.cpu_count} CPUs "
            f"= {per_cpu:g} per CPU",
        )
    )
    worst = max(checks, key=lambda c: ("ok", "warning", "critical").index(c.status)).status
    return HostHealth(status=worst, checks=checks, snapshot=snapshot, thresholds=thresholds)


def read_host_snapshot(paths: list[str]) -> HostSnapshot:
    """Measure this machine with psutil (disk_usage, virtual_memory, getloadavg, cpu_count).

    Raises:
        ToolInputError: when a path does not exist.
    """
    disks = []
    for path in paths:
        try:
            usage = psutil.disk_usage(path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            msg = f"`{path}` does not exist on this machine; pass mounted paths such as `/`."
            raise ToolInputError(msg) from exc
        disks.append(
            DiskUsage(
                path=path,
                total_bytes=usage.total,
                used_bytes=usage.used,
                free_bytes=usage.free,
                percent=usage.percent,
            )
        )
    memory = psutil.virtual_memory()
    load_1m, load_5m, load_15m = psutil.getloadavg()
    return HostSnapshot(
        disks=disks,
        memory_total_bytes=memory.total,
        memory_available_bytes=memory.available,
        memory_percent=memory.percent,
        load_1m=round(load_1m, 3),
        load_5m=round(load_5m, 3),
        load_15m=round(load_15m, 3),
        cpu_count=psutil.cpu_count() or 1,
    )


class HostHealthArgs(BaseModel):
    """Arguments of ``host_health`` (all optional)."""

    model_config = _ARGS

    paths: list[str] = Field(
        default_factory=lambda: ["/"], description="Filesystem paths to check; default `/`."
    )
    disk_warn_percent: float = Field(default=80.0, ge=0, le=100)
    disk_critical_percent: float = Field(default=90.0, ge=0, le=100)
    memory_warn_percent: float = Field(default=85.0, ge=0, le=100)
    memory_critical_percent: float = Field(default=95.0, ge=0, le=100)
    load_warn_per_cpu: float = Field(default=1.0, gt=0)
    load_critical_per_cpu: float = Field(default=2.0, gt=0)


@infra_tool(name="host_health", description=HOST_HEALTH_DESCRIPTION, args_schema=HostHealthArgs)
def host_health(
    *,
    paths: list[str],
    disk_warn_percent: float,
    disk_critical_percent: float,
    memory_warn_percent: float,
    memory_critical_percent: float,
    load_warn_per_cpu: float,
    load_critical_per_cpu: float,
) -> ToolResult:
    """Disk, memory and load of this machine via psutil (USE method thresholds)."""
    pairs = (
        ("disk", disk_warn_percent, disk_critical_percent),
        ("memory", memory_warn_percent, memory_critical_percent),
        ("load", load_warn_per_cpu, load_critical_per_cpu),
    )
    for name, warn, critical in pairs:
        if warn > critical:
            msg = f"the {name} warning level ({warn:g}) is above its critical level ({critical:g})."
            raise ToolInputError(msg)
    if not paths:
        msg = "`paths` is empty; pass at least one path such as `/`."
        raise ToolInputError(msg)
    thresholds = HealthThresholds(
        disk_warn_percent=disk_warn_percent,
        disk_critical_percent=disk_critical_percent,
        memory_warn_percent=memory_warn_percent,
        memory_critical_percent=memory_critical_percent,
        load_warn_per_cpu=load_warn_per_cpu,
        load_critical_per_cpu=load_critical_per_cpu,
    )
    health = evaluate_host_health(read_host_snapshot(paths), thresholds)
    problems = [c.message for c in health.checks if c.status != "ok"]
    summary = f"Host {health.status}" + (
        f": {'; '.join(problems)}." if problems else ": disk, memory and load within thresholds."
    )
    return ok("host_health", summary, health.model_dump(mode="json"))


TOOLS: tuple[BaseTool, ...] = (audit_sshd_config, patch_status, host_health)
