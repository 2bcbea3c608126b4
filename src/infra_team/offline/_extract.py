"""Facts the offline engine reads from a request's text with regular expressions.

Each ``find_*`` function returns one kind of fact or ``None`` / an empty tuple when the
text does not state it; nothing here guesses a value. Defaults and assumptions are the
business of the plans (``infra_team.offline._plans``), which say so in what they write.

Units: durations are minutes, rates and shares are percent (``40`` means 40 %),
throughput is requests per second.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict

from infra_team.offline._scan import scan
from infra_team.stages import requested_writes

_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT_MINUTES: dict[str, float] = {
    "s": 1 / 60,
    "sec": 1 / 60,
    "secs": 1 / 60,
    "second": 1 / 60,
    "seconds": 1 / 60,
    "m": 1.0,
    "min": 1.0,
    "mins": 1.0,
    "minute": 1.0,
    "minutes": 1.0,
    "h": 60.0,
    "hr": 60.0,
    "hrs": 60.0,
    "hour": 60.0,
    "hours": 60.0,
    "d": 1440.0,
    "day": 1440.0,
    "days": 1440.0,
}
_UNIT = r"(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b"

_CIDR = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})(?![\d.])")
_PERCENT = re.compile(_NUMBER + r"\s*(?:%|percent\b)", re.IGNORECASE)
_NINES = {"two nines": 99.0, "three nines": 99.9, "four nines": 99.99, "five nines": 99.999}
_SLO_AFTER = re.compile(
    r"\b(?:SLO|SLA|availability|uptime)\b[^\d\n]{0,24}?(\d{2}(?:\.\d+)?)\s*%?", re.IGNORECASE
)
_SLO_BEFORE = re.compile(
    r"(\d{2}(?:\.\d+)?)\s*%\s*(?:monthly\s+|yearly\s+)?(?:SLO|SLA|availability|uptime|available)\b",
    re.IGNORECASE,
)
_ERROR_RATE = (
    re.compile(
        _NUMBER + r"\s*(?:%|percent\b)\s*(?:of\s+)?(?:all\s+|the\s+|its\s+|our\s+)?"
        r"(?:[a-z]+\s+)?(?:requests|calls|traffic|queries|transactions|checkouts|errors|5xx|users"
        r"|logins)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\berror[- ]rate\b[^\d\n]{0,24}?" + _NUMBER + r"\s*(?:%|percent\b)", re.IGNORECASE),
    # "85 % of our CDN edge network is returning 503 errors": a share of the fleet failing
    re.compile(
        _NUMBER + r"\s*(?:%|percent\b)\s*of\s+(?:all\s+|the\s+|our\s+)?(?:[\w-]+\s+){0,3}?"
        r"(?:network|fleet|hosts|servers|nodes|edge|pops|sites|instances|clusters)\b[^.\n]{0,30}?"
        r"\b(?:fail\w*|errors?|5\d\d|5xx|down|unreachable|unavailable)\b",
        re.IGNORECASE,
    ),
)
_GROWTH = (
    re.compile(
        _NUMBER + r"\s*(?:%|percent\b)\s*(?:(?:annual|yearly|monthly|yoy|year[- ]over[- ]year|"
        r"traffic|user|expected|projected)\s+)*growth",
        re.IGNORECASE,
    ),
    re.compile(
        r"\bgrow(?:th|s|ing)?\b[^\d\n]{0,20}?(?:of|by|at)?\s*" + _NUMBER + r"\s*(?:%|percent\b)",
        re.IGNORECASE,
    ),
)
_RPS = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*(?:rps|req/s|qps|requests?\s*(?:per|/|a)\s*s(?:ec(?:ond)?)?\b)",
    re.IGNORECASE,
)
_STATUS = re.compile(
    r"(?<![\d.])(5\d\d)(?![\d.])(?!\s*(?:%|ms|gb|mb|tb|gib|mib|rps|req|users?|servers?|hosts?"
    r"|vms?|nodes?|k\b|iops|connections?))",
    re.IGNORECASE,
)
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|yet to be|isn't|hasn't|wasn't|n't)\s+(?:yet\s+)?(?:been\s+|fully\s+)?$",
    re.IGNORECASE,
)
_RECOVERED = re.compile(
    r"\b(?:recovered|resolved|back to normal|back up|restored|fixed|is healthy again)\b",
    re.IGNORECASE,
)
_SSHD_LINE = re.compile(
    r"^\s*(?:PermitRootLogin|PasswordAuthentication|PubkeyAuthentication|Port|Protocol|"
    r"X11Forwarding|MaxAuthTries|PermitEmptyPasswords|Ciphers|MACs|KexAlgorithms|"
    r"ClientAliveInterval|ClientAliveCountMax|LoginGraceTime|AllowUsers|AllowGroups|"
    r"KbdInteractiveAuthentication|ChallengeResponseAuthentication|UsePAM|LogLevel|"
    r"HostbasedAuthentication|IgnoreRhosts|PermitUserEnvironment|AllowTcpForwarding|Banner)"
    r"\s+\S.*$",
    re.IGNORECASE | re.MULTILINE,
)
_APT_LINE = re.compile(
    r"^\s*[a-z0-9][\w.+-]*/\S+\s+\S+\s+\S+\s+\[upgradable from:[^\]]*\]\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_NAME = r"([a-z][a-z0-9_-]{1,40})"
_SYMPTOM_VERBS = (
    r"returns|returning|returned|is|are|was|were|has|have|had|fails|failing|failed|throws|"
    r"throwing|responds|responding|keeps|went|goes|started|starts|errors|erroring|times|timing|"
    r"down|slow|unavailable|unreachable|outage|5xx|5\d\ds?"
)
_SERVICE_PATTERNS = (
    # "service checkout", "restart app billing"; not the tail of "checkout-service returns"
    re.compile(r"(?<![\w-])(?:service|app|application)\s+[`'\"]?" + _NAME, re.IGNORECASE),
    # "the billing API", "errors on the payments service"
    re.compile(
        r"\b" + _NAME + r"\s+(?:service|api|app|application|endpoint|site)\b", re.IGNORECASE
    ),
    # "checkout returns 502", "Our checkout is returning 502s", "P1: checkout 502s"
    re.compile(
        r"^\W*(?:[a-z][\w ]{0,20}:\s*)?(?:(?:the|our|my|prod|production|staging|live)\s+)*"
        + _NAME
        + r"\s*:?\s+(?:"
        + _SYMPTOM_VERBS
        + r")\b",
        re.IGNORECASE,
    ),
    # "an SLO and alerts for login", "dashboards for the payments"
    re.compile(
        r"\b(?:slos?|slis?|alerts?|alerting|monitoring|dashboards?|runbooks?|error budgets?"
        r"|burn[- ]rate)\b[^.\n]{0,40}?\bfor\s+(?:the\s+|our\s+)?" + _NAME + r"\b",
        re.IGNORECASE,
    ),
    # "502s on checkout", "errors from the billing backend"
    re.compile(
        r"\b(?:5\d\d|5xx|errors?|timeouts?|failures?)s?\s+(?:on|from|in|at)\s+(?:the\s+)?"
        + _NAME
        + r"\b",
        re.IGNORECASE,
    ),
)
_SERVICE_NEEDLES: tuple[tuple[str, ...], ...] = (
    ("service", "app"),
    ("service", "api", "app", "endpoint", "site"),
    (),
    ("slo", "sli", "alert", "monitoring", "dashboard", "runbook", "error", "burn"),
    ("5", "error", "timeout", "failure"),
)
"""For each of ``_SERVICE_PATTERNS``, word prefixes one of which any match contains (empty:
always run; the third pattern is anchored at the start and cheap)."""
_COUNT = r"(\d[\d,]*(?:\.\d+)?)(?:\s*(k|thousand|m|million)\b)?"
_EVENTS = r"(?:requests|calls|events|queries|transactions|checkouts|responses)"
_BAD_WORDS = r"(?:failed|failing|errored|erroring|bad|unsuccessful|5xx|errors?)"
_GOOD_WORDS = r"(?:good|successful|succeeded|ok)"
_OF = r"\s*(?:of|out of|/)\s*(?:the\s+|all\s+)?"
_EVENT_COUNTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "1,200 of 50,000 requests failed", "1200/50000 calls returned errors"
    (
        "bad",
        re.compile(
            _COUNT + _OF + _COUNT + r"\s+" + _EVENTS + r"\s+(?:have\s+|had\s+|were\s+|are\s+)?"
            r"(?:failed|failing|errored|erroring|bad|were errors|returned (?:errors|5xx))",
            re.IGNORECASE,
        ),
    ),
    # "1,200 failed requests out of 50,000", "300 errors of 10k calls"
    (
        "bad",
        re.compile(
            _COUNT + r"\s+" + _BAD_WORDS + r"(?:\s+" + _EVENTS + r")?" + _OF + _COUNT,
            re.IGNORECASE,
        ),
    ),
    # "48,800 of 50,000 requests succeeded"
    (
        "good",
        re.compile(
            _COUNT + _OF + _COUNT + r"\s+" + _EVENTS + r"\s+(?:were\s+)?" + _GOOD_WORDS,
            re.IGNORECASE,
        ),
    ),
    # "48,800 good events out of 50,000"
    (
        "good",
        re.compile(
            _COUNT + r"\s+" + _GOOD_WORDS + r"(?:\s+" + _EVENTS + r")?" + _OF + _COUNT,
            re.IGNORECASE,
        ),
    ),
)
"""Stated event counts: which count the first number is (bad or good), then the total."""
_EVENT_FIELDS = re.compile(r"\b(good|bad|total)[_ ]events\s*[:=]?\s*" + _COUNT, re.IGNORECASE)
_MULTIPLIERS = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}
_LAG_TRIGGER = re.compile(
    r"\b(?:replica(?:tion)?|replay|standby|streaming)[_ ]lag(?:\s+samples?)?\b"
    r"|\blag\s+(?:samples?|values|readings|measurements)\b",
    re.IGNORECASE,
)
_LAG_VALUE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)?\b"
    r"(?!\s*%)",
    re.IGNORECASE,
)
_LAG_UNIT_WORD = re.compile(
    r"\b(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?)\b", re.IGNORECASE
)
_LAG_SEPARATOR = re.compile(r"\s*(?:,|;|and|then|->|→|\s)\s*", re.IGNORECASE)
_LAG_THRESHOLD_WORDS = re.compile(
    r"\b(?:under|below|less than|within|exceeds?|above|over|more than|threshold|target|max"
    r"|maximum|at most|alert|limit|budget|slo)\b|[<>≤≥]",
    re.IGNORECASE,
)
_LAG_INTERVAL = re.compile(
    r"\b(?:sampled|taken|measured|collected|polled|scraped|one)\s+every\s+"
    r"(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?)\b"
    r"|\b(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?)\s+apart\b"
    r"|\b(?:one|a sample|once)\s+(?:a|per|each|every)\s+(minute|second)\b",
    re.IGNORECASE,
)
_TIMELINE = re.compile(
    r"\b(?:by|before|until|no later than|due)\s+(?:the\s+)?(?:end\s+of\s+)?(?:next\s+|this\s+)?"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|month|quarter|year|"
    r"q[1-4](?:\s+\d{4})?|\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?)\b"
    r"|\bwithin\s+(?:the\s+next\s+)?\d+\s+(?:days?|weeks?|months?)\b"
    r"|\b(?:asap|urgently|immediately|this week|next week|next month|this quarter|next quarter)\b",
    re.IGNORECASE,
)
_NOT_A_NAME = frozenset(
    {
        "a", "an", "the", "our", "my", "your", "their", "this", "that", "new", "it", "we",
        "i", "each", "every", "one", "web", "for", "of", "and", "or", "to", "is", "are",
        "existing", "production", "prod", "staging", "whole", "entire", "main", "live",
        "incident", "alert", "urgent", "outage", "error", "errors", "writes", "reads",
        "users", "customers", "requests", "traffic", "all", "some", "most", "disk", "cpu",
        "memory", "p1", "p2", "p3", "p4", "sev1", "sev2", "sev3", "sev4",
        "recovered", "restored", "resolved", "fixed", "degraded", "down", "was", "has",
        "returns", "returned", "failing", "failed", "fails", "when", "whenever", "if",
        "any", "both", "us", "them", "you",
    }
)  # fmt: skip
"""Words a service pattern can catch that never name a service: articles, adjectives,
incident labels, traffic, resources, and the states and verbs that follow the word
"service" ("service recovered", "service is down")."""
_TECHNOLOGIES = (
    "postgresql", "postgres", "mysql", "mariadb", "mongodb", "redis", "cassandra",
    "elasticsearch", "kafka", "rabbitmq", "nginx", "haproxy", "kubernetes",
)  # fmt: skip


class RequestFacts(BaseModel):
    """Everything ``extract_facts`` found in one request, units as in the module docstring."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    cidrs: tuple[str, ...] = ()
    """IPv4 networks written in CIDR notation, in order of appearance."""
    rpo_minutes: float | None = None
    """Recovery point objective stated in the text."""
    rto_minutes: float | None = None
    """Recovery time objective stated in the text."""
    slo_percent: float | None = None
    """Availability target (``99.9``)."""
    error_rate_percent: float | None = None
    """Share of requests failing (``40`` for "40 % of requests"); without a stated share,
    the share the stated event counts give (1,200 of 50,000 -> ``2.4``)."""
    good_events: int | None = None
    """Good events, when the text states event counts ("1,200 of 50,000 requests failed")."""
    total_events: int | None = None
    """Total events, stated with ``good_events`` (or a count of bad ones)."""
    lag_samples_seconds: tuple[float, ...] = ()
    """Replication lag values stated in the text, oldest first, in seconds."""
    lag_interval_seconds: float | None = None
    """Seconds between the stated lag samples ("sampled every 30 s")."""
    lag_threshold_seconds: float | None = None
    """The replica lag the request accepts ("threshold is 60 seconds", "alert when lag
    exceeds 30s")."""
    monthly_spend: tuple[float, ...] = ()
    """Monthly spend figures pasted in the request, oldest month first."""
    zones: int | None = None
    """How many availability zones the request asks for ("three AZs", "us-east-1a/b/c")."""
    zone_names: tuple[str, ...] = ()
    """The availability zones named ("us-east-1a"), in order."""
    subnet_tiers: tuple[str, ...] = ()
    """Subnet tiers the request names ("public and private subnets" -> public, private)."""
    growth_percent: float | None = None
    """Expected growth of load over the planning horizon."""
    rps: float | None = None
    """Peak load in requests per second."""
    percentages: tuple[float, ...] = ()
    """Every percentage in the text, in order."""
    status_codes: tuple[int, ...] = ()
    """HTTP 5xx status codes mentioned."""
    duration_minutes: float | None = None
    """How long an incident has lasted ("for 75 minutes", "since 2 hours")."""
    pitr: bool = False
    """Point-in-time recovery is asked for."""
    standby: bool = False
    """A standby or replica is asked for or exists."""
    recovered: bool = False
    """The text says the problem has recovered or is resolved."""
    service: str | None = None
    """Service the request is about (``checkout``)."""
    timeline: str | None = None
    """When the work is wanted, as written ("by Friday")."""
    technology: str | None = None
    """Main product named (``postgresql``)."""
    terraform_plan: dict[str, Any] | None = None
    """A ``terraform show -json`` document found in the text."""
    sshd_config: str | None = None
    """sshd_config directives found in the text, one per line."""
    query_plan: list[Any] | dict[str, Any] | None = None
    """A PostgreSQL ``EXPLAIN (FORMAT JSON)`` document found in the text."""
    apt_listing: str | None = None
    """``apt list --upgradable`` output found in the text."""
    asks_statuspage: bool = False
    """The request asks to open or update a status page incident."""
    asks_page: bool = False
    """The request asks to page someone (PagerDuty)."""
    asks_silence: bool = False
    """The request asks to silence alerts (Alertmanager)."""
    asks_annotation: bool = False
    """The request asks to annotate dashboards (Grafana)."""


