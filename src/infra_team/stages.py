"""What each graph stage binds: the tools a role needs at that stage, nothing more.

A model call carries every bound tool's schema, so a stage binds only its own tools: the
design stage does not need the on-call tools, triage does not need the Terraform
review. Tools that change an external system (``writes=True``) are bound only at the
stages that may propose them (the SRE's triage and operate stages), and only when the request asks
for that action in words ("page the on-call", "open a status page incident",
"annotate", "silence"); the same words decide the offline engine's write calls.

Capability tools that serve one kind of work (a VPN plan, a data migration, a chaos
experiment ...) are bound the same way: a stage's tools listed in ``CAPABILITY_REQUESTS``
are bound only when the request asks for that kind of work (``requested_capabilities``:
one compiled pattern, one scan); the others
in ``STAGE_TOOLS`` are the stage's core tools, bound always.

A live tool that reads a running system (``query_prometheus``, ``postgres_locks``,
``ssh_host_check`` ...) is bound only when its system is configured (the setting that
switches it on is set, ``infra_team.tools._base.switched_on``): unconfigured, it could
only answer ``not_configured``, and its schema would cost every call of the stage. The
settings are read per run (``request_key``), so a built graph follows a change of them.

Every stage's tools are a subset of the role's ``tools:`` line in agents/ (checked by
``check_stage_tools``); the full set stays available to hosts that run a role on its own
(Claude Code, MCP, deepagents).
"""

from __future__ import annotations

import functools
import re
from functools import cache

from langchain_core.tools import BaseTool

from infra_team.errors import ConfigError
from infra_team.settings import get_settings
from infra_team.tools import TOOL_CATALOG
from infra_team.tools._base import is_live, setting_paths, switched_on
from infra_team.tools._base import writes as writes_to
from infra_team.toolsets import get_tools

STAGE_TOOLS: dict[tuple[str, str], tuple[str, ...]] = {
    ("infrastructure-team", "intake"): (),
    ("infrastructure-architect", "design"): (
        "capacity_plan",
        "dr_strategy",
        "availability_budget",
        "cost_trend",
        "cloud_services",
        "multi_region_plan",
        "rightsizing",
    ),
    ("infrastructure-architect", "escalation"): (
        "availability_budget",
        "dr_strategy",
        "capacity_plan",
    ),
    ("systems-administrator", "implement"): (
        "audit_sshd_config",
        "patch_status",
        "query_prometheus",
        "ssh_host_check",
        "cloud_init",
        "patch_plan",
        "host_backup_plan",
    ),
    ("systems-administrator", "escalation"): (
        "host_health",
        "query_prometheus",
        "audit_sshd_config",
        "patch_status",
        "ssh_host_health",
        "ssh_host_check",
        "config_drift",
    ),
    ("network-engineer", "implement"): (
        "cidr_plan",
        "firewall_audit",
        "query_prometheus",
        "dns_resolve",
        "tls_check",
        "http_probe",
        "haproxy_config",
        "dns_cutover",
        "vpn_plan",
    ),
    ("network-engineer", "escalation"): (
        "dns_check",
        "lb_health",
        "firewall_audit",
        "query_prometheus",
        "dns_resolve",
        "tcp_check",
    ),
    ("database-administrator", "implement"): (
        "analyze_query_plan",
        "backup_policy_check",
        "replication_health",
        "query_prometheus",
        "postgres_explain",
        "postgres_settings_audit",
        "postgres_replication",
        "pg_settings",
        "failover_plan",
        "migration_plan",
    ),
    ("database-administrator", "escalation"): (
        "replication_health",
        "analyze_query_plan",
        "backup_policy_check",
        "query_prometheus",
        "postgres_replication",
        "postgres_locks",
        "postgres_activity",
        "postgres_explain",
        "failover_plan",
    ),
    ("automation-engineer", "codify"): (
        "terraform_plan_review",
        "ansible_check",
        "iac_coverage",
        "terraform_write",
        "ansible_write",
        "iac_pipeline",
        "self_service_form",
        "toil_inventory",
        "terraform_show_plan",
        "ansible_syntax_check",
        "ansible_dry_run",
    ),
    ("site-reliability-engineer", "operate"): (
        "error_budget",
        "burn_rate_alerts",
        "runbook",
        "query_prometheus",
        "capacity_forecast",
        "chaos_experiment",
        "k8s_rollout_status",
    ),
    ("site-reliability-engineer", "triage"): (
        "oncall_now",
        "list_alertmanager_alerts",
        "query_prometheus",
        "error_budget",
        "runbook",
        "incident_create",
        "k8s_pods_not_ready",
    ),
}
"""(subagent type, stage) -> the read-only tools bound at that stage, in order. Every
specialist can measure (``query_prometheus``) at every stage where Prometheus is
configured: a question about the live system must not go unanswered because the stage's
calculators cannot see it. Live tools whose system is not configured are left out."""

