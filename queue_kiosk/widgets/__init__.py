"""Widgets of the visitor-facing apps."""
