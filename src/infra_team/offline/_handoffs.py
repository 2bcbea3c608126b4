"""Cross-team hand-offs the offline engine decides, by rule, for the stage that owns them.

The model-backed engine decides hand-offs in its structured answer (``handoffs`` on the
design, role reports, triage and escalation steps); this module is the offline engine's
judgement for the same field, so the graph records both engines' hand-offs identically.
The teams and what each is for come from the specification's "Cross-Team Interactions"
table: Development (environment provisioning, deployment support), Security (security
hardening, incident response coordination), QA (test environment management,
performance testing).

Rules, each on what the request reports rather than on whole sentences:

- Security: a security incident (unauthorised access, malicious code, data exfiltration:
  NIST SP 800-61r2, 2.1 "Events and Incidents"), leaked credentials, or a vulnerability
  being exploited. A negated mention ("no sign of compromise") does not count.
- Development: an incident whose cause the request places in an application change
  (a release, deploy, rollout or schema migration followed by a failure). A change the
  infrastructure team made itself (kernel, firewall, Terraform ...) stays with the team.
- QA: a request for a new test, staging or pre-production environment, an upgrade, or
  performance and load testing: the change is verified by QA before production.

Only the first stage that decides for the run adds them (the architect's design in the
team flow, the role's own report when it works alone, the on-call triage for an
incident, or the first escalation rung when a role is entered there), so a hand-off is
not recorded once per role.
"""

from __future__ import annotations

import re
from typing import Any

from infra_team.offline._evidence import Evidence
from infra_team.offline._routing import security_words
from infra_team.offline._text import first_sentence

REQUEST_STAGES = frozenset({"design", "implement", "codify", "operate"})
"""Stages of the request flow; the role reports decide only when no design exists."""

_NEGATION = re.compile(
    r"\b(?:no|not|without|never|ruled out|rule out|nothing suggests|no sign of|"
    r"no evidence of|no indication of)\b[^.;!?]{0,40}$",
    re.IGNORECASE,
)
_CVE_EXPLOITED = re.compile(
    r"\b(?:CVE-\d{4}-\d{4,}|vulnerabilit\w*|zero[- ]day|0-?day|RCE)\b[^.;!?]{0,80}?"
    r"\b(?:exploit(?:ed|ing|ation)?|weaponi[sz]ed)\b"
    r"|\b(?:exploit(?:ed|ing|ation)?|attackers? used)\b[^.;!?]{0,80}?"
    r"\b(?:CVE-\d{4}-\d{4,}|vulnerabilit\w*|zero[- ]day|0-?day|RCE)\b",
    re.IGNORECASE,
)
_CREDENTIAL_LEAK = re.compile(
    r"\b(?:credentials?|api keys?|access keys?|secrets?|passwords?|tokens?|private keys?)\b"
    r"[^.;!?]{0,40}?\b(?:leak\w*|exposed|stolen|pushed to (?:a )?public|committed to (?:a )?public)\b"
    r"|\bleak\w* (?:of )?(?:\w+ ){0,2}(?:credentials?|keys?|secrets?|passwords?|tokens?)\b",
    re.IGNORECASE,
)

_RELEASE = re.compile(
    r"\b(?:deploy(?:s|ed|ment|ments|ing)?|releas(?:e|es|ed|ing)|roll(?:ed)?[- ]?outs?|"
    r"rolled out|(?:schema|database|db|data) migrations?|migrations? (?:ran|run|script)|"
    r"hotfix(?:es)?|new (?:app |application |service |client )?(?:version|build)|"
    r"v\d+\.\d+(?:\.\d+)?|merged? (?:pr|pull request)|feature flags?)\b",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"\b(?:after|since|following|caus(?:ed|es|ing)|broke|broken by|introduced|regression|"
    r"made|led to|triggered|resulted in|started when|once we|when we|and now|due to|because of)\b",
    re.IGNORECASE,
)
_FAILURE = re.compile(
    r"\b(?:errors?|fail\w*|down|outage|broke\w*|5\d\d|5xx|timeouts?|timing out|crash\w*|"
    r"refus\w*|degrad\w*|corrupt\w*|deadlock\w*|lock(?:s|ed)?|slow\w*|spik\w*|data loss|lost|"
    r"time(?:s|d)? out|hang\w*|hung|"
    r"regression|unavailable|rejects?\w*|exceptions?|oom\w*|latency)\b",
    re.IGNORECASE,
)
_INFRA_CHANGE = re.compile(
    r"\b(?:kernel|firmware|terraform|ansible|firewall|dns|bgp|router|switch|load balancer|"
    r"certificate|tls cert|os|operating system|patch(?:es)?|failover|network)\b",
    re.IGNORECASE,
)
"""Objects of a change the infrastructure team owns: a release of these is not Development's."""
_ROLLED_BACK = re.compile(
    r"\b(?:rolled back|reverted|roll(?:ed)?[- ]?back (?:done|complete\w*))\b", re.I
)
_CLOCK = re.compile(r"\b(?:[01]?\d|2[0-3]):[0-5]\d(?:\s?(?:UTC|Z|CET|CEST|[AP]M))?\b", re.I)