def _minutes(value: str, unit: str) -> float:
    return float(value) * _UNIT_MINUTES[unit.lower()]


def _objective_minutes(text: str, name: str) -> float | None:
    """The duration written closest to ``name``, before ("4-hour RTO") or after ("RTO 1h"),
    never across the other objective's name."""
    gap = r"(?:(?!\bRPO\b|\bRTO\b)[^\d\n]){0,24}?"
    candidates: list[tuple[int, float]] = []
    for match in re.finditer(
        rf"\b{name}\b({gap})" + _NUMBER + r"\s*-?\s*" + _UNIT, text, re.IGNORECASE
    ):
        candidates.append((len(match[1]), _minutes(match[2], match[3])))
    for match in re.finditer(
        _NUMBER + r"\s*-?\s*" + _UNIT + rf"(\s+){name}\b", text, re.IGNORECASE
    ):
        candidates.append((len(match[3]), _minutes(match[1], match[2])))
    if candidates:
        return min(candidates, key=lambda item: item[0])[1]
    zero = rf"\b(?:zero|no data loss)\s+{name}\b|\b{name}\s*(?:of\s*|=\s*|:\s*)?(?:zero|0)\b(?!\s*-?\s*\d)"
    if re.search(zero, text, re.IGNORECASE):
        return 0.0
    return None


