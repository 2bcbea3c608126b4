"""The replica lag the DBA accepts: one rule for the plans, the live reads and the reports."""

from __future__ import annotations

from infra_team.offline._extract import RequestFacts

DEFAULT_LAG_THRESHOLD_SECONDS = 60.0
"""Replica lag alert threshold when the request states none: PostgreSQL's default
``wal_receiver_timeout`` and ``wal_sender_timeout`` are 60 s (PostgreSQL manual, 20.6.1
"Sending Servers" and 20.6.3 "Standby Servers"): the server itself treats a replication
connection silent for longer as failed, so a replica further behind than that is not
streaming normally."""


def lag_threshold(facts: RequestFacts) -> tuple[float, str]:
    """Replica lag the DBA accepts, in seconds, and why: the threshold the request states;
    else the stated RPO when tighter than ``DEFAULT_LAG_THRESHOLD_SECONDS`` (lag beyond the
    RPO would lose more data on failover than allowed); else that default. A default RPO
    (1 h) is never used: an hour of lag is an incident, not a healthy replica."""
    if facts.lag_threshold_seconds is not None:
        return facts.lag_threshold_seconds, "the threshold stated in the request"
    if facts.rpo_minutes is not None and facts.rpo_minutes * 60 < DEFAULT_LAG_THRESHOLD_SECONDS:
        return facts.rpo_minutes * 60, "the stated RPO"
    return DEFAULT_LAG_THRESHOLD_SECONDS, "none stated: PostgreSQL's default wal_receiver_timeout"


def lag_threshold_seconds(facts: RequestFacts) -> float:
    """The threshold of ``lag_threshold``."""
    return lag_threshold(facts)[0]
