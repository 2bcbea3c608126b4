"""sshd_config read the way sshd reads it: keywords, arguments and Match blocks.

Follows sshd_config(5) (OpenSSH 10): keywords are case-insensitive, ``Key value`` and
``Key=value`` both work, arguments split like OpenSSH's argv_split, and a ``Match`` block runs
to the next ``Match`` or the end of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra_team.tools._base import ToolInputError

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
KNOWN_KEYWORDS = frozenset(_KEYWORDS_TEXT.lower().split())


@dataclass(frozen=True)
class Directive:
    """One ``Keyword arguments`` line and the Match block it belongs to."""

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


def parse_sshd_config(config_text: str) -> tuple[list[Directive], list[tuple[int, str]]]:
    """Directives in file order and the lines that are not ``Keyword arguments``."""
    directives: list[Directive] = []
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
            Directive(
                keyword=keyword,
                spelled=found["keyword"],
                args=args,
                line=number,
                match=None if keyword == "match" else match,
                block=0 if keyword == "match" else block,
            )
        )
    return directives, bad_lines