def find_rpo_minutes(text: str) -> float | None:
    """RPO stated as "RPO 5 minutes", "RPO of 15 min", "1h RPO", "zero RPO"."""
    return _objective_minutes(text, "RPO")


def find_rto_minutes(text: str) -> float | None:
    """RTO stated as "RTO 1h", "RTO under 30 minutes", "4-hour RTO"."""
    return _objective_minutes(text, "RTO")


def find_cidrs(text: str) -> tuple[str, ...]:
    """Valid IPv4 CIDR blocks, normalised to their network address (``10.0.0.0/16``)."""
    found: list[str] = []
    for match in _CIDR.finditer(text):
        try:
            network = ipaddress.IPv4Network(match[1], strict=False)
        except ValueError:
            continue
        if str(network) not in found:
            found.append(str(network))
    return tuple(found)


def find_percentages(text: str) -> tuple[float, ...]:
    """Every percentage ("40%", "40 %", "12.5 percent"), in order."""
    return tuple(float(match[1]) for match in _PERCENT.finditer(text))


def find_slo_percent(text: str) -> float | None:
    """Availability target: "99.9% availability", "SLO of 99.95 %", "four nines"."""
    for pattern in (_SLO_BEFORE, _SLO_AFTER):
        for match in pattern.finditer(text):
            value = float(match[1])
            if 90.0 <= value < 100.0:
                return value
    lowered = text.lower()
    for words, value in _NINES.items():
        if words in lowered:
            return value
    return None


