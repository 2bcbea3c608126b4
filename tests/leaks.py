"""An oracle for internal-ID leaks that shares no code with the scrubber."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

_ORACLE = re.compile(r"inf[\s\-_\u2010-\u2015\u2212]*\d", re.IGNORECASE)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in {"Cf", "Mn"}).casefold()


def leaks(value: Any) -> list[str]:
    """Every internal-ID-looking span in ``value`` (any JSON-able or str)."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return _ORACLE.findall(normalise(text))
