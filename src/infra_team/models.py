"""Model resolution: one function turns what a caller gives into chat models.

Order: an explicit argument (a ``BaseChatModel`` or a ``provider:model`` string for
``init_chat_model``), then ``INFRA_TEAM_MODEL``, then the embedded ``offline`` engine.
A mapping gives per-role overrides: ``{"default": "openai:gpt-4.1",
"database-administrator": "anthropic:claude-sonnet-4-5"}``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import TypeAlias

from langchain_core.language_models import BaseChatModel

from infra_team.errors import ModelResolutionError
from infra_team.registry import SUBAGENT_TYPES

OFFLINE = "offline"
MODEL_ENV = "INFRA_TEAM_MODEL"

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


def resolve_model(spec: ModelSpec | None = None) -> BaseChatModel:
    """A chat model from an instance, a ``provider:model`` string, the env, or ``offline``."""
    if isinstance(spec, BaseChatModel):
        return spec
    chosen = spec or os.environ.get(MODEL_ENV) or OFFLINE
    if chosen == OFFLINE:
        return _offline()
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(chosen)
    except (ImportError, ValueError) as exc:
        msg = (
            f"cannot load model `{chosen}`: {exc}. Use `offline`, a `provider:model` string "
            "such as `openai:gpt-4.1` with that provider's package installed, or pass a chat "
            "model instance."
        )
        raise ModelResolutionError(msg) from exc


@cache
def _offline() -> BaseChatModel:
    """The offline engine is stateless: one instance serves every role and run."""
    from infra_team.offline import OfflineChatModel

    return OfflineChatModel()


def resolve_models(model: ModelArg = None) -> tuple[dict[str, BaseChatModel], str]:
    """One chat model per subagent type, plus the label of the default."""
    if isinstance(model, Mapping):
        unknown = [key for key in model if key != "default" and key not in SUBAGENT_TYPES]
        if unknown:
            valid = ", ".join(f"`{name}`" for name in ("default", *SUBAGENT_TYPES))
            msg = f"unknown role `{unknown[0]}` in the model mapping; valid keys: {valid}"
            raise ModelResolutionError(msg)
        default_spec = model.get("default")
        default = resolve_model(default_spec)
        models: dict[str, BaseChatModel] = {
            role: resolve_model(model[role]) if role in model else default
            for role in SUBAGENT_TYPES
        }
        label_source: ModelSpec = default_spec or os.environ.get(MODEL_ENV) or OFFLINE
        return models, model_label(label_source)
    default = resolve_model(model)
    source: ModelSpec = model or os.environ.get(MODEL_ENV) or OFFLINE
    return dict.fromkeys(SUBAGENT_TYPES, default), model_label(source)