_TEST_ENVIRONMENT = re.compile(
    r"\b(?:staging|test(?:ing)?|qa|uat|pre-?prod(?:uction)?|performance|load[- ]test|sandbox|"
    r"integration)\s+(?:environment|env|cluster|stack)s?\b"
    r"|\bnew (?:\w+ )?(?:environment|env)s?\b",
    re.IGNORECASE,
)
_UPGRADE = re.compile(
    r"\bupgrad(?:e|es|ed|ing)\b|\bmajor version\b|\b(?:from|to) (?:version )?v?\d+(?:\.\d+)* "
    r"(?:to|→|->) v?\d+(?:\.\d+)*\b",
    re.IGNORECASE,
)
_PERFORMANCE_TEST = re.compile(
    r"\b(?:performance|load|stress|soak) test(?:s|ing)?\b|\bbenchmark\w*\b", re.IGNORECASE
)

_HOST = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b"
    r"|\b(?!cve-)[a-z][a-z0-9]*(?:[-.][a-z0-9]+)*[-.]?\d+[a-z0-9]*(?:[-.][a-z0-9]+)*\b",
    re.IGNORECASE,
)
_NOT_HOST = re.compile(r"^(?:v?\d|p\d+$|\d+xx$|[a-z]+\d*$|http|tls|sha|rfc|iso|ipv|x86)", re.I)


def _negated(text: str, start: int) -> bool:
    """Whether the words before ``start`` in the same sentence negate the mention."""
    return bool(_NEGATION.search(text[max(0, start - 60) : start]))


def _sentence_at(text: str, position: int) -> str:
    """The sentence of ``text`` that holds ``position``, on one line."""
    starts = [m.end() for m in re.finditer(r"[.!?\n]\s+", text[:position])]
    return first_sentence(text[starts[-1] if starts else 0 :], 160)


def security_signals(text: str) -> tuple[str, ...]:
    """Security incident words that are not negated, plus exploited vulnerabilities and
    leaked credentials, in text order."""
    found: list[tuple[int, str]] = []
    for word in security_words(text):
        for match in re.finditer(re.escape(word), text):
            if not _negated(text, match.start()):
                found.append((match.start(), word.lower()))
                break
    for pattern in (_CVE_EXPLOITED, _CREDENTIAL_LEAK):
        for match in pattern.finditer(text):
            if not _negated(text, match.start()):
                found.append((match.start(), " ".join(match[0].lower().split())))
    return tuple(dict.fromkeys(word for _, word in sorted(found)))


def failing_change(text: str) -> str | None:
    """The sentence that places an incident's cause in an application change (a release,
    deploy, rollout or schema migration, with a failure and a causal word in the same
    sentence), or None. A change to infrastructure the team owns is not one."""
    for match in _RELEASE.finditer(text):
        sentence = _sentence_at(text, match.start())
        if _negated(text, match.start()):
            continue
        if not (_CAUSE.search(sentence) and _FAILURE.search(sentence)):
            continue
        near = text[max(0, match.start() - 30) : match.end() + 30]
        if _INFRA_CHANGE.search(near):
            continue
        return sentence
    return None


def hosts_named(text: str) -> tuple[str, ...]:
    """Host names and IPv4 addresses the text names (``bastion-02``, ``10.0.3.7``), as
    written: a user's own names are never altered."""
    names = []
    for match in _HOST.finditer(text):
        name = match[0].rstrip(".-")
        if _NOT_HOST.match(name) and not re.fullmatch(r"(?:\d{1,3}\.){3}\d{1,3}", name):
            continue
        names.append(name)
    return tuple(dict.fromkeys(names))