WRITE_REQUESTS: dict[str, str] = {
    "create_statuspage_incident": (
        r"\b(?:open|create|post|publish|raise|start|update)\b[^.\n]{0,40}\bstatus ?page\b"
        r"|\bstatus ?page incident\b"
    ),
    "pagerduty_event": (
        r"\bpage\s+(?:the\s+|our\s+)?(?:on-?call|primary|secondary|sre|team|someone|engineer"
        r"|owner)|\b(?:trigger|send|raise|open)\s+(?:a\s+)?(?:page|pagerduty)\b|\bpagerduty\b"
    ),
    "create_alertmanager_silence": r"\bsilenc(?:e|ing)\b",
    "create_grafana_annotation": r"\bannotat(?:e|ion)\b",
}
"""Write tool -> the words (a regular expression in lower case, matched against the
lower-cased request) that ask for it."""
WRITE_STAGES: frozenset[tuple[str, str]] = frozenset(
    {("site-reliability-engineer", "triage"), ("site-reliability-engineer", "operate")}
)
"""Stages that may propose a write when the request asks for one: the on-call SRE's triage
(page, status page, silence) and the SRE's operate stage of a change, which announces its
maintenance (status page, annotation) so that Change Approval can see stakeholders told."""
_WRITE_PATTERNS = tuple((name, re.compile(pattern)) for name, pattern in WRITE_REQUESTS.items())


CAPABILITY_REQUESTS: dict[str, str] = {
    # infrastructure-architect
    "cloud_services": (
        r"\b(?:aws|gcp|azure|amazon web services|google cloud)\b|\bcloud (?:provider|vendor)"
        r"|\bmanaged (?:service|database|kubernetes)"
    ),
    "multi_region_plan": (
        r"\bmulti-?region|\bhybrid\b|\bactive-(?:active|passive)\b|\bsecond region"
        r"|\bon-?prem(?:ise)?s?\b|\bcross-region"
    ),
    "cost_trend": r"\bcosts?\b|\bspend(?:ing)?\b|\bcheaper\b|\bsavings?\b|\bfinops\b|\bcloud bill\b",
    "rightsizing": (
        r"\bright-?siz|\bover-?provision|\bunder-?utili[sz]|\bdown-?siz|\bcost optimi[sz]"
        r"|\bidle (?:instances?|servers?|vms?|nodes?)\b"
    ),
    # systems-administrator
    "cloud_init": (
        r"\bcloud-?init\b|\buser-?data\b|\bprovision(?:ing)?\b|\bbootstrap"
        r"|\bnew (?:servers?|hosts?|vms?|instances?|nodes?)\b"
    ),
    "patch_plan": (
        r"\bpatch(?:es|ing)?\b|\bcve-\d|\bsecurity updates?\b|\bkernel (?:update|upgrade)"
        r"|\bunattended-upgrades\b"
    ),
    "host_backup_plan": r"\bbackups?\b|\brestores?\b|\brestic\b|\bborg(?:backup)?\b|\bsnapshots?\b",
    "config_drift": (
        r"\bdrift(?:ed)?\b|\bconfig(?:uration)? (?:changed|change|differs|mismatch)"
        r"|\bafter (?:a|the) (?:deploy|change|release)\b"
    ),
    # network-engineer
    "haproxy_config": (
        r"\bhaproxy\b|\bload[- ]?balanc(?:er|ers|ing)\b[^.\n]{0,40}\b(?:config|set ?up|backends?)"
        r"|\b(?:config|set ?up|configure)\b[^.\n]{0,40}\bload[- ]?balanc"
    ),
    "dns_cutover": (
        r"\bdns\b[^.\n]{0,40}\b(?:cut ?over|change|switch|migrat|move)|\bcut ?over\b[^.\n]{0,40}\bdns\b"
        r"|\bttl\b|\b(?:a|aaaa|cname) records?\b"
    ),
    "vpn_plan": r"\bvpns?\b|\bwireguard\b|\bipsec\b|\bsite-to-site\b|\btunnels?\b",
    # database-administrator
    "pg_settings": (
        r"\bshared_buffers\b|\bwork_mem\b|\bpostgresql\.conf\b|\btun(?:e|ing)\b"
        r"|\bnew\b[^.\n]{0,20}\b(?:postgres(?:ql)?|database|db)\b[^.\n]{0,10}\b(?:cluster|server|instance)"
        r"|\bpostgres(?:ql)?\b[^.\n]{0,30}\b(?:settings|parameters|configuration)\b"
    ),
    "failover_plan": (
        r"\bfail-?over\b|\bfail over\b|\bstandbys?\b|\bpatroni\b|\bhigh availability\b"
        r"|\bpromot(?:e|ion)\b|\breplicas?\b"
    ),
    "migration_plan": (
        r"\bmigrat(?:e|es|ed|ion|ing)\b|\bmov(?:e|ing) (?:the )?data\b|\bcut ?over\b"
        r"|\bmajor (?:version )?upgrade\b"
    ),
    # automation-engineer
    "terraform_write": (
        r"\b(?:write|generate|create|draft|scaffold|codify)\b[^.\n]{0,40}"
        r"\b(?:terraform|iac|infrastructure as code|hcl)\b"
        r"|\bterraform (?:module|code|config(?:uration)?)s?\b"
    ),
    "ansible_write": (
        r"\b(?:write|generate|create|draft|scaffold|codify)\b[^.\n]{0,40}\b(?:ansible|playbooks?)\b"
        r"|\bansible (?:playbook|role)s?\b"
    ),
    "iac_pipeline": (
        r"\bpipelines?\b|\bci/?cd\b|\bgitops\b|\bgithub actions\b|\bgitlab ci\b"
        r"|\bworkflow automation\b"
    ),
    "self_service_form": r"\bself-?service\b|\bportal\b|\brequest forms?\b|\bservice catalog",
    "toil_inventory": r"\btoil\b|\bmanual(?:ly)?\b|\brepetitive\b|\bby hand\b",
    # site-reliability-engineer
    "capacity_forecast": (
        r"\bforecast|\bcapacity\b|\bgrowth\b|\bheadroom\b|\brun(?:s|ning)? out of\b|\bsaturat"
    ),
    "chaos_experiment": (
        r"\bchaos\b|\bgame ?days?\b|\bfault injection\b|\binject(?:ing)? (?:a )?faults?\b"
    ),
}
"""Capability tool -> the words (a lower-case regular expression, as ``WRITE_REQUESTS``) that ask for its
kind of work. At a stage that lists it in ``STAGE_TOOLS`` the tool is bound only when the
request matches; the role's ``tools:`` line (Claude Code, MCP) is not affected."""
_CAPABILITY_PATTERNS = tuple(
    (name, re.compile(pattern)) for name, pattern in CAPABILITY_REQUESTS.items()
)


