"""``ansible-playbook --syntax-check`` and ``--check --diff`` of a workspace playbook, parsed.

The argv is fixed (program, mode flags, ``-i <inventory>``, optional ``--limit=<pattern>``,
the playbook); the playbook and inventory must lie inside the automation workspace from
the settings. Check mode reports what would change without changing it (Ansible docs,
"Validating tasks: check mode and diff mode"), except for tasks marked
``check_mode: false``, which run for real even under ``--check``, and ``pipe`` lookups,
which run a command on the controller while templating. A dry run is therefore refused
while any YAML file of the workspace holds either (a ``check_mode`` that is not a plain
``true``, templated ones included); this scan is a guard on trusted workspace content
(the operator chose the folder), not a sandbox for hostile playbooks: an executable
inventory or a plugin folder in the workspace would still run its code.

The default stdout callback's text is parsed (``ANSIBLE_NOCOLOR``): task headers
``TASK [name]``, per-host results (``ok``, ``changed``, ``fatal``, ``skipping``,
``unreachable``), ``--- before``/``+++ after`` diff blocks, and the ``PLAY RECAP`` line
per host. Exit codes are those of ``ansible-playbook`` (0 ok, 2 failed hosts, 4
unreachable or parse error).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field

from infra_team.settings import AutomationSettings, Settings
from infra_team.tools._base import ToolInputError, ToolResult, error, infra_tool, no_data, ok
from infra_team.tools._limits import Name
from infra_team.tools.integrations.http import not_configured, with_settings
from infra_team.tools.live._process import Completed, child_environment, inside, run, which

SERVICE = "Ansible"
SYNTAX_TOOL = "ansible_syntax_check"
DRY_RUN_TOOL = "ansible_dry_run"
MAX_OUTPUT_BYTES = 1_000_000
"""Output read from one run."""
MAX_TASKS = 100
"""Changed or failed task rows listed."""
MAX_DIFF_CHARS = 2_000
"""Characters kept of one task's diff."""
MAX_DIFF_TOTAL = 20_000
"""Characters of diffs kept in one result."""
MAX_MESSAGES = 20
MAX_SCANNED_FILES = 2_000
_ENV = {
    "ANSIBLE_NOCOLOR": "1",
    "ANSIBLE_FORCE_COLOR": "0",
    "ANSIBLE_STDOUT_CALLBACK": "default",
    "ANSIBLE_RETRY_FILES_ENABLED": "0",
    "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "1",
}
_HEADER = re.compile(r"^(PLAY|TASK|RUNNING HANDLER) \[(?P<name>.*)\] \**$|^PLAY RECAP \**$")
_RESULT = re.compile(
    r"^(?P<state>ok|changed|fatal|failed|skipping|unreachable): \[(?P<host>[^\]]+)\]"
    r"(?P<rest>.*)$"
)
_RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+"
    r"unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+"
    r"rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)"
)
_MESSAGE = re.compile(
    r"^\[(ERROR|WARNING|DEPRECATION WARNING)\]:? ?(?P<text>.*)$|^(ERROR!|WARNING:) (?P<old>.*)$"
)
_CHECK_MODE = re.compile(r"\bcheck_mode\s*:\s*(?P<value>[^\s,}#]+)")
_PIPE = re.compile(r"\b(?:lookup|query|q)\(\s*['\"](?:ansible\.builtin\.)?pipe['\"]")
_CHECK_MODE_ON = frozenset({"true", "yes", "on", "y", "'true'", '"true"'})
_LIMIT = r"^[A-Za-z0-9_.:*?\[\]!&,-]+$"