def find_error_rate_percent(text: str) -> float | None:
    """Share of failing requests: "40 % of requests", "error rate 5%"."""
    for pattern in _ERROR_RATE:
        match = pattern.search(text)
        if match and float(match[1]) <= 100.0:
            return float(match[1])
    return None


def find_growth_percent(text: str) -> float | None:
    """Expected growth: "40% growth", "growing by 25 %", "30% YoY growth"."""
    for pattern in _GROWTH:
        match = pattern.search(text)
        if match:
            return float(match[1])
    return None


def find_rps(text: str) -> float | None:
    """Peak throughput: "1200 rps", "1,200 requests per second", "1.5k req/s", "800 qps"."""
    match = _RPS.search(text)
    if match is None:
        return None
    value = float(match[1].replace(",", ""))
    return value * 1000 if match[2] else value


@lru_cache(maxsize=32)
def find_status_codes(text: str) -> tuple[int, ...]:
    """HTTP 5xx status codes ("502", "HTTP 504"), not sizes or counts ("500 GB", "500 users").

    Memoised: every stage of a run reads the same request (a few recent texts are kept)."""
    codes: list[int] = []
    for match in _STATUS.finditer(text):
        code = int(match[1])
        if code <= 511 and code not in codes:
            codes.append(code)
    return tuple(codes)


def find_incident_duration_minutes(text: str) -> float | None:
    """How long something has been broken: "for 75 minutes", "since 2 hours", "down 90 min"."""
    match = re.search(
        r"\b(?:for|since|over|past|last|down|lasting|lasted|ongoing)\s+(?:the\s+)?(?:last\s+)?"
        + _NUMBER
        + r"\s*-?\s*"
        + _UNIT,
        text,
        re.IGNORECASE,
    )
    return _minutes(match[1], match[2]) if match else None


