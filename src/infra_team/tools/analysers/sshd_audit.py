"""sshd_config hardening audit: the benchmark checks applied to a parsed sshd_config.

The global section gives the value in effect; Match blocks give conditional overrides, and
``Include`` directives (not followed) mark the findings they could change.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from infra_team.tools._base import ToolInputError
from infra_team.tools.analysers.severity import SEVERITY_ORDER, Severity
from infra_team.tools.analysers.sshd_checks import (
    ALGORITHM_KEYS,
    SSHD_CHECKS,
    SshdCheck,
    Verdict,
    effective_algorithms,
)
from infra_team.tools.analysers.sshd_config import KNOWN_KEYWORDS, Directive, parse_sshd_config

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SshdFinding(BaseModel):
    """One setting that misses its benchmark value, or a configuration problem."""

    model_config = _FROZEN

    id: str
    """Benchmark reference: ``CIS 5.2.10; dev-sec sshd-06``, or ``sshd_config(5)``."""
    key: str
    """The sshd_config keyword."""
    title: str
    """What the check wants, in words."""
    severity: Severity
    """critical, high, medium, low or info."""
    observed: str
    """Value in effect (or the offending line)."""
    source: str
    """``line 12``, ``line 30 (Match User deploy)`` or ``OpenSSH default``."""
    expected: str
    """Value the benchmark wants."""
    remediation: str
    """What to change."""
    conditional: str | None = None
    """Match criteria when the value applies only to matching connections."""
    overridable_by_include: bool = False
    """An earlier ``Include`` may set this keyword first (included files were not read)."""


class SshdSetting(BaseModel):
    """Value in effect for one audited keyword, outside any Match block."""

    model_config = _FROZEN

    key: str
    """The keyword."""
    value: str | None
    """Effective value (algorithm lists with +/-/^ applied); None when unset with no default."""
    source: str
    """``line N`` or ``OpenSSH default``."""
    passed: bool
    """Whether the value meets the benchmark."""


class SshdInclude(BaseModel):
    """An ``Include`` directive: its files were not read."""

    model_config = _FROZEN

    line: int
    """Line of the directive."""
    paths: list[str]
    """Paths or globs it includes."""
    match: str | None
    """Enclosing Match criteria, if any."""


class SshdAudit(BaseModel):
    """Findings of an sshd_config audit."""

    model_config = _FROZEN

    findings: list[SshdFinding]
    """Failed checks and problems, most severe first."""
    counts: dict[str, int]
    """Number of findings per severity."""
    settings: list[SshdSetting]
    """Global value in effect for each audited keyword."""
    passed: list[str]
    """Keywords whose global value meets the benchmark."""
    includes: list[SshdInclude]
    """Include directives (their files were not audited)."""
    match_blocks: list[str]
    """Criteria of each Match block, in file order."""
    notes: list[str]
    """Caveats on how the result was computed."""


def _evaluate(check: SshdCheck, value: str) -> Verdict:
    try:
        return check.judge(value)
    except ValueError as exc:
        return Verdict(
            passed=False,
            severity="high",
            note=f"{exc}; `sshd -t` rejects it and sshd will not start",
        )


def _observed(raw: str, effective: str, verdict: Verdict) -> str:
    shown = effective if raw == effective else f"{raw} (effective: {effective})"
    return f"{shown} — {verdict.note}" if verdict.note else shown


def audit_sshd(config_text: str) -> SshdAudit:
    """Audit sshd_config text against CIS and dev-sec SSH hardening checks.

    Checks and references: CIS Distribution Independent Linux Benchmark v2.0.0 section 5.2
    (5.2.4 Protocol, 5.2.6 X11Forwarding, 5.2.7 MaxAuthTries <= 4, 5.2.8 IgnoreRhosts,
    5.2.9 HostbasedAuthentication, 5.2.10 PermitRootLogin no, 5.2.11 PermitEmptyPasswords,
    5.2.12 PermitUserEnvironment, 5.2.13-15 ciphers/MACs/KEX, 5.2.16 ClientAliveInterval,
    5.2.17 LoginGraceTime <= 60 s, 5.2.21 AllowTcpForwarding) and the dev-sec ssh-baseline
    InSpec profile (sshd-27 PasswordAuthentication no, and the matching sshd-NN controls).

    Parsing follows sshd_config(5) (OpenSSH 10): keywords are case-insensitive, ``Key value``
    and ``Key=value`` both work, the first obtained value of a keyword wins, and a ``Match``
    block runs to the next ``Match`` or the end of the file. Values inside a Match block
    apply only to matching connections: they are reported as conditional overrides and never
    replace the global value. ``Include`` files are not read; every finding whose keyword an
    earlier Include could set is marked. Missing keywords take the upstream OpenSSH defaults
    (PermitRootLogin prohibit-password, PasswordAuthentication yes, MaxAuthTries 6,
    LoginGraceTime 120, X11Forwarding no, AllowTcpForwarding yes, ClientAliveInterval 0, the
    default cipher/MAC/KEX lists); ``+``, ``-`` and ``^`` algorithm lists are applied to them.

    Raises:
        ToolInputError: for an unterminated quote, or text that is not sshd_config at all.
    """
    directives, bad_lines = parse_sshd_config(config_text)
    known = [d for d in directives if d.keyword in KNOWN_KEYWORDS]
    if (directives or bad_lines) and not known:
        msg = (
            "`config_text` does not look like sshd_config: no line starts with an sshd "
            "keyword (e.g. `PermitRootLogin no`). Pass the text of /etc/ssh/sshd_config."
        )
        raise ToolInputError(msg)

    findings: list[SshdFinding] = []
    includes = [
        SshdInclude(line=d.line, paths=d.args, match=d.match)
        for d in directives
        if d.keyword == "include"
    ]
    global_include_lines = [inc.line for inc in includes if inc.match is None]
    first_include = min(global_include_lines, default=None)

    for number, text in bad_lines:
        findings.append(_syntax_finding(f"line {number}", text, "not a `Keyword value` line"))
    for d in directives:
        if d.keyword not in KNOWN_KEYWORDS:
            findings.append(
                _syntax_finding(
                    f"line {d.line}",
                    f"{d.spelled} {' '.join(d.args)}".strip(),
                    f"`{d.spelled}` is not an OpenSSH sshd keyword (typo, or a distribution "
                    "patch); upstream sshd refuses to start on unknown keywords",
                    key=d.spelled,
                    severity="medium",
                )
            )
        elif not d.args:
            findings.append(
                _syntax_finding(
                    f"line {d.line}", d.spelled, f"`{d.spelled}` has no value", key=d.spelled
                )
            )

    settings: list[SshdSetting] = []
    passed: list[str] = []
    for check in SSHD_CHECKS:
        lowered = check.key.lower()
        global_hits = [d for d in directives if d.keyword == lowered and d.match is None and d.args]
        first = global_hits[0] if global_hits else None
        if first is not None:
            raw, source = first.args[0], f"line {first.line}"
            overridable = first_include is not None and first_include < first.line
        else:
            raw, source = check.default or "", "OpenSSH default"
            overridable = first_include is not None
        if first is None and check.default is None:
            settings.append(SshdSetting(key=check.key, value=None, source="not set", passed=True))
            passed.append(check.key)
        else:
            effective = (
                effective_algorithms(raw, check.default or "") if lowered in ALGORITHM_KEYS else raw
            )
            verdict = _evaluate(check, effective)
            settings.append(
                SshdSetting(key=check.key, value=effective, source=source, passed=verdict.passed)
            )
            if verdict.passed:
                passed.append(check.key)
            else:
                findings.append(
                    SshdFinding(
                        id=check.ref,
                        key=check.key,
                        title=check.title,
                        severity=verdict.severity,
                        observed=_observed(raw, effective, verdict),
                        source=source,
                        expected=check.expected,
                        remediation=check.remediation,
                        overridable_by_include=overridable,
                    )
                )
        findings.extend(_match_findings(check, directives))

    findings.sort(key=lambda f: SEVERITY_ORDER.index(f.severity))
    counts = {level: sum(1 for f in findings if f.severity == level) for level in SEVERITY_ORDER}
    notes = [
        "Defaults are upstream OpenSSH's; distributions may ship other defaults (e.g. "
        "system-wide crypto policies on RHEL/Fedora). Confirm with `sshd -T`."
    ]
    if includes:
        notes.append(
            "Include directives were not followed: a keyword set in an included file before "
            "the line shown wins (first value wins). Audit those files too."
        )
    return SshdAudit(
        findings=findings,
        counts=counts,
        settings=settings,
        passed=passed,
        includes=includes,
        match_blocks=[" ".join(d.args) for d in directives if d.keyword == "match"],
        notes=notes,
    )


def _syntax_finding(
    source: str,
    text: str,
    problem: str,
    *,
    key: str = "(syntax)",
    severity: Severity = "high",
) -> SshdFinding:
    return SshdFinding(
        id="sshd_config(5)",
        key=key,
        title="sshd_config parses cleanly",
        severity=severity,
        observed=f"{text} — {problem}",
        source=source,
        expected="`Keyword value` with a known keyword and a valid value",
        remediation="Fix or remove the line, then check with `sshd -t`.",
    )


def _match_findings(check: SshdCheck, directives: list[Directive]) -> list[SshdFinding]:
    """Conditional overrides: the first value per Match block that fails the check."""
    findings: list[SshdFinding] = []
    seen_blocks: set[int] = set()
    lowered = check.key.lower()
    for d in directives:
        if d.keyword != lowered or d.match is None or not d.args or d.block in seen_blocks:
            continue
        seen_blocks.add(d.block)
        source = f"line {d.line} (Match {d.match})"
        if not check.allowed_in_match:
            findings.append(
                SshdFinding(
                    id="sshd_config(5)",
                    key=check.key,
                    title=f"`{check.key}` is not allowed inside Match",
                    severity="high",
                    observed=f"{d.spelled} {' '.join(d.args)}",
                    source=source,
                    expected=f"`{check.key}` in the global section only",
                    remediation=f"Move `{check.key}` above the first `Match` line; `sshd -t` "
                    "rejects it inside a Match block and sshd will not start.",
                    conditional=d.match,
                )
            )
            continue
        verdict = _evaluate(check, d.args[0])
        if not verdict.passed:
            findings.append(
                SshdFinding(
                    id=check.ref,
                    key=check.key,
                    title=check.title,
                    severity=verdict.severity,
                    observed=_observed(d.args[0], d.args[0], verdict),
                    source=source,
                    expected=check.expected,
                    remediation=f"{check.remediation} This value applies only to connections "
                    f"matching `Match {d.match}`; narrow or remove the override.",
                    conditional=d.match,
                )
            )
    return findings
