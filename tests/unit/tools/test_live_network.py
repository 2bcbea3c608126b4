"""The network engineer's live probes against real servers on loopback.

- DNS: ``dnsmasq`` serving a test zone (tests/support/dnsmasq.py);
- TLS: ``openssl s_server`` with a test-CA certificate expiring in five days;
- HTTP: a child-process HTTP server that redirects to the TLS server;
- TCP: the same servers, and a port nothing listens on.

Skipped on a laptop without dnsmasq/openssl; a failure under CI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from infra_team.settings import NetworkSettings, Settings, reset_settings
from infra_team.tools import TOOL_CATALOG, parse_tool_output
from infra_team.tools._base import ToolInputError
from infra_team.tools.live import dns_resolve, http_probe, tcp_check, tls_check
from infra_team.tools.live.targets import Allowlist, TargetRefused, resolve_allowed
from tests.support.dnsmasq import dnsmasq_server
from tests.support.loopback import free_port
from tests.support.tls_server import TlsServer, redirect_server, tls_server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("clean_settings")]

ZONE = [
    "--local-ttl=300",
    "--local=/example.test/",
    "--host-record=www.example.test,192.0.2.10",
    "--host-record=api.example.test,192.0.2.20,2001:db8::20",
    "--txt-record=example.test,v=spf1 -all",
    "--cname=alias.example.test,www.example.test",
    "--mx-host=example.test,mail.example.test,10",
]


@pytest.fixture(scope="module")
def dns_port() -> Iterator[int]:
    with dnsmasq_server(ZONE) as port:
        yield port


@pytest.fixture(scope="module")
def tls() -> Iterator[TlsServer]:
    with tls_server(days=5) as running:
        yield running


def _dns(port: int, **fields: object) -> dns_resolve.ToolResult:
    settings = Settings(network=NetworkSettings(resolvers=[f"127.0.0.1:{port}"]))
    return dns_resolve.resolve(settings, dns_resolve.DnsResolveArgs.model_validate(fields))


def _net(tls: TlsServer, **changes: object) -> Settings:
    fields: dict[str, object] = {
        "targets": ["localhost", "127.0.0.1/32"],
        "ca_file": tls.ca_file,
    } | changes
    return Settings(network=NetworkSettings.model_validate(fields))


# --- DNS ---------------------------------------------------------------------------------


def test_dns_answer_matches_expected(dns_port: int) -> None:
    result = _dns(dns_port, name="api.example.test", type="AAAA", expected=["2001:DB8::20"])
    assert result.status == "success"
    assert result.data["matches_expected"] == {f"127.0.0.1:{dns_port}": True}
    (row,) = result.data["resolvers"]
    assert row["rcode"] == "NOERROR"
    assert row["records"][0]["ttl"] == 300


def test_dns_answer_that_differs_from_expected_is_reported(dns_port: int) -> None:
    result = _dns(dns_port, name="www.example.test", expected=["192.0.2.99"])
    assert result.data["matches_expected"] == {f"127.0.0.1:{dns_port}": False}
    assert "differs from expected" in result.summary
    assert "192.0.2.10" in result.summary


def test_dns_txt_and_mx_and_cname_chain(dns_port: int) -> None:
    txt = _dns(dns_port, name="example.test", type="TXT", expected=["v=spf1 -all"])
    assert txt.data["matches_expected"] == {f"127.0.0.1:{dns_port}": True}
    mx = _dns(dns_port, name="example.test", type="MX", expected=["10 mail.example.test."])
    assert mx.data["matches_expected"] == {f"127.0.0.1:{dns_port}": True}
    alias = _dns(dns_port, name="alias.example.test", type="A")
    types = [r["type"] for r in alias.data["resolvers"][0]["records"]]
    assert types == ["CNAME", "A"]
    assert alias.data["lint"]["records_checked"] == 2


def test_dns_nxdomain_and_an_unconfigured_resolver(dns_port: int) -> None:
    missing = _dns(dns_port, name="nothing.example.test")
    assert missing.data["resolvers"][0]["rcode"] == "NXDOMAIN"
    with pytest.raises(ToolInputError, match="not configured resolvers"):
        _dns(dns_port, name="www.example.test", resolvers=["192.0.2.53"])


def test_dns_two_resolvers_that_disagree(dns_port: int) -> None:
    with dnsmasq_server(["--host-record=www.example.test,192.0.2.11"]) as other:
        settings = Settings(
            network=NetworkSettings(resolvers=[f"127.0.0.1:{dns_port}", f"127.0.0.1:{other}"])
        )
        result = dns_resolve.resolve(settings, dns_resolve.DnsResolveArgs(name="www.example.test"))
    assert result.data["resolvers_agree"] is False
    assert "resolvers disagree" in result.summary


def test_dns_tool_through_settings_from_the_environment(
    dns_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRA_TEAM_NETWORK_RESOLVERS", json.dumps([f"127.0.0.1:{dns_port}"]))
    reset_settings()
    content = TOOL_CATALOG["dns_resolve"].invoke({"name": "www.example.test"})
    assert content.startswith('<tool-output trust="untrusted" tool="dns_resolve">')
    assert "192.0.2.10" in parse_tool_output(content).summary


# --- TLS ---------------------------------------------------------------------------------


def test_tls_certificate_close_to_expiry_is_critical(tls: TlsServer) -> None:
    result = tls_check.check(_net(tls), tls_check.TlsCheckArgs(host="localhost", port=tls.port))
    assert result.status == "success"
    data = result.data
    assert data["chain_trusted"] is True
    assert data["certificate"]["hostname_matches"] is True
    assert 4 <= data["certificate"]["days_to_expiry"] <= 5
    assert data["certificate"]["not_after"] == tls.not_after.isoformat()
    assert data["protocol"] in {"TLSv1.2", "TLSv1.3"}
    assert data["cipher"]["bits"] >= 128
    assert data["verdict"] == "critical"
    assert "expires within 7 days" in result.summary


def test_tls_untrusted_chain_and_wrong_name(tls: TlsServer) -> None:
    settings = _net(tls, ca_file=None, targets=["127.0.0.1/32"])
    args = tls_check.TlsCheckArgs(host="127.0.0.1", port=tls.port, critical_days=1)
    result = tls_check.check(settings, args)
    assert result.data["chain_trusted"] is False
    assert result.data["verify_error"]
    assert result.data["certificate"]["hostname_matches"] is True  # the SAN has 127.0.0.1
    assert result.data["verdict"] == "critical"


def test_tls_without_a_server_is_one_clear_error(tls: TlsServer) -> None:
    with pytest.raises(ToolInputError) as caught:
        tls_check.check(_net(tls), tls_check.TlsCheckArgs(host="127.0.0.1", port=free_port()))
    assert caught.value.code == "connection_failed"


# --- HTTP --------------------------------------------------------------------------------


def test_http_redirects_to_https(tls: TlsServer) -> None:
    with redirect_server(f"https://localhost:{tls.port}/") as url:
        result = http_probe.probe(_net(tls), http_probe.HttpProbeArgs(url=f"{url}/"))
    data = result.data
    assert [hop["status"] for hop in data["hops"]] == [301, 200]
    assert data["redirects_to_https"] is True
    assert data["final_url"] == f"https://localhost:{tls.port}/"
    assert all(hop["latency_ms"] > 0 for hop in data["hops"])


def test_http_page_without_redirect_and_without_https(tls: TlsServer) -> None:
    with redirect_server("https://example.invalid/") as url:
        result = http_probe.probe(_net(tls), http_probe.HttpProbeArgs(url=f"{url}/ok"))
    assert result.data["final_status"] == 200
    assert result.data["redirects_to_https"] is False
    assert "does NOT redirect to HTTPS" in result.summary


def test_http_redirect_off_the_allowlist_is_not_followed(tls: TlsServer) -> None:
    with redirect_server("https://example.invalid/") as url:
        result = http_probe.probe(_net(tls), http_probe.HttpProbeArgs(url=f"{url}/"))
    assert result.data["hops"][0]["status"] == 301
    assert "not in the allowlist" in result.data["hops"][1]["refused"]


# --- TCP and the allowlist ---------------------------------------------------------------


def test_tcp_open_and_closed_ports_judged_as_a_pool(tls: TlsServer) -> None:
    targets = [
        tcp_check.Target(host="127.0.0.1", port=tls.port),
        tcp_check.Target(host="127.0.0.1", port=free_port()),
    ]
    result = tcp_check.check(_net(tls), targets)
    states = [row["state"] for row in result.data["targets"]]
    assert states == ["open", "closed"]
    assert result.data["pool"]["healthy_backends"] == 1
    assert result.data["pool"]["verdict"] != "ok"


def test_private_addresses_need_an_explicit_entry(tls: TlsServer) -> None:
    names_only = Allowlist.of(NetworkSettings(targets=["localhost"]))
    with pytest.raises(TargetRefused, match="outside the allowed ranges"):
        resolve_allowed(names_only, "localhost", tls.port, 2.0)
    with pytest.raises(TargetRefused, match="not in the allowlist"):
        resolve_allowed(names_only, "10.0.0.1", 22, 2.0)
    opened = Allowlist.of(NetworkSettings(targets=["localhost"], allow_private=True))
    assert resolve_allowed(opened, "localhost", tls.port, 2.0)
    wildcard = Allowlist.of(NetworkSettings(targets=["*.example.test"]))
    assert wildcard.name_allowed("a.example.test")
    assert not wildcard.name_allowed("example.test.evil.invalid")


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("dns_resolve", {"name": "example.com"}),
        ("tls_check", {"host": "example.com"}),
        ("http_probe", {"url": "https://example.com/"}),
        ("tcp_check", {"targets": [{"host": "example.com", "port": 443}]}),
    ],
)
def test_not_configured_without_settings(tool: str, args: dict[str, object]) -> None:
    result = parse_tool_output(TOOL_CATALOG[tool].invoke(args))
    assert result.status == "not_configured"
    assert "Nothing was sent" in result.summary


def test_dns_name_that_is_not_one_is_refused(dns_port: int) -> None:
    with pytest.raises(ToolInputError, match="not a valid domain name"):
        _dns(dns_port, name="a..example.test")
    with pytest.raises(ToolInputError, match="not a valid domain name"):
        _dns(dns_port, name="x" * 64 + ".example.test")


def test_live_tools_say_they_are_live_and_what_they_need() -> None:
    live = {
        name: tool.metadata["settings"]
        for name, tool in TOOL_CATALOG.items()
        if (tool.metadata or {}).get("live")
    }
    assert {"dns_resolve", "tls_check", "http_probe", "tcp_check"} <= set(live)
    assert live["dns_resolve"] == ("network.resolvers",)
    assert live["tcp_check"][0] == "network.targets"
    assert not any(
        (TOOL_CATALOG[name].metadata or {}).get("writes")
        for name in ("dns_resolve", "tls_check", "http_probe", "tcp_check")
    )
