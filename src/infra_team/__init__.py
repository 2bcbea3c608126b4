"""infra-team: an Infrastructure & Operations agent team for LangGraph and LangChain hosts.

from infra_team import task
result = task("infrastructure-team", "New Postgres cluster with a hot standby and PITR")
print(result.report)
"""

from infra_team._version import __version__
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
from infra_team.integrations import task_tool
from infra_team.registry import SUBAGENT_TYPES
from infra_team.result import TaskEvent, TaskResult
from infra_team.runner import aresume, astream, atask, build_graph, resume, stream, task
from infra_team.scrub import Scrubber, scrub, scrub_obj

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
