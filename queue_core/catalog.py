"""The office's catalogue (office, services, categories, windows): synced from the config into the
database idempotently, then held in memory as plain values for the life of the process."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from .config import Config
from .models import Category, Office, Service, Window, WindowService


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


def _upsert(session: Session, model: type[SQLModel], where: dict, values: dict) -> SQLModel:
    row = session.exec(select(model).filter_by(**where)).first()
    if row is None:
        row = model(**where, **values)
        session.add(row)
    else:
        for k, v in values.items():
            if getattr(row, k) != v:
                setattr(row, k, v)
    session.flush()
    return row


def sync_catalog(session: Session, config: Config, *, lock: bool) -> Catalog:
    """Write the config's office, services, categories and windows into the database.

    Idempotent: running it again with the same config changes nothing. Services and windows
    that left the config are marked inactive (their history stays).
    """
    if lock:  # PostgreSQL: two processes starting at once must not both insert the office
        session.execute(sa.text("SELECT pg_advisory_xact_lock(7300000)"))
    oc = config.office
    office = _upsert(session, Office, {"code": oc.code},
                     {"name": oc.name, "address": oc.address, "timezone": oc.timezone})
    services: dict[str, ServiceRow] = {}
    for order, s in enumerate(config.services):
        row = _upsert(session, Service, {"office_id": office.id, "slug": s.id},
                      {"prefix": s.prefix, "name": s.name, "segment": s.segment,
                       "target_wait_min": s.target_wait_min, "active": s.active, "sort_order": order})
        services[s.id] = ServiceRow(row.id, s.id, s.prefix, s.name, s.segment, s.target_wait_min, s.active)
    for row in session.exec(select(Service).where(Service.office_id == office.id)):
        if row.slug not in services and row.active:
            row.active = False
    categories: dict[str, CategoryRow] = {}
    for c in config.categories:
        row = _upsert(session, Category, {"slug": c.id},
                      {"name": c.name, "priority": c.priority, "out_of_turn": c.out_of_turn,
                       "verify": c.verify, "target_wait_min": c.target_wait_min})
        categories[c.id] = CategoryRow(row.id, c.id, c.name, c.label, c.priority, c.out_of_turn, c.verify,
                                       c.target_wait_min)
    windows: dict[int, WindowRow] = {}
    for w in config.windows:
        row = _upsert(session, Window, {"office_id": office.id, "number": w.number},
                      {"name": w.title, "role": w.role, "active": True})
        existing = {ws.service_id: ws for ws in session.exec(select(WindowService).where(
            WindowService.window_id == row.id))}
        wanted = {services[slug].id: weight for slug, weight in w.services.items()}
        for sid, ws in existing.items():
            if sid not in wanted:
                session.delete(ws)
            elif ws.weight != wanted[sid]:
                ws.weight = wanted[sid]
        for sid, weight in wanted.items():
            if sid not in existing:
                session.add(WindowService(window_id=row.id, service_id=sid, weight=weight))
        windows[w.number] = WindowRow(row.id, w.number, w.title, w.role, dict(w.services))
    for row in session.exec(select(Window).where(Window.office_id == office.id)):
        if row.number not in windows and row.active:
            row.active = False
    session.flush()
    return Catalog(office.id, oc.code, services, categories, windows)
