"""Role reports of the request flow: specialists (implement), automation (codify), SRE (operate).

Each report names the tools that showed each fact, shows the artifact the role proposes
(config, playbook, rules, runbook) and repeats the plan's assumptions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra_team.offline import _artifacts
from infra_team.offline._evidence import Evidence
from infra_team.offline._lag import lag_threshold
from infra_team.offline._plans import (
    BACKUP_RETENTION_DAYS,
    ERROR_BUDGET_WINDOW_DAYS,
    objectives,
    service_name,
    slo_target,
)
from infra_team.offline._templates import OFFLINE_NOTE, format_number, render, render_list
from infra_team.registry import display_name


def _report(evidence: Evidence, lead: str, variables: dict[str, Any]) -> dict[str, Any]:
    role = evidence.brief.role
    variables = {"assumptions": list(evidence.plan.assumptions), **variables}
    return {
        "summary": f"{lead} {OFFLINE_NOTE}",
        "findings": evidence.findings(),
        "actions": render_list(f"actions_{role}.md.j2", **variables),
        "deliverable": render(f"report_{role}.md.j2", **variables),
    }


def _sysadmin(evidence: Evidence) -> dict[str, Any]:
    facts = evidence.facts
    audits = evidence.all_data("audit_sshd_config")
    baseline = audits[0] if audits else None
    current = audits[1] if len(audits) > 1 else None
    patches = evidence.data("patch_status")
    lead = f"Proposed a hardened sshd_config for {_artifacts.scope_of(facts)}"
    lead += (
        f"; its audit found {len(baseline.get('findings', []))} findings."
        if baseline
        else "; it could not be audited here."
    )
    if current:
        lead += f" The sshd_config in the request has {len(current.get('findings', []))} findings to fix."
    return _report(
        evidence,
        lead,
        {
            "scope": _artifacts.scope_of(facts),
            "group": _artifacts.host_group(facts),
            "sshd_config": _artifacts.sshd_baseline(facts),
            "baseline": baseline,
            "current": current,
            "current_findings": len(current.get("findings", [])) if current else 0,
            "patches": patches,
        },
    )


def _measured_lag(data: dict[str, Any] | None, threshold: float) -> list[str]:
    """The replay lag ``postgres_replication`` read per standby, against ``threshold``:
    one sentence, which names every standby over the threshold with its figure."""
    standbys = [s for s in (data or {}).get("standbys", []) if isinstance(s, dict)]
    if not standbys:
        return []
    readings = [
        f"{s.get('name')} {format_number(round(float(s['replay_lag_seconds']), 3))} s"
        if s.get("replay_lag_seconds") is not None
        else f"{s.get('name')} unknown"
        for s in standbys
    ]
    over = [
        str(s.get("name"))
        for s in standbys
        if s.get("replay_lag_seconds") is not None and float(s["replay_lag_seconds"]) > threshold
    ]
    verdict = (
        f"over the {format_number(threshold)} s threshold: {', '.join(over)}; find why "
        "replay falls behind before relying on failover."
        if over
        else f"within the {format_number(threshold)} s threshold."
    )
    return [
        f"Measured replica lag on {data.get('server') if data else ''}: "
        f"{'; '.join(readings)}, {verdict}"
    ]


def _dba(evidence: Evidence) -> dict[str, Any]:
    facts = evidence.facts
    rpo, rto, _ = objectives(facts)
    backup = evidence.data("backup_policy_check")
    replication = evidence.data("replication_health")
    query = evidence.data("analyze_query_plan")
    technology = _artifacts.product_name(facts)
    lag_alert, lag_why = lag_threshold(facts)
    parts: list[str] = []
    if backup:
        verdict = "meets" if backup.get("compliant") else "does not meet"
        parts.append(
            f"Planned {technology} for RPO {rpo:g} min and RTO {rto:g} min; the proposed "
            f"backup policy {verdict} the RPO on paper (no backup history checked)."
        )
    if replication:
        parts.append(
            f"The replica lag stated in the request reads {replication.get('verdict')} against "
            f"{format_number(lag_alert)} s."
        )
    elif facts.standby and backup and not evidence.data("postgres_replication"):
        parts.append(
            f"Replica lag not measured: alert when it exceeds {format_number(lag_alert)} s "
            f"({lag_why})."
        )
    parts += _measured_lag(evidence.data("postgres_replication"), lag_alert)
    if query:
        parts += [] if parts else ["Reviewed the query plan."]
        parts.append(f"The query plan shows {len(query.get('findings', []))} finding(s).")
    lead = " ".join(parts) or "No backup policy, replica lag or query plan to check."
    return _report(
        evidence,
        lead,
        {
            "technology": technology,
            "standby": facts.standby,
            "pitr": facts.pitr,
            "rpo": rpo,
            "rto": rto,
            "retention": BACKUP_RETENTION_DAYS,
            "lag_alert": lag_alert,
            "lag_why": lag_why,
            "backup": backup,
            "replication": replication,
            "query": query,
            "measured_replication": evidence.data("postgres_replication"),
            "measured_settings": evidence.data("postgres_settings_audit"),
        },
    )


def _measured_tls(evidence: Evidence) -> list[str]:
    """Each certificate ``tls_check`` read live: where, days to expiry and the verdict."""
    lines = []
    for data in evidence.all_data("tls_check"):
        days = (data.get("certificate") or {}).get("days_to_expiry")
        if days is None:
            continue
        lines.append(
            f"Measured: the certificate served on {data.get('target')} expires in "
            f"{format_number(days)} days ({str(data.get('verdict', '')).lower()})."
        )
    return lines


def _network(evidence: Evidence) -> dict[str, Any]:
    facts = evidence.facts
    roles = _artifacts.assigned_roles(evidence.brief)
    database = "database-administrator" in roles
    tiers = _artifacts.tiers(facts, database=database)
    subnets = _artifacts.subnet_names(facts, database=database)
    spread = _artifacts.zones(facts)
    cidr = _artifacts.network_cidr(facts)
    prefix = _artifacts.tier_prefix(cidr, len(subnets))
    layout = f"one /{prefix} per tier ({', '.join(tiers)})"
    if spread:
        layout += f" in each of {len(spread)} zones ({len(subnets)} subnets)"
    lead = " ".join(
        [f"Proposed {cidr} with {layout} and least-privilege rules.", *_measured_tls(evidence)]
    )
    return _report(
        evidence,
        lead,
        {
            "cidr": cidr,
            "prefix": prefix,
            "tiers": tiers,
            "subnets": subnets,
            "layout": layout,
            "port": _artifacts.database_port(facts),
            "plan": evidence.data("cidr_plan"),
            "audit": evidence.data("firewall_audit"),
            "rules": _artifacts.firewall_rules(facts, database=database),
        },
    )


def _automation(evidence: Evidence) -> dict[str, Any]:
    facts = evidence.facts
    inventory = _artifacts.iac_inventory(evidence.brief, facts)
    playbook_check = evidence.data("ansible_check")
    plan = evidence.data("terraform_plan_review")
    plan_summary = next(
        (r.summary for r in evidence.results if r.tool == "terraform_plan_review"), ""
    )
    destructive = bool(plan and (plan.get("deletes") or plan.get("replaces")))
    lead = (
        f"Proposed the IaC inventory ({len(inventory)} resources to declare in Terraform) "
        "and a hardening playbook"
    )
    if playbook_check:
        lead += f" (`ansible_check`: {len(playbook_check.get('findings', []))} findings)"
    if plan:
        lead += "; the Terraform plan " + (
            "destroys resources." if destructive else "destroys nothing."
        )
    else:
        lead += "."
    return _report(
        evidence,
        lead,
        {
            "inventory": inventory,
            "playbook": _artifacts.hardening_playbook(facts),
            "playbook_check": playbook_check,
            "plan": plan,
            "plan_summary": plan_summary,
            "destructive": destructive,
        },
    )


def _sre(evidence: Evidence) -> dict[str, Any]:
    facts = evidence.facts
    slo, _ = slo_target(facts)
    service = service_name(facts)
    alerts = evidence.data("burn_rate_alerts")
    runbook = evidence.data("runbook")
    count = len(alerts.get("alerts", [])) if alerts else 0
    lead = f"Defined a {slo:g} % availability SLO for {service} with {count} burn-rate alerts"
    lead += " and a runbook." if runbook else "."
    return _report(
        evidence,
        lead,
        {
            "service": service,
            "slo": slo,
            "window": ERROR_BUDGET_WINDOW_DAYS,
            "alerts": alerts,
            "runbook": runbook,
        },
    )


_WRITERS: dict[str, Callable[[Evidence], dict[str, Any]]] = {
    "systems-administrator": _sysadmin,
    "database-administrator": _dba,
    "network-engineer": _network,
    "automation-engineer": _automation,
    "site-reliability-engineer": _sre,
}


def compose_report(evidence: Evidence) -> dict[str, Any]:
    """``RoleReport`` for the brief's role; a role without a writer reports its tool results."""
    writer = _WRITERS.get(evidence.brief.role)
    if writer is not None:
        return writer(evidence)
    name = display_name(evidence.brief.role)
    findings = evidence.findings()
    return {
        "summary": f"The {name} reviewed the request with {len(findings)} tool result(s). {OFFLINE_NOTE}",
        "findings": findings,
        "actions": ["Review the findings and assign the follow-up work."],
        "deliverable": render("answer.md.j2", title=name, fields={"Findings": findings}),
    }
