"""What every live tool of this package shares: settings access and bounded text.

Live tools read real systems, so their results are capped (lines, bytes) before they
reach a model, and a settings file that cannot be read is a result, not an exception.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from infra_team.errors import ConfigError
from infra_team.settings import Settings, get_settings
from infra_team.tools._base import ToolResult, error

T = TypeVar("T")

LINE_CHARS = 500
"""Longest line of remote output kept; longer lines are cut and marked with ``…``."""


def clip_line(line: str, limit: int = LINE_CHARS) -> str:
    """``line`` cut to ``limit`` characters, marked with ``…`` when cut."""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def bounded_lines(text: str, max_lines: int) -> tuple[list[str], bool]:
    """The first ``max_lines`` non-empty lines of ``text``, each clipped, and whether more existed."""
    lines = [clip_line(line.rstrip()) for line in text.splitlines() if line.strip()]
    return lines[:max_lines], len(lines) > max_lines


def extra_missing(tool: str, module: str) -> ToolResult | None:
    """A ``not_configured`` result when ``module`` (from the ``live`` extra) is not installed."""
    try:
        importlib.import_module(module)
    except ImportError:
        return ToolResult(
            tool=tool,
            status="not_configured",
            code="not_installed",
            summary=f"`{module}` is not installed: `pip install 'infra-team[live]'`. "
            "Nothing was sent.",
            data={"missing_module": module},
        )
    return None


def with_live_settings(tool: str, call: Callable[[Settings], ToolResult]) -> ToolResult:
    """``call(settings)``; settings that cannot be read become one error result."""
    try:
        settings = get_settings()
    except ConfigError as exc:
        return error(tool, str(exc), code="invalid_settings")
    return call(settings)


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop.

    Tools are sync functions; an async host (the graph's ``ainvoke``, the MCP server) may
    call one on its loop's thread, where ``asyncio.run`` is refused, so the coroutine then
    runs on a worker thread with its own loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
