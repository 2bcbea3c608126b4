"""``tls_check``: the certificate and handshake a TLS server offers, judged.

Two handshakes with the standard ``ssl`` module: one that verifies (system trust store
plus ``network.ca_file``, hostname checked, RFC 9525 / RFC 6125 §6) and tells whether the
chain is trusted and why not; and one that does not verify, only to read the certificate
when the first fails (an expired or self-signed certificate must still be described).
Days to expiry follow the ``notAfter`` of RFC 5280 §4.1.2.5; the hostname match is
recomputed from the subjectAltName (RFC 6125 §6.4.3: one left-most ``*`` label).
Protocol versions before TLS 1.2 are flagged (RFC 8996 deprecates TLS 1.0 and 1.1).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from infra_team.settings import NetworkSettings, Settings
from infra_team.tools._base import ToolInputError, ToolResult, infra_tool, ok
from infra_team.tools.integrations.http import not_configured
from infra_team.tools.live._common import extra_missing, with_live_settings
from infra_team.tools.live.targets import (
    Allowlist,
    IpAddress,
    TargetRefused,
    resolve_allowed,
)

if TYPE_CHECKING:
    from cryptography import x509

TOOL = "tls_check"
MAX_NAMES = 20
"""subjectAltName entries listed; the count is always reported."""
DESCRIPTION = (
    "Live, read-only: TLS handshake with an allowlisted host:port; reports days to certificate "
    "expiry, chain trust, hostname match, protocol and cipher, with a verdict."
)


class TlsCheckArgs(BaseModel):
    """Arguments of ``tls_check``."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(min_length=1, max_length=253, description="Name the certificate must match.")
    port: int = Field(default=443, ge=1, le=65535)
    warn_days: int = Field(default=30, ge=0, le=3650, description="Warn below this many days.")
    critical_days: int = Field(default=7, ge=0, le=3650)


def verifying_context(network: NetworkSettings, *, check_hostname: bool = False) -> ssl.SSLContext:
    """System trust store plus ``network.ca_file``.

    The chain is verified here; the hostname is matched separately (``hostname_matches``)
    so a trusted certificate for the wrong name is reported as that, not as untrusted.
    An HTTP client passes ``check_hostname=True``: it must refuse the wrong name.
    """
    context = ssl.create_default_context()
    context.check_hostname = check_hostname
    if network.ca_file is not None:
        context.load_verify_locations(cafile=str(network.ca_file))
    return context


def _handshake(
    address: IpAddress, port: int, host: str, context: ssl.SSLContext, timeout: float
) -> tuple[bytes, str | None, tuple[str, str, int] | None]:
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as raw:
        raw.settimeout(timeout)
        raw.connect((str(address), port))
        server_name = None if _is_ip(host) else host
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            der = tls.getpeercert(binary_form=True) or b""
            return der, tls.version(), tls.cipher()


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def hostname_matches(cert: x509.Certificate, host: str) -> bool:
    """RFC 6125 §6.4: DNS-ID match (left-most wildcard label only), or an IP-ID for an IP."""
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    if _is_ip(host):
        wanted = ipaddress.ip_address(host.strip("[]"))
        return wanted in san.get_values_for_type(x509.IPAddress)
    name = host.lower().rstrip(".")
    for pattern in (p.lower().rstrip(".") for p in san.get_values_for_type(x509.DNSName)):
        if pattern == name:
            return True
        if pattern.startswith("*.") and "." in name:
            head, _, rest = name.partition(".")
            if head and rest == pattern[2:]:
                return True
    return False


