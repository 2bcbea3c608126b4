"""Helpers shared by the suite: real components started on loopback, fake servers."""
