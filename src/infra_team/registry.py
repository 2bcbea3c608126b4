"""The team's roster: agents/*.md loaded into validated ``RoleSpec`` values.

The internal ID table lives in ``infra_team._roles`` (re-exported here), which imports
nothing of the package, so that ``infra_team.scrub`` can read it without importing the
registry (and, through it, the errors module that scrubs its own messages).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from infra_team import _paths
from infra_team._roles import INTERNAL_IDS as INTERNAL_IDS
from infra_team._roles import RoleType as RoleType
from infra_team.errors import ErrorCode, RegistryError

SubagentType = Literal["infrastructure-team", RoleType]
TEAM: SubagentType = "infrastructure-team"
ROLE_TYPES: tuple[RoleType, ...] = get_args(RoleType)
SUBAGENT_TYPES: tuple[SubagentType, ...] = (TEAM, *ROLE_TYPES)
SPECIALISTS: tuple[RoleType, ...] = (
    "systems-administrator",
    "network-engineer",
    "database-administrator",
)

_ID_BY_TYPE: dict[str, str] = {role: key for key, (role, _) in INTERNAL_IDS.items()}

MCP_SERVER_NAME = "infra-team"
PLUGIN_NAME = "infra-team"
MCP_TOOL_PREFIX = f"mcp__{MCP_SERVER_NAME}__"
"""Claude Code's name prefix for the tools of a server added with ``claude mcp add infra-team``
(project or user mode: what ``export_claude_code`` writes)."""
PLUGIN_TOOL_PREFIX = f"mcp__plugin_{PLUGIN_NAME}_{MCP_SERVER_NAME}__"
"""Claude Code's name prefix for the tools of the server the plugin bundles. The agents/
files name every tool with both prefixes: Claude Code loads a plugin's agents unchanged,
and it drops the plugin's server when the same command is also registered by hand."""
CLAUDE_CODE_MODELS = ("inherit", "sonnet", "opus", "haiku")
_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<yaml>.*?)\n---\s*\n(?P<body>.*)\Z", re.DOTALL)


def internal_id(subagent_type: str) -> str | None:
    """The internal ID of a role, for state keys and trace metadata only."""
    return _ID_BY_TYPE.get(subagent_type)


class RoleSpec(BaseModel):
    """One subagent definition: Claude Code's fields plus a few runtime keys."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    name: SubagentType
    """The subagent type; equals the file stem."""
    description: str = Field(min_length=40)
    """When to delegate to this subagent ("Use when ...")."""
    tools: tuple[str, ...]
    """Runtime tool names, in file order: each entry without its plugin or project
    ``mcp__…__`` prefix, each tool once."""
    model: Literal["inherit", "sonnet", "opus", "haiku"] = "inherit"
    color: str | None = None
    role: str = Field(min_length=3)
    """Display name shown to users, e.g. ``Network Engineer``."""
    specialty: str = Field(min_length=3)
    components: tuple[str, ...] = ()
    """Components this role owns in an incident (``database``, ``dns`` ...)."""
    keywords: tuple[str, ...] = ()
    """Words in a request that call for this role (routing hints)."""
    escalates_to: SubagentType | Literal["component-owner", "human"] | None = None
    """Next rung of the escalation ladder when this role cannot resolve an issue
    (``component-owner``: the specialist who owns the failing component)."""
    body: str = Field(min_length=200)
    """The role's system prompt (Markdown)."""
    path: Path

    @field_validator("tools", mode="before")
    @classmethod
    def _split_tools(cls, value: object) -> object:
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, list | tuple):
            names = (
                str(item).strip().removeprefix(PLUGIN_TOOL_PREFIX).removeprefix(MCP_TOOL_PREFIX)
                for item in value
                if str(item).strip()
            )
            return tuple(dict.fromkeys(names))  # each tool is named once per spelling
        return value

    @field_validator("description")
    @classmethod
    def _has_trigger(cls, value: str) -> str:
        if "use when" not in value.lower() and "use proactively" not in value.lower():
            msg = 'must carry a trigger phrase ("Use when ...")'
            raise ValueError(msg)
        return value

    @property
    def is_team(self) -> bool:
        return self.name == TEAM


def parse_agent_file(path: Path) -> RoleSpec:
    """Read one agents/ file; a defect raises ``RegistryError`` naming file and field."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if match is None:
        msg = f"{path.name}: no YAML front matter (the file must start with `---`)"
        raise RegistryError(msg, path=path, field="front matter")
    try:
        meta = yaml.safe_load(match["yaml"]) or {}
    except yaml.YAMLError as exc:
        msg = f"{path.name}: front matter is not valid YAML: {exc}"
        raise RegistryError(msg, path=path, field="front matter") from exc
    if not isinstance(meta, dict):
        msg = f"{path.name}: front matter must be a mapping of keys to values"
        raise RegistryError(msg, path=path, field="front matter")
    try:
        spec = RoleSpec.model_validate({**meta, "body": match["body"].strip(), "path": path})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "front matter"
        msg = f"{path.name}: field `{field}`: {first['msg']}"
        raise RegistryError(msg, path=path, field=field) from exc
    if spec.name != path.stem:
        msg = (
            f"{path.name}: field `name` is `{spec.name}` but must equal the file stem `{path.stem}`"
        )
        raise RegistryError(msg, path=path, field="name")
    return spec


def load_registry(directory: Path | None = None) -> dict[str, RoleSpec]:
    """Load and validate every agents/ file; exactly the seven subagent types.

    Tool names are checked against the catalogue by ``infra_team.toolsets``, which sits above
    both this module and ``infra_team.tools``.
    """
    folder = directory or _paths.agents_dir()
    specs: dict[str, RoleSpec] = {}
    for path in sorted(folder.glob("*.md")):
        spec = parse_agent_file(path)
        specs[spec.name] = spec
    missing = [name for name in SUBAGENT_TYPES if name not in specs]
    if missing:
        msg = f"{folder}: no agents file for {', '.join(f'`{m}`' for m in missing)}"
        raise RegistryError(msg, path=folder, field="name")
    return {name: specs[name] for name in SUBAGENT_TYPES}


@cache
def registry() -> dict[str, RoleSpec]:
    """The packaged roster, loaded once."""
    return load_registry()


def resolve_role(subagent_type: str) -> RoleSpec:
    """Look up a subagent type; an unknown one raises with the seven valid names."""
    from infra_team.errors import InvalidRequestError

    specs = registry()
    if subagent_type not in specs:
        valid = ", ".join(f"`{name}`" for name in SUBAGENT_TYPES)
        msg = f"unknown subagent type `{subagent_type}`; valid types: {valid}"
        raise InvalidRequestError(msg, code=ErrorCode.UNKNOWN_SUBAGENT_TYPE)
    return specs[subagent_type]


def display_name(subagent_type: str) -> str:
    """User-facing name of a role (``network-engineer`` -> ``Network Engineer``)."""
    if subagent_type == TEAM:
        return "Infrastructure Team"
    if subagent_type == "human":
        return "Human escalation"
    for role_type, name in INTERNAL_IDS.values():
        if role_type == subagent_type:
            return name
    return subagent_type.replace("-", " ").title()