def _security(text: str, signals: tuple[str, ...]) -> dict[str, str]:
    hosts = hosts_named(text)
    where = (
        f"affected hosts: {', '.join(hosts[:8])}"
        if hosts
        else "affected hosts: those the triage identifies (none named in the request)"
    )
    return {
        "team": "Security",
        "reason": "Security incident ("
        + ", ".join(signals[:4])
        + "): incident response coordination is Security's (Cross-Team Interactions).",
        "handed_over": "Evidence preserved before any clean-up (auth and audit logs, shell "
        f"history, process and network lists, disk and memory snapshots); {where}",
        "expected_back": "Forensic findings (entry point, scope, whether data left) and the "
        "disclosure decision; keep the hosts isolated, not rebuilt, until then",
    }


def _development(text: str, change: str) -> dict[str, str]:
    times = tuple(dict.fromkeys(m[0] for m in _CLOCK.finditer(text)))
    timeline = (
        f"timeline: {', '.join(times[:6])} as reported"
        if times
        else "timeline: release time and first error from the triage"
    )
    rollback = (
        "rollback state: rolled back, per the request"
        if _ROLLED_BACK.search(text)
        else "rollback state: not rolled back per the request; confirm whether it can be"
    )
    return {
        "team": "Development",
        "reason": "An application change caused the incident: deployment support is "
        "Development's (Cross-Team Interactions).",
        "handed_over": f'The failing change ("{change}"); {timeline}; {rollback}',
        "expected_back": "A fix or a revert of the change, and its root cause for the postmortem",
    }


_PAST = re.compile(r"\b(?:after|since|following|during)\b[^.;!?]{0,40}$", re.IGNORECASE)


def _asked(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first mention of ``pattern`` that is a change asked for, not a past change the
    text blames ("after the kernel upgrade, mounts hang") and not a negated one."""
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        if not _PAST.search(before) and not _negated(text, match.start()):
            return match
    return None


def _qa(text: str) -> dict[str, str] | None:
    environment = _asked(_TEST_ENVIRONMENT, text)
    upgrade = _asked(_UPGRADE, text)
    performance = _asked(_PERFORMANCE_TEST, text)
    if environment:
        return {
            "team": "QA",
            "reason": "A new environment to be tested in: test environment management is "
            "QA's (Cross-Team Interactions).",
            "handed_over": f'The environment ("{_sentence_at(text, environment.start())}") '
            "with its endpoints, access and the IaC that builds it",
            "expected_back": "Acceptance of the environment: the test suites pass there, "
            "and any difference from production listed",
        }
    if upgrade or performance:
        found = upgrade or performance
        assert found is not None
        return {
            "team": "QA",
            "reason": "The change needs test verification before production: performance "
            "testing is QA's (Cross-Team Interactions).",
            "handed_over": f'The change ("{_sentence_at(text, found.start())}") applied in '
            "a test environment first, with its rollback plan",
            "expected_back": "Regression and performance test results (sign-off or the "
            "failures) before the production window",
        }
    return None


def decide_handoffs(stage: str, text: str) -> list[dict[str, str]]:
    """The hand-offs of ``text`` at ``stage``: Security and Development at any stage that
    decides, QA only for a request that is neither (an incident is verified by its recovery)."""
    handoffs: list[dict[str, str]] = []
    signals = security_signals(text)
    if signals:
        handoffs.append(_security(text, signals))
    change = failing_change(text)
    if change:
        handoffs.append(_development(text, change))
    if stage in REQUEST_STAGES and not change and not signals:
        qa = _qa(text)
        if qa:
            handoffs.append(qa)
    return handoffs


def decides(stage: str, evidence: Evidence) -> bool:
    """Whether this stage is the run's first to decide hand-offs (see the module
    docstring): the design; a role report with no design; the triage; an escalation rung
    with no triage and no earlier rung."""
    if stage in {"design", "triage"}:
        return True
    if stage in REQUEST_STAGES:
        return not evidence.context("design")
    if stage == "escalation":
        return not evidence.context("triage") and not evidence.brief.context.get("trail")
    return False


def with_handoffs(stage: str, evidence: Evidence, output: dict[str, Any]) -> dict[str, Any]:
    """``output`` with its ``handoffs`` decided, when this stage decides them."""
    if not decides(stage, evidence) or output.get("handoffs"):
        return output
    handoffs = decide_handoffs(stage, evidence.request)
    return {**output, "handoffs": handoffs} if handoffs else output
