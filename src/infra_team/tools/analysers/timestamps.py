"""Timestamps given as text by a model or an operator."""

from __future__ import annotations

from datetime import UTC, datetime

from infra_team.tools._base import ToolInputError


def parse_instant(value: str, name: str) -> datetime:
    """An ISO-8601 timestamp; without an offset it is taken as UTC."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        msg = f"`{name}` value `{value}` is not an ISO-8601 timestamp (e.g. 2025-01-31T09:00:00Z)"
        raise ToolInputError(msg) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
