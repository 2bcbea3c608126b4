"""Exceptions raised for developer and operator mistakes.

Inside a tool, anything a model can fix is *returned* as a ``ToolResult`` with
``status="error"``; the classes below are raised only for mistakes a person must fix,
and raised early (registry load, prompt render, graph build, API call).

Tree::

    InfraTeamError                  base of everything raised here
    ├── ConfigError                 settings, files or arguments are wrong
    │   ├── RegistryError           an agents/ file is missing or malformed
    │   ├── PromptError             a prompts/ fragment is missing or fails to render
    │   ├── ModelResolutionError    a model spec cannot be turned into a chat model
    │   └── CheckpointerError       the checkpointer argument cannot store runs
    ├── InvalidRequestError         a task call names an unknown type, has no or a bad description
    ├── ThreadNotFoundError         resume() names a thread with no saved run
    ├── CapacityError               the default memory is full of live runs
    ├── ModelProviderError          the model provider failed or answered something unusable
    ├── GraphBuildError             the supervisor graph failed validation at build time
    └── HostAdapterError            a host integration cannot be set up (missing extra, ...)

Every message is scrubbed of internal identifiers before it is raised.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class ErrorCode(StrEnum):
    """Stable codes, each listed with its fix in the README troubleshooting table."""

    INVALID_AGENT_FILE = "INVALID_AGENT_FILE"
    UNKNOWN_TOOL = "UNKNOWN_TOOL"
    MISSING_PROMPT = "MISSING_PROMPT"
    UNKNOWN_MODEL = "UNKNOWN_MODEL"
    UNKNOWN_SUBAGENT_TYPE = "UNKNOWN_SUBAGENT_TYPE"
    EMPTY_DESCRIPTION = "EMPTY_DESCRIPTION"
    DESCRIPTION_TOO_LARGE = "DESCRIPTION_TOO_LARGE"
    THREAD_NOT_FOUND = "THREAD_NOT_FOUND"
    NOTHING_TO_RESUME = "NOTHING_TO_RESUME"
    INVALID_FIELD = "INVALID_FIELD"
    GRAPH_INVALID = "GRAPH_INVALID"
    MISSING_EXTRA = "MISSING_EXTRA"
    INVALID_REQUEST = "INVALID_REQUEST"
    INVALID_CHECKPOINTER = "INVALID_CHECKPOINTER"
    DECISION_NEEDED = "DECISION_NEEDED"
    MEMORY_FULL = "MEMORY_FULL"
    PROVIDER_ERROR = "PROVIDER_ERROR"


class InfraTeamError(Exception):
    """Base class; carries a stable ``code`` next to the message."""

    code: ErrorCode = ErrorCode.GRAPH_INVALID

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        from infra_team.scrub import scrub

        super().__init__(scrub(message))
        if code is not None:
            self.code = code


class ConfigError(InfraTeamError):
    """Settings, files or arguments are wrong."""

    code = ErrorCode.INVALID_FIELD


class RegistryError(ConfigError):
    """An agents/ file is missing or malformed; ``path`` and ``field`` say where."""

    code = ErrorCode.INVALID_AGENT_FILE

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        field: str | None = None,
        code: ErrorCode | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.path = path
        self.field = field


class PromptError(ConfigError):
    """A prompts/ fragment is missing or fails to render."""

    code = ErrorCode.MISSING_PROMPT


class ModelResolutionError(ConfigError):
    """A model spec cannot be turned into a chat model."""

    code = ErrorCode.UNKNOWN_MODEL


class CheckpointerError(ConfigError):
    """The checkpointer argument is of the wrong type, a folder, not a SQLite file, or a
    database that cannot be reached or set up."""

    code = ErrorCode.INVALID_CHECKPOINTER


class InvalidRequestError(InfraTeamError):
    """A task call names an unknown subagent type or carries no description."""

    code = ErrorCode.UNKNOWN_SUBAGENT_TYPE


class ThreadNotFoundError(InfraTeamError):
    """resume() names a thread with no saved run, or one with nothing pending."""

    code = ErrorCode.THREAD_NOT_FOUND


class CapacityError(InfraTeamError):
    """The default in-process memory holds only runs in progress or waiting for a person."""

    code = ErrorCode.MEMORY_FULL


class ModelProviderError(InfraTeamError):
    """The model provider failed (network, rate limit, deadline) or answered something
    unusable (no choices, invalid JSON). A run reports it as ``failed`` with this message."""

    code = ErrorCode.PROVIDER_ERROR


class GraphBuildError(InfraTeamError):
    """The supervisor graph failed validation at build time."""

    code = ErrorCode.GRAPH_INVALID


class HostAdapterError(InfraTeamError):
    """A host integration cannot be set up (for example a missing optional extra)."""

    code = ErrorCode.MISSING_EXTRA
