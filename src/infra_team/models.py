"""Model resolution: one function turns what a caller gives into chat models.

Order: an explicit argument (a ``BaseChatModel`` or a ``provider:model`` string for
``init_chat_model``), then ``INFRA_TEAM_MODEL``, then the embedded ``offline`` engine.
A mapping gives per-role overrides: ``{"default": "openai:gpt-4.1",
"database-administrator": "anthropic:claude-sonnet-4-5"}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, NamedTuple, TypeAlias

from langchain_core.language_models import BaseChatModel

from infra_team.errors import ModelResolutionError
from infra_team.registry import SUBAGENT_TYPES

OFFLINE = "offline"

ModelSpec: TypeAlias = BaseChatModel | str
ModelArg: TypeAlias = ModelSpec | Mapping[str, ModelSpec] | None


def model_label(spec: ModelSpec) -> str:
    """A printable name for a model (never a secret)."""
    if isinstance(spec, str):
        return spec
    name = getattr(spec, "model_name", None) or getattr(spec, "model", None)
    if name == OFFLINE:
        return OFFLINE
    return f"{spec._llm_type}:{name}" if name else spec._llm_type


def _configured() -> str:
    """The model named by ``INFRA_TEAM_MODEL`` (or the config file), else ``offline``."""
    from infra_team.settings import get_settings

    return get_settings().model or OFFLINE


def resolve_model(spec: ModelSpec | None = None) -> BaseChatModel:
    """A chat model from an instance, a ``provider:model`` string, the settings, or ``offline``."""
    if isinstance(spec, BaseChatModel):
        return spec
    return _from_string(spec or _configured())


@cache
def _from_string(spec: str) -> BaseChatModel:
    """One instance per spec string: chat models are stateless clients, and a stable
    instance lets the compiled graph be reused across calls."""
    if spec == OFFLINE:
        from infra_team.offline import OfflineChatModel

        return OfflineChatModel()
    from langchain.chat_models import init_chat_model

    try:
        chat: BaseChatModel = init_chat_model(spec, **_options(spec))
    except Exception as exc:  # a provider's own error (no API key ...) becomes ours
        msg = (
            f"cannot load model `{spec}`: {exc}. Use `offline`, a `provider:model` string "
            "such as `openai:gpt-4.1` with that provider's package installed, or pass a chat "
            "model instance."
        )
        raise ModelResolutionError(msg) from exc
    return chat


def _options(spec: str) -> dict[str, Any]:
    """Provider options a bare ``provider:model`` string cannot carry.

    ``openai``: ``stream_usage=True``. Runs stream their model calls (progress events),
    and langchain-openai asks a server for streamed token usage only when no custom base
    URL is set, so a local server (``OPENAI_BASE_URL`` pointing at llama.cpp, Ollama,
    vLLM) would report no tokens at all. ``stream_options.include_usage`` is part of the
    OpenAI API; Ollama and vLLM honour it and llama.cpp's server ignores fields it does not
    know, so asking costs nothing where it is not supported.
    """
    provider = spec.partition(":")[0] if ":" in spec else None
    return {"stream_usage": True} if provider == "openai" else {}


class ResolvedModels(NamedTuple):
    """The chat model of every subagent type, how to name it, and how to rebuild it."""

    models: dict[str, BaseChatModel]
    label: str
    """Printable name: the default model, plus any per-role overrides."""
    spec: str | dict[str, str] | None
    """What resolves to the same models again (None when an instance was passed)."""


def resolve_models(model: ModelArg = None) -> ResolvedModels:
    """One chat model per subagent type; a mapping overrides roles over its ``default``."""
    mapping: Mapping[str, ModelSpec | None] = (
        model if isinstance(model, Mapping) else {"default": model}
    )
    unknown = [key for key in mapping if key != "default" and key not in SUBAGENT_TYPES]
    if unknown:
        valid = ", ".join(f"`{name}`" for name in ("default", *SUBAGENT_TYPES))
        msg = f"unknown role `{unknown[0]}` in the model mapping; valid keys: {valid}"
        raise ModelResolutionError(msg)
    specs: dict[str, ModelSpec] = {
        key: value for key, value in mapping.items() if value is not None
    }
    if "default" not in specs:
        specs["default"] = _configured()
    default = resolve_model(specs["default"])
    models: dict[str, BaseChatModel] = {
        role: resolve_model(specs.get(role, default)) for role in SUBAGENT_TYPES
    }
    overrides = [
        f"{role}: {model_label(specs[role])}"
        for role in SUBAGENT_TYPES
        if role in specs and models[role] is not default
    ]
    label = model_label(specs["default"])
    if overrides:
        label += f" (overrides: {', '.join(overrides)})"
    rebuild: str | dict[str, str] | None = None
    if all(isinstance(value, str) for value in specs.values()):
        strings = {key: str(value) for key, value in specs.items()}
        rebuild = strings["default"] if len(strings) == 1 else strings
    return ResolvedModels(models, label, rebuild)
