"""Reporters: one per output format, all rendered from a RunRecord."""
