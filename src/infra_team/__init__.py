"""infra-team: an Infrastructure & Operations agent team for LangGraph and LangChain hosts.

from infra_team import task
result = task("infrastructure-team", "New Postgres cluster with a hot standby and PITR")
print(result.report)

Importing the package is cheap: every public name below is loaded on first use (module
``__getattr__``), so a command that only lists agents, or a host that only reads the
version, never pays for LangGraph, LangChain or httpx.
"""

import importlib as _importlib
import sys as _sys
import types as _types
import typing as _typing

from infra_team._version import __version__

if _typing.TYPE_CHECKING:
    from infra_team.approvals import Decision
    from infra_team.errors import (
        ConfigError,
        ErrorCode,
        GraphBuildError,
        HostAdapterError,
        InfraTeamError,
        InvalidRequestError,
        ModelResolutionError,
        PromptError,
        RegistryError,
        ThreadNotFoundError,
    )
    from infra_team.integrations.task_tool import task_tool
    from infra_team.registry import SUBAGENT_TYPES
    from infra_team.result import TaskEvent, TaskResult
    from infra_team.runner import aresume, astream, atask, build_graph, resume, stream, task
    from infra_team.scrub import Scrubber, scrub, scrub_obj

_LAZY: dict[str, str] = {
    "SUBAGENT_TYPES": "infra_team.registry",
    "ConfigError": "infra_team.errors",
    "Decision": "infra_team.approvals",
    "ErrorCode": "infra_team.errors",
    "GraphBuildError": "infra_team.errors",
    "HostAdapterError": "infra_team.errors",
    "InfraTeamError": "infra_team.errors",
    "InvalidRequestError": "infra_team.errors",
    "ModelResolutionError": "infra_team.errors",
    "PromptError": "infra_team.errors",
    "RegistryError": "infra_team.errors",
    "Scrubber": "infra_team.scrub",
    "TaskEvent": "infra_team.result",
    "TaskResult": "infra_team.result",
    "ThreadNotFoundError": "infra_team.errors",
    "aresume": "infra_team.runner",
    "astream": "infra_team.runner",
    "atask": "infra_team.runner",
    "build_graph": "infra_team.runner",
    "resume": "infra_team.runner",
    "scrub": "infra_team.scrub",
    "scrub_obj": "infra_team.scrub",
    "stream": "infra_team.runner",
    "task": "infra_team.runner",
    "task_tool": "infra_team.integrations",
}
"""Public name -> the module that defines it, imported on first access."""


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module `infra_team` has no attribute `{name}`"
        raise AttributeError(msg)
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(_types.ModuleType):
    """The package module. Importing a submodule binds it on its package; ``scrub`` names
    both a submodule and a public function, and the function must win, as it did when the
    names were imported eagerly."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _LAZY and isinstance(value, _types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package


__all__ = [
    "SUBAGENT_TYPES",
    "ConfigError",
    "Decision",
    "ErrorCode",
    "GraphBuildError",
    "HostAdapterError",
    "InfraTeamError",
    "InvalidRequestError",
    "ModelResolutionError",
    "PromptError",
    "RegistryError",
    "Scrubber",
    "TaskEvent",
    "TaskResult",
    "ThreadNotFoundError",
    "__version__",
    "aresume",
    "astream",
    "atask",
    "build_graph",
    "resume",
    "scrub",
    "scrub_obj",
    "stream",
    "task",
    "task_tool",
]