def describe(cert: x509.Certificate, host: str, now: datetime) -> dict[str, Any]:
    """What the leaf certificate says: subject, issuer, validity, names, self-signed."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n) for n in san.get_values_for_type(x509.DNSName)] + [
            str(a) for a in san.get_values_for_type(x509.IPAddress)
        ]
    except x509.ExtensionNotFound:
        names = []
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    not_after = cert.not_valid_after_utc
    return {
        "subject_cn": str(cn[0].value) if cn else None,
        "issuer": cert.issuer.rfc4514_string(),
        "self_signed": cert.issuer == cert.subject,
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": not_after.isoformat(),
        "days_to_expiry": round((not_after - now).total_seconds() / 86400, 1),
        "san_count": len(names),
        "san": names[:MAX_NAMES],
        "hostname_matches": hostname_matches(cert, host),
        "serial": format(cert.serial_number, "x"),
    }


def check(settings: Settings, args: TlsCheckArgs) -> ToolResult:
    network = settings.network
    if not network.targets:
        return not_configured(TOOL, "Network probing", ["INFRA_TEAM_NETWORK_TARGETS"])
    missing = extra_missing(TOOL, "cryptography")
    if missing is not None:
        return missing
    if args.warn_days < args.critical_days:
        msg = "`warn_days` must be at least `critical_days`."
        raise ToolInputError(msg)
    try:
        address = resolve_allowed(Allowlist.of(network), args.host, args.port, network.timeout)[0]
    except TargetRefused as exc:
        raise ToolInputError(str(exc), code="target_not_allowed") from None
    data: dict[str, Any] = {"target": f"{args.host}:{args.port}", "address": str(address)}
    try:
        der, version, cipher = _handshake(
            address, args.port, args.host, verifying_context(network), network.timeout
        )
        data["chain_trusted"] = True
    except ssl.SSLCertVerificationError as exc:
        data["chain_trusted"] = False
        data["verify_error"] = exc.verify_message or str(exc)
        loose = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        loose.check_hostname = False
        loose.verify_mode = ssl.CERT_NONE  # only to read the certificate; it is reported untrusted
        der, version, cipher = _handshake(address, args.port, args.host, loose, network.timeout)
    except (TimeoutError, ssl.SSLError, OSError) as exc:
        raise ToolInputError(
            f"no TLS handshake with {args.host}:{args.port} ({address}): "
            f"{type(exc).__name__}: {exc}",
            code="connection_failed",
        ) from None
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    data["certificate"] = describe(cert, args.host, datetime.now(UTC))
    data["protocol"] = version
    data["cipher"] = (
        {"name": cipher[0], "protocol": cipher[1], "bits": cipher[2]} if cipher else None
    )
    problems, verdict = _judge(data, args)
    data["verdict"], data["problems"] = verdict, problems
    days = data["certificate"]["days_to_expiry"]
    summary = (
        f"{verdict.upper()}: {args.host}:{args.port} {version}, {cipher[0] if cipher else '?'}; "
        f"certificate expires in {days:g} days"
        + (f"; {'; '.join(problems)}" if problems else "")
        + "."
    )
    return ok(TOOL, summary, data)


def _judge(data: dict[str, Any], args: TlsCheckArgs) -> tuple[list[str], str]:
    cert = data["certificate"]
    critical: list[str] = []
    warn: list[str] = []
    days = cert["days_to_expiry"]
    if days < 0:
        critical.append("certificate expired")
    elif days < args.critical_days:
        critical.append(f"expires within {args.critical_days} days")
    elif days < args.warn_days:
        warn.append(f"expires within {args.warn_days} days")
    if not data["chain_trusted"]:
        critical.append(f"chain not trusted ({data['verify_error']})")
    if not cert["hostname_matches"]:
        critical.append(f"certificate does not name {args.host}")
    if data["protocol"] in {"SSLv3", "TLSv1", "TLSv1.1"}:
        critical.append(f"{data['protocol']} is deprecated (RFC 8996)")
    verdict = "critical" if critical else "warning" if warn else "ok"
    return critical + warn, verdict


@infra_tool(
    name=TOOL,
    description=DESCRIPTION,
    args_schema=TlsCheckArgs,
    live=True,
    settings=("network.targets", "network.allow_private", "network.ca_file"),
)
def tls_check(**fields: Any) -> ToolResult:
    """TLS check (RFC 5280 validity, RFC 6125 hostname, RFC 8996 protocol floor)."""
    args = TlsCheckArgs.model_validate(fields)
    return with_live_settings(TOOL, lambda settings: check(settings, args))
