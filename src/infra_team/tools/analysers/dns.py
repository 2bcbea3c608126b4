"""DNS record checks: CNAME misuse, dangling aliases, bad addresses and TTL outliers."""

from __future__ import annotations

import ipaddress
import statistics
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from infra_team.tools._base import ToolInputError
from infra_team.tools._limits import NAME_CHARS, TEXT_CHARS
from infra_team.tools.analysers.severity import SEVERITY_ORDER, Severity, count_by_severity

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_ARGS = ConfigDict(extra="forbid", allow_inf_nan=False)

TTL_MIN_SECONDS = 60
TTL_MAX_SECONDS = 86400
TTL_OUTLIER_FACTOR = 20
_CNAME_COMPANIONS = frozenset({"RRSIG", "NSEC", "KEY"})


class DnsRecord(BaseModel):
    """One resource record."""

    model_config = _ARGS

    name: str = Field(
        max_length=NAME_CHARS,
        description="Owner name, absolute or relative to `zone`; `@` is the apex.",
    )
    type: str = Field(
        max_length=16, description="Record type: A, AAAA, CNAME, MX, NS, TXT, SOA ..."
    )
    value: str = Field(
        max_length=TEXT_CHARS, description="Record data; for MX `10 mail.example.com.`."
    )
    ttl: int | None = Field(default=None, ge=0, le=2**31 - 1, description="TTL in seconds.")

    @field_validator("type")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


DnsFindingKind = Literal[
    "cname_at_apex",
    "cname_with_other_data",
    "multiple_cnames",
    "dangling_cname",
    "cname_loop",
    "cname_chain",
    "target_is_cname",
    "invalid_address",
    "duplicate_record",
    "ttl_out_of_range",
    "ttl_outlier",
    "rrset_ttl_mismatch",
]


class DnsFinding(BaseModel):
    """One problem in the zone data."""

    model_config = _FROZEN

    kind: DnsFindingKind
    """What is wrong."""
    severity: Severity
    """critical, high, medium, low or info."""
    name: str
    """Owner name (absolute, lower case, no trailing dot)."""
    type: str
    """Record type concerned."""
    detail: str
    """Why it is a finding."""
    reference: str
    """RFC section the check follows."""


class DnsCheck(BaseModel):
    """Findings of a DNS record check."""

    model_config = _FROZEN

    zone: str | None
    """Apex used (given, from the SOA/NS owner, or the common suffix); None when unknown."""
    records_checked: int
    """Number of records."""
    findings: list[DnsFinding]
    """Most severe first."""
    counts: dict[str, int]
    """Findings per severity."""
    external_targets: list[str]
    """CNAME targets outside the zone: not checkable here, verify they resolve."""
    ttl_median: float | None
    """Median TTL of the records that carry one."""
    notes: list[str]
    """How names and rules were applied."""


def _absolute(name: str, zone: str | None) -> str:
    cleaned = name.strip().lower()
    if cleaned == "@":
        if zone is None:
            msg = "a record uses `@` but no `zone` was given; pass `zone` (e.g. example.com)."
            raise ToolInputError(msg)
        return zone
    if cleaned.endswith("."):
        return cleaned.rstrip(".")
    if zone is None or cleaned == zone or cleaned.endswith(f".{zone}"):
        return cleaned
    return f"{cleaned}.{zone}"


def _target(value: str, zone: str | None) -> str:
    cleaned = value.strip().lower()
    if cleaned == "@" and zone is not None:
        return zone
    if cleaned.endswith("."):
        return cleaned.rstrip(".")
    if zone is not None and "." not in cleaned:
        return f"{cleaned}.{zone}"
    return cleaned


def _in_zone(name: str, zone: str | None) -> bool:
    return zone is not None and (name == zone or name.endswith(f".{zone}"))


def _infer_zone(records: list[DnsRecord]) -> str | None:
    for kind in ("SOA", "NS"):
        owners = sorted({_absolute(r.name, None) for r in records if r.type == kind}, key=len)
        if owners:
            return owners[0]
    names = {_absolute(r.name, None) for r in records}
    if len(names) < 2:
        return None
    split = [name.split(".")[::-1] for name in names]
    common: list[str] = []
    for labels in zip(*split, strict=False):
        if len(set(labels)) != 1:
            break
        common.append(labels[0])
    return ".".join(reversed(common)) if len(common) >= 2 else None


def _exists(name: str, owners: set[str], zone: str | None) -> bool:
    """Whether a name has data in the zone, directly or through a wildcard (RFC 4592)."""
    if name in owners:
        return True
    labels = name.split(".")
    for cut in range(1, len(labels)):
        parent = ".".join(labels[cut:])
        if f"*.{parent}" in owners:
            return True
        if parent == zone:
            break
    return False


