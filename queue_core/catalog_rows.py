"""The office's catalogue as plain values: services, categories (with the register of rights) and
windows with their weights. Read from the database once per process (:mod:`queue_core.catalog`)
and handed to the apps through the service protocol; nothing here knows SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .domain import DomainError


@dataclass(frozen=True)
class ServiceRow:
    id: int
    slug: str
    prefix: str
    name: str
    segment: str
    target_wait_min: int
    active: bool


@dataclass(frozen=True)
class CategoryRow:
    id: int
    slug: str
    name: str
    label: str
    priority: int
    out_of_turn: bool
    verify: bool
    target_wait_min: int | None
    basis: str = ""
    valid_from: date | None = None  # first day in force, inclusive (None: always was)
    valid_to: date | None = None  # last day in force, inclusive (None: open-ended)
    kiosk_label: str = ""  # the device's wording (its config), not part of the shared catalogue
    document: str = ""

    def not_in_force(self, day: date) -> str | None:
        """Why a ticket of this category cannot be issued on ``day`` (Russian), or None when it can."""
        if self.valid_from and day < self.valid_from:
            return f"Категория «{self.name}» действует с {self.valid_from:%d.%m.%Y}"
        if self.valid_to and day > self.valid_to:
            return f"Категория «{self.name}» действовала до {self.valid_to:%d.%m.%Y} включительно"
        return None

    def check_in_force(self, day: date) -> None:
        """Raise :class:`DomainError` when ``day`` (the day of record) is outside the category's validity."""
        why = self.not_in_force(day)
        if why:
            raise DomainError(why)


@dataclass(frozen=True)
class WindowRow:
    id: int
    number: int
    title: str
    role: str
    weights: dict[str, int]  # service slug -> weight


@dataclass(frozen=True)
class Catalog:
    office_id: int
    office_code: str
    services: dict[str, ServiceRow]
    categories: dict[str, CategoryRow]
    windows: dict[int, WindowRow]

    def __post_init__(self) -> None:
        object.__setattr__(self, "service_by_id", {s.id: s for s in self.services.values()})
        object.__setattr__(self, "category_by_id", {c.id: c for c in self.categories.values()})
        object.__setattr__(self, "window_by_id", {w.id: w for w in self.windows.values()})

    service_by_id: dict[int, ServiceRow] = None  # type: ignore[assignment]
    category_by_id: dict[int, CategoryRow] = None  # type: ignore[assignment]
    window_by_id: dict[int, WindowRow] = None  # type: ignore[assignment]

    def offered_categories(self, day: date) -> list[CategoryRow]:
        """The categories a visitor may choose on ``day`` (in force that day): ``regular`` first, then
        the out-of-turn ones, then the rest, the strongest right first (the kiosk's question)."""
        cats = [c for c in self.categories.values() if c.not_in_force(day) is None]
        return sorted(cats, key=lambda c: (c.slug != "regular", not c.out_of_turn, -c.priority))
