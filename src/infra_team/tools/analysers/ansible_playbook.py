"""Ansible playbook check: structure by "Playbook Keywords", idempotency by ansible-lint rules."""

from __future__ import annotations

import re
import shlex
from collections import Counter
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from infra_team.tools._base import ToolInputError
from infra_team.tools._limits import JSON_DEPTH, bounded_document

# fmt: off
PLAY_KEYWORDS = frozenset(
    {
        "name", "hosts", "tasks", "pre_tasks", "post_tasks", "handlers", "roles", "vars",
        "vars_files", "vars_prompt", "become", "become_user", "become_method", "become_flags",
        "become_exe", "gather_facts", "gather_subset", "gather_timeout", "remote_user",
        "connection", "environment", "serial", "strategy", "max_fail_percentage",
        "any_errors_fatal", "ignore_errors", "ignore_unreachable", "tags", "collections",
        "module_defaults", "check_mode", "diff", "no_log", "order", "run_once", "throttle",
        "timeout", "force_handlers", "debugger", "port", "fact_path",
    }
)
# fmt: on
"""Playbook keywords valid on a play (Ansible docs, "Playbook Keywords")."""
# fmt: off
TASK_KEYWORDS = frozenset(
    {
        "name", "when", "register", "become", "become_user", "become_method", "become_flags",
        "become_exe", "notify", "listen", "tags", "vars", "loop", "loop_control", "until",
        "retries", "delay", "changed_when", "failed_when", "ignore_errors",
        "ignore_unreachable", "delegate_to", "delegate_facts", "run_once", "environment",
        "no_log", "args", "check_mode", "diff", "any_errors_fatal", "async", "poll",
        "throttle", "timeout", "collections", "connection", "module_defaults", "debugger",
        "remote_user", "port", "local_action", "action", "block", "rescue", "always",
    }
)
# fmt: on
"""Playbook keywords valid on a task or block; any other key is the module."""
COMMAND_MODULES = frozenset({"command", "shell", "raw"})
# fmt: off
PRIVILEGED_MODULES = frozenset(
    {
        "apt", "apt_key", "apt_repository", "yum", "yum_repository", "dnf", "dnf5", "package",
        "rpm_key", "zypper", "pacman", "apk", "snap", "service", "systemd", "systemd_service",
        "sysvinit", "user", "group", "mount", "sysctl", "hostname", "firewalld", "ufw",
        "selinux", "seboolean", "modprobe", "timezone", "pam_limits", "iptables",
    }
)
# fmt: on
"""Modules that change system state only root may change (packages, services, users,
mounts, kernel parameters, firewall)."""
# fmt: off
PACKAGE_MODULES = frozenset(
    {
        "apk", "apt", "bower", "bundler", "dnf", "dnf5", "easy_install", "gem", "homebrew",
        "jenkins_plugin", "npm", "openbsd_package", "openbsd_pkg", "package", "pacman",
        "pear", "pip", "pkg5", "pkgutil", "portage", "slackpkg", "snap", "sorcery",
        "swdepot", "win_chocolatey", "yarn", "yum", "zypper",
    }
)
# fmt: on
"""Package managers ansible-lint's package-latest rule looks at."""
COMMAND_ALTERNATIVES = {
    "apt-get": "ansible.builtin.apt",
    "yum": "ansible.builtin.yum",
    "dnf": "ansible.builtin.dnf",
    "systemctl": "ansible.builtin.systemd_service",
    "service": "ansible.builtin.service",
    "useradd": "ansible.builtin.user",
    "usermod": "ansible.builtin.user",
    "groupadd": "ansible.builtin.group",
    "mount": "ansible.posix.mount",
    "sysctl": "ansible.posix.sysctl",
    "git": "ansible.builtin.git",
    "curl": "ansible.builtin.get_url or ansible.builtin.uri",
    "wget": "ansible.builtin.get_url",
    "unzip": "ansible.builtin.unarchive",
    "tar": "ansible.builtin.unarchive",
    "chmod": "ansible.builtin.file",
    "chown": "ansible.builtin.file",
    "mkdir": "ansible.builtin.file",
    "ln": "ansible.builtin.file",
    "rm": "ansible.builtin.file",
    "sed": "ansible.builtin.lineinfile or ansible.builtin.replace",
    "rsync": "ansible.posix.synchronize",
}
"""Commands with a module that does the same idempotently (ansible-lint
command-instead-of-module)."""
_INLINE_GUARD = re.compile(r"(?:^|\s)(creates|removes)=\S+")

Rule = Literal[
    "syntax-check",
    "no-changed-when",
    "package-latest",
    "command-instead-of-module",
    "privileged-without-become",
    "partial-become",
]


class AnsibleFinding(BaseModel):
    """One problem in a playbook."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: Rule
    """ansible-lint rule id where one exists (``syntax-check`` for structural errors);
    ``privileged-without-become`` is this check's own."""
    severity: Literal["error", "warning"]
    location: str
    """``play 1 > tasks[2] 'Install nginx'``."""
    message: str


