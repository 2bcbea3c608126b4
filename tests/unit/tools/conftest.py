"""Fixtures of the integration tool tests: settings isolated from the machine, a mocked API
that fails on any stray request, and a retry sleep that records instead of waiting.

None is autouse; a module asks for ``clean_settings`` or ``no_backoff`` (``pytestmark`` or
its own fixture) and sets ``api_base_url`` to its API's URL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import respx

from infra_team.settings import reset_settings
from infra_team.tools.integrations.http import Sleep


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No INFRA_TEAM_* variable from the outside; the default config folder is in tmp."""
    for name in list(os.environ):
        if name.startswith("INFRA_TEAM_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(
        "infra_team.settings.platformdirs.user_config_dir", lambda app: str(tmp_path / app)
    )
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def no_backoff(clean_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries that wait zero seconds: no backoff, and ``Retry-After`` capped at 0.

    Set as variables, so they reach both the settings a tool reads and any ``Settings(...)``
    a test builds (which merges its keyword arguments over them, e.g. a higher cap).
    """
    monkeypatch.setenv("INFRA_TEAM_HTTP_BACKOFF_INITIAL", "0")
    monkeypatch.setenv("INFRA_TEAM_HTTP_RETRY_AFTER_MAX", "0")


@pytest.fixture
def api_base_url() -> str | None:
    """The URL ``api`` routes are relative to; a module overrides it with its API's URL."""
    return None


@pytest.fixture
def api(api_base_url: str | None) -> Iterator[respx.MockRouter]:
    """Mocked HTTP: a request no route matches fails, and so does a route left uncalled."""
    with respx.mock(
        base_url=api_base_url, assert_all_mocked=True, assert_all_called=True
    ) as router:
        yield router


@pytest.fixture
def waits() -> list[float]:
    """The waits asked of ``sleep``, in order."""
    return []


@pytest.fixture
def sleep(waits: list[float]) -> Sleep:
    """A retry sleep that records each wait in ``waits`` instead of waiting."""
    return waits.append
