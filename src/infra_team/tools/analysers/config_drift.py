"""Configuration drift: each host's settings against the baseline, key by key.

NIST SP 800-128, "Guide for Security-Focused Configuration Management of Information
Systems": a baseline configuration is the reviewed reference, and monitoring compares each
system to it to find unauthorised or undocumented changes. Input is ``key value`` or
``key = value`` lines, as printed by ``sysctl -a``, ``sshd -T`` or ``postconf``; ``#``
comments and blank lines are ignored; a repeated key keeps its first value (sshd's rule).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from infra_team.tools._limits import Text
from infra_team.tools.analysers._common import MAX_ROWS, Args, Ident

MAX_LISTED = 50
_LINE = re.compile(r"^\s*(?P<key>[^\s=#]+)\s*(?:=\s*|\s+)(?P<value>.*?)\s*$")


class HostConfig(Args):
    name: Ident
    config: Text


class ConfigDriftArgs(Args):
    """Arguments of ``config_drift``."""

    baseline: Text
    hosts: list[HostConfig] = Field(min_length=1, max_length=MAX_ROWS)


class HostDrift(BaseModel):
    host: str
    drifted: dict[str, tuple[str, str]]
    """key -> (baseline value, host value); at most 50 listed."""
    missing: list[str]
    drift_count: int


class ConfigDrift(BaseModel):
    baseline_keys: int
    clean_hosts: list[str]
    drifted_hosts: list[HostDrift]
    summary: str


def parse_settings(text: str) -> dict[str, str]:
    """``key value`` / ``key = value`` lines into a dict, first value winning."""
    settings: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match:
            settings.setdefault(match["key"], match["value"])
    return settings


def check_drift(args: ConfigDriftArgs) -> ConfigDrift:
    """Every baseline key absent from a host, or with another value, is drift. Keys the
    baseline does not name are not judged (the baseline is the contract)."""
    base = parse_settings(args.baseline)
    if not base:
        from infra_team.tools._base import ToolInputError

        raise ToolInputError("the baseline has no `key value` lines")
    clean, drifted = [], []
    for host in args.hosts:
        have = parse_settings(host.config)
        diff = {k: (v, have[k]) for k, v in base.items() if k in have and have[k] != v}
        missing = [k for k in base if k not in have]
        count = len(diff) + len(missing)
        if count == 0:
            clean.append(host.name)
        else:
            drifted.append(
                HostDrift(
                    host=host.name,
                    drifted=dict(list(diff.items())[:MAX_LISTED]),
                    missing=missing[:MAX_LISTED],
                    drift_count=count,
                )
            )
    return ConfigDrift(
        baseline_keys=len(base),
        clean_hosts=clean,
        drifted_hosts=drifted,
        summary=(
            f"{len(args.hosts) - len(drifted)}/{len(args.hosts)} host(s) match the "
            f"{len(base)}-key baseline; "
            + (
                ", ".join(f"{d.host} {d.drift_count}" for d in drifted[:10]) + " drifted"
                if drifted
                else "no drift"
            )
            + "."
        ),
    )
