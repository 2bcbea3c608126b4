"""Run one task or resume in this process and print its result as JSON (for kill -9 tests).

Argument: one JSON object (or ``{"jobs": [...]}`` of them) with ``op`` (``task`` | ``resume``), ``checkpointer``, and
optionally ``description``, ``thread_id``, ``decision``, ``subagent_type`` and the
``staged_model`` options (``block_at``, ``marker``, ``log``, ``first_tools``, ``resolved_at``).
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any


def main(raw: str) -> None:
    """One job, or ``{"jobs": [...]}``: each job in its own thread (a test that kills the
    process at several points at once pays for one interpreter start-up)."""
    args: dict[str, Any] = json.loads(raw)
    if "jobs" not in args:
        run(args)
        return
    workers = [threading.Thread(target=run, args=(job,), daemon=True) for job in args["jobs"]]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def run(args: dict[str, Any]) -> None:
    from infra_team import resume, task
    from tests.support.chaos import staged_model

    model_options = {
        key: args[key] for key in ("block_at", "first_tools", "resolved_at") if key in args
    }
    for key in ("marker", "log"):
        if key in args:
            model_options[key] = Path(args[key])
    if "first_tools" in model_options:
        model_options["first_tools"] = {
            role: [tuple(call) for call in calls]
            for role, calls in model_options["first_tools"].items()
        }
    model = staged_model(**model_options)
    if args["op"] == "task":
        result = task(
            args.get("subagent_type", "infrastructure-team"),
            args["description"],
            model=model,
            thread_id=args.get("thread_id"),
            checkpointer=args["checkpointer"],
        )
    else:
        result = resume(
            args["thread_id"],
            args.get("decision"),
            model=model,
            checkpointer=args["checkpointer"],
        )
    print(
        json.dumps(
            {
                "status": result.status,
                "thread_id": result.thread_id,
                "report": result.report,
                "error": result.error,
                "engaged": result.engaged_roles,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
