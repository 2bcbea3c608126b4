"""The chaos suite: crashes, concurrency, deadlines and bad input, with figures.

Each test records what it tried and how many held (``tests.support.chaos.figure``);
the figures are printed in the terminal summary of every run that collected the suite.
"""

from __future__ import annotations

import pytest

from tests.support.chaos import FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("chaos figures (tried / held)")
    for item in FIGURES:
        note = f"  ({item.note})" if item.note else ""
        terminalreporter.write_line(f"{item.check}: {item.held}/{item.tried} held{note}")
