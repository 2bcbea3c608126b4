"""The engine's routing rules: request or incident, who is assigned, how severe, who owns it.

The words come from the agents' definitions (``infra_team.registry.registry()``): the
team entry's ``keywords`` are incident signals, each role's ``keywords`` say when a
request needs it and each specialist's ``components`` say what it owns in an incident.
A phrase matches as whole words, in any case, with hyphens, underscores or spaces
between its words and an optional plural ``s``/``es``. Numeric phrases (``502``) count
only as HTTP status codes, never as sizes or counts (``500 GB``).

Rules (each returns the words that decided it, so every decision can be explained):

- **Kind**: incident when incident signals outnumber request signals. Incident signals
  are the team's keywords, a failure share ("40 % of requests") and the ``SYMPTOMS``
  words ("fails", "disk full", "expired" ...); request signals are the verbs in
  ``REQUEST_VERBS`` (new, build, set up, provision ...). A tie is a request.
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
  security breach; P2 for a major or partial degradation (5 to 25 % failing, latency,
  timeouts, a full disk or a saturated resource); P4 for a cosmetic problem with nothing worse; P3 otherwise (minor,
  intermittent, under 5 % failing).
- **Component owner**: the specialist whose ``components`` the incident names most
  (ties by first mention); HTTP 502 and 504 are gateway errors, most often raised at the
  load balancer, so they point at the Network Engineer. No component named: the Systems
  Administrator, the secondary on call (seed "On-Call Rotation").
- **Resolved** (the engine cannot verify a fix, so it never claims one it was not told):
  any rung, on-call triage included, reports the incident resolved only when the request
  itself says the service recovered ("resolved", "recovered", "back to normal", "fixed").
  Otherwise each rung states what it found and proposes, and escalates with a reason:
  the component owner "Architecture decision needed" when the incident needs an
  architecture, capacity, region or vendor decision or mentions data loss; the architect
  "Business decision needed" for data loss, customer communication, SLA credits or a P1
  outage longer than 60 minutes, which goes to a person; any other rung "the offline
  engine cannot confirm a fix; the next rung decides". So an unresolved incident climbs
  to the human rung. Above on-call triage, a reported recovery still escalates when such
  a decision is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from typing import cast

from pydantic import BaseModel, ConfigDict

from infra_team.graph._schemas import ComponentOwner
from infra_team.offline._extract import RequestFacts, find_status_codes
from infra_team.registry import SPECIALISTS, TEAM, RoleSpec, registry

REQUEST_VERBS: tuple[str, ...] = (
    "new", "build", "create", "set up", "setup", "provision", "deploy", "add", "design",
    "plan", "migrate", "upgrade", "install", "configure", "need", "want",
    "implement", "automate", "harden", "remove", "decommission", "retire", "delete",
    "scale", "resize", "extend", "expand", "replace", "rotate", "review", "audit",
    "propose", "prepare", "codify", "onboard",
)  # fmt: skip
"""Verbs that ask for work to be done: the request signals of the intake rule."""
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
)
"""Symptom words the team's keywords leave out (their inflections or plain states such as
"disk full"), counted as incident signals too."""
FAILURE_SHARE = r"\d+(?:\.\d+)?\s*(?:%|percent)\s*(?:of\s+)?(?:all\s+|the\s+)?(?:requests|calls|traffic|queries|users)"
_OUTAGE = (
    r"\boutage\b|\b(?:is|are|was|were|went|goes|gone|been|completely|totally|fully|hard)\s+down\b"
    r"|\bunavailable\b|\bunreachable\b|\bnot responding\b|\boffline\b|\ball requests\b"
)
_DATA_LOSS = r"\bdata loss\b|\blost (?:\w+ )?data\b|\bdata (?:was |is |has been )?(?:lost|corrupt\w*)\b|\bcorrupt(?:ed|ion)\b"
_SECURITY = r"\bbreach\w*\b|\bcompromis\w*\b|\bintrusion\b|\bexfiltrat\w*\b|\bransomware\b|\bunauthori[sz]ed access\b"
_DEGRADED = (
    r"\bdegrad\w*\b|\bmajor\b|\bpartial\w*\b|\bslow\w*\b|\blatency\b|\btime ?outs?\b"
    r"|\btiming out\b|\belevated\b|\bspik\w*\b|\bdisk full\b|\bsaturat\w*\b|\bat 100\s?%"
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


@cache
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in re.split(r"[\s_-]+", phrase.strip().lower()) if word]
    body = r"[\s_-]+".join(words)
    return re.compile(rf"(?<![\w/]){body}(?:s|es)?(?![\w/])", re.IGNORECASE)


@cache
def _first_word(phrase: str) -> str:
    """The phrase's first word, lower case: it must occur in the text for the phrase to."""
    return next((w for w in re.split(r"[\s_-]+", phrase.strip().lower()) if w), "")


@lru_cache(maxsize=32)
def _lowered(text: str) -> str:
    return text.lower()


def find_phrases(text: str, phrases: Iterable[str]) -> tuple[str, ...]:
    """The phrases present in ``text``, in order of first appearance, each once."""
    return _find_phrases(text, tuple(dict.fromkeys(phrases)))