def says_recovered(text: str) -> bool:
    """The text reports recovery ("has recovered", "resolved"), not its absence ("not resolved")."""
    for match in _RECOVERED.finditer(text):
        if not _NEGATION.search(text[max(0, match.start() - 24) : match.start()]):
            return True
    return False


def find_service(text: str) -> str | None:
    """The service a request is about, as written: "service checkout", "the billing API",
    "checkout returns 502", "Our checkout is returning 502s", "Incident: checkout 502s",
    "502s on checkout". The patterns are tried in that order; the first name that is not
    a stop word (``_NOT_A_NAME``) wins."""
    read = scan(text)
    for pattern, needles in zip(_SERVICE_PATTERNS, _SERVICE_NEEDLES, strict=True):
        if needles and not any(read.has_prefix(needle) for needle in needles):
            continue  # a word the pattern needs is absent: skip the scan of a long text
        for match in pattern.finditer(text):
            name = match[1].lower()
            if name not in _NOT_A_NAME and not name.isdigit():
                return name
    return None


def _count(number: str, multiplier: str | None) -> float:
    return float(number.replace(",", "")) * _MULTIPLIERS.get((multiplier or "").lower(), 1)


def find_event_counts(text: str) -> tuple[int, int] | None:
    """Good and total events when the text states counts: "1,200 of 50,000 requests
    failed", "300 errors out of 10k calls", "48,800 of 50,000 requests succeeded",
    "good_events=99000 total_events=100000". A failure share alone ("40 %") is not a
    count, so it gives None; so do counts that cannot be right (more bad than total)."""
    found: tuple[str, float, float] | None = None
    for kind, pattern in _EVENT_COUNTS:
        match = pattern.search(text)
        if match:
            found = (kind, _count(match[1], match[2]), _count(match[3], match[4]))
            break
    if found is None:
        fields = {m[1].lower(): _count(m[2], m[3]) for m in _EVENT_FIELDS.finditer(text)}
        if "total" in fields and ("good" in fields or "bad" in fields):
            kind = "good" if "good" in fields else "bad"
            found = (kind, fields[kind], fields["total"])
    if found is None:
        return None
    kind, counted, total = found
    if total <= 0 or counted > total or not counted.is_integer() or not total.is_integer():
        return None
    good = counted if kind == "good" else total - counted
    return int(good), int(total)


def _lag_unit_seconds(unit: str) -> float:
    lowered = unit.lower()
    if lowered.startswith(("ms", "milli")):
        return 0.001
    return 60.0 if lowered.startswith("m") else 1.0


def find_lag_samples_seconds(text: str) -> tuple[float, ...]:
    """Replication lag values the text states, in seconds and in order: "replica lag 2s,
    4s, 30s", "lag samples (seconds): 0.5, 0.7, 1.2", "replication lag: 200ms, 1.5 s".

    A value without a unit takes the next unit written in the list, else one written
    before the list ("(seconds)"), else seconds. A limit is not a sample: "replication lag
    under 10 s" or "alert when replica lag exceeds 30s" give nothing.
    """
    for trigger in _LAG_TRIGGER.finditer(text):
        gap = re.match(r"[^\d\n]{0,30}?(?=\d)", text[trigger.end() :])
        before = text[max(0, trigger.start() - 30) : trigger.start()]
        if gap is None or _LAG_THRESHOLD_WORDS.search(gap[0] + " " + before):
            continue
        unit_word = _LAG_UNIT_WORD.search(gap[0])
        position = trigger.end() + gap.end()
        values: list[tuple[float, str | None]] = []
        while match := _LAG_VALUE.match(text, position):
            values.append((float(match[1]), match[2]))
            separator = _LAG_SEPARATOR.match(text, match.end())
            if separator is None or not _LAG_VALUE.match(text, separator.end()):
                break
            position = separator.end()
        if values:
            fallback = unit_word[1] if unit_word else "s"
            samples: list[float] = []
            for index, (value, unit) in enumerate(values):
                later = next((u for _, u in values[index:] if u), None)
                samples.append(value * _lag_unit_seconds(unit or later or fallback))
            return tuple(round(sample, 6) for sample in samples)
    return ()


def find_lag_interval_seconds(text: str) -> float | None:
    """Seconds between lag samples when stated: "sampled every 30 s", "10s apart",
    "one a minute"."""
    match = _LAG_INTERVAL.search(text)
    if match is None:
        return None
    if match[5]:
        return 60.0 if match[5].lower() == "minute" else 1.0
    value, unit = (match[1], match[2]) if match[1] else (match[3], match[4])
    return float(value) * _lag_unit_seconds(unit)


_LAG_LIMIT = re.compile(
    r"(?:\bthreshold\b|\blimit\b|\bmax(?:imum)?\b|\btarget\b|\bbudget\b|\bunder\b|\bbelow\b"
    r"|\bless than\b|\bwithin\b|\bexceeds?\b|\bexceeding\b|\babove\b|\bover\b|\bmore than\b"
    r"|\bat most\b|[<>≤≥])"
    r"[^\d\n.]{0,16}?(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b",
    re.IGNORECASE,
)
_LAG_WORD = re.compile(r"\blag(?:ging|s)?\b|\bbehind\b", re.IGNORECASE)


