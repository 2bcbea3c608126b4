"""Which hosts the network probes may reach: the ``[network]`` allowlist, checked twice.

A target passes when its name matches an entry of ``network.targets`` (a name, a
``*.domain`` wildcard, an IP address or a CIDR block), and then again when every address
it resolves to is either global (RFC 6890 special-purpose registries, as Python's
``ipaddress.is_global`` reads them) or covered by an IP/CIDR entry, or when
``network.allow_private`` is true. The second check keeps an allowlisted public name that
resolves into a private range (a stale record, DNS rebinding) from being probed. The TCP
and TLS probes connect to the address checked here; the HTTP probe lets httpx resolve
the name again, so a rebinding in between is not caught there (known limit).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from infra_team.settings import NetworkSettings

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefused(ValueError):
    """A target outside the allowlist, or resolving to an address it does not cover."""


@dataclass(frozen=True)
class Allowlist:
    """``network.targets`` parsed once: names, wildcard suffixes and networks."""

    names: frozenset[str]
    suffixes: tuple[str, ...]
    networks: tuple[IpNetwork, ...]
    allow_private: bool

    @classmethod
    def of(cls, settings: NetworkSettings) -> Allowlist:
        names: set[str] = set()
        suffixes: list[str] = []
        networks: list[IpNetwork] = []
        for entry in settings.targets:
            text = entry.strip().lower().rstrip(".")
            try:
                networks.append(ipaddress.ip_network(text, strict=False))
                continue
            except ValueError:
                pass
            if text.startswith("*."):
                suffixes.append(text[1:])
            elif text:
                names.add(text)
        return cls(frozenset(names), tuple(suffixes), tuple(networks), settings.allow_private)

    def covers_address(self, address: IpAddress) -> bool:
        return any(address in network for network in self.networks)

    def name_allowed(self, host: str) -> bool:
        """Whether ``host`` (a name or an address literal) is on the allowlist."""
        text = host.strip().lower().rstrip(".").strip("[]")
        try:
            return self.covers_address(ipaddress.ip_address(text))
        except ValueError:
            pass
        return text in self.names or any(text.endswith(suffix) for suffix in self.suffixes)

    def address_allowed(self, address: IpAddress) -> bool:
        return self.allow_private or address.is_global or self.covers_address(address)


def resolve_allowed(allow: Allowlist, host: str, port: int, timeout: float) -> list[IpAddress]:
    """The addresses of ``host`` that may be probed, in resolver order.

    Raises:
        TargetRefused: ``host`` is not allowlisted, does not resolve, or resolves only to
            addresses the allowlist does not permit.
    """
    if not allow.name_allowed(host):
        msg = f"`{host}` is not in the allowlist (`network.targets`); nothing was sent to it."
        raise TargetRefused(msg)
    literal = host.strip("[]")
    try:
        addresses: list[IpAddress] = [ipaddress.ip_address(literal)]
    except ValueError:
        addresses = _lookup(host, port, timeout)
    refused = [str(a) for a in addresses if not allow.address_allowed(a)]
    allowed = [a for a in addresses if allow.address_allowed(a)]
    if not allowed:
        msg = (
            f"`{host}` resolves to {', '.join(refused)}, outside the allowed ranges (private, "
            "loopback or link-local addresses need a CIDR entry in `network.targets` or "
            "`network.allow_private = true`); nothing was sent."
        )
        raise TargetRefused(msg)
    return allowed


def _lookup(host: str, port: int, timeout: float) -> list[IpAddress]:
    previous = socket.getdefaulttimeout()
    try:
        socket.setdefaulttimeout(timeout)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        msg = f"`{host}` does not resolve: {exc}"
        raise TargetRefused(msg) from None
    finally:
        socket.setdefaulttimeout(previous)
    seen: dict[IpAddress, None] = {}
    for *_, sockaddr in infos:
        seen[ipaddress.ip_address(str(sockaddr[0]).split("%")[0])] = None
    return list(seen)
