"""Site-to-site VPN plan: WireGuard or IPsec (IKEv2) tunnels between sites, with checks.

- Overlapping site networks cannot be routed through a tunnel (each prefix must be unique,
  RFC 1918 space is shared by everyone): flagged as blocking.
- Inner MTU: WireGuard adds 60 bytes over IPv4 and 80 over IPv6, hence its default 1420
  (https://www.wireguard.com/papers/wireguard.pdf, ``wg-quick`` default); IPsec ESP tunnel
  mode with AES-GCM over NAT-T adds up to 65 bytes over IPv4 and 85 over IPv6 (RFC 4303,
  RFC 4106, RFC 3948), so the customary 1400 (100 bytes) is used. TCP MSS = MTU - 40.
- WireGuard routes by ``AllowedIPs`` between tunnel addresses; IPsec here is policy based
  (``local_ts``/``remote_ts`` traffic selectors), so it needs no tunnel addresses. In a hub
  topology the hub carries spoke-to-spoke traffic, so each side's selectors include the
  other spokes' networks.
- IPsec proposals follow RFC 8221 (ESP: AES-GCM-16) and RFC 8247 (IKEv2: AES-GCM, SHA-384
  PRF, ECP-384/curve25519 groups); IKEv2 itself is RFC 7296.
- Keys are never generated here: each site runs ``wg genkey`` or holds its own certificate.
"""

from __future__ import annotations

import ipaddress
import itertools
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from infra_team.tools.analysers._common import Address, Args, Ident, render

OVERHEAD = {"wireguard": 80, "ipsec": 100}
WG_PORT = 51820
MAX_SITES = 50


def _text_only(value: object) -> object:
    """A network is written as text (``10.0.0.0/16``); pydantic would also read an integer
    or a boolean as an address, which no one means."""
    if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return value
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("give the network as text in CIDR form, e.g. 10.0.0.0/16")
    return value


_TEXT = BeforeValidator(_text_only)


class VpnSite(Args):
    name: Ident
    endpoint: Address = Field(description="Public IP or DNS name.")
    networks: list[Annotated[ipaddress.IPv4Network | ipaddress.IPv6Network, _TEXT]] = Field(
        min_length=1, max_length=32
    )


class VpnPlanArgs(Args):
    """Arguments of ``vpn_plan``."""

    sites: list[VpnSite] = Field(min_length=2, max_length=MAX_SITES)
    kind: Literal["wireguard", "ipsec"] = "wireguard"
    topology: Literal["mesh", "hub"] = Field(default="hub", description="hub: first site.")
    tunnel_cidr: Annotated[ipaddress.IPv4Network, _TEXT] = ipaddress.IPv4Network("10.255.0.0/24")
    underlay_mtu: int = Field(default=1500, ge=1280, le=9000)


class VpnPlan(BaseModel):
    tunnels: list[tuple[str, str]]
    tunnel_addresses: dict[str, str]
    mtu: int
    mss: int
    blocking: list[str]
    configs: dict[str, str]
    """Per-site configuration (wg-quick or strongSwan swanctl), key placeholders only."""
    markdown: str
    summary: str


def _wireguard(site: VpnSite, peers: list[tuple[VpnSite, list[str]]], addr: str, mtu: int) -> str:
    lines = [
        f"# /etc/wireguard/wg0.conf on {site.name}",
        "[Interface]",
        f"Address = {addr}",
        f"ListenPort = {WG_PORT}",
        f"MTU = {mtu}",
        "PrivateKey = <output of `wg genkey` on this host; never leaves it>",
    ]
    for peer, allowed in peers:
        lines += [
            "",
            "[Peer]",
            f"# {peer.name}",
            f"PublicKey = <public key of {peer.name}>",
            f"Endpoint = {peer.endpoint}:{WG_PORT}",
            f"AllowedIPs = {', '.join(allowed)}",
            "PersistentKeepalive = 25",
        ]
    return "\n".join(lines) + "\n"