def find_lag_threshold_seconds(text: str) -> float | None:
    """The replica lag the request accepts, in seconds: "alert when replica lag exceeds
    30s", "lag must stay under 10 s", "Our threshold is 60 seconds" (after the lag values).

    A limit word (threshold, under, exceeds, max ...) followed by a duration counts when
    lag is named in the same sentence before it, or for "threshold"/"limit" anywhere in
    the 200 characters before it (a separate sentence after the samples)."""
    for match in _LAG_LIMIT.finditer(text):
        before = text[max(0, match.start() - 200) : match.start()]
        sentence = re.split(r"[.\n](?:\s|$)", before)[-1]
        word = match[0].split()[0].lower() if match[0].split() else ""
        named = _LAG_WORD.search(sentence) or (
            word in {"threshold", "limit"} and _LAG_WORD.search(before)
        )
        if named:
            unit = match[2].lower()
            scale = 3600.0 if unit.startswith("h") else _lag_unit_seconds(unit)
            return round(float(match[1]) * scale, 6)
    return None


_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH_NAME = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_AMOUNT = (
    r"(?:[$€£]\s?|(?:usd|eur|gbp)\s?)?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?([km])?\b"
    r"(?:\s?(?:usd|eur|gbp|dollars|euros))?"
)
_LABEL_GAP = r"\s*(?:[:|=\t,–-]\s*|\s)\s*(?:\|\s*)?"
_SPEND_LABELLED = (
    # 2025-10: $12,300 | 2025/10 12300 | | 2025-10 | 12,300 |
    re.compile(
        r"(?<![\d-])(20\d\d)[-/](0?[1-9]|1[0-2])(?![-/\d])" + _LABEL_GAP + _AMOUNT, re.IGNORECASE
    ),
    # 10/2025: 12,300
    re.compile(
        r"(?<![\d/])(0?[1-9]|1[0-2])/(20\d\d)(?![-/\d])" + _LABEL_GAP + _AMOUNT, re.IGNORECASE
    ),
    # Oct 2025: $12,300 | October 2025 - 12.3k | Oct-25 12300
    re.compile(
        r"\b" + _MONTH_NAME + r"\.?[\s-]?('?\d{2}|20\d\d)?\b" + _LABEL_GAP + _AMOUNT,
        re.IGNORECASE,
    ),
)
_SPEND_LIST = re.compile(
    r"\b(?:spend|spent|costs?|bills?|billing|invoices?)\b[^\n$€£]{0,80}?"
    r"((?:[$€£]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?[km]?\b\s*(?:,\s+|;\s*|\s+and\s+|,?\s+then\s+)){2,}"
    r"(?:and\s+)?[$€£]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s?[km]?\b)",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?([km])?\b", re.IGNORECASE)
_SPEND_MULTIPLIERS = {"k": 1_000.0, "m": 1_000_000.0}


def _amount(number: str, suffix: str | None) -> float:
    return float(number.replace(",", "")) * _SPEND_MULTIPLIERS.get((suffix or "").lower(), 1.0)


def find_monthly_spend(text: str) -> tuple[float, ...]:
    """Monthly spend pasted in the request, oldest month first.

    Month-labelled figures in any of these forms, one per month (sorted by date when the
    labels carry a year, else in the order written): ``2025-10: $12,300``, table rows
    ``| 2025-10 | 12,300 |``, ``10/2025 12300``, ``Oct 2025: $12.3k``, ``October: 12,300``.
    Without labels, a list after a spend word: "monthly spend for the last six months was
    100000, 104000, 108200 and 112500 USD" (oldest first, as written). Fewer than two
    figures give nothing: one number is not a history."""
    labelled: dict[tuple[int, int], float] = {}
    order: list[tuple[int, int]] = []
    months_named = not _MONTHS.keys().isdisjoint(scan(text).words)
    for index, pattern in enumerate(_SPEND_LABELLED):
        if (index == 2 and not months_named) or (index < 2 and "20" not in text):
            continue
        for match in pattern.finditer(text):
            if index == 0:
                key, number, suffix = (int(match[1]), int(match[2])), match[3], match[4]
            elif index == 1:
                key, number, suffix = (int(match[2]), int(match[1])), match[3], match[4]
            else:
                year = (match[2] or "").lstrip("'")
                year_value = 0 if not year else int(year) + (2000 if len(year) == 2 else 0)
                key, number, suffix = (year_value, _MONTHS[match[1].lower()]), match[3], match[4]
            if key not in labelled:
                labelled[key] = _amount(number, suffix)
                order.append(key)
        if len(labelled) >= 2:
            break
        labelled.clear()
        order.clear()
    if len(labelled) >= 2:
        keys = sorted(order) if all(year for year, _ in order) else order
        return tuple(labelled[key] for key in keys)
    listed = _SPEND_LIST.search(text)
    if listed:
        return tuple(_amount(m[1], m[2]) for m in _LIST_ITEM.finditer(listed[1]))
    return ()


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_ZONE_COUNT = re.compile(
    r"\b(\d|two|three|four|five|six)[\s-]+(?:availability[\s-]+)?(?:zones?|azs?)\b"
    r"|\b(?:zones?|azs?)\s*[:=]\s*(\d)\b",
    re.IGNORECASE,
)
_ZONE_NAME = re.compile(r"\b([a-z]{2}(?:-[a-z]+)+-\d)([a-f])\b", re.IGNORECASE)


def find_zone_count(text: str) -> int | None:
    """How many availability zones are asked for: "three availability zones", "3 AZs",
    "across 2 zones", or the zone names listed ("us-east-1a, us-east-1b, us-east-1c",
    AWS zone naming: region code plus a letter)."""
    match = _ZONE_COUNT.search(text)
    if match:
        word = (match[1] or match[2]).lower()
        return _NUMBER_WORDS.get(word) or int(word)
    names = {m[0].lower() for m in _ZONE_NAME.finditer(text)}
    return len(names) if len(names) >= 2 else None


def find_zone_names(text: str) -> tuple[str, ...]:
    """Availability zones named in the text (``us-east-1a``), each once, in order."""
    return tuple(dict.fromkeys(m[0].lower() for m in _ZONE_NAME.finditer(text)))


_TIER_NAMES = {
    "public": "public", "private": "private", "app": "app", "application": "app",
    "web": "web", "data": "data", "database": "data", "db": "data", "dmz": "dmz",
    "management": "management", "mgmt": "management", "isolated": "isolated",
}  # fmt: skip
_TIER_LIST = re.compile(
    r"((?:\b(?:" + "|".join(_TIER_NAMES) + r")\b(?:[\s,/&+]|\band\b|\bor\b|-tier\b)*){1,6})"
    r"(?:tier\s+|-?facing\s+)?subnets?\b",
    re.IGNORECASE,
)
_TIER_WORD = re.compile(r"\b(" + "|".join(_TIER_NAMES) + r")\b", re.IGNORECASE)


def find_subnet_tiers(text: str) -> tuple[str, ...]:
    """Subnet tiers named just before the word "subnet": "public and private subnets",
    "public, app and data subnets", "web/app/db subnets" (``database``/``db`` read as
    ``data``, ``application`` as ``app``)."""
    tiers: list[str] = []
    for match in _TIER_LIST.finditer(text):
        for word in _TIER_WORD.findall(match[1]):
            tier = _TIER_NAMES[word.lower()]
            if tier not in tiers:
                tiers.append(tier)
    return tuple(tiers)


def find_technology(text: str) -> str | None:
    """The first well-known product named (PostgreSQL, MySQL, Redis ...), lower case."""
    lowered = text.lower()
    positions = [(lowered.find(name), name) for name in _TECHNOLOGIES if name in lowered]
    if not positions:
        return None
    name = min(positions)[1]
    return "postgresql" if name == "postgres" else name


def _json_documents(text: str) -> Iterator[Any]:
    """Every JSON object or array embedded in ``text``, outermost first."""
    decoder = json.JSONDecoder()
    start = _next_json_start(text, 0)
    while start != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = _next_json_start(text, start + 1)
            continue
        yield value
        start = _next_json_start(text, end)


def _next_json_start(text: str, position: int) -> int:
    found = [index for index in (text.find("{", position), text.find("[", position)) if index != -1]
    return min(found) if found else -1


def find_terraform_plan(text: str) -> dict[str, Any] | None:
    """A ``terraform show -json`` plan document embedded in the text.

    The JSON output format (Terraform docs, "JSON Output Format") has top-level
    ``format_version`` and, for plans, ``resource_changes`` / ``planned_values``.
    """
    for value in _json_documents(text):
        if isinstance(value, dict) and ("resource_changes" in value or "planned_values" in value):
            return value
    return None


def find_query_plan(text: str) -> list[Any] | dict[str, Any] | None:
    """A PostgreSQL ``EXPLAIN (FORMAT JSON)`` document: a list (or object) holding ``Plan``.

    Shape from the PostgreSQL manual, EXPLAIN: ``[{"Plan": {"Node Type": ...}}]``.
    """
    for value in _json_documents(text):
        if isinstance(value, dict) and "Plan" in value:
            return value
        if isinstance(value, list) and value and isinstance(value[0], dict) and "Plan" in value[0]:
            return value
    return None


def find_apt_listing(text: str) -> str | None:
    """``apt list --upgradable`` lines present in the text (apt(8)), one per line."""
    lines = [match[0].strip() for match in _APT_LINE.finditer(text)]
    return "\n".join(lines) + "\n" if lines else None


def find_sshd_config(text: str) -> str | None:
    """sshd_config directives present in the text (at least two), one per line."""
    lines = [match[0].strip() for match in _SSHD_LINE.finditer(text)]
    return "\n".join(lines) + "\n" if len(lines) >= 2 else None


def find_timeline(text: str) -> str | None:
    """When the work is wanted: "by Friday", "within 2 weeks", "before 2026-03-01", "ASAP"."""
    match = _TIMELINE.search(text)
    return " ".join(match[0].split()) if match else None


def mentions(text: str, pattern: str) -> bool:
    """Whether a case-insensitive regular expression occurs in ``text``."""
    return re.search(pattern, text, re.IGNORECASE) is not None


_SLO_WORDS = ("slo", "sla", "availability", "uptime", "available", "nines")
_RECOVERY_WORDS = ("recovered", "resolved", "back", "restored", "fixed", "healthy")
_SPEND_WORDS = (
    "spend", "spent", "cost", "costs", "bill", "billing", "invoice", "usd", "eur", "gbp",
    "monthly",
)  # fmt: skip
_ZONE_WORDS = ("zone", "zones", "az", "azs")
_ZONE_SUFFIX = re.compile(r"\d[a-f]")
"""The last word of a zone name (``1a`` of ``us-east-1a``)."""
_TIMELINE_WORDS = (
    "by", "before", "until", "later", "due", "within", "asap", "urgently", "immediately",
    "week", "month", "quarter",
)  # fmt: skip
_DURATION_WORD = re.compile(
    r"(?:\d+(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d))"
    r"|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d"
)


def _states_duration(words: frozenset[str]) -> bool:
    """Whether a duration unit occurs as a word ("75 minutes") or glued to a number
    ("90min"): ``find_incident_duration_minutes`` needs one."""
    return any(_DURATION_WORD.fullmatch(word) for word in words)


_EVENT_WORDS = frozenset(
    {
        "requests", "calls", "events", "queries", "transactions", "checkouts", "responses",
        "failed", "failing", "errored", "erroring", "bad", "unsuccessful", "5xx", "error",
        "errors", "good", "successful", "succeeded", "ok",
    }
)  # fmt: skip
"""Words one of the event-count patterns needs (``_EVENTS``, ``_BAD_WORDS``, ``_GOOD_WORDS``)."""


@lru_cache(maxsize=16)
def extract_facts(text: str) -> RequestFacts:
    """Every fact this module can read from a request.

    Memoised: a run's stages all read the same request, so its facts are extracted once
    per run, not once per stage (the value is frozen; a few recent requests are kept).
    The text is read once (``scan``) and a finder runs only when the words its patterns
    need are present (a necessary condition, so the answer is the same), which keeps a
    long pasted log from being searched once per fact."""
    read = scan(text)
    lowered, words = read.lowered, read.words
    percent = "%" in text or "percent" in words
    # the same words decide which write tools triage binds; each needs one of these words
    asks_write = any(read.has_prefix(word) for word in ("status", "page", "silenc", "annotat"))
    writes = requested_writes(text) if asks_write else frozenset()
    counts = find_event_counts(text) if words & _EVENT_WORDS else None
    error_rate = find_error_rate_percent(text) if percent else None
    if error_rate is None and counts is not None:
        error_rate = round((counts[1] - counts[0]) / counts[1] * 100, 6)
    lag = "lag" in words
    zone_letters = "-" in text and any(_ZONE_SUFFIX.fullmatch(word) for word in words)
    return RequestFacts(
        cidrs=find_cidrs(text) if "/" in text else (),
        rpo_minutes=find_rpo_minutes(text) if "rpo" in words else None,
        rto_minutes=find_rto_minutes(text) if "rto" in words else None,
        slo_percent=find_slo_percent(text) if read.has(*_SLO_WORDS) else None,
        error_rate_percent=error_rate,
        good_events=counts[0] if counts else None,
        total_events=counts[1] if counts else None,
        lag_samples_seconds=find_lag_samples_seconds(text) if lag else (),
        lag_interval_seconds=(
            find_lag_interval_seconds(text)
            if read.has("every", "apart", "minute", "second")
            else None
        ),
        lag_threshold_seconds=find_lag_threshold_seconds(text) if lag else None,
        growth_percent=(
            find_growth_percent(text) if read.has("growth", "grow", "grows", "growing") else None
        ),
        rps=find_rps(text) if any(unit in lowered for unit in ("rps", "qps", "req")) else None,
        percentages=find_percentages(text) if percent else (),
        status_codes=find_status_codes(text),
        duration_minutes=(
            find_incident_duration_minutes(text) if _states_duration(read.words) else None
        ),
        pitr=read.has("pitr") or "point-in-time" in lowered or "point in time" in lowered,
        standby=read.has("standby", "replica", "replicas", "replication", "read")
        and mentions(text, r"\b(?:standby|replica|replicas|replication|read[- ]replica)\b"),
        recovered=read.has(*_RECOVERY_WORDS) and says_recovered(text),
        service=find_service(text),
        timeline=find_timeline(text) if read.has(*_TIMELINE_WORDS) else None,
        technology=find_technology(lowered),
        terraform_plan=find_terraform_plan(text),
        sshd_config=find_sshd_config(text),
        query_plan=find_query_plan(text),
        apt_listing=find_apt_listing(text) if "upgradable" in lowered else None,
        monthly_spend=find_monthly_spend(text) if read.has(*_SPEND_WORDS) else (),
        zones=find_zone_count(text) if read.has(*_ZONE_WORDS) or zone_letters else None,
        zone_names=find_zone_names(text) if zone_letters else (),
        subnet_tiers=find_subnet_tiers(text) if read.has("subnet", "subnets") else (),
        asks_statuspage="create_statuspage_incident" in writes,
        asks_page="pagerduty_event" in writes,
        asks_silence="create_alertmanager_silence" in writes,
        asks_annotation="create_grafana_annotation" in writes,
    )
