"""infra-team: an Infrastructure & Operations agent team for LangGraph and LangChain hosts."""

from infra_team._version import __version__
from infra_team.scrub import Scrubber, scrub, scrub_obj

__all__ = ["Scrubber", "__version__", "scrub", "scrub_obj"]
