"""The engine's routing rules: request or incident, who is assigned, how severe, who owns it.

The words come from the agents' definitions (``infra_team.registry.registry()``): the
team entry's ``keywords`` are incident signals, each role's ``keywords`` say when a
request needs it and each specialist's ``components`` say what it owns in an incident.
A phrase matches as whole words, in any case, with hyphens, underscores or spaces
between its words and an optional plural ``s``/``es``. Numeric phrases (``502``) count
only as HTTP status codes, never as sizes or counts (``500 GB``).

Rules (each returns the words that decided it, so every decision can be explained):

- **Kind**: incident when the weighted incident signals outweigh the request signals.
  Incident signals are the team's keywords, a failure share ("40 % of requests"), the
  ``SYMPTOMS`` words ("fails", "disk full", "expired" ...), data loss and security
  incident words (breach, unauthorized logins ...); an outage, a failure share, data loss
  or a breach weighs 2, the rest 1. Request signals are the verbs in ``REQUEST_VERBS``
  (new, build, define, set up ...), weighing 2 when the verb opens a sentence as an
  imperative ("Define an SLO ...", "Please set up ...", but not after an incident label
  such as "Incident:" or "P1:") and 0.5 elsewhere (often a noun or
  a past event there: "took writes", "a partial deploy"), and a question
  asking for an answer ("How much error budget is left?", 1). A signal that follows a
  conditional word after a request verb in its sentence ("set up alerting for when
  checkout returns 502") describes what to watch for and does not count, and neither
  does a weak signal in the clause an imperative opens ("Draft a runbook for checkout 5xx
  errors": what the work is about). A tie is a request.
- **Specialists**: every specialist with a keyword in the request. A *new* database (a
  creation word such as "new" or "create", not just the absence of a change verb) also
  needs hosts to run on (Systems Administrator: provision and harden them) and network
  access (Network Engineer: subnets and firewall rules to the database port).
- **Change type**: ``Remove`` when a removal verb appears, else ``Modify`` when a change
  verb or an existing system is named, else ``New``.
- **Component**: Database, Network or Server for the specialist with most keyword
  matches (ties in the order Systems Administrator, Network Engineer, Database
  Administrator); ``Infrastructure`` when no specialist matches.
- **Severity**: P1 for an outage, at least 25 % of requests failing, data loss or a
  security incident; P2 for a major or partial degradation (5 to 25 % failing, latency,
  timeouts, a full disk or a saturated resource), unless the report says nobody is
  affected; P4 for a cosmetic problem with nothing worse; P3 otherwise (minor,
  intermittent, under 5 % failing).
- **Component owner**: each specialist's ``components`` named in the incident, weighted:
  a component named as the cause ("after a failed database failover", "caused by the DNS
  change") or as what was changed ("systemd security update") adds 2, as what failed
  ("the database crashed") adds 1, any mention counts 1, a
  component stated healthy 0, and HTTP 502/504 0.5: they are gateway errors, raised at the
  load balancer but caused behind it, so they point at the Network Engineer only when
  nothing else is named. Lost or corrupted data adds 2 to the Database Administrator when
  a database is named. The highest total owns it (ties: first named). No component
  named: the Systems Administrator, the secondary on call (seed "On-Call Rotation").
- **Resolved** (the engine cannot verify a fix, so it never claims one it was not told):
  any rung, on-call triage included, reports the incident resolved only when the request
  itself says the service recovered ("resolved", "recovered", "back to normal", "fixed").
  Otherwise each rung states what it found and proposes, and escalates with a reason:
  the component owner "Architecture decision needed" when the incident needs an
  architecture, capacity, region or vendor decision or mentions data loss; the architect
  "Business decision needed" for data loss, customer communication, SLA credits, a
  security incident or a P1 outage longer than 60 minutes, which goes to a person; any other rung "the offline
  engine cannot confirm a fix; the next rung decides". So an unresolved incident climbs
  to the human rung. Above on-call triage, a reported recovery still escalates when such
  a decision is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import cast

from pydantic import BaseModel, ConfigDict

from infra_team.graph._schemas import ComponentOwner
from infra_team.offline._extract import RequestFacts, find_status_codes
from infra_team.offline._scan import Gated, phrase_body, phrase_pattern, scan
from infra_team.registry import SPECIALISTS, TEAM, RoleSpec, registry

REQUEST_VERBS: tuple[str, ...] = (
    "new", "build", "create", "set up", "setup", "provision", "deploy", "add", "design",
    "plan", "migrate", "upgrade", "install", "configure", "need", "want",
    "implement", "automate", "harden", "remove", "decommission", "retire", "delete",
    "scale", "resize", "extend", "expand", "replace", "rotate", "review", "audit",
    "propose", "prepare", "codify", "onboard", "define", "write", "draft", "document",
    "establish", "estimate", "forecast", "calculate", "size", "tune", "optimise",
    "optimize", "reduce", "enable", "generate", "convert", "schedule", "silence", "mute",
    "annotate", "publish", "rename",
)  # fmt: skip
"""Verbs that ask for work to be done: the request signals of the intake rule. Verbs of
incident response (fix, restore, investigate, check, roll back) are left out on purpose:
"fix the outage" is an incident."""
_ASK_LEAD = (
    r"(?:^|[.!?\n;:]\s*|\b(?:need|needs|want|wants|like|have|has|going)\s+to\s+)"
    r"(?:(?:please|kindly|can you|could you|would you|we need to|"
    r"i need to|we want to|i want to|we'd like to|i'd like to|help (?:me|us)(?: to)?|let's|"
    r"let us|pls)\s+)?"
)
"""Where an imperative starts: a sentence's (or ticket title's) first word, possibly after
"please", "can you", "we need to" ... ("Define an SLO", "Please set up backups")."""
_INCIDENT_LABEL = re.compile(
    r"\b(?:incident|alert|alarm|outage|sev\s?[0-4]|p[0-4]|urgent|emergency)\s*:\s*$",
    re.IGNORECASE,
)
"""A label that makes what follows a report, not an ask ("Incident: deploy failed")."""
_QUESTION = re.compile(
    r"(?:^|[.!?\n]\s*)(?:how|what|which|who|should|can|could|do we|does)\b[^.!?\n]*\?",
    re.IGNORECASE,
)
"""A question asking for an answer or advice ("How much error budget is left?")."""
_CONDITIONAL = re.compile(r"\b(?:when|whenever|if|once|in case|before|should)\b", re.IGNORECASE)
"""Words that make what follows hypothetical ("alert when checkout returns 502")."""

REMOVE_VERBS = (
    "remove",
    "decommission",
    "retire",
    "delete",
    "tear down",
    "destroy",
    "shut down",
    "deprecate",
    "drop",
)
MODIFY_VERBS = (
    "modify", "change", "upgrade", "resize", "scale", "migrate", "update", "extend", "expand",
    "tune", "optimise", "optimize", "increase", "reduce", "replace", "rotate", "move",
    "existing", "current", "patch", "reconfigure", "add to",
)  # fmt: skip
SYMPTOMS = (
    r"\bfail(?:s|ure|ures)\b|\b(?:is|are|got|gets|runs?|ran)\s+(?:\w+\s+)?full\b|\bdisk full\b"
    r"|\bexpired\b|\bexhausted\b|\brefus(?:ed|ing)\b|\bhung\b|\bstuck\b|\bat 100\s?%"
    r"|\bsaturated\b|\bpacket loss\b|\btim(?:e|es|ed|ing) out\b|\bkilled\b|\bout of memory\b"
    r"|\b(?:cannot|can't|can not|unable to|could not|couldn't)\b|\bdelayed\b|\bbacklogged\b"
    r"|\bbroke\b"
)
"""Symptom words the team's keywords leave out (their inflections, plain states such as
"disk full" or "saturated", and inability: "cannot reach"), counted as incident signals."""
FAILURE_SHARE = (
    r"\d+(?:\.\d+)?\s*(?:%|percent)\s*(?:of\s+)?(?:all\s+|the\s+|our\s+)?(?:\w+\s+)?"
    r"(?:requests|calls|traffic|queries|users|transactions|checkouts|logins)\b"
    r"|\d+(?:\.\d+)?\s*(?:%|percent)\s*of\s+(?:all\s+|the\s+|our\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:network|fleet|hosts|servers|nodes|edge|pops|sites|instances|clusters)\b[^.\n]{0,30}?"
    r"\b(?:fail\w*|errors?|5\d\d|5xx|down|unreachable|unavailable)\b"
)
"""A share of requests failing ("40 % of requests"), or of the fleet failing ("85 % of our
CDN edge network is returning 503 errors")."""
_OUTAGE = (
    r"\boutage\b|\b(?:is|are|was|were|went|goes|gone|been|completely|totally|fully|hard)\s+down\b"
    r"|\b(?:is|are|was|were)\s+(?:\w+\s+){1,3}?(?<!scaled )(?<!slowed )(?<!shut )(?<!spun )"
    r"(?<!turned )(?<!cut )(?<!wound )(?<!narrowed )(?<!broken )down\b(?!\s+(?:to|from|by)\b)"
    r"|\bunavailable\b|\bunreachable\b|\bnot responding\b|\boffline\b|\ball requests\b"
    r"|\b(?:all|every)\s+(?:\w+\s+)?(?:requests?|customers?|clients?|users?|calls?)\s+"
    r"(?:[\w.-]+\s+){0,2}fail\w*"
    r"|\bfail\w*\s+for\s+(?:all|every)\b"
    r"|\b(?:5\d\d|5xx|errors?)\b[^.\n]{0,40}?\bfor\s+(?:all|every)\s+(?:\w+\s+)?"
    r"(?:traffic|requests?|users?|customers?|clients?|calls?)\b"
)
_DATA_LOSS = (
    r"\bdata loss\b|\blost (?:\w+ )?data\b|\bdata (?:was |is |has been )?(?:lost|corrupt\w*)\b"
    r"|\bcorrupt(?:ed|ion)\b|\bdata inconsisten\w+\b|\bsplit[- ]brain\b"
    r"|\b(?:accidentally |mistakenly |wrongly )?(?:deleted|wiped|erased|purged)\b"
    r"|\b(?:is|are|was|were) gone\b"
)
"""Lost, corrupted or diverged data: stated loss, corruption, a split brain (two primaries
took writes), or data deleted or gone."""
_SECURITY = (
    r"\bbreach\w*\b|\bcompromis\w*\b|\bintrusions?\b|\bintruders?\b|\bexfiltrat\w*\b"
    r"|\bransomware\b|\bmalware\b|\bbackdoor\w*\b|\brootkits?\b|\bcrypto[- ]?miners?\b"
    r"|\bunauthori[sz]ed\s+(?:\w+\s+){0,2}(?:access|logins?|log-ins?|ssh|sessions?|users?|keys?|changes?)\b"
    r"|\bbrute[- ]forc\w*\b|\bsuspicious\s+(?:\w+\s+)?(?:logins?|activity|processes|connections)\b"
    r"|\b(?:leaked|stolen|exposed)\s+(?:\w+\s+)?(?:credentials|keys|secrets|passwords|tokens)\b"
    r"|\bdefac\w+\b"
)
"""Security incident words (NIST SP 800-61r2, 2.1 "Events and Incidents": unauthorised
access, malicious code, data exfiltration): an incident, and a P1."""
_DEGRADED = (
    r"\bdegrad\w*\b|\bmajor\b|\bpartial\w*\b|\bslow\w*\b|\blatency\b|\btime ?outs?\b"
    r"|\btiming out\b|\belevated\b|\bspik\w*\b|\bdisk full\b|\bsaturat\w*\b|\bat 100\s?%"
    r"|\bdelay(?:ed|s)\b|\bbacklog\w*\b"
)
_MINOR = r"\bminor\b|\bintermittent\w*\b|\boccasional\w*\b|\bsporadic\w*\b|\bsome users\b|\ba few\b"
_COSMETIC = r"\bcosmetic\b|\btypo\b|\bwording\b|\bmisaligned\b|\blabel\b|\bcolou?r\b"
_DECISION = (
    r"\barchitect\w*\b|\bcapacity\b|\bregions?\b|\bregional\b|\bmulti-region\b|\bvendor\b"
    r"|\bprovider\b|\bredesign\b|\bre-architect\w*\b"
)
_BUSINESS = (
    r"\bcustomer (?:communication|notification|comms|messaging)\b|\bnotify (?:our )?customers\b"
    r"|\btell (?:our )?customers\b|\bSLA credits?\b|\bservice credits?\b"
)
_G_SHARE = Gated.of(FAILURE_SHARE, "%", "percent")
_G_SYMPTOMS = Gated.of(
    SYMPTOMS, "fail", "full", "expired", "exhausted", "refus", "hung", "stuck", "100",
    "saturated", "packet", "tim", "killed", "out", "cannot", "can", "unable", "could",
    "delayed", "backlogged", "broke",
)  # fmt: skip
_G_OUTAGE = Gated.of(
    _OUTAGE, "outage", "down", "unavailable", "unreachable", "responding", "offline", "all",
    "every", "fail",
)  # fmt: skip
_G_DATA_LOSS = Gated.of(
    _DATA_LOSS, "data", "lost", "corrupt", "split", "deleted", "wiped", "erased", "purged", "gone"
)
_G_SECURITY = Gated.of(
    _SECURITY, "breach", "compromis", "intru", "exfiltrat", "ransomware", "malware",
    "backdoor", "rootkit", "miner", "unauthori", "brute", "suspicious", "leaked", "stolen",
    "exposed", "defac",
)  # fmt: skip
_G_DEGRADED = Gated.of(
    _DEGRADED, "degrad", "major", "partial", "slow", "latency", "time", "elevated", "spik",
    "disk full", "saturat", "100", "delay", "backlog",
)  # fmt: skip
_G_MINOR = Gated.of(
    _MINOR, "minor", "intermittent", "occasional", "sporadic", "some users", "a few"
)
_NO_IMPACT = (
    r"\bno (?:user|customer|client)s? (?:is |are )?(?:affected|impacted)\b|\bno (?:user |customer )?impact\b"
    r"|\beverything (?:else )?works\b|\bnothing is broken\b"
)
"""The report says nobody is affected: a degradation word there ("the latency panel")
names a thing, not an impact."""
_G_NO_IMPACT = Gated.of(_NO_IMPACT, "no", "everything", "nothing")
_G_COSMETIC = Gated.of(_COSMETIC, "cosmetic", "typo", "wording", "misaligned", "label", "colo")
_G_DECISION = Gated.of(
    _DECISION, "architect", "capacity", "region", "vendor", "provider", "redesign"
)
_G_BUSINESS = Gated.of(_BUSINESS, "customer", "sla", "service credit")
GATEWAY_CODES = (502, 504)
"""HTTP status codes a gateway (load balancer, reverse proxy) returns: RFC 9110 §15.6.3
(502 Bad Gateway) and §15.6.5 (504 Gateway Timeout)."""
P1_FAILURE_PERCENT = 25.0
P2_FAILURE_PERCENT = 5.0
P1_DECISION_MINUTES = 60.0
"""A P1 outage longer than this needs a business decision (seed "On-Call Rotation":
the architect holds incidents from 60 minutes; beyond that rung is a person)."""
DEFAULT_OWNER: ComponentOwner = "systems-administrator"
COMPONENT_LABELS: dict[str, str] = {
    "systems-administrator": "Server",
    "network-engineer": "Network",
    "database-administrator": "Database",
}


class Decision(BaseModel):
    """A routing outcome and the words that decided it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str
    because: tuple[str, ...] = ()


class Ownership(BaseModel):
    """The failing component named in an incident and the specialist who owns it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    component: str
    """The component phrase found (``load balancer`` for a 502), or ``unknown``."""
    owner: ComponentOwner
    because: tuple[str, ...] = ()


def find_phrases(text: str, phrases: Iterable[str]) -> tuple[str, ...]:
    """The phrases present in ``text``, in order of first appearance, each once."""
    return _find_phrases(text, tuple(dict.fromkeys(phrases)))


@lru_cache(maxsize=256)
def _find_phrases(text: str, phrases: tuple[str, ...]) -> tuple[str, ...]:
    """``find_phrases``, memoised: the stages of a run ask about the same request. The
    text is read once (``scan``); a phrase's pattern runs only when all its words occur."""
    codes = {str(code) for code in find_status_codes(text)}
    read = scan(text)
    found: list[tuple[int, str]] = []
    for phrase in phrases:
        if phrase.isdigit():
            if phrase in codes:
                found.append((text.find(phrase), phrase))
            continue
        position = read.position(phrase)
        if position >= 0:
            found.append((position, phrase))
    return tuple(phrase for _, phrase in sorted(found))


def _roster(specs: Mapping[str, RoleSpec] | None) -> Mapping[str, RoleSpec]:
    return registry() if specs is None else specs


def _collapse(found: tuple[str, ...]) -> tuple[str, ...]:
    """Drop a phrase contained in a longer one found too (``down`` inside ``is down``)."""
    return tuple(p for p in found if not any(p != q and p in q for q in found))


_LINE_BREAK = re.compile(r"\n(?=\s*(?:[-*•]|\d+[.)]|[A-Z]|\n))")
"""A line break that ends a sentence: before a list item, a capital or a blank line. A
line wrapped inside a sentence ("in-place\nupgrade of the primary") goes on in lower
case."""


SENTENCE_WINDOW = 600
"""Characters looked back for a sentence start: a longer "sentence" (a log line without
punctuation) is taken to start this far back, so a long text is not rescanned per word."""


def _boundary(text: str, position: int, marks: str) -> int:
    """The last sentence (or clause, with ``,`` in ``marks``) boundary before
    ``position``: one of ``marks``, or a line break that ends a sentence; the start of the
    ``SENTENCE_WINDOW`` (or -1 at the text's start) if none."""
    floor = max(position - SENTENCE_WINDOW, 0) - 1
    last = max(floor, *(text.rfind(mark, floor + 1, position) for mark in marks))
    newline = text.rfind("\n", last + 1, position)
    while newline != -1 and not _LINE_BREAK.match(text, newline):
        newline = text.rfind("\n", last + 1, newline)
    return max(last, newline)


def _sentence_start(text: str, position: int) -> int:
    """Where the sentence holding ``position`` starts (after ``.``, ``!``, ``?``, ``;`` or
    a line break that ends a sentence)."""
    return _boundary(text, position, ".!?;") + 1


WEAK_VERB_WEIGHT = 0.5
"""Weight of a request verb that does not open a sentence: often a noun or a past event
("took writes", "a partial deploy"), so it counts half."""
STRONG_WEIGHT = 2
"""Weight of a strong signal: an outage, data loss or a security breach stated, a share
of requests failing, or a request's imperative lead verb."""


def _hypothetical(text: str, position: int, asks: list[int]) -> bool:
    """Whether the signal at ``position`` follows a conditional word ("when", "if") that
    itself follows a request verb in the same sentence: "set up alerting for when checkout
    returns 502" describes what to watch for, not what is happening."""
    start = _sentence_start(text, position)
    conditional = [m.start() for m in _CONDITIONAL.finditer(text, start, position)]
    return bool(conditional) and any(start <= ask < conditional[0] for ask in asks)


@lru_cache(maxsize=256)
def _lead_pattern(verb: str) -> re.Pattern[str]:
    return re.compile(_ASK_LEAD + phrase_body(verb), re.IGNORECASE)


@lru_cache(maxsize=64)
def _verb_positions(text: str, verbs: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    """Each request verb found: the verb, where it first occurs, and where its first use
    as an imperative opening a sentence (``_ASK_LEAD``) ends, or -1."""
    found = _collapse(find_phrases(text, verbs))
    read = scan(text)
    result = []
    for verb in found:
        end = -1
        for lead in _lead_pattern(verb).finditer(text):
            if not _INCIDENT_LABEL.search(text, max(0, lead.start() - 24), lead.start() + 1):
                end = lead.end()
                break
        result.append((verb, read.position(verb), end))
    return tuple(result)


def _topic(text: str, position: int, leads: list[int]) -> bool:
    """Whether a weak signal at ``position`` sits in the clause an imperative opens ("Draft
    a runbook for checkout 5xx errors"): it names what the work is about. A comma ends the
    clause, so "Scale the web tier now, latency is at 5 s" still reports latency."""
    start = _boundary(text, position, ".!?;,")
    return any(start < lead <= position for lead in leads)


@lru_cache(maxsize=64)
def _classify_kind(text: str, keywords: tuple[str, ...]) -> Decision:
    verbs = _verb_positions(text, REQUEST_VERBS)
    asks = [position for _, position, _ in verbs]
    leads = [lead for _, _, lead in verbs if lead >= 0]
    incident: list[tuple[str, float]] = []
    read = scan(text)
    for word in _collapse(find_phrases(text, keywords)):
        position = text.find(word) if word.isdigit() else read.position(word)
        strong = re.fullmatch(_OUTAGE, word, re.IGNORECASE) is not None
        if _hypothetical(text, position, asks) or (not strong and _topic(text, position, leads)):
            continue
        incident.append((word, STRONG_WEIGHT if strong else 1))
    share = _G_SHARE.search(text)
    if share and not _hypothetical(text, share.start(), asks):
        incident.append((share[0], STRONG_WEIGHT))
    signals = ((_G_SYMPTOMS, 1), (_G_DATA_LOSS, STRONG_WEIGHT), (_G_SECURITY, STRONG_WEIGHT))
    for gated, weight in signals:
        for match in gated.finditer(text):
            topic = weight == 1 and _topic(text, match.start(), leads)
            if not topic and not _hypothetical(text, match.start(), asks):
                incident.append((match[0], weight))
    request: list[tuple[str, float]] = [
        (verb, STRONG_WEIGHT if lead >= 0 else WEAK_VERB_WEIGHT) for verb, _, lead in verbs
    ]
    questions = _QUESTION.finditer(text) if "?" in text else iter(())
    request += [(m[0].strip()[:60], 1) for m in questions]
    incident_score = sum(weight for _, weight in incident)
    request_score = sum(weight for _, weight in request)
    if incident_score > request_score:
        return Decision(value="incident", because=tuple(dict.fromkeys(w for w, _ in incident)))
    return Decision(value="request", because=tuple(dict.fromkeys(w for w, _ in request)))


def classify_kind(text: str, specs: Mapping[str, RoleSpec] | None = None) -> Decision:
    """``incident`` or ``request`` (see the module docstring)."""
    return _classify_kind(text, tuple(_roster(specs)[TEAM].keywords))


def role_matches(
    text: str, specs: Mapping[str, RoleSpec] | None = None
) -> dict[str, tuple[str, ...]]:
    """Each specialist's keywords present in ``text`` (specialists with none left out)."""
    roster = _roster(specs)
    matches: dict[str, tuple[str, ...]] = {}
    for role in SPECIALISTS:
        found = _collapse(find_phrases(text, roster[role].keywords))
        if found:
            matches[role] = found
    return matches


def monitoring_words(text: str, specs: Mapping[str, RoleSpec] | None = None) -> tuple[str, ...]:
    """The Site Reliability Engineer's keywords in ``text`` (SLO, alerts, runbook ...): a
    request with these and no specialist keyword is the SRE's design work."""
    return _collapse(find_phrases(text, _roster(specs)["site-reliability-engineer"].keywords))


def change_type(text: str) -> Decision:
    """``Remove``, ``Modify`` or ``New`` from the verbs used."""
    removal = find_phrases(text, REMOVE_VERBS)
    if removal:
        return Decision(value="Remove", because=removal)
    change = find_phrases(text, MODIFY_VERBS)
    if change:
        return Decision(value="Modify", because=change)
    return Decision(
        value="New", because=find_phrases(text, ("new", "create", "build", "set up", "provision"))
    )


def assign_specialists(
    text: str, specs: Mapping[str, RoleSpec] | None = None
) -> dict[str, tuple[str, ...]]:
    """Specialists the request needs, with the reason for each (keywords or a rule)."""
    matches = role_matches(text, specs)
    assigned: dict[str, tuple[str, ...]] = dict(matches)
    kind = change_type(text)
    if "database-administrator" in matches and kind.value == "New" and kind.because:
        rule = "a new database needs"
        if "systems-administrator" not in assigned:
            assigned["systems-administrator"] = (f"{rule} hosts",)
        if "network-engineer" not in assigned:
            assigned["network-engineer"] = (f"{rule} network access",)
    return {role: assigned[role] for role in SPECIALISTS if role in assigned}


def main_component(text: str, specs: Mapping[str, RoleSpec] | None = None) -> str:
    """Server, Network or Database for the best-matched specialist; else Infrastructure."""
    matches = role_matches(text, specs)
    if not matches:
        return "Infrastructure"
    best = max(SPECIALISTS, key=lambda role: (len(matches.get(role, ())), -SPECIALISTS.index(role)))
    return COMPONENT_LABELS[best]


def severity(text: str, facts: RequestFacts) -> Decision:
    """P1..P4 from the impact the text states (see the module docstring)."""
    return _severity(text, facts.error_rate_percent)


def _found(text: str, *patterns: Gated) -> list[str]:
    """Every match of the patterns, in the order they occur in the text."""
    matches = sorted((m.start(), m[0]) for gated in patterns for m in gated.finditer(text))
    return [word for _, word in matches]


@lru_cache(maxsize=32)
def _severity(text: str, rate: float | None) -> Decision:
    p1 = _found(text, _G_OUTAGE, _G_DATA_LOSS, _G_SECURITY)
    if rate is not None and rate >= P1_FAILURE_PERCENT:
        p1.append(f"{rate:g} % of requests failing")
    if p1:
        return Decision(value="P1", because=tuple(dict.fromkeys(p1)))
    p2 = [] if _G_NO_IMPACT.search(text) else _found(text, _G_DEGRADED)
    if rate is not None and rate >= P2_FAILURE_PERCENT:
        p2.append(f"{rate:g} % of requests failing")
    if p2:
        return Decision(value="P2", because=tuple(dict.fromkeys(p2)))
    minor = _found(text, _G_MINOR)
    if rate is not None:
        minor.append(f"{rate:g} % of requests failing")
    cosmetic = _found(text, _G_COSMETIC)
    if cosmetic and not minor:
        return Decision(value="P4", because=tuple(dict.fromkeys(cosmetic)))
    return Decision(value="P3", because=tuple(dict.fromkeys(minor)))


_CAUSE = re.compile(
    r"\b(?:after|caused by|due to|because of|following|triggered by|root cause|started with"
    r"|the cause)\b",
    re.IGNORECASE,
)
"""Words that introduce the cause of an incident ("after a failed database failover")."""
_FAILED_NEXT = re.compile(
    r"[\s:]+(?:\w+\s+){0,2}?(?:failed|fails|failing|failure|crashed|crashing|died|is down|went down"
    r"|was deleted|deleted|corrupt\w*|broke|broken|full|exhausted|out of)\b",
    re.IGNORECASE,
)
_FAILED_BEFORE = re.compile(
    r"\b(?:failed|failing|broken|crashed|corrupt\w*)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
_CHANGED_NEXT = re.compile(
    r"[\s:]+(?:\w+\s+){0,2}?(?:update|upgrade|change|deploy|deployment|rollout|patch|config"
    r"|configuration|migration|maintenance|restart)s?\b",
    re.IGNORECASE,
)
"""A component followed by a change to it ("systemd security update", "router config
change"): the change is the usual trigger, so the component counts as the cause."""
_HEALTHY_NEXT = re.compile(
    r"\s+(?:is\s+|are\s+|looks?\s+|seems?\s+|was\s+|were\s+)?(?:still\s+)?"
    r"(?:healthy|fine|ok|okay|normal|green|unaffected|up)\b",
    re.IGNORECASE,
)
MENTIONS_READ = 50
"""Mentions of one component read for its weight: a log naming a host a thousand times
says no more about the cause than its first fifty mentions."""
CAUSE_WEIGHT = 2.0
"""Extra weight of a component named as the cause ("after ...", "caused by ...") or as
what was changed ("systemd security update")."""
FAILED_WEIGHT = 1.0
"""Extra weight of a component named as what failed ("the database crashed")."""
SYMPTOM_WEIGHT = 0.5
"""Weight of a gateway status code (502, 504): where the failure shows, not its cause."""
COMPONENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "systems-administrator": ("worker", "container", "process"),
    "network-engineer": ("router", "switch", "backbone", "transit gateway", "vpc", "edge"),
    "database-administrator": ("table", "schema", "split-brain", "failover"),
}
"""Words for the same components that the agents' ``components`` lists leave out: a router
or the backbone is network, a table or a split-brain is the database's. They count like
the listed components."""
DATA_LOSS_OWNER: ComponentOwner = "database-administrator"
"""Lost or corrupted data is the data store's: the DBA owns it when a database is named."""


def _phrase_weight(text: str, phrase: str) -> float:
    """How strongly ``phrase`` points at the failing component: a gateway code counts
    ``SYMPTOM_WEIGHT``; a component stated healthy counts nothing; a component named as
    the cause ("after a failed database failover", "caused by the DNS change") or as what
    was changed ("a systemd security update") adds ``CAUSE_WEIGHT``, and as what failed
    ("the database crashed") ``FAILED_WEIGHT``. What was lost or removed ("lost network
    connectivity") is an effect and adds nothing."""
    if phrase.isdigit():
        return SYMPTOM_WEIGHT if int(phrase) in GATEWAY_CODES else 1.0
    weight = 0.0
    best = 1.0 + CAUSE_WEIGHT + FAILED_WEIGHT
    for index, match in enumerate(phrase_pattern(phrase).finditer(text)):
        if weight >= best or index >= MENTIONS_READ:
            break
        if _HEALTHY_NEXT.match(text, match.end()):
            continue
        here = 1.0
        start = _sentence_start(text, match.start())
        before = text[max(start, match.start() - 60) : match.start()]
        if _CAUSE.search(before) or _CHANGED_NEXT.match(text, match.end()):
            here += CAUSE_WEIGHT
        if _FAILED_BEFORE.search(before) or _FAILED_NEXT.match(text, match.end()):
            here += FAILED_WEIGHT
        weight = max(weight, here)
    return weight


@lru_cache(maxsize=64)
def _component_ownership(
    text: str, roster_key: tuple[tuple[str, tuple[str, ...]], ...]
) -> Ownership:
    components = dict(roster_key)
    scores: dict[str, float] = {}
    found: dict[str, tuple[str, ...]] = {}
    first: dict[str, int] = {}
    for role in SPECIALISTS:
        phrases = _collapse(find_phrases(text, components[role]))
        weights = {phrase: _phrase_weight(text, phrase) for phrase in phrases}
        named = tuple(phrase for phrase in phrases if weights[phrase] > 0)
        if named:
            found[role] = named
            scores[role] = sum(weights[phrase] for phrase in named)
            first[role] = min(_position(text, phrase) for phrase in named)
    if DATA_LOSS_OWNER in found and _G_DATA_LOSS.search(text):
        scores[DATA_LOSS_OWNER] += CAUSE_WEIGHT
    if not found:
        return Ownership(component="unknown", owner=DEFAULT_OWNER, because=("no component named",))
    owner = min(found, key=lambda role: (-scores[role], first[role]))
    phrases = found[owner]
    component = max(
        phrases, key=lambda phrase: (_phrase_weight(text, phrase), -_position(text, phrase))
    )
    if component.isdigit() and int(component) in GATEWAY_CODES:
        component = "load balancer"
    return Ownership(component=component, owner=cast(ComponentOwner, owner), because=phrases)


def component_ownership(text: str, specs: Mapping[str, RoleSpec] | None = None) -> Ownership:
    """The failing component and its owner (see the module docstring): each specialist's
    ``components`` named in the text, weighted by ``_phrase_weight`` (cause and failure
    count most, gateway codes least, healthy components not at all), plus
    ``CAUSE_WEIGHT`` for the DBA when data was lost; the highest score owns it, ties to
    the first named."""
    roster = _roster(specs)
    key = tuple(
        (role, (*roster[role].components, *COMPONENT_SYNONYMS.get(role, ())))
        for role in SPECIALISTS
    )
    return _component_ownership(text, key)


def _position(text: str, phrase: str) -> int:
    if phrase.isdigit():
        return text.find(phrase)
    position = scan(text).position(phrase)
    return position if position >= 0 else len(text)


def is_security_incident(text: str) -> bool:
    """Whether the text reports a security incident (``_SECURITY`` words)."""
    return security_words(text) != ()


@lru_cache(maxsize=32)
def security_words(text: str) -> tuple[str, ...]:
    """The security incident words in ``text`` (breach, unauthorized logins ...)."""
    return tuple(dict.fromkeys(m[0] for m in _G_SECURITY.finditer(text)))


def triage_resolved(facts: RequestFacts) -> bool:
    """On-call triage resolves only what the request reports as recovered or resolved."""
    return facts.recovered


def rung_resolved(facts: RequestFacts, decision_reasons: tuple[str, ...]) -> bool:
    """An escalation rung resolves only a reported recovery that needs no decision above it."""
    return facts.recovered and not decision_reasons


def owner_decision_words(text: str) -> tuple[str, ...]:
    """Words that put an incident beyond the component owner (architecture, data loss ...)."""
    found = sorted(
        (m.start(), m[0]) for gated in (_G_DECISION, _G_DATA_LOSS) for m in gated.finditer(text)
    )
    return tuple(dict.fromkeys(word.lower() for _, word in found))


def business_decision_reasons(text: str, facts: RequestFacts, level: str) -> tuple[str, ...]:
    """Why a person must decide: data loss, customer communication, SLA credits, long P1,
    a security incident (whether to disclose it is a business and legal decision)."""
    found = sorted(
        (m.start(), m[0]) for gated in (_G_DATA_LOSS, _G_BUSINESS) for m in gated.finditer(text)
    )
    reasons = [word.lower() for _, word in found]
    if is_security_incident(text):
        reasons.append(
            "security incident (disclosure and breach notification are decided by people)"
        )
    duration = facts.duration_minutes
    if level == "P1" and duration is not None and duration > P1_DECISION_MINUTES:
        reasons.append(f"P1 outage for {duration:g} minutes (over {P1_DECISION_MINUTES:g})")
    return tuple(dict.fromkeys(reasons))
