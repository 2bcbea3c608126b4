"""Model resolution: instance, provider string, environment, offline default, per-role map."""

from __future__ import annotations

import pytest

from infra_team.errors import ModelResolutionError
from infra_team.models import resolve_model, resolve_models
from infra_team.offline import OfflineChatModel
from infra_team.registry import SUBAGENT_TYPES
from infra_team.settings import reset_settings
from tests.fakes import ScriptedChatModel, call


def _model() -> ScriptedChatModel:
    return ScriptedChatModel(script=lambda messages, bound: call("x", {}, "1"))


def test_instance_is_used_as_is():
    model = _model()
    assert resolve_model(model) is model


def test_default_is_offline(monkeypatch):
    monkeypatch.delenv("INFRA_TEAM_MODEL", raising=False)
    assert isinstance(resolve_model(None), OfflineChatModel)
    models, label, spec = resolve_models(None)
    assert label == "offline"
    assert spec == "offline"
    assert set(models) == set(SUBAGENT_TYPES)


def test_environment_names_the_model(monkeypatch):
    monkeypatch.setenv("INFRA_TEAM_MODEL", "offline")
    reset_settings()
    assert isinstance(resolve_model(None), OfflineChatModel)
    monkeypatch.setenv("INFRA_TEAM_MODEL", "nosuchprovider:some-model")
    reset_settings()
    with pytest.raises(ModelResolutionError, match="nosuchprovider:some-model"):
        resolve_model(None)


def test_unknown_provider_is_a_clear_error():
    with pytest.raises(ModelResolutionError, match="offline"):
        resolve_model("nosuchprovider:some-model")


def test_per_role_override():
    special = _model()
    models, label, spec = resolve_models({"default": "offline", "database-administrator": special})
    assert models["database-administrator"] is special
    assert isinstance(models["network-engineer"], OfflineChatModel)
    assert label == "offline (overrides: database-administrator: scripted)"
    assert spec is None  # an instance cannot be rebuilt from a name


def test_mapping_of_strings_can_be_rebuilt():
    _, label, spec = resolve_models({"database-administrator": "offline"})
    assert spec == {"default": "offline", "database-administrator": "offline"}
    assert label == "offline"  # the override is the same model as the default


def test_the_same_string_gives_the_same_instance():
    assert resolve_model("offline") is resolve_model("offline")


def test_unknown_role_in_mapping():
    with pytest.raises(ModelResolutionError, match="valid keys"):
        resolve_models({"database-wizard": "offline"})


def test_an_openai_string_asks_for_streamed_usage_even_with_a_custom_base_url(monkeypatch):
    """langchain-openai leaves ``stream_usage`` off when ``OPENAI_BASE_URL`` is set (local
    servers), so streamed runs would report no tokens; the resolved model turns it on."""
    from langchain_openai import ChatOpenAI

    from infra_team.models import _from_string

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "dummy")
    _from_string.cache_clear()
    try:
        chat = resolve_model("openai:qwen-local")
    finally:
        _from_string.cache_clear()
    assert isinstance(chat, ChatOpenAI)
    assert chat.stream_usage is True
    assert ChatOpenAI(model="qwen-local").stream_usage is not True  # the library's default
