"""Visitor-facing Textual apps: the ticket kiosk (``queue_kiosk.app``) and the hall board."""
