"""Screens of the ticket kiosk."""