def check_dns(records: list[DnsRecord], *, zone: str | None = None) -> DnsCheck:
    """Check zone data for CNAME misuse, dangling aliases and TTL outliers.

    Names ending in a dot, or in the zone, are absolute; others (and ``@``) are relative to
    the zone. CNAME targets without a dot are relative; other targets are taken as absolute.
    Checks and their references:

    - CNAME at the apex, or beside any other data at the same name (RRSIG, NSEC and KEY
      excepted): RFC 1912 section 2.4, RFC 2181 section 10.1; more than one CNAME at a name:
      RFC 2181 section 10.1;
    - dangling CNAME: the target is inside the zone (the zone or below it) and no record of
      the data exists there, directly or by wildcard (RFC 4592); a loop is reported as such and
      a chain of aliases as a note (RFC 1034 section 3.6.2 discourages chains). Targets
      outside the zone are listed in ``external_targets`` since they cannot be checked here;
    - MX and NS pointing at an alias: RFC 2181 section 10.3; A/AAAA data that is not an
      address; duplicate records in an RRset (RFC 2181 section 5);
    - TTLs: outside 60 s to 86,400 s (a day, the typical value of RFC 1912 section 2.2) or
      more than 20x away from the zone's median TTL; records of one RRset with different
      TTLs (RFC 2181 section 5.2).

    Raises:
        ToolInputError: when ``@`` is used without a zone.
    """
    apex = _absolute(zone, None) if zone else _infer_zone(records)
    normal = [(r, _absolute(r.name, apex)) for r in records]
    by_name: dict[str, list[DnsRecord]] = {}
    for record, name in normal:
        by_name.setdefault(name, []).append(record)
    owners = set(by_name)
    cnames = {
        name: _target(next(r.value for r in recs if r.type == "CNAME"), apex)
        for name, recs in by_name.items()
        if any(r.type == "CNAME" for r in recs)
    }
    findings: list[DnsFinding] = []
    findings += _cname_placement(by_name, apex)
    external: set[str] = set()
    for name, target in cnames.items():
        findings += _follow_cname(name, target, cnames, owners, apex, external)
    findings += _record_data(normal, cnames, apex)
    ttl_findings, median = _ttl_findings(normal)
    findings += ttl_findings
    findings.sort(key=lambda f: SEVERITY_ORDER.index(f.severity))
    notes = [
        f"TTL rule: outside {TTL_MIN_SECONDS}-{TTL_MAX_SECONDS} s or more than "
        f"{TTL_OUTLIER_FACTOR}x from the median."
    ]
    if apex is None:
        notes.append(
            "Zone apex unknown (no SOA/NS, no common suffix): pass `zone` to check "
            "the apex and dangling aliases."
        )
    return DnsCheck(
        zone=apex,
        records_checked=len(records),
        findings=findings,
        counts=count_by_severity([f.severity for f in findings]),
        external_targets=sorted(external),
        ttl_median=median,
        notes=notes,
    )


def _cname_placement(by_name: dict[str, list[DnsRecord]], apex: str | None) -> list[DnsFinding]:
    findings = []
    for name, recs in by_name.items():
        cname_count = sum(1 for r in recs if r.type == "CNAME")
        if not cname_count:
            continue
        if name == apex:
            findings.append(
                DnsFinding(
                    kind="cname_at_apex",
                    severity="high",
                    name=name,
                    type="CNAME",
                    detail="a CNAME at the zone apex conflicts with the SOA and NS records the "
                    "apex must hold; use A/AAAA, or the provider's ALIAS/ANAME/flattening",
                    reference="RFC 1912 section 2.4; RFC 2181 section 10.1",
                )
            )
        others = sorted({r.type for r in recs if r.type not in _CNAME_COMPANIONS | {"CNAME"}})
        if others:
            findings.append(
                DnsFinding(
                    kind="cname_with_other_data",
                    severity="high",
                    name=name,
                    type="CNAME",
                    detail=f"CNAME beside {', '.join(others)} at the same name; resolvers "
                    "return the alias and ignore the other data",
                    reference="RFC 1912 section 2.4; RFC 2181 section 10.1",
                )
            )
        if cname_count > 1:
            findings.append(
                DnsFinding(
                    kind="multiple_cnames",
                    severity="high",
                    name=name,
                    type="CNAME",
                    detail=f"{cname_count} CNAME records at one name; only one is allowed",
                    reference="RFC 2181 section 10.1",
                )
            )
    return findings


