"""The red line across the top when the database does not answer."""

from __future__ import annotations

from textual.widgets import Static

OUTAGE_TEXT = "Нет связи с базой данных. Переподключаемся автоматически…"


class DbBanner(Static):
    DEFAULT_CSS = """
    DbBanner { display: none; width: 100%; height: 1; background: $error; color: $text; text-style: bold;
               padding: 0 1; }
    DbBanner.-shown { display: block; }
    """

    def show_outage(self, detail: str = "") -> None:
        text = OUTAGE_TEXT if not detail or "Нет связи" in detail else f"{OUTAGE_TEXT} ({detail})"
        self.update(text)
        self.add_class("-shown")

    def hide(self) -> None:
        self.remove_class("-shown")

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")
