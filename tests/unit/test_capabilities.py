"""The capability map: 30 of 30 capabilities served, each by its owner's own tools, every
template shipped and rendered by the tool named for it, and the CLI listing."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from infra_team.capabilities import (
    CAPABILITY_COUNT,
    capability_rows,
    check_capabilities,
    load_capabilities,
)
from infra_team.cli import app
from infra_team.registry import registry
from infra_team.tools import TOOL_CATALOG, parse_tool_output
from infra_team.tools.analysers._common import template_names

# One real call per template, through the tool that renders it.
TEMPLATE_CALLS: dict[str, tuple[str, dict[str, Any], str]] = {
    "multi_region_design.md.j2": (
        "multi_region_plan",
        {
            "sites": [
                {"name": "eu-west-1", "availability_percent": 99.9},
                {"name": "dc1", "kind": "onprem", "availability_percent": 99.5},
            ],
            "mode": "active-passive",
            "replication": "async",
            "rtt_ms": 18,
            "lag_s": 4,
        },
        "# Hybrid design",
    ),
    "dns_cutover.md.j2": (
        "dns_cutover",
        {
            "name": "api.example.com",
            "old_value": "192.0.2.10",
            "new_value": "192.0.2.20",
            "current_ttl": 3600,
            "change_at": "2026-12-10T02:00:00Z",
        },
        "# DNS change plan",
    ),
    "vpn_plan.md.j2": (
        "vpn_plan",
        {
            "sites": [
                {"name": "hq", "endpoint": "203.0.113.1", "networks": ["10.0.0.0/16"]},
                {"name": "branch", "endpoint": "198.51.100.9", "networks": ["10.1.0.0/16"]},
            ],
            "kind": "ipsec",
        },
        "# Site-to-site VPN plan",
    ),
    "migration_plan.md.j2": (
        "migration_plan",
        {
            "source": "orders-pg12",
            "target": "orders-pg16",
            "size_gb": 200,
            "throughput_mb_s": 80,
            "method": "offline",
        },
        "# Data migration plan",
    ),
    "runbook.md.j2": ("runbook", {"service": "checkout", "symptoms": ["HTTP 5xx"]}, "checkout"),
    "chaos_experiment.md.j2": (
        "chaos_experiment",
        {
            "service": "checkout",
            "hypothesis": "p99 latency stays under 300 ms",
            "fault": "terminate one api instance",
            "fleet_size": 12,
            "blast_percent": 8,
            "duration_minutes": 20,
            "slo_percent": 99.9,
            "budget_remaining_percent": 70,
        },
        "# Chaos experiment",
    ),
    "iac_pipeline.yml.j2": ("iac_pipeline", {"directory": "infra/prod"}, "terraform apply"),
    "toil_inventory.md.j2": (
        "toil_inventory",
        {"tasks": [{"name": "rotate logs", "minutes": 10, "per_month": 30, "automate_hours": 8}]},
        "# Toil inventory",
    ),
}


def test_thirty_of_thirty_capabilities_are_served() -> None:
    rows = capability_rows()
    assert len(rows) == CAPABILITY_COUNT == 30
    assert all(row.served for row in rows)
    assert len(load_capabilities()) == 6
    assert all(len(area.capabilities) == 5 for area in load_capabilities())
    assert check_capabilities() == []


def test_every_named_tool_is_on_the_owners_tools_line() -> None:
    roster = registry()
    for row in capability_rows():
        assert row.tools, row.capability
        for tool in row.tools:
            assert tool in TOOL_CATALOG, tool
            assert tool in roster[row.owner].tools, (row.capability, tool)


def test_every_named_template_renders_through_its_tool() -> None:
    named = {
        (t.file, t.rendered_by)
        for area in load_capabilities()
        for cap in area.capabilities
        for t in cap.templates
    }
    assert {file for file, _ in named} == set(TEMPLATE_CALLS)
    for file, tool in named:
        name, args, expected = TEMPLATE_CALLS[file]
        assert name == tool
        result = parse_tool_output(TOOL_CATALOG[tool].invoke(args))
        assert result.status == "success", (file, result.error)
        text = json.dumps(result.data)
        assert expected in text, file
        assert "{{" not in text and "{%" not in text, file


def test_every_shipped_analyser_template_is_named_in_the_map() -> None:
    named = {t.file for a in load_capabilities() for c in a.capabilities for t in c.templates}
    assert set(template_names()) <= named


def test_check_reports_a_tool_the_owner_does_not_hold(monkeypatch) -> None:
    from infra_team import capabilities

    areas = load_capabilities()
    first = areas[0].capabilities[0]
    broken = first.model_copy(update={"tools": (*first.tools, "ansible_check")})
    area = areas[0].model_copy(update={"capabilities": (broken, *areas[0].capabilities[1:])})
    monkeypatch.setattr(capabilities, "load_capabilities", lambda: (area, *areas[1:]))
    problems = capabilities.check_capabilities()
    assert problems == [
        "Cloud architecture (AWS, GCP, Azure): `ansible_check` is not on "
        "infrastructure-architect's tools line"
    ]


def test_cli_lists_thirty_capabilities_as_text_and_json() -> None:
    runner = CliRunner()
    text = runner.invoke(app, ["capabilities"])
    assert text.exit_code == 0, text.output
    assert "30/30 capabilities served" in text.output
    assert "Chaos engineering" in text.output and "chaos_experiment" in text.output
    as_json = runner.invoke(app, ["capabilities", "--json"])
    assert as_json.exit_code == 0
    rows = json.loads(as_json.output)
    assert len(rows) == 30
    vpn = next(r for r in rows if r["capability"] == "VPN and connectivity")
    assert vpn["owner"] == "network-engineer"
    assert vpn["tools"] == ["vpn_plan"] and vpn["templates"] == ["vpn_plan.md.j2"]


def test_capabilities_command_does_not_load_the_runtime() -> None:
    from tests.unit.test_startup import _heavy_modules_after

    for argv in (["capabilities"], ["capabilities", "--json"]):
        body = (
            "import contextlib, io\n"
            f"sys.argv = ['infra-team', *{argv!r}]\n"
            "from infra_team.cli import main\n"
            "try:\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        main()\n"
            "except SystemExit as exc:\n"
            "    assert exc.code == 0, exc.code\n"
        )
        assert _heavy_modules_after(body) == [], argv


ANALYSER_TOOLS = (
    "cloud_services",
    "multi_region_plan",
    "rightsizing",
    "cloud_init",
    "config_drift",
    "patch_plan",
    "host_backup_plan",
    "haproxy_config",
    "dns_cutover",
    "vpn_plan",
    "pg_settings",
    "failover_plan",
    "migration_plan",
    "capacity_forecast",
    "chaos_experiment",
    "terraform_write",
    "ansible_write",
    "iac_pipeline",
    "self_service_form",
    "toil_inventory",
)
"""The tools written for the capabilities (``tools/analysers``)."""


def test_capability_tool_descriptions_are_one_short_line() -> None:
    """Every bound tool's description rides on every model call at its stage."""
    served = {tool for row in capability_rows() for tool in row.tools}
    assert set(ANALYSER_TOOLS) <= served
    for name in ANALYSER_TOOLS:
        description = TOOL_CATALOG[name].description
        assert "\n" not in description and len(description) <= 120, name


def test_every_capability_is_bound_at_an_owner_stage_when_asked() -> None:
    """Each capability has a tool its owner's graph binds: always (a core tool), or when
    the request asks for that work, shown by the trigger matching a typical phrase."""
    from infra_team.stages import STAGE_TOOLS, request_key, stage_tools
    from tests.unit.test_stage_requests import PHRASES

    for row in capability_rows():
        bound = set()
        for (role, stage), names in STAGE_TOOLS.items():
            if role != row.owner:
                continue
            bound |= {t.name for t in stage_tools(role, stage)}  # core tools
            for tool in set(row.tools) & set(names) & set(PHRASES):
                _, asked = request_key(role, stage, PHRASES[tool][0])
                bound |= {t.name for t in stage_tools(role, stage, frozenset(), asked)}
        assert bound & set(row.tools), (row.capability, row.tools)
