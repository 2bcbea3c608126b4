"""``__all__`` is the public API: sorted, and equal to what the package exports."""

from __future__ import annotations

import types

import infra_team


def _isort_key(name: str) -> tuple[int, str]:
    """Constants, then classes, then functions (ruff's RUF022 order)."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[0].isupper() else (2, name)


def test_all_is_sorted():
    assert infra_team.__all__ == sorted(infra_team.__all__, key=_isort_key)


def test_all_equals_the_exported_members():
    exported = {
        name
        for name, value in vars(infra_team).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert exported == set(infra_team.__all__) - {"__version__"}


def test_documented_entry_points_exist():
    for name in ("task", "atask", "resume", "stream", "astream", "scrub", "Scrubber", "scrub_obj"):
        assert callable(getattr(infra_team, name))
