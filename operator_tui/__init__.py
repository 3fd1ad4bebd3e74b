"""Talon's staff terminal: operator window, informator desk, supervisor hall view (Textual)."""