class AnsibleReport(BaseModel):
    """Structure and idempotency of a playbook."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    plays: int
    tasks: int
    structurally_valid: bool
    idempotent: bool
    """No task would report a change on every run."""
    findings: tuple[AnsibleFinding, ...]
    rule_counts: dict[str, int]


class _PlaybookLoader(yaml.SafeLoader):
    """Safe YAML that reads Ansible's ``!vault`` and ``!unsafe`` tags as plain strings."""


def _tagged_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node)) if isinstance(node, yaml.ScalarNode) else ""


_PlaybookLoader.add_constructor("!vault", _tagged_as_text)
_PlaybookLoader.add_constructor("!unsafe", _tagged_as_text)


def _short_module(name: str) -> str:
    """``ansible.builtin.shell`` -> ``shell``; ``community.general.ufw`` -> ``ufw``."""
    return name.rsplit(".", 1)[-1]


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "on", "1"}
    return bool(value)


class _Context(BaseModel):
    """Inherited settings while walking a play's blocks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    become: bool
    root_user: bool


class _PlaybookChecker:
    """Walks a parsed playbook and collects findings."""

    def __init__(self) -> None:
        self.findings: list[AnsibleFinding] = []
        self.tasks = 0

    def add(self, rule: Rule, severity: Literal["error", "warning"], where: str, text: str) -> None:
        self.findings.append(
            AnsibleFinding(rule=rule, severity=severity, location=where, message=text)
        )

    def play(self, play: Any, number: int) -> None:
        where = f"play {number}"
        if not isinstance(play, dict):
            self.add("syntax-check", "error", where, "a play must be a mapping with `hosts`")
            return
        if any(key in play for key in ("import_playbook", "ansible.builtin.import_playbook")):
            return
        if isinstance(play.get("name"), str):
            where += f" '{play['name']}'"
        if not play.get("hosts"):
            self.add(
                "syntax-check", "error", where, "play has no `hosts`; say which hosts it targets"
            )
        unknown = sorted(str(key) for key in play if key not in PLAY_KEYWORDS)
        if unknown:
            self.add(
                "syntax-check",
                "error",
                where,
                f"unknown play keyword(s) {', '.join(unknown)}; modules belong under `tasks`",
            )
        context = _Context(
            become=_truthy(play.get("become", False)),
            root_user=self._is_root(play),
        )
        self.become_user_check(play, where)
        for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
            if section in play:
                self.task_list(play[section], f"{where} > {section}", context)

    @staticmethod
    def _is_root(node: dict[str, Any]) -> bool:
        raw = node.get("vars")
        variables: dict[str, Any] = raw if isinstance(raw, dict) else {}
        user = node.get("remote_user") or variables.get("ansible_user")
        return user == "root" or _truthy(variables.get("ansible_become", False))

    def become_user_check(self, node: dict[str, Any], where: str) -> None:
        if "become_user" in node and "become" not in node:
            self.add(
                "partial-become",
                "warning",
                where,
                "`become_user` without `become: true` at the same level has no effect",
            )

    def task_list(self, tasks: Any, where: str, context: _Context) -> None:
        if tasks is None:
            return
        if not isinstance(tasks, list):
            self.add("syntax-check", "error", where, "must be a list of tasks")
            return
        for index, task in enumerate(tasks):
            self.task(task, f"{where}[{index}]", context)

    def task(self, task: Any, where: str, context: _Context) -> None:
        if not isinstance(task, dict):
            self.add("syntax-check", "error", where, "a task must be a mapping")
            return
        if isinstance(task.get("name"), str):
            where += f" '{task['name']}'"
        inner = _Context(
            become=_truthy(task["become"]) if "become" in task else context.become,
            root_user=context.root_user or self._is_root(task),
        )
        self.become_user_check(task, where)
        if "block" in task:
            for section in ("block", "rescue", "always"):
                if section in task:
                    self.task_list(task[section], f"{where} > {section}", inner)
            return
        self.tasks += 1
        module, args = self._module(task, where)
        if module is not None:
            self.module_checks(task, module, args, where, inner)

    def _module(self, task: dict[str, Any], where: str) -> tuple[str | None, Any]:
        for keyword in ("action", "local_action"):
            if keyword in task:
                value = task[keyword]
                if isinstance(value, dict) and "module" in value:
                    return str(value["module"]), {k: v for k, v in value.items() if k != "module"}
                if isinstance(value, str) and value.strip():
                    name, _, rest = value.strip().partition(" ")
                    return name, rest
        modules = [key for key in task if key not in TASK_KEYWORDS]
        if not modules:
            self.add("syntax-check", "error", where, "task has no module (nothing to run)")
            return None, None
        if len(modules) > 1:
            self.add(
                "syntax-check",
                "error",
                where,
                f"conflicting action statements: {', '.join(map(str, modules))}; one module per task",
            )
        return str(modules[0]), task[modules[0]]

    def module_checks(
        self, task: dict[str, Any], module: str, args: Any, where: str, context: _Context
    ) -> None:
        short = _short_module(module)
        task_args = task.get("args")
        options = {
            **(task_args if isinstance(task_args, dict) else {}),
            **(args if isinstance(args, dict) else {}),
        }
        if short in COMMAND_MODULES:
            self.command_checks(task, short, args, options, where)
        upgrade_only = _truthy(options.get("update_only", options.get("only_upgrade", False)))
        if (
            short in PACKAGE_MODULES
            and str(options.get("state", "")).lower() == "latest"
            and not upgrade_only
        ):
            self.add(
                "package-latest",
                "warning",
                where,
                f"`{module}` with `state: latest` upgrades whenever a new version ships, "
                "so runs are not repeatable; pin a version or use `state: present`",
            )
        if short in PRIVILEGED_MODULES and not context.become and not context.root_user:
            self.add(
                "privileged-without-become",
                "error",
                where,
                f"`{module}` changes system state that needs root, and neither the task nor "
                "its block or play sets `become: true`",
            )

    def command_checks(
        self, task: dict[str, Any], short: str, args: Any, options: dict[str, Any], where: str
    ) -> None:
        text = (
            args
            if isinstance(args, str)
            else str(options.get("cmd") or options.get("_raw_params") or "")
        )
        guarded = (
            "changed_when" in task
            or "creates" in options
            or "removes" in options
            or bool(_INLINE_GUARD.search(text))
        )
        if not guarded:
            self.add(
                "no-changed-when",
                "warning",
                where,
                f"`{short}` reports changed on every run; add `changed_when`, or "
                "`creates`/`removes` so it runs only when needed",
            )
        try:
            words = shlex.split(text)
        except ValueError:
            words = text.split()
        words = [w for w in words if "=" not in w or w.startswith("-")]
        program = words[0].rsplit("/", 1)[-1] if words else ""
        if words and program == "sudo" and len(words) > 1:
            program = words[1].rsplit("/", 1)[-1]
        if program in COMMAND_ALTERNATIVES:
            self.add(
                "command-instead-of-module",
                "warning",
                where,
                f"`{program}` via `{short}`: use {COMMAND_ALTERNATIVES[program]}, which is idempotent",
            )


def check_playbook(playbook_yaml: str) -> AnsibleReport:
    """Check a playbook's structure and idempotency without running it.

    Structure follows Ansible's "Playbook Keywords": a playbook is a list of plays, each
    with ``hosts`` (or an ``import_playbook``); ``tasks``/``handlers``/``pre_tasks``/
    ``post_tasks`` are lists; a task names exactly one module (FQCN such as
    ``ansible.builtin.shell`` or short name) besides its keywords. Idempotency follows
    ansible-lint: ``no-changed-when`` (command/shell/raw/script without ``changed_when``,
    ``creates`` or ``removes``), ``package-latest`` (``state: latest``),
    ``command-instead-of-module`` and ``partial-become``. ``privileged-without-become``
    flags modules that need root (packages, services, users, mounts, sysctl, firewall)
    where no task, block or play ``become`` (or a root ``remote_user``) applies.

    Raises:
        ToolInputError: the text is not YAML, or holds no play at all (empty, a scalar).
    """
    try:
        document = bounded_document(
            yaml.load(playbook_yaml, Loader=_PlaybookLoader), "playbook_yaml"
        )
    except RecursionError as exc:
        msg = f"`playbook_yaml` is nested deeper than {JSON_DEPTH} levels; pass the playbook"
        raise ToolInputError(msg) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        msg = f"`playbook_yaml` is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}"
        raise ToolInputError(msg) from exc
    looks_like_play = isinstance(document, dict) and bool(
        {"hosts", "tasks", "roles", "import_playbook"} & set(map(str, document))
    )
    if not document or not (isinstance(document, list) or looks_like_play):
        # Nothing to check, or a lone scalar: "no findings" would read as a passed check.
        msg = (
            "`playbook_yaml` holds no plays: a playbook is a YAML list of plays "
            "(`- hosts: all` with `tasks:`); pass the playbook file's text."
        )
        raise ToolInputError(msg)
    checker = _PlaybookChecker()
    plays = 0
    if not isinstance(document, list):
        checker.add(
            "syntax-check",
            "error",
            "playbook",
            "a playbook must be a list of plays (`- hosts: ...`); a task list belongs in a role "
            "or under a play's `tasks`",
        )
    else:
        for number, play in enumerate(document, start=1):
            plays += 1
            checker.play(play, number)
    findings = tuple(checker.findings)
    return AnsibleReport(
        plays=plays,
        tasks=checker.tasks,
        structurally_valid=not any(f.rule == "syntax-check" for f in findings),
        idempotent=not any(
            f.rule in {"no-changed-when", "package-latest", "command-instead-of-module"}
            for f in findings
        ),
        findings=findings,
        rule_counts=dict(Counter(f.rule for f in findings)),
    )