def _follow_cname(
    name: str,
    target: str,
    cnames: dict[str, str],
    owners: set[str],
    apex: str | None,
    external: set[str],
) -> list[DnsFinding]:
    path = [name]
    current = target
    while current in cnames:
        if current in path:
            loop = " -> ".join([*path, current])
            return [
                DnsFinding(
                    kind="cname_loop",
                    severity="high",
                    name=name,
                    type="CNAME",
                    detail=f"alias loop: {loop}",
                    reference="RFC 1034 section 3.6.2",
                )
            ]
        path.append(current)
        current = cnames[current]
    findings: list[DnsFinding] = []
    if len(path) > 1:
        findings.append(
            DnsFinding(
                kind="cname_chain",
                severity="info",
                name=name,
                type="CNAME",
                detail=f"chain of {len(path)} aliases: {' -> '.join([*path, current])}",
                reference="RFC 1034 section 3.6.2; RFC 1912 section 2.4",
            )
        )
    if not _in_zone(current, apex):
        external.add(current)
    elif not _exists(current, owners, apex):
        findings.append(
            DnsFinding(
                kind="dangling_cname",
                severity="high",
                name=name,
                type="CNAME",
                detail=f"points to {current}, which is inside {apex} but has no records "
                "(NXDOMAIN/NODATA for clients; a takeover risk if the name is claimed later)",
                reference="RFC 1034 section 3.6.2",
            )
        )
    return findings


def _record_data(
    normal: list[tuple[DnsRecord, str]], cnames: dict[str, str], apex: str | None
) -> list[DnsFinding]:
    findings = []
    seen: set[tuple[str, str, str]] = set()
    for record, name in normal:
        key = (name, record.type, record.value.strip().lower())
        if key in seen:
            findings.append(
                DnsFinding(
                    kind="duplicate_record",
                    severity="low",
                    name=name,
                    type=record.type,
                    detail=f"duplicate {record.type} {record.value}",
                    reference="RFC 2181 section 5",
                )
            )
        seen.add(key)
        if record.type in {"A", "AAAA"}:
            kind = ipaddress.IPv4Address if record.type == "A" else ipaddress.IPv6Address
            try:
                kind(record.value.strip())
            except ValueError:
                findings.append(
                    DnsFinding(
                        kind="invalid_address",
                        severity="high",
                        name=name,
                        type=record.type,
                        detail=f"`{record.value}` is not an IPv{4 if record.type == 'A' else 6} "
                        "address",
                        reference="RFC 1035 section 3.4.1; RFC 3596 section 2.2",
                    )
                )
        if record.type in {"MX", "NS"}:
            host = record.value.split()[-1] if record.value.split() else ""
            target = _target(host, apex)
            if target in cnames:
                findings.append(
                    DnsFinding(
                        kind="target_is_cname",
                        severity="medium",
                        name=name,
                        type=record.type,
                        detail=f"{record.type} points to {target}, which is an alias; it must "
                        "name a host with A/AAAA records",
                        reference="RFC 2181 section 10.3",
                    )
                )
    return findings


def _ttl_findings(normal: list[tuple[DnsRecord, str]]) -> tuple[list[DnsFinding], float | None]:
    ttls = [r.ttl for r, _ in normal if r.ttl is not None]
    median = float(statistics.median(ttls)) if ttls else None
    findings = []
    for record, name in normal:
        if record.ttl is None:
            continue
        reasons = []
        if record.ttl < TTL_MIN_SECONDS:
            reasons.append(f"below {TTL_MIN_SECONDS} s (resolver load, clamped by many caches)")
        elif record.ttl > TTL_MAX_SECONDS:
            reasons.append(f"above {TTL_MAX_SECONDS} s (changes take over a day to propagate)")
        if (
            median
            and len(ttls) >= 3
            and (
                record.ttl > median * TTL_OUTLIER_FACTOR or record.ttl * TTL_OUTLIER_FACTOR < median
            )
        ):
            reasons.append(f"more than {TTL_OUTLIER_FACTOR}x from the median {median:g} s")
        if reasons:
            out_of_range = not TTL_MIN_SECONDS <= record.ttl <= TTL_MAX_SECONDS
            findings.append(
                DnsFinding(
                    kind="ttl_out_of_range" if out_of_range else "ttl_outlier",
                    severity="low",
                    name=name,
                    type=record.type,
                    detail=f"TTL {record.ttl} s: {'; '.join(reasons)}",
                    reference="RFC 1912 section 2.2; RFC 2181 section 8",
                )
            )
    rrsets: dict[tuple[str, str], set[int]] = {}
    for record, name in normal:
        if record.ttl is not None:
            rrsets.setdefault((name, record.type), set()).add(record.ttl)
    for (name, kind), values in rrsets.items():
        if len(values) > 1:
            findings.append(
                DnsFinding(
                    kind="rrset_ttl_mismatch",
                    severity="low",
                    name=name,
                    type=kind,
                    detail=f"records of one RRset carry different TTLs: {sorted(values)}",
                    reference="RFC 2181 section 5.2",
                )
            )
    return findings, median
