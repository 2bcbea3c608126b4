"""Capability tools are bound at a stage only when the request asks for their kind of
work: each trigger in ``CAPABILITY_REQUESTS`` matches a typical request and not a nearby
one that does not ask for it, and a stage binds its core tools whatever the request."""

from __future__ import annotations

import pytest

from infra_team.stages import (
    CAPABILITY_REQUESTS,
    STAGE_TOOLS,
    WRITE_REQUESTS,
    capability_tools,
    core_tools,
    request_key,
    requested_capabilities,
    stage_tools,
)

PHRASES: dict[str, tuple[str, str]] = {
    "cloud_services": (
        "Which AWS services fit a small analytics platform?",
        "Design the storage layout for the analytics platform.",
    ),
    "multi_region_plan": (
        "Design a multi-region active-passive setup for checkout.",
        "Design a single-site setup for checkout.",
    ),
    "cost_trend": (
        "Our monthly cloud costs rose 30 % since June; why?",
        "Our monthly request volume rose 30 % since June.",
    ),
    "rightsizing": (
        "Rightsize the over-provisioned batch fleet.",
        "Add two nodes to the batch fleet.",
    ),
    "cloud_init": (
        "Provision three new VMs for the build farm with cloud-init.",
        "The build farm is slow on Mondays.",
    ),
    "patch_plan": (
        "Roll out the kernel security updates for CVE-2024-1086 across the fleet.",
        "Roll out the new logging agent across the fleet.",
    ),
    "host_backup_plan": (
        "Set up nightly backups of the file servers with restic.",
        "Set up nightly log rotation on the file servers.",
    ),
    "config_drift": (
        "Web-3 behaves differently; its config drifted from the baseline.",
        "Web-3 behaves differently under load.",
    ),
    "haproxy_config": (
        "Configure HAProxy in front of the three API servers.",
        "Open port 443 to the three API servers.",
    ),
    "dns_cutover": (
        "Plan the DNS cutover of api.example.com to the new load balancer.",
        "Resolve why api.example.com is slow.",
    ),
    "vpn_plan": (
        "Connect the branch office to HQ with a site-to-site WireGuard VPN.",
        "Connect the branch office printers to the office network.",
    ),
    "pg_settings": (
        "Tune shared_buffers and work_mem on the reporting database.",
        "Count the rows of the reporting database.",
    ),
    "failover_plan": (
        "Add a hot standby and plan the failover of the orders database.",
        "Add an index to the orders database.",
    ),
    "migration_plan": (
        "Migrate the orders database from PostgreSQL 12 to 16 with a short cutover.",
        "Vacuum the orders database on PostgreSQL 12.",
    ),
    "terraform_write": (
        "Write the Terraform for the new VPC and its subnets.",
        "Review this terraform plan output for destroys.",
    ),
    "ansible_write": (
        "Generate an Ansible playbook that hardens sshd on the web hosts.",
        "Check whether the web hosts still run sshd.",
    ),
    "iac_pipeline": (
        "Set up a CI/CD pipeline that plans and applies the Terraform.",
        "Apply the change to the staging account today.",
    ),
    "self_service_form": (
        "Give developers a self-service way to request a database.",
        "Give developers read access to the database.",
    ),
    "toil_inventory": (
        "The team spends hours on manual, repetitive certificate renewals; reduce the toil.",
        "The team renews certificates with certbot.",
    ),
    "capacity_forecast": (
        "Forecast when the checkout cluster runs out of CPU headroom.",
        "Checkout returns 502 for 40% of requests.",
    ),
    "chaos_experiment": (
        "Run a game day with fault injection on the checkout service.",
        "Run the nightly smoke tests on the checkout service.",
    ),
}
"""Capability tool -> (a request that asks for its work, a nearby one that does not)."""


def test_every_trigger_has_phrases() -> None:
    assert set(PHRASES) == set(CAPABILITY_REQUESTS)


@pytest.mark.parametrize("tool", list(CAPABILITY_REQUESTS))
def test_trigger_matches_a_typical_request_only(tool: str) -> None:
    asks, does_not = PHRASES[tool]
    assert tool in requested_capabilities(asks), asks
    assert tool not in requested_capabilities(does_not), does_not


