"""Suite-wide options."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra_team.settings import reset_settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        default=False,
        help="Rewrite tests/snapshots/ from the current prompts and tool schemas.",
    )


@pytest.fixture
def update_snapshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-snapshots"))


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Every test starts hermetic: no INFRA_TEAM_* variable from the outside, the default
    config folder and the CLI state folder in tmp. Yields that tmp folder."""
    for name in list(os.environ):
        if name.startswith("INFRA_TEAM_"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(
        "infra_team.settings.platformdirs.user_config_dir", lambda app: str(tmp_path / app)
    )
    monkeypatch.setattr("platformdirs.user_state_dir", lambda app: str(tmp_path / "state" / app))
    reset_settings()
    yield tmp_path
    reset_settings()
