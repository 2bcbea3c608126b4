"""``__all__`` is the public API: sorted, and equal to what the package exports."""

from __future__ import annotations

import types

import pytest

import infra_team


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (ruff's RUF022 order)."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_all_is_sorted():
    assert infra_team.__all__ == sorted(infra_team.__all__, key=_isort_key)


def test_all_equals_the_exported_members():
    """Names are loaded on first use, so the exports are the module's own names plus the
    lazy ones; each resolves to a real object."""
    exported = {
        name
        for name, value in vars(infra_team).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    } | set(infra_team._LAZY)
    assert exported == set(infra_team.__all__) - {"__version__"}
    for name in infra_team.__all__:
        assert getattr(infra_team, name) is not None
    assert set(infra_team.__all__) <= set(dir(infra_team))


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = infra_team.no_such_name  # type: ignore[attr-defined]


def test_documented_entry_points_exist():
    for name in ("task", "atask", "resume", "stream", "astream", "scrub", "Scrubber", "scrub_obj"):
        assert callable(getattr(infra_team, name))
