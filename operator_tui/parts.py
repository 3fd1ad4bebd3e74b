"""Widgets looked up once. Textual remembers ``query_one`` results per DOM version in an LRU of
1 024 entries per node; a screen redrawn every second, whose DOM version moves with every
notification, filled those caches with dead entries (the operator app grew by ~30 objects a call).
A widget that lives as long as its parent is looked up once and kept here."""

from __future__ import annotations

from typing import TypeVar

from textual.widget import Widget

W = TypeVar("W", bound=Widget)


class Parts:
    """Mixin for a widget or screen: :meth:`part` is ``query_one`` remembered."""

    def part(self, selector: str | type[W], expect_type: type[W] | None = None) -> W:
        cache: dict = self.__dict__.setdefault("_parts", {})
        key = (selector, expect_type)
        widget = cache.get(key)
        if widget is None or not widget.is_attached:
            widget = cache[key] = (self.query_one(selector, expect_type) if expect_type is not None  # type: ignore[attr-defined]
                                   else self.query_one(selector))  # type: ignore[attr-defined]
        return widget
