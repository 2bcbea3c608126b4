"""Subnet plans: non-overlapping blocks of the requested sizes inside a VPC CIDR."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict

from infra_team.tools._base import ToolInputError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_FROZEN = ConfigDict(frozen=True, extra="forbid")

AWS_RESERVED_PER_SUBNET = 5


class SubnetAllocation(BaseModel):
    """One allocated subnet."""

    model_config = _FROZEN

    request_index: int
    """Position of the prefix in the request (0-based)."""
    prefix: int
    """Requested prefix length."""
    cidr: str
    """Allocated block."""
    first_address: str
    """First address of the block (the network address)."""
    last_address: str
    """Last address of the block."""
    addresses: int
    """Addresses in the block."""
    usable_hosts: int
    """Hosts by the classic rule: IPv4 minus network and broadcast (RFC 3021 for /31);
    IPv6 has no broadcast, so every address."""
    usable_hosts_aws: int
    """Hosts in AWS, which reserves the first four and the last address of every subnet."""


class CidrPlan(BaseModel):
    """A subnet plan for one VPC block."""

    model_config = _FROZEN

    vpc_cidr: str
    """The block planned."""
    version: Literal[4, 6]
    """IP version."""
    total_addresses: int
    """Addresses in the VPC block."""
    allocated_addresses: int
    """Addresses given to subnets."""
    free_addresses: int
    """Addresses left."""
    utilization_percent: float
    """Allocated share of the VPC block, in percent."""
    subnets: list[SubnetAllocation]
    """Allocations in request order."""
    free_blocks: list[str]
    """Remaining space as the fewest aligned CIDR blocks."""
    aws_notes: list[str]
    """Where the plan breaks an AWS VPC size rule."""


def _network(text: str, name: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text.strip())
    except ValueError as exc:
        try:
            fixed = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            msg = f"`{name}` `{text}` is not an IPv4 or IPv6 CIDR such as 10.0.0.0/16 ({exc})."
            raise ToolInputError(msg) from exc
        msg = f"`{name}` `{text}` has host bits set; did you mean `{fixed}`?"
        raise ToolInputError(msg) from exc


def _block(vpc: IPNetwork, start: int, prefix: int) -> IPNetwork:
    """The block at integer address ``start`` in the VPC's own IP version.

    ``ipaddress.ip_network((start, prefix))`` guesses the version from the integer, so an
    IPv6 block at a low address (``::/0`` starts at 0) came back as IPv4.
    """
    if vpc.version == 4:
        return ipaddress.IPv4Network((start, prefix))
    return ipaddress.IPv6Network((start, prefix))


def _address(vpc: IPNetwork, value: int) -> IPAddress:
    """The address ``value`` in the VPC's own IP version (see ``_block``)."""
    if vpc.version == 4:
        return ipaddress.IPv4Address(value)
    return ipaddress.IPv6Address(value)


def _usable_classic(network: IPNetwork) -> int:
    if network.version == 6:
        return network.num_addresses
    if network.prefixlen >= 31:
        return network.num_addresses
    return network.num_addresses - 2


def plan_cidr(vpc_cidr: str, subnet_prefixes: list[int]) -> CidrPlan:
    """Pack subnets of the requested prefix lengths into a VPC block without overlap.

    Uses the standard library ``ipaddress`` module. Blocks are allocated largest first (the
    shortest prefix first), each at the next address aligned to its size: with power-of-two
    blocks taken in decreasing size this leaves no gaps, so a request fits exactly when the
    sizes add up to no more than the VPC. Results are reported in request order. Usable hosts
    follow two conventions: the classic one (network and broadcast addresses excluded for
    IPv4, RFC 3021 for /31) and AWS's, which reserves 5 addresses per subnet (network, VPC
    router, DNS, future use, broadcast; Amazon VPC User Guide, "Subnet CIDR blocks").

    Raises:
        ToolInputError: for a malformed CIDR, an impossible prefix, or a plan that does not fit.
    """
    vpc = _network(vpc_cidr, "vpc_cidr")
    if not subnet_prefixes:
        msg = "`subnet_prefixes` is empty; pass prefix lengths such as [24, 24, 22]."
        raise ToolInputError(msg)
    for prefix in subnet_prefixes:
        if prefix < vpc.prefixlen:
            msg = (
                f"subnet prefix /{prefix} is larger than the VPC {vpc} (/{vpc.prefixlen}); "
                f"use prefixes from /{vpc.prefixlen} to /{vpc.max_prefixlen}."
            )
            raise ToolInputError(msg)
        if prefix > vpc.max_prefixlen:
            msg = (
                f"subnet prefix /{prefix} is longer than /{vpc.max_prefixlen} for IPv{vpc.version}."
            )
            raise ToolInputError(msg)
    sizes = [2 ** (vpc.max_prefixlen - prefix) for prefix in subnet_prefixes]
    needed = sum(sizes)
    if needed > vpc.num_addresses:
        msg = (
            f"the subnets need {needed} addresses but {vpc} has {vpc.num_addresses}; "
            "remove subnets, use longer prefixes, or plan a larger VPC block."
        )
        raise ToolInputError(msg)

    start = int(vpc.network_address)
    cursor = start
    allocated: dict[int, SubnetAllocation] = {}
    order = sorted(range(len(subnet_prefixes)), key=lambda i: subnet_prefixes[i])
    for index in order:
        size = sizes[index]
        cursor = -(-cursor // size) * size  # align up to the block size
        block = _block(vpc, cursor, subnet_prefixes[index])
        allocated[index] = SubnetAllocation(
            request_index=index,
            prefix=subnet_prefixes[index],
            cidr=str(block),
            first_address=str(block.network_address),
            last_address=str(block.broadcast_address),
            addresses=block.num_addresses,
            usable_hosts=_usable_classic(block),
            usable_hosts_aws=max(0, block.num_addresses - AWS_RESERVED_PER_SUBNET),
        )
        cursor += size
    end = int(vpc.broadcast_address)
    free_blocks: list[str] = []
    if cursor <= end:
        first, last = _address(vpc, cursor), _address(vpc, end)
        free_blocks = [str(net) for net in ipaddress.summarize_address_range(first, last)]
    return CidrPlan(
        vpc_cidr=str(vpc),
        version=vpc.version,
        total_addresses=vpc.num_addresses,
        allocated_addresses=needed,
        free_addresses=vpc.num_addresses - needed,
        utilization_percent=round(needed / vpc.num_addresses * 100, 2),
        subnets=[allocated[i] for i in range(len(subnet_prefixes))],
        free_blocks=free_blocks,
        aws_notes=_aws_notes(vpc, subnet_prefixes),
    )


def _aws_notes(vpc: IPNetwork, prefixes: list[int]) -> list[str]:
    notes: list[str] = []
    if vpc.version == 4:
        if not 16 <= vpc.prefixlen <= 28:
            notes.append(f"AWS IPv4 VPC blocks are /16 to /28; {vpc} is /{vpc.prefixlen}.")
        odd = sorted({p for p in prefixes if not 16 <= p <= 28})
        if odd:
            shown = ", ".join(f"/{p}" for p in odd)
            notes.append(f"AWS IPv4 subnets are /16 to /28; not allowed: {shown}.")
    else:
        odd = sorted({p for p in prefixes if not (44 <= p <= 64 and p % 4 == 0)})
        if odd:
            shown = ", ".join(f"/{p}" for p in odd)
            notes.append(f"AWS IPv6 subnets are /44 to /64 in steps of 4; not allowed: {shown}.")
    return notes