@pytest.mark.parametrize("tool", list(CAPABILITY_REQUESTS))
def test_every_capability_tool_is_bound_at_some_stage_when_asked(tool: str) -> None:
    stages = [key for key, names in STAGE_TOOLS.items() if tool in names]
    assert stages, f"{tool} is listed in CAPABILITY_REQUESTS but bound at no stage"
    asks, does_not = PHRASES[tool]
    for role, stage in stages:
        _, asked = request_key(role, stage, asks)
        assert tool in {t.name for t in stage_tools(role, stage, frozenset(), asked)}
        _, unasked = request_key(role, stage, does_not)
        assert tool not in {t.name for t in stage_tools(role, stage, frozenset(), unasked)}


@pytest.mark.parametrize(("role", "stage"), list(STAGE_TOOLS))
def test_core_tools_are_bound_whatever_the_request(role: str, stage: str) -> None:
    """Nothing is configured here: the live tools are left out, the rest is bound."""
    plain = [t.name for t in stage_tools(role, stage)]
    assert plain == list(core_tools(role, stage))
    everything = " ".join(asks for asks, _ in PHRASES.values())
    _, asked = request_key(role, stage, everything)
    bound = [t.name for t in stage_tools(role, stage, frozenset(), asked)]
    assert set(core_tools(role, stage)) <= set(bound)
    assert set(bound) == set(core_tools(role, stage)) | set(capability_tools(role, stage))


def test_requested_capabilities_keeps_the_order_first_asked() -> None:
    text = "Plan the failover, then migrate the data, then tune it; failover again."
    assert requested_capabilities(text) == ("failover_plan", "migration_plan", "pg_settings")
    assert requested_capabilities("") == ()


def test_the_key_holds_only_what_the_stage_binds() -> None:
    text = "Migrate the orders database and page the on-call."
    assert request_key("database-administrator", "implement", text) == (
        frozenset(),
        ("migration_plan",),
    )
    assert request_key("site-reliability-engineer", "triage", text) == (
        frozenset({"pagerduty_event"}),
        (),
    )
    assert request_key("network-engineer", "escalation", text) == (frozenset(), ())


def test_a_stage_builds_one_agent_per_asked_set_and_keeps_it() -> None:
    from infra_team.graph._stage_agent import StageAgents

    built: list[tuple[object, ...]] = []

    def build(writes: frozenset[str], asked: tuple[str, ...], solo: bool) -> tuple[object, ...]:
        built.append((writes, asked, solo))
        return (writes, asked, solo)

    agents = StageAgents("database-administrator", "implement", build)
    assert built == [(frozenset(), (), False)]  # the plain agent, with the graph
    assert agents.pick("Add an index to the orders table.") == (frozenset(), (), False)
    migrate = "Migrate the orders database to PostgreSQL 16."
    assert agents.pick(migrate) == (frozenset(), ("migration_plan",), False)
    assert agents.pick(migrate + " Soon.") == (frozenset(), ("migration_plan",), False)
    assert agents.pick(migrate, solo=True) == (frozenset(), ("migration_plan",), True)
    assert built == [
        (frozenset(), (), False),
        (frozenset(), ("migration_plan",), False),
        (frozenset(), ("migration_plan",), True),
    ]


def test_a_role_alone_answers_with_the_change_the_team_flow_leaves_out() -> None:
    from infra_team.graph._schemas import RoleReport, StageBrief, is_solo, stage_schema

    team = StageBrief(
        stage="implement",
        role="database-administrator",
        request="x",
        context={"design": {"summary": "y"}},
    )
    alone = StageBrief(
        stage="implement", role="database-administrator", request="x", context={"design": None}
    )
    assert (is_solo(team), is_solo(alone)) == (False, True)
    assert stage_schema("implement", solo=False) is RoleReport
    assert "change" not in RoleReport.model_json_schema()["properties"]
    solo_schema = stage_schema("implement", solo=True).model_json_schema()
    assert "change" in solo_schema["properties"] and solo_schema["title"] == "RoleReport"
    assert stage_schema("implement", solo=True).__name__ == "RoleReport"  # one answer tool name
    assert stage_schema("design", solo=True) is stage_schema("design", solo=False)


def test_a_stage_with_nothing_on_request_is_its_plain_agent() -> None:
    from infra_team.graph._stage_agent import StageAgents

    plain = object()
    agents = StageAgents("infrastructure-architect", "escalation", lambda *_: plain)
    assert agents.pick("Migrate the orders database to PostgreSQL 16.") is plain


def test_every_trigger_is_written_in_lower_case() -> None:
    """The triggers are matched against the lower-cased request: an upper-case letter would
    never match (and ``\\S``, ``\\W``, ``\\D``, ``\\B`` would change meaning if lowered)."""
    for name, pattern in {**WRITE_REQUESTS, **CAPABILITY_REQUESTS}.items():
        assert pattern == pattern.lower(), name
