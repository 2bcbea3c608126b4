"""Fixtures of the host tests."""

from __future__ import annotations

import pytest

from tests.fakes import ScriptedChatModel
from tests.unit.integrations.scripted import inner_script


@pytest.fixture
def inner_model() -> ScriptedChatModel:
    """Plays every stage of the team graph and every declarative role, leaking IDs."""
    return ScriptedChatModel(script=inner_script)
