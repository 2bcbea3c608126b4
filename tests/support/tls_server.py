"""A real TLS server and a real HTTP server on loopback, as separate processes.

- ``tls_server``: ``openssl s_server -www`` with a certificate signed by a test CA,
  valid for ``localhost`` and ``127.0.0.1`` and expiring in a few days (the case a TLS
  check must flag);
- ``redirect_server``: Python's ``http.server`` in a child process that answers every
  request with ``301`` to a given URL, except ``/ok``, which answers ``200``.

Both are stopped by their PID after the test.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

from tests.support.loopback import free_port, stop, wait_for_port
from tests.support.real import missing, require_binary


@dataclass(frozen=True)
class TlsServer:
    port: int
    ca_file: Path
    not_after: datetime


def _write_certificates(folder: Path, days: int) -> tuple[Path, Path, Path, datetime]:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        missing("the cryptography package is not installed")
        raise
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "infra-team test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = now + timedelta(days=days)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file, not_after.replace(microsecond=0)


@contextlib.contextmanager
def tls_server(days: int = 5) -> Iterator[TlsServer]:
    """``openssl s_server`` on 127.0.0.1 with a certificate expiring in ``days`` days."""
    openssl = require_binary("openssl", hint="apt-get install openssl")
    with tempfile.TemporaryDirectory(prefix="infra-team-tls-") as name:
        folder = Path(name)
        ca_file, cert_file, key_file, not_after = _write_certificates(folder, days)
        port = free_port()
        process = subprocess.Popen(
            [
                str(openssl),
                "s_server",
                "-accept",
                f"127.0.0.1:{port}",
                "-cert",
                str(cert_file),
                "-key",
                str(key_file),
                "-www",
                "-quiet",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(port, process)
            yield TlsServer(port=port, ca_file=ca_file, not_after=not_after)
        finally:
            stop(process)
            if process.stderr:
                process.stderr.close()


_REDIRECT_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/ok":
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            return
        self.send_response(301)
        self.send_header("Location", sys.argv[2])
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


@contextlib.contextmanager
def redirect_server(location: str) -> Iterator[str]:
    """An HTTP server redirecting every path but ``/ok`` to ``location``; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _REDIRECT_SERVER, str(port), location],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)
        if process.stderr:
            process.stderr.close()
