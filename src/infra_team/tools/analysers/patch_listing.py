"""Pending and security updates read from ``apt list --upgradable`` or ``dnf check-update``."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from infra_team.tools._base import ToolInputError

_FROZEN = ConfigDict(frozen=True, extra="forbid")


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
