"""Deterministic analysers: pure functions that compute an answer from given input and cite their source."""