def parse_run(output: str) -> dict[str, Any]:
    """Recap, changed and failed tasks, diffs and messages of a default-callback run."""
    tasks: list[dict[str, Any]] = []
    recap: dict[str, dict[str, int]] = {}
    messages: list[str] = []
    task: str | None = None
    section = ""
    diff: list[str] = []
    in_diff = False
    diff_total = 0
    for line in output.splitlines():
        header = _HEADER.match(line)
        if header:
            section = line.split(" [", 1)[0].split(" *", 1)[0]
            task = header["name"]
            diff, in_diff = [], False
            continue
        if section == "PLAY RECAP":
            row = _RECAP.match(line.strip())
            if row:
                recap[row["host"]] = {k: int(v) for k, v in row.groupdict().items() if k != "host"}
            continue
        message = _MESSAGE.match(line.strip())
        if message and len(messages) < MAX_MESSAGES:
            messages.append((message["text"] or message["old"] or "").strip()[:500])
            continue
        result = _RESULT.match(line)
        if result:
            state = result["state"]
            if state in {"changed", "fatal", "failed", "unreachable"} and len(tasks) < MAX_TASKS:
                text = "\n".join(diff)
                kept = text[: min(MAX_DIFF_CHARS, max(0, MAX_DIFF_TOTAL - diff_total))]
                diff_total += len(kept)
                tasks.append(
                    {
                        "task": task,
                        "host": result["host"].split(" -> ")[0],
                        "state": "failed" if state == "fatal" else state,
                        "detail": result["rest"].removeprefix(": ").strip()[:500] or None,
                        "diff": kept or None,
                        "diff_cut": len(kept) < len(text),
                    }
                )
            diff, in_diff = [], False
            continue
        if line.startswith("--- before"):
            in_diff = True
        if in_diff:
            diff.append(line)
    return {"recap": recap, "tasks": tasks, "messages": messages}


def _binary(tool: str) -> str | ToolResult:
    found = which("ansible-playbook")
    if found is None:
        return error(
            tool,
            "ansible-playbook not on PATH; install ansible-core (pip install 'infra-team[ansible]')",
            code="not_installed",
        )
    return found


def _guard_check_mode(workspace: Path) -> None:
    """Refuse a dry run while a workspace YAML file could act outside check mode."""
    root = workspace.resolve()
    files = [p for p in sorted(root.rglob("*")) if p.suffix in {".yml", ".yaml"} and p.is_file()]
    for path in files[:MAX_SCANNED_FILES]:
        text = path.read_text(encoding="utf-8", errors="replace")
        unsafe = [m for m in _CHECK_MODE.finditer(text) if m["value"].lower() not in _CHECK_MODE_ON]
        unsafe += list(_PIPE.finditer(text))
        if unsafe:
            found = min(unsafe, key=lambda m: m.start())
            line = text.count("\n", 0, found.start()) + 1
            msg = (
                f"`{path.relative_to(root)}` line {line} would act even in check mode "
                f"(`{found.group().strip()}`); the dry run is refused"
            )
            raise ToolInputError(msg, code="not_allowed")


def _run(config: AutomationSettings, binary: str, args: list[str]) -> Completed:
    assert config.workspace is not None
    return run(
        [binary, *args],
        cwd=config.workspace.resolve(),
        timeout=config.timeout,
        max_bytes=MAX_OUTPUT_BYTES,
        env=child_environment(_ENV),
    )


SETTINGS = ("automation.workspace",)
"""The settings fields these tools need (``infra-team tools`` lists them)."""


class SyntaxArgs(BaseModel):
    """Arguments of ``ansible_syntax_check``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    playbook: Name = Field(min_length=1, description="Playbook path, relative to the workspace.")


def syntax_check(settings: Settings, args: SyntaxArgs) -> ToolResult:
    config = settings.automation
    if config.workspace is None:
        return not_configured(SYNTAX_TOOL, SERVICE, ["INFRA_TEAM_AUTOMATION_WORKSPACE"])
    binary = _binary(SYNTAX_TOOL)
    if isinstance(binary, ToolResult):
        return binary
    playbook = inside(config.workspace, args.playbook, "playbook")
    done = _run(config, binary, ["--syntax-check", "-i", "localhost,", str(playbook)])
    if done.returncode is None:
        return error(SYNTAX_TOOL, f"no answer within {config.timeout:g} s", code="timeout")
    parsed = parse_run(done.stdout + "\n" + done.stderr)
    data = {"playbook": args.playbook, "valid": done.returncode == 0, "exit_code": done.returncode}
    data["errors"] = parsed["messages"]
    if done.returncode == 0:
        return ok(SYNTAX_TOOL, f"{args.playbook}: syntax OK.", data)
    first = parsed["messages"][0] if parsed["messages"] else f"exit {done.returncode}"
    return ok(SYNTAX_TOOL, f"{args.playbook}: syntax error: {first}", data)


class DryRunArgs(BaseModel):
    """Arguments of ``ansible_dry_run``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    playbook: Name = Field(min_length=1, description="Playbook path, relative to the workspace.")
    inventory: Name = Field(min_length=1, description="Inventory path, relative to the workspace.")
    limit: str | None = Field(
        default=None, max_length=255, pattern=_LIMIT, description="Host pattern (`--limit`)."
    )


