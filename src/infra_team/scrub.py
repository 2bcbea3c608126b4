"""Scrubbing of the team's internal IDs from everything a person or a host reads.

Spec: what an internal ID is
============================

An internal ID is one of the registry's IDs (the keys of
``infra_team._roles.INTERNAL_IDS``, written ``INF-00N`` here, N from 1 to 6) spelt so
that a person reads it as that ID. It is replaced with the role's display name; nothing
else is touched. Text is compared as it *reads*, through a view with one symbol per
source character:

1. Letters and digits fold: case (Unicode case folding), compatibility forms (NFKD:
   fullwidth, mathematical, circled; accents dropped), any decimal digit (``Nd``) to its
   ASCII digit, and the Greek/Cyrillic/Latin look-alikes of ``i``, ``n``, ``f`` (a subset
   of UTS #39 confusables.txt). ASCII ``l``, ``1`` and ``|`` are everyday characters in
   names and are not folded.
2. What does not show is dropped: format and control characters (zero-width space and
   joiners, BOM, soft hyphen, bidi controls, tags; UAX #44 ``Cf``/``Cc``), combining
   marks (``M*``), the Markdown markers ``*``, backtick, backslash and ``~`` (so
   ``INF\\-00N``, ``**INF**-00N`` and a code span around ``INF`` read as ``INF-00N``),
   HTML comments (at most 200 characters) and inline HTML tags (``<b>``, ``<span ...>``).
   Any other tag (``<td>``, ``<br>``) renders as a break and reads as a space.
3. HTML character references (``&#45;``, ``&#x2D;``, ``&hyphen;``: decimal, hex and the
   HTML5 names) read as the character they stand for. A numeric reference may omit its
   closing ``;``, as HTML allows; a named one needs it.

In that view an ID is ``inf``, zero to three separators, then the three digits of a
registry number. A separator is whitespace, ``-`` or any dash (``Pd``, minus signs),
``_``, ``.``, ``/`` or ``:``, or a fullwidth form of one. Boundaries decide the rest:

* Digits: exactly the registry's three digits. A digit or letter right after them makes
  a longer number or a word (``INF-0051``, ``INF-1234``, ``inf005a``); fewer or other
  digits make a ticket key (``INF-12``, ``INF-100``). None of these is an ID.
* Words: a letter or digit right before ``inf`` glues it into a word (``winf-00N``), and
  a letter right after ``inf`` makes one (``INFO``, ``INFRA``): not IDs.
* Hostnames: an ASCII ``.`` or ``-`` and then a letter or digit right after the number,
  or an ASCII ``.`` or ``-`` with a letter or digit before it right before ``inf``, make
  the spelling a label of a DNS or Kubernetes name (``inf001.prod``,
  ``db-inf-003.internal``, ``inf-00N-canary``); ``:`` and a digit after the number make it
  a host and port (``inf001:9100``). Not IDs. A full stop that ends a sentence (followed
  by a space or the end of the text) is no hostname.

"Right before/after" skips what is dropped (rule 2); a tag read as a break is a boundary.
Combining marks and the rest of a character reference after the last digit belong to it
and are replaced with it; markup inside the spelling is kept after the name, so
``**INF**-00N`` keeps its bold.

Scrubbing is deterministic and idempotent (no display name can take part in a match),
and the streaming :class:`Scrubber` gives exactly what :func:`scrub` gives on the whole
text, however the text is cut into chunks.

What is scrubbed, and where
===========================

Scrub what is shown, never what is worked on. The supervisor graph keeps the request in
its state channels only scrubbed: the ``description`` and ``messages`` reducers scrub on
write, so the input checkpoint, every later checkpoint, ``get_state_history`` and
LangGraph Server's ``values``/``debug`` streams hold no ID. Stored checkpoints never hold
the raw request. The request as the user typed it is kept in this process's memory
(:func:`remember_request`, bounded) and given to the role models, so their tools get the
user's names; a run resumed by another process falls back to the scrubbed text, which
differs from the typed one only where the user wrote an ID.

Two builds, one behaviour
=========================

The rules are implemented once, in ``infra_team._scrub_engine``. The install also compiles
that module with mypyc (``hatch_build.py``) into ``_infra_team_scrub``, stamped with the
digest of the source it was made from. This module uses the compiled build when it was
made from the engine's current source, and the pure module otherwise (no C compiler at
install, an edited checkout, or ``INFRA_TEAM_PURE_SCRUB=1``). ``ENGINE`` says which one
runs; the tests hold the two to the same output.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import threading
from collections import OrderedDict
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal

COMPILED_MODULE = "_infra_team_scrub"
"""The top-level module the install compiles the engine into."""
PURE_MODULE = "infra_team._scrub_engine"


def source_digest(source: bytes) -> str:
    """The stamp that ties a compiled build to the engine source it was made from."""
    return hashlib.sha256(source).hexdigest()


def _compiled_build() -> ModuleType | None:
    """The compiled engine, when there is one made from the engine's current source."""
    if os.environ.get("INFRA_TEAM_PURE_SCRUB", "").strip() not in {"", "0"}:
        return None
    spec = importlib.util.find_spec(PURE_MODULE)
    if spec is None or spec.origin is None:  # pragma: no cover - the package is broken
        return None
    try:
        compiled = importlib.import_module(COMPILED_MODULE)
    except ImportError:
        return None
    if getattr(compiled, "SOURCE_DIGEST", None) != source_digest(Path(spec.origin).read_bytes()):
        return None  # made from another source: an edited checkout or a stale install
    return compiled


_COMPILED = _compiled_build()
ENGINE: Literal["compiled", "pure"] = "pure" if _COMPILED is None else "compiled"
"""Which build of the engine runs in this process."""

if TYPE_CHECKING:
    from infra_team._scrub_engine import Scrubber, scrub, scrub_obj
else:
    _engine = _COMPILED or importlib.import_module(PURE_MODULE)
    Scrubber = _engine.Scrubber
    scrub = _engine.scrub
    scrub_obj = _engine.scrub_obj

__all__ = ["ENGINE", "Scrubber", "raw_request", "remember_request", "scrub", "scrub_obj"]


# --- the raw request, kept in memory for the run -----------------------------------------

_RAW_REQUESTS: OrderedDict[str, str] = OrderedDict()
_RAW_LIMIT = 1024
_RAW_LOCK = threading.Lock()


def remember_request(text: str) -> str:
    """Scrub a request for the state and keep the raw text for the role models and tools.

    Returns:
        The scrubbed text, the one hosts and checkpoints may hold.
    """
    shown = scrub(text)
    if shown != text:
        with _RAW_LOCK:
            # Stripped too: the request is validated (stripped) after it is stored.
            for key, raw in ((shown, text), (shown.strip(), text.strip())):
                _RAW_REQUESTS[key] = raw
                _RAW_REQUESTS.move_to_end(key)
            while len(_RAW_REQUESTS) > _RAW_LIMIT:
                _RAW_REQUESTS.popitem(last=False)
    return shown


def raw_request(shown: str) -> str:
    """The request as the user typed it, for a scrubbed request that this process saw;
    otherwise ``shown`` itself (a run resumed elsewhere)."""
    with _RAW_LOCK:
        return _RAW_REQUESTS.get(shown, shown)
