"""registry.py: agents/ files -> RoleSpec, checked against fixtures with one defect each."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import infra_team.tools
from infra_team import registry
from infra_team.errors import ErrorCode, InvalidRequestError, RegistryError
from infra_team.registry import (
    INTERNAL_IDS,
    SUBAGENT_TYPES,
    display_name,
    internal_id,
    load_registry,
    parse_agent_file,
)
from infra_team.toolsets import load_checked_registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agents"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"

# Every tool named by the valid fixtures; all of them are part of the team's tool contract.
FIXTURE_TOOLS = (
    "analyze_query_plan",
    "audit_sshd_config",
    "capacity_plan",
    "cidr_plan",
    "dns_check",
    "error_budget",
    "oncall_now",
    "replication_health",
    "terraform_plan_review",
)

# invalid fixture -> (field the error names, text the message carries)
INVALID_CASES = {
    "no-front-matter.md": ("front matter", "the file must start with `---`"),
    "front-matter-bad-yaml.md": ("front matter", "not valid YAML"),
    "front-matter-not-a-mapping.md": ("front matter", "must be a mapping"),
    "name-not-a-subagent-type.md": ("name", "Input should be 'infrastructure-team'"),
    "name-differs-from-stem.md": ("name", "must equal the file stem `name-differs-from-stem`"),
    "description-missing-trigger.md": ("description", "Use when"),
    "description-too-short.md": ("description", "at least 40 characters"),
    "model-unknown-alias.md": ("model", "'inherit', 'sonnet', 'opus' or 'haiku'"),
    "role-missing.md": ("role", "Field required"),
    "escalates-to-unknown-target.md": ("escalates_to", "Input should be"),
    "tools-not-a-list.md": ("tools", "valid tuple"),
    "components-not-a-list.md": ("components", "valid tuple"),
    "extra-field-capabilities.md": ("capabilities", "Extra inputs are not permitted"),
    "body-too-short.md": ("body", "at least 200 characters"),
}


@pytest.fixture
def catalog(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A tool catalog holding exactly the fixture tools, whatever modules have landed."""
    fake: dict[str, object] = {name: object() for name in FIXTURE_TOOLS}
    monkeypatch.setattr(infra_team.tools, "TOOL_CATALOG", fake)
    return fake


@pytest.fixture
def valid_copy(tmp_path: Path) -> Path:
    target = tmp_path / "agents"
    shutil.copytree(VALID, target)
    return target


def test_every_invalid_fixture_has_a_case() -> None:
    assert sorted(path.name for path in INVALID.glob("*.md")) == sorted(INVALID_CASES)


@pytest.mark.parametrize(("filename", "expected"), sorted(INVALID_CASES.items()))
def test_invalid_fixture_error_names_file_and_field(
    filename: str, expected: tuple[str, str]
) -> None:
    field, fragment = expected
    path = INVALID / filename
    with pytest.raises(RegistryError) as caught:
        parse_agent_file(path)
    error = caught.value
    assert error.path == path
    assert error.code is ErrorCode.INVALID_AGENT_FILE
    assert error.field is not None
    assert error.field.split(".")[0] == field
    message = str(error)
    assert message.startswith(f"{filename}: ")
    assert field in message
    assert fragment in message


def test_valid_fixtures_load_in_subagent_order(catalog: dict[str, object]) -> None:
    specs = load_registry(VALID)
    assert tuple(specs) == SUBAGENT_TYPES
    network = specs["network-engineer"]
    assert network.tools == ("cidr_plan", "dns_check")
    assert network.model == "sonnet"
    assert network.components == ("dns", "firewall")
    assert network.keywords == ("vpc", "subnet")
    assert network.escalates_to == "infrastructure-architect"
    assert network.path == VALID / "network-engineer.md"
    assert network.body.startswith("# Network Engineer\n\n## Purpose")


def test_comma_string_and_yaml_list_give_the_same_tools() -> None:
    from_string = parse_agent_file(VALID / "database-administrator.md")
    from_list = parse_agent_file(VALID / "network-engineer.md")
    assert from_string.tools == ("analyze_query_plan", "replication_health")
    assert from_list.tools == ("cidr_plan", "dns_check")


