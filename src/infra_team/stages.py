"""What each graph stage binds: the tools a role needs at that stage, nothing more.

A model call carries every bound tool's schema, so a stage binds only its own tools: the
design stage does not need the on-call tools, triage does not need the Terraform
review. Tools that change an external system (``writes=True``) are bound only at the
stages that may propose them (the SRE's triage and operate stages), and only when the request asks
for that action in words ("page the on-call", "open a status page incident",
"annotate", "silence"); the same words decide the offline engine's write calls.

Every stage's tools are a subset of the role's ``tools:`` line in agents/ (checked by
``check_stage_tools``); the full set stays available to hosts that run a role on its own
(Claude Code, MCP, deepagents).
"""

from __future__ import annotations

import re
from functools import cache

from langchain_core.tools import BaseTool

from infra_team.tools import TOOL_CATALOG
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
        "k8s_container_logs",
        "query_loki",
    ),
    ("site-reliability-engineer", "triage"): (
        "oncall_now",
        "list_alertmanager_alerts",
        "query_prometheus",
        "error_budget",
        "runbook",
        "incident_create",
        "k8s_pods_not_ready",
        "k8s_warning_events",
    ),
}
"""(subagent type, stage) -> the read-only tools bound at that stage, in order. Every
specialist can measure (``query_prometheus``) at every stage: a question about the live
system must not go unanswered because the stage's calculators cannot see it."""

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
"""Write tool -> the words (a case-insensitive regular expression) that ask for it."""
WRITE_STAGES: frozenset[tuple[str, str]] = frozenset(
    {("site-reliability-engineer", "triage"), ("site-reliability-engineer", "operate")}
)
"""Stages that may propose a write when the request asks for one: the on-call SRE's triage
(page, status page, silence) and the SRE's operate stage of a change, which announces its
maintenance (status page, annotation) so that Change Approval can see stakeholders told."""
_WRITE_PATTERN = re.compile(
    "|".join(f"(?P<w{index}>{pattern})" for index, pattern in enumerate(WRITE_REQUESTS.values())),
    re.IGNORECASE,
)


def requested_writes(text: str) -> frozenset[str]:
    """The write tools ``text`` asks for, found in one scan of the text."""
    names = list(WRITE_REQUESTS)
    found = set()
    for match in _WRITE_PATTERN.finditer(text):
        found.add(names[int(str(match.lastgroup)[1:])])
        if len(found) == len(names):
            break
    return frozenset(found)


@cache
def stage_tools(
    role: str, stage: str, writes: frozenset[str] = frozenset()
) -> tuple[BaseTool, ...]:
    """The tools bound at one stage: its read-only tools, plus the write tools in
    ``writes`` when the stage may propose writes and the role holds them."""
    names = STAGE_TOOLS.get((role, stage))
    if names is None:
        return tuple(get_tools(role))
    own = {tool.name for tool in get_tools(role)}
    extra = sorted(writes & own) if (role, stage) in WRITE_STAGES else []
    return tuple(TOOL_CATALOG[name] for name in (*names, *extra))


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
    return problems