def _ipsec(site: VpnSite, peers: list[tuple[VpnSite, list[str], list[str]]]) -> str:
    lines = [f"# /etc/swanctl/conf.d/{site.name}.conf", "connections {"]
    for peer, local, remote in peers:
        lines += [
            f"  {site.name}-{peer.name} {{",
            "    version = 2",
            f"    remote_addrs = {peer.endpoint}",
            "    proposals = aes256gcm16-prfsha384-ecp384",
            "    local {",
            "      auth = pubkey",
            f"      certs = {site.name}.pem",
            "    }",
            "    remote {",
            "      auth = pubkey",
            f"      id = {peer.name}",
            "    }",
            "    children {",
            f"      {peer.name} {{",
            f"        local_ts = {', '.join(local)}",
            f"        remote_ts = {', '.join(remote)}",
            "        esp_proposals = aes256gcm16-ecp384",
            "        start_action = trap",
            "        dpd_action = restart",
            "      }",
            "    }",
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def plan_vpn(args: VpnPlanArgs) -> VpnPlan:
    """Tunnels (hub: every spoke to the first site; mesh: every pair), overlap checks,
    tunnel addresses from ``tunnel_cidr``, MTU/MSS, and a configuration per site."""
    blocking = []
    names = [s.name for s in args.sites]
    if len(set(names)) != len(names):
        blocking.append("site names must be unique")
    owned = [(s.name, n) for s in args.sites for n in s.networks]
    for (sa, na), (sb, nb) in itertools.combinations(owned, 2):
        if na.version == nb.version and na.overlaps(nb):
            blocking.append(f"{sa} {na} overlaps {sb} {nb}: renumber or NAT one side")
    for name, net in owned:
        if net.version == 4 and args.tunnel_cidr.overlaps(net):
            blocking.append(f"tunnel range {args.tunnel_cidr} overlaps {name} {net}")
    hosts = list(itertools.islice(args.tunnel_cidr.hosts(), len(args.sites)))
    if len(hosts) < len(args.sites):
        blocking.append(f"tunnel range {args.tunnel_cidr} has too few addresses")
        hosts += [args.tunnel_cidr.network_address] * (len(args.sites) - len(hosts))
    addr = {
        s.name: f"{h}/{args.tunnel_cidr.prefixlen}" for s, h in zip(args.sites, hosts, strict=True)
    }
    hub = args.sites[0]
    if args.topology == "mesh":
        pairs = list(itertools.combinations(args.sites, 2))
    else:
        pairs = [(hub, spoke) for spoke in args.sites[1:]]
    mtu = args.underlay_mtu - OVERHEAD[args.kind]
    configs: dict[str, str] = {}

    def transit(*skip: VpnSite) -> list[str]:
        """Networks of the spokes other than ``skip``, reached through the hub."""
        if args.topology != "hub":
            return []
        return [str(n) for s in args.sites[1:] if s not in skip for n in s.networks]

    for site in args.sites:
        peers = []
        for a, b in pairs:
            if site not in (a, b):
                continue
            peer = b if site is a else a
            remote = [str(n) for n in peer.networks]
            local = [str(n) for n in site.networks]
            if peer is hub:
                remote += transit(site)
            elif site is hub:
                local += transit(peer)
            peers.append((peer, local, remote))
        configs[site.name] = (
            _wireguard(
                site,
                [(p, [f"{addr[p.name].split('/')[0]}/32", *r]) for p, _, r in peers],
                addr[site.name],
                mtu,
            )
            if args.kind == "wireguard"
            else _ipsec(site, peers)
        )
    tunnels = [(a.name, b.name) for a, b in pairs]
    markdown = render(
        "vpn_plan.md.j2",
        a=args,
        tunnels=tunnels,
        addr=addr,
        mtu=mtu,
        mss=mtu - 40,
        blocking=blocking,
        configs=configs,
    )
    state = f"{len(blocking)} blocking problem(s)" if blocking else "no overlaps"
    return VpnPlan(
        tunnels=tunnels,
        tunnel_addresses=addr,
        mtu=mtu,
        mss=mtu - 40,
        blocking=blocking,
        configs=configs,
        markdown=markdown,
        summary=(
            f"{args.kind} {args.topology}: {len(tunnels)} tunnel(s) between {len(args.sites)} "
            f"sites, inner MTU {mtu}, MSS {mtu - 40}; {state}."
        ),
    )