def test_defaults_when_optional_fields_are_absent() -> None:
    spec = parse_agent_file(VALID / "systems-administrator.md")
    assert spec.model == "inherit"
    assert spec.color is None
    assert spec.keywords == ()
    assert spec.components == ("server", "disk")


def test_team_flag_and_keywords_keep_quoted_numbers_as_text() -> None:
    team = parse_agent_file(VALID / "infrastructure-team.md")
    assert team.is_team
    assert team.escalates_to is None
    assert team.keywords == ("outage", "502", "degraded")
    assert not parse_agent_file(VALID / "automation-engineer.md").is_team


def test_missing_subagent_file_is_named(valid_copy: Path, catalog: dict[str, object]) -> None:
    (valid_copy / "automation-engineer.md").unlink()
    with pytest.raises(RegistryError) as caught:
        load_registry(valid_copy)
    assert caught.value.field == "name"
    assert "no agents file for `automation-engineer`" in str(caught.value)


def test_unknown_tool_names_the_file_and_lists_registered_tools(
    valid_copy: Path, catalog: dict[str, object]
) -> None:
    path = valid_copy / "network-engineer.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "mcp__infra-team__dns_check", "mcp__infra-team__restart_router"
        ),
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as caught:
        load_checked_registry(valid_copy)
    error = caught.value
    assert error.code is ErrorCode.UNKNOWN_TOOL
    assert error.field == "tools"
    assert error.path == path
    assert str(error).startswith("network-engineer.md: tool `restart_router` is not registered")
    assert "`cidr_plan`, `dns_check`" in str(error)


@pytest.mark.parametrize(
    ("subagent_type", "expected"),
    [
        ("infrastructure-team", "Infrastructure Team"),
        ("infrastructure-architect", "Infrastructure Architect"),
        ("systems-administrator", "Systems Administrator"),
        ("network-engineer", "Network Engineer"),
        ("database-administrator", "Database Administrator"),
        ("site-reliability-engineer", "Site Reliability Engineer"),
        ("automation-engineer", "Automation Engineer"),
        ("human", "Human escalation"),
        ("component-owner", "Component Owner"),
    ],
)
def test_display_name(subagent_type: str, expected: str) -> None:
    assert display_name(subagent_type) == expected


def test_internal_ids_map_one_to_one_onto_the_six_roles() -> None:
    assert internal_id("network-engineer") == "INF-003"
    assert internal_id("site-reliability-engineer") == "INF-005"
    assert internal_id("infrastructure-team") is None
    assert sorted(role for role, _ in INTERNAL_IDS.values()) == sorted(SUBAGENT_TYPES[1:])


@pytest.fixture
def packaged_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The packaged roster loaded against a catalog with every tool its files name."""
    names = {tool for spec in _parse_packaged() for tool in spec.tools}
    monkeypatch.setattr(infra_team.tools, "TOOL_CATALOG", {name: object() for name in names})
    registry.registry.cache_clear()
    yield
    registry.registry.cache_clear()


def _parse_packaged() -> list[registry.RoleSpec]:
    from infra_team import _paths

    return [parse_agent_file(path) for path in sorted(_paths.agents_dir().glob("*.md"))]


@pytest.mark.usefixtures("packaged_registry")
def test_resolve_role_returns_the_packaged_spec() -> None:
    spec = registry.resolve_role("database-administrator")
    assert spec.role == "Database Administrator"
    assert "replication_health" in spec.tools


@pytest.mark.usefixtures("packaged_registry")
def test_resolve_role_unknown_type_lists_the_seven() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        registry.resolve_role("dba")
    assert caught.value.code is ErrorCode.UNKNOWN_SUBAGENT_TYPE
    message = str(caught.value)
    assert message.startswith("unknown subagent type `dba`")
    assert all(f"`{name}`" in message for name in SUBAGENT_TYPES)
