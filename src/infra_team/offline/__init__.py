"""The offline engine: the team's embedded default model, with no language model inside.

``OfflineChatModel`` is a LangChain ``BaseChatModel``, so the same supervisor graph,
tools, gates, interrupts and scrubbing run with it as with any provider's model. At each
stage it reads the typed brief the role node sends, calls the role's real tools with
arguments taken from the request (``_extract``, ``_plans``), then writes the stage's
structured output from templates filled with the tools' results (``_compose``). Every
text it writes says it came from the offline engine, and the same input always gives
the same output.

Routing rules, drawn from the agents' definitions (``infra_team.registry``): the team's
``keywords`` are incident signals, each role's ``keywords`` call for it in a request and
each specialist's ``components`` say what it owns in an incident. The full rule set
(kind, specialists, change type, severity, owner, resolved flags) is documented in
``infra_team.offline._routing``.
"""

from __future__ import annotations

from infra_team.offline._engine import OfflineChatModel

__all__ = ["OfflineChatModel"]
