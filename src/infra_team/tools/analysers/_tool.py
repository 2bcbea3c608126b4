"""One wrapper for every capability analyser: validated arguments in, ``ToolResult`` out.

Each analyser takes its pydantic arguments and returns a report with a one-line
``summary``; the tool's data is the report without it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from langchain_core.tools import BaseTool
from pydantic import BaseModel

from infra_team.tools._base import ToolResult, infra_tool, ok

A = TypeVar("A", bound=BaseModel)


def analyser_tool(
    name: str, description: str, args_schema: type[A], analyse: Callable[[A], BaseModel]
) -> BaseTool:
    """A read-only catalogue tool around ``analyse``; its docstring is the analyser's (the
    source it cites)."""

    def run(**kwargs: Any) -> ToolResult:
        report = analyse(args_schema.model_validate(kwargs))
        data = report.model_dump(mode="json")
        return ok(name, str(data.pop("summary")), data)

    run.__doc__ = f"{sys.modules[analyse.__module__].__doc__}\n\n{analyse.__doc__}"
    return infra_tool(name=name, description=description, args_schema=args_schema)(run)
