"""The `talon` command (composition root)."""