def _asked(patterns: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> tuple[str, ...]:
    """The names whose pattern matches ``text``, in the order first asked.

    One search per pattern on the lower-cased text (the patterns are written in lower case):
    on a long request that is about three times faster than one alternation, whose leading
    ``\b`` defeats the regex engine's literal-prefix scan, and an ask is never hidden by an
    overlapping one."""
    lowered = text.lower()
    first: list[tuple[int, int, str]] = []
    for order, (name, pattern) in enumerate(patterns):
        match = pattern.search(lowered)
        if match is not None:
            first.append((match.start(), order, name))
    return tuple(name for _, _, name in sorted(first))


@functools.lru_cache(maxsize=32)
def requested_writes(text: str) -> frozenset[str]:
    """The write tools ``text`` asks for. Every stage of a run asks about the same request,
    so the answer is kept for the few most recent texts."""
    return frozenset(_asked(_WRITE_PATTERNS, text))


@functools.lru_cache(maxsize=32)
def requested_capabilities(text: str) -> tuple[str, ...]:
    """The capability tools ``text`` asks for, in the order first asked (kept per text, as
    ``requested_writes``)."""
    return _asked(_CAPABILITY_PATTERNS, text)


def _live(name: str) -> bool:
    """A live read tool that needs a setting (one that reads this host needs none)."""
    tool = TOOL_CATALOG.get(name)
    return tool is not None and is_live(tool) and not writes_to(tool) and bool(setting_paths(tool))


@cache
def core_tools(role: str, stage: str) -> tuple[str, ...]:
    """The tools a stage binds whatever the request and the settings: its ``STAGE_TOOLS``
    that are neither capability tools bound on request nor live tools."""
    return tuple(
        name
        for name in STAGE_TOOLS.get((role, stage), ())
        if name not in CAPABILITY_REQUESTS and not _live(name)
    )


@cache
def capability_tools(role: str, stage: str) -> tuple[str, ...]:
    """The capability tools a stage binds only when the request asks for their work."""
    return tuple(name for name in STAGE_TOOLS.get((role, stage), ()) if name in CAPABILITY_REQUESTS)


@cache
def live_tools(role: str, stage: str) -> tuple[str, ...]:
    """The live read tools a stage binds only when their system is configured (a live
    tool that needs no setting, such as ``host_health``, is a core tool)."""
    return tuple(
        name
        for name in STAGE_TOOLS.get((role, stage), ())
        if name not in CAPABILITY_REQUESTS and _live(name)
    )


def on_request_tools(role: str, stage: str) -> tuple[str, ...]:
    """The tools a stage binds beyond its core ones, per run: capability tools when the
    request asks for their work, live tools when their system is configured."""
    return (*capability_tools(role, stage), *live_tools(role, stage))


def asked_tools(role: str, stage: str, requested: tuple[str, ...]) -> tuple[str, ...]:
    """Of the capability tools ``requested`` (``requested_capabilities``), those the stage
    binds, the first asked first. All of them: a stage with every one of its capability
    tools asked still fits a small context (``tests/test_snapshots.py``), so none is cut."""
    mine = set(capability_tools(role, stage))
    return tuple(name for name in requested if name in mine)


def configured_tools(role: str, stage: str) -> tuple[str, ...]:
    """The stage's live tools whose system is configured in the current settings
    (``infra_team.tools._base.switched_on``). Settings that cannot be read count as
    configured: each tool then answers with the settings error, which says what to fix."""
    names = live_tools(role, stage)
    if not names:
        return ()
    try:
        settings = get_settings()
    except ConfigError:
        return names
    return tuple(name for name in names if switched_on(TOOL_CATALOG[name], settings))


@cache
def stage_tools(
    role: str,
    stage: str,
    writes: frozenset[str] = frozenset(),
    asked: tuple[str, ...] = (),
) -> tuple[BaseTool, ...]:
    """The tools bound at one stage: its core tools, the capability and live tools in
    ``asked`` that the stage lists (``request_key``), plus the write tools in ``writes``
    when the stage may propose writes and the role holds them."""
    if (role, stage) not in STAGE_TOOLS:
        return tuple(get_tools(role))
    own = {tool.name for tool in get_tools(role)}
    extra = sorted(writes & own) if (role, stage) in WRITE_STAGES else []
    core = set(core_tools(role, stage))
    names = [n for n in STAGE_TOOLS[(role, stage)] if n in core or n in asked]
    return tuple(TOOL_CATALOG[name] for name in (*names, *extra))


def request_key(role: str, stage: str, text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """What a run adds at one stage: the write tools the request asks for (at a write
    stage the role holds them), then the capability tools it asks for that the stage binds
    and the stage's live tools whose system is configured now. Equal keys bind the same
    tools, so one built agent serves them; a change of settings makes a new key."""
    own = {tool.name for tool in get_tools(role)}
    writes = requested_writes(text) & own if (role, stage) in WRITE_STAGES else frozenset()
    asked = (
        asked_tools(role, stage, requested_capabilities(text))
        if capability_tools(role, stage)
        else ()
    )
    return frozenset(writes), (*asked, *configured_tools(role, stage))


def write_variants(role: str, stage: str) -> tuple[frozenset[str], ...]:
    """The write sets a stage is built for: none, and (at a write stage) every write the
    role holds, so one agent serves any request that asks for some of them."""
    if (role, stage) not in WRITE_STAGES:
        return (frozenset(),)
    own = {tool.name for tool in get_tools(role)}
    return (frozenset(), frozenset(WRITE_REQUESTS) & own)


def check_stage_tools() -> list[str]:
    """Problems with ``STAGE_TOOLS``: a tool the role does not hold, or a write tool
    bound as a read-only one. Empty when the table is consistent."""
    problems = []
    for (role, stage), names in STAGE_TOOLS.items():
        own = {tool.name: tool for tool in get_tools(role)}
        for name in names:
            if name not in own:
                problems.append(f"{role} at {stage}: `{name}` is not one of the role's tools")
            elif (own[name].metadata or {}).get("writes"):
                problems.append(f"{role} at {stage}: `{name}` writes; list it in WRITE_REQUESTS")
    for name in CAPABILITY_REQUESTS:
        if name not in TOOL_CATALOG:
            problems.append(f"CAPABILITY_REQUESTS names `{name}`, which is not a tool")
    return problems
