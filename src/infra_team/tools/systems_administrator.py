"""Placeholder: tools not written yet."""

from __future__ import annotations

from langchain_core.tools import BaseTool

TOOLS: tuple[BaseTool, ...] = ()
