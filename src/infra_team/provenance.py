"""How the offline engine labels what it wrote.

The engine stamps every deliverable it writes, so a document read on its own is never
mistaken for a model's judgement. The report states the provenance once, at the top, and
shows each deliverable without its stamp: the same sentence a dozen times buries the
decision a person needs on the first screen.
"""

from __future__ import annotations

OFFLINE_NOTE = "Prepared by the offline engine (rule-based, no language model)."
"""The statement as plain text."""
OFFLINE_MARKER = f"_{OFFLINE_NOTE[:-1]}._"
"""The same statement as the Markdown line that heads each deliverable."""


def without_offline_stamp(text: str) -> str:
    """``text`` with the engine's stamp removed (lines and trailing sentences alike)."""
    lines = [line for line in text.splitlines() if line.strip() != OFFLINE_MARKER]
    cleaned = "\n".join(lines).replace(f" {OFFLINE_NOTE}", "").replace(OFFLINE_NOTE, "")
    while "\n\n\n" in cleaned:
        cleaned = cleaned.replace("\n\n\n", "\n\n")
    return cleaned.strip()