@lru_cache(maxsize=256)
def _find_phrases(text: str, phrases: tuple[str, ...]) -> tuple[str, ...]:
    """``find_phrases``, memoised: the stages of a run ask about the same request. A
    phrase's pattern runs only when its first word occurs in the lowered text (one fast
    substring scan), so a long request is not searched once per keyword."""
    codes = {str(code) for code in find_status_codes(text)}
    lowered = _lowered(text)
    found: list[tuple[int, str]] = []
    for phrase in phrases:
        if phrase.isdigit():
            if phrase in codes:
                found.append((text.find(phrase), phrase))
            continue
        if _first_word(phrase) not in lowered:
            continue
        match = _phrase_pattern(phrase).search(text)
        if match:
            found.append((match.start(), phrase))
    return tuple(phrase for _, phrase in sorted(found))


def _roster(specs: Mapping[str, RoleSpec] | None) -> Mapping[str, RoleSpec]:
    return registry() if specs is None else specs


def _collapse(found: tuple[str, ...]) -> tuple[str, ...]:
    """Drop a phrase contained in a longer one found too (``down`` inside ``is down``)."""
    return tuple(p for p in found if not any(p != q and p in q for q in found))


def classify_kind(text: str, specs: Mapping[str, RoleSpec] | None = None) -> Decision:
    """``incident`` or ``request`` (see the module docstring)."""
    incident = list(_collapse(find_phrases(text, _roster(specs)[TEAM].keywords)))
    share = re.search(FAILURE_SHARE, text, re.IGNORECASE)
    if share:
        incident.append(share[0])
    incident += [m[0] for m in re.finditer(SYMPTOMS, text, re.IGNORECASE)]
    request = list(_collapse(find_phrases(text, REQUEST_VERBS)))
    if len(incident) > len(request):
        return Decision(value="incident", because=tuple(incident))
    return Decision(value="request", because=tuple(request))


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
    rate = facts.error_rate_percent
    p1 = [m[0] for m in re.finditer(f"{_OUTAGE}|{_DATA_LOSS}|{_SECURITY}", text, re.IGNORECASE)]
    if rate is not None and rate >= P1_FAILURE_PERCENT:
        p1.append(f"{rate:g} % of requests failing")
    if p1:
        return Decision(value="P1", because=tuple(dict.fromkeys(p1)))
    p2 = [m[0] for m in re.finditer(_DEGRADED, text, re.IGNORECASE)]
    if rate is not None and rate >= P2_FAILURE_PERCENT:
        p2.append(f"{rate:g} % of requests failing")
    if p2:
        return Decision(value="P2", because=tuple(dict.fromkeys(p2)))
    minor = [m[0] for m in re.finditer(_MINOR, text, re.IGNORECASE)]
    if rate is not None:
        minor.append(f"{rate:g} % of requests failing")
    cosmetic = [m[0] for m in re.finditer(_COSMETIC, text, re.IGNORECASE)]
    if cosmetic and not minor:
        return Decision(value="P4", because=tuple(dict.fromkeys(cosmetic)))
    return Decision(value="P3", because=tuple(dict.fromkeys(minor)))


def component_ownership(text: str, specs: Mapping[str, RoleSpec] | None = None) -> Ownership:
    """The failing component and its owner (see the module docstring)."""
    roster = _roster(specs)
    found: dict[str, tuple[str, ...]] = {}
    first: dict[str, int] = {}
    for role in SPECIALISTS:
        phrases = _collapse(find_phrases(text, roster[role].components))
        if phrases:
            found[role] = phrases
            first[role] = min(_position(text, phrase) for phrase in phrases)
    if not found:
        return Ownership(component="unknown", owner=DEFAULT_OWNER, because=("no component named",))
    owner = min(found, key=lambda role: (-len(found[role]), first[role]))
    phrases = found[owner]
    component = phrases[0]
    if component.isdigit() and int(component) in GATEWAY_CODES:
        component = "load balancer"
    return Ownership(component=component, owner=cast(ComponentOwner, owner), because=phrases)


def _position(text: str, phrase: str) -> int:
    if phrase.isdigit():
        return text.find(phrase)
    match = _phrase_pattern(phrase).search(text)
    return match.start() if match else len(text)


def triage_resolved(facts: RequestFacts) -> bool:
    """On-call triage resolves only what the request reports as recovered or resolved."""
    return facts.recovered


def rung_resolved(facts: RequestFacts, decision_reasons: tuple[str, ...]) -> bool:
    """An escalation rung resolves only a reported recovery that needs no decision above it."""
    return facts.recovered and not decision_reasons


def owner_decision_words(text: str) -> tuple[str, ...]:
    """Words that put an incident beyond the component owner (architecture, data loss ...)."""
    found = [m[0] for m in re.finditer(f"{_DECISION}|{_DATA_LOSS}", text, re.IGNORECASE)]
    return tuple(dict.fromkeys(word.lower() for word in found))


def business_decision_reasons(text: str, facts: RequestFacts, level: str) -> tuple[str, ...]:
    """Why a person must decide: data loss, customer communication, SLA credits, long P1."""
    reasons = [m[0].lower() for m in re.finditer(f"{_DATA_LOSS}|{_BUSINESS}", text, re.IGNORECASE)]
    duration = facts.duration_minutes
    if level == "P1" and duration is not None and duration > P1_DECISION_MINUTES:
        reasons.append(f"P1 outage for {duration:g} minutes (over {P1_DECISION_MINUTES:g})")
    return tuple(dict.fromkeys(reasons))