def dry_run(settings: Settings, args: DryRunArgs) -> ToolResult:
    config = settings.automation
    if config.workspace is None:
        return not_configured(DRY_RUN_TOOL, SERVICE, ["INFRA_TEAM_AUTOMATION_WORKSPACE"])
    binary = _binary(DRY_RUN_TOOL)
    if isinstance(binary, ToolResult):
        return binary
    playbook = inside(config.workspace, args.playbook, "playbook")
    inventory = inside(config.workspace, args.inventory, "inventory")
    _guard_check_mode(config.workspace)
    flags = ["--check", "--diff", "-i", str(inventory)]
    if args.limit is not None:
        flags.append(f"--limit={args.limit}")
    done = _run(config, binary, [*flags, str(playbook)])
    if done.returncode is None:
        return error(DRY_RUN_TOOL, f"no answer within {config.timeout:g} s", code="timeout")
    parsed = parse_run(done.stdout + "\n" + done.stderr)
    recap = parsed["recap"]
    data = {
        "playbook": args.playbook,
        "exit_code": done.returncode,
        **parsed,
        "output_cut": done.stdout_truncated,
    }
    if not recap:
        first = parsed["messages"][0] if parsed["messages"] else f"exit {done.returncode}"
        if done.returncode == 0:
            return no_data(DRY_RUN_TOOL, f"No host matched; nothing was checked ({first}).", data)
        return error(DRY_RUN_TOOL, f"the dry run did not complete: {first}", code="command_failed")
    totals = {k: sum(h[k] for h in recap.values()) for k in ("changed", "failed", "unreachable")}
    summary = (
        f"Check mode on {len(recap)} host(s): {totals['changed']} change(s) would be made, "
        f"{totals['failed']} failed, {totals['unreachable']} unreachable."
    )
    if not totals["changed"] and not totals["failed"] and not totals["unreachable"]:
        return no_data(DRY_RUN_TOOL, summary + " Nothing to change.", data)
    return ok(DRY_RUN_TOOL, summary, data)


@infra_tool(
    name=SYNTAX_TOOL,
    description=(
        "Read-only: `ansible-playbook --syntax-check` of a playbook in the automation "
        "workspace; valid or the parse errors."
    ),
    args_schema=SyntaxArgs,
    live=True,
    settings=SETTINGS,
)
def ansible_syntax_check(**fields: Any) -> ToolResult:
    """Does the playbook parse, as Ansible itself reads it."""
    return with_settings(SYNTAX_TOOL, syntax_check, SyntaxArgs.model_validate(fields))


@infra_tool(
    name=DRY_RUN_TOOL,
    description=(
        "Read-only: `ansible-playbook --check --diff` of a workspace playbook: recap per host, "
        f"changed/failed tasks (at most {MAX_TASKS}) and diffs (at most {MAX_DIFF_CHARS} chars each)."
    ),
    args_schema=DryRunArgs,
    live=True,
    settings=SETTINGS,
)
def ansible_dry_run(**fields: Any) -> ToolResult:
    """What the playbook would change, host by host, before anyone runs it."""
    return with_settings(DRY_RUN_TOOL, dry_run, DryRunArgs.model_validate(fields))


TOOLS: tuple[BaseTool, ...] = (ansible_syntax_check, ansible_dry_run)
