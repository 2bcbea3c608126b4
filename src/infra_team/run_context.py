"""What a caller may tell a run besides its request: when the incident began, and the
evidence it holds for Production Readiness. Checked before any role runs, with the
package's own one-line errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra_team.errors import ErrorCode, InvalidRequestError
from infra_team.gates import ReadinessEvidence

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future an incident's start may lie (clocks of two hosts disagree)."""
MAX_EVIDENCE_BYTES = 64 * 1024
"""Largest evidence file the CLI reads."""


def check_opened_at(value: object, *, now: datetime | None = None) -> str | None:
    """The incident's start as UTC ISO-8601, from a datetime or an ISO-8601 string with a
    timezone; None when not given.

    Raises:
        InvalidRequestError: not a time, no timezone, or later than now.
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            msg = f"opened_at `{value[:40]}` is not an ISO 8601 time, e.g. 2026-03-01T12:00:00Z"
            raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST) from None
    elif isinstance(value, datetime):
        moment = value
    else:
        msg = f"opened_at must be a datetime or an ISO 8601 string, not {type(value).__name__}"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    if moment.tzinfo is None or moment.utcoffset() is None:
        msg = "opened_at has no timezone; add one, e.g. 2026-03-01T12:00:00Z"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    moment = moment.astimezone(UTC)
    if moment > (now or datetime.now(UTC)) + CLOCK_SKEW:
        msg = f"opened_at {moment.isoformat()} is in the future; give when the incident began"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    return moment.isoformat()


def check_evidence(value: object) -> dict[str, Any] | None:
    """Production Readiness evidence as a JSON-ready dict, from a ``ReadinessEvidence``
    or a mapping of the same shape; None when not given.

    Raises:
        InvalidRequestError: the shape is wrong (names the first bad field).
    """
    if value is None:
        return None
    try:
        evidence = (
            value
            if isinstance(value, ReadinessEvidence)
            else ReadinessEvidence.model_validate(value)
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "evidence"
        msg = f"evidence `{where}`: {first['msg']}"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_FIELD) from None
    return evidence.model_dump(mode="json", exclude_none=True)


def read_evidence_file(path: Path) -> dict[str, Any] | None:
    """The evidence in a JSON file (the CLI's ``--evidence``), checked like the API's.

    Raises:
        InvalidRequestError: unreadable, too large, not JSON, or the wrong shape.
    """
    try:
        data = path.read_bytes()[: MAX_EVIDENCE_BYTES + 1]
    except OSError as exc:
        msg = f"--evidence `{path}`: {exc.strerror or exc}"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST) from None
    if len(data) > MAX_EVIDENCE_BYTES:
        msg = f"--evidence `{path}` is larger than {MAX_EVIDENCE_BYTES // 1024} KiB"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST)
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"--evidence `{path}` is not JSON: {exc}"
        raise InvalidRequestError(msg, code=ErrorCode.INVALID_REQUEST) from None
    return check_evidence(value)
