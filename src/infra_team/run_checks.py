"""Checks on what a caller passes to ``task``/``resume``, and plain words for what stopped a run.

Why: a wrong argument must fail with the package's own typed error before any role runs
(never an ``AttributeError`` from deep inside a role), and a failed run must say what
happened in words a person can act on (never a bare ``IndexError: list index out of range``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from langchain_core.language_models import BaseChatModel

from infra_team.errors import (
    ErrorCode,
    InfraTeamError,
    InvalidRequestError,
    ModelProviderError,
    ModelResolutionError,
)
from infra_team.inputs import check_size


def check_subagent_type(value: object) -> str:
    if not isinstance(value, str):
        msg = (
            f"the subagent type must be a string such as `infrastructure-team`, not {_kind(value)}"
        )
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    return value


def check_description(value: object) -> str:
    """The description as text; bytes, other types, lone surrogates and oversized text are
    refused with a message that says which. A ``str`` holding lone surrogates is a caller's
    bug, refused here; the CLI, which reads bytes, keeps undecodable ones as ``\\xNN``
    escapes before the text gets here (``infra_team.inputs``)."""
    if isinstance(value, bytes | bytearray):
        msg = "the task description must be text (str), not bytes; decode it first"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    if not isinstance(value, str):
        msg = f"the task description must be text (str), not {_kind(value)}"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        msg = (
            f"the task description holds invalid Unicode at character {exc.start} "
            "(a lone surrogate); pass valid UTF-8 text"
        )
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST) from None
    # One size limit for every way in (the CLI reads files and stdin under the same one).
    check_size(len(value.encode("utf-8")))
    return value


def check_thread_id(value: object) -> str | None:
    if value is None or (isinstance(value, str) and value.strip()):
        return value
    msg = f"thread_id must be a non-empty string or None, not {_kind(value)}"
    raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)


def check_model(value: object) -> None:
    """A chat model, a ``provider:model`` string, a mapping of those, or None."""
    values = list(value.values()) if isinstance(value, Mapping) else [value]
    for item in values:
        if item is None or isinstance(item, str | BaseChatModel):
            continue
        msg = (
            f"model must be a chat model, a `provider:model` string such as `openai:gpt-4.1`, "
            f"a mapping of those per role, or None; not {_kind(item)}"
        )
        raise ModelResolutionError(msg)


def check_timeout(value: object) -> float | None:
    """Seconds as a positive finite number, or None for no deadline."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"timeout must be a number of seconds or None, not {_kind(value)}"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    if value <= 0:
        msg = f"timeout must be more than 0 seconds, not {value}"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    return float(value)


def _kind(value: object) -> str:
    return f"{type(value).__name__} `{str(value)[:40]}`"


def deadline_message(timeout: float, thread_id: str) -> str:
    return (
        f"the run passed its deadline of {timeout:g} s and was stopped; its progress is "
        f"saved: continue it with resume(`{thread_id}`) (CLI: infra-team resume {thread_id})"
    )


def failure_message(exc: BaseException) -> str:
    """What stopped a run, in words: our own errors as they are, provider failures named
    as such, anything else with its type (never a bare traceback line)."""
    if isinstance(exc, InfraTeamError):
        return str(exc)
    return str(provider_error(exc))


def provider_error(exc: BaseException) -> InfraTeamError:
    """The typed error for an exception raised while a role was working."""
    name = type(exc).__name__
    # By the whole class tree: langchain-openai re-raises a 5xx as its own subclass of
    # ``openai.InternalServerError`` (``OpenAIAPIError``), defined outside ``openai``.
    modules = {cls.__module__.split(".")[0] for cls in type(exc).__mro__}
    if isinstance(exc, IndexError):
        text = "the model provider returned an answer with no choices (empty `choices`)"
    elif isinstance(exc, json.JSONDecodeError):
        text = f"the model provider returned invalid JSON ({exc.msg} at character {exc.pos})"
    elif isinstance(exc, UnicodeError):
        text = f"a role's text could not be encoded: {exc}"
    elif modules & {"openai", "anthropic", "httpx", "httpcore", "google"}:
        text = f"the model provider failed: {name}: {exc}"
    else:
        text = f"a role failed: {name}: {exc}"
    return ModelProviderError(text)
