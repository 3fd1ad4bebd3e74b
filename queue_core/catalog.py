"""The office's catalogue (office, services, categories, windows): written into the database by one
explicit step, read by every process and held in memory as plain values for the life of the process.

The catalogue is shared: every kiosk, window and board of an office uses the same one. So only
:func:`apply_catalog` writes it — ``talon config apply``, ``talon db upgrade``, the very first run of
an embedded install, ``talon demo`` — and every other process calls :func:`read_catalog`, which
refuses with :class:`~queue_core.domain.CatalogMismatch` when its config describes another
catalogue (a machine with a stale config.toml never rewrites the office's services).

The wording a device shows for a category (``short_name``, ``kiosk_label``, ``document``) is taken
from the device's own config and is not compared.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from .catalog_rows import Catalog, CategoryRow, ServiceRow, WindowRow
from .config import Config
from .domain import CatalogMismatch, DomainError
from .models import Category, Office, Service, Window, WindowService

__all__ = ["Catalog", "CategoryRow", "ServiceRow", "WindowRow", "apply_catalog", "read_catalog"]

CATALOG_LOCK = 7_300_000  # pg_advisory_xact_lock: one writer of catalogues at a time (OFFICE_LOCK_BASE + 0)


# --- what differs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CatalogChange:
    """One difference between the database's catalogue and the config's: ``old`` is what the
    database holds, ``new`` what the config says; ``field`` None means the whole entry is missing
    on one side (``old`` None: only in the config; ``new`` None: only in the database)."""

    subject: str  # «услуга payments», «окно 2», «категория svo», «офис omsk-central»
    field: str | None = None  # «вес услуги payments», «основание»…
    old: object = None
    new: object = None

    def mismatch_ru(self, config_name: str = "config.toml") -> str:
        """«окно 2, вес услуги payments 1 ≠ 3» (the database's value first)."""
        if self.field is None:
            return (f"{self.subject}: есть в {config_name}, нет в базе" if self.old is None
                    else f"{self.subject}: есть в базе, нет в {config_name}")
        return f"{self.subject}, {self.field} {_shown(self.old, 60)} ≠ {_shown(self.new, 60)}"

    def applied_ru(self) -> str:
        """«окно 2, вес услуги payments: 1 → 3», «добавлено: услуга payments»."""
        if self.field is None:
            return (f"добавлено: {self.subject}" if self.old is None
                    else f"снято с обслуживания: {self.subject} (история сохранена)")
        return f"{self.subject}, {self.field}: {_shown(self.old)} → {_shown(self.new)}"


def _shown(v: object, limit: int | None = None) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "да" if v else "нет"
    if isinstance(v, date):
        return f"{v:%d.%m.%Y}"
    if isinstance(v, str):
        text = v if limit is None or len(v) <= limit else v[:limit].rsplit(" ", 1)[0] + "…"
        return f"«{text}»"
    return str(v)


_OFFICE_FIELDS = (("name", "name", "название"), ("address", "address", "адрес"),
                  ("timezone", "timezone", "часовой пояс"))
# (column, config attribute, Russian name)
_SERVICE_FIELDS = (("prefix", "prefix", "префикс"), ("name", "name", "название"), ("segment", "segment", "сегмент"),
                   ("target_wait_min", "target_wait_min", "норматив ожидания, мин"), ("active", "active", "действует"))
_CATEGORY_FIELDS = (("name", "name", "название"), ("priority", "priority", "приоритет"),
                    ("out_of_turn", "out_of_turn", "вне очереди"), ("verify", "verify", "проверка документа"),
                    ("target_wait_min", "target_wait_min", "норматив ожидания, мин"), ("basis", "basis", "основание"),
                    ("valid_from", "valid_from", "действует с"), ("valid_to", "valid_to", "действует по"))
_WINDOW_FIELDS = (("name", "title", "название"), ("role", "role", "роль"))


@dataclass
class _Stored:
    """The catalogue rows of one office as the database holds them."""

    office: Office | None
    services: dict[str, Service]  # slug -> row, every service of the office (removed ones too)
    categories: dict[str, Category]  # slug -> row
    windows: dict[int, Window]  # number -> row, every window of the office
    weights: dict[int, dict[str, int]]  # window id -> service slug -> weight


def _load(session: Session, config: Config) -> _Stored:
    office = session.exec(select(Office).where(Office.code == config.office.code)).first()
    categories = {c.slug: c for c in session.exec(select(Category))}
    if office is None:
        return _Stored(None, {}, categories, {}, {})
    services = {s.slug: s for s in session.exec(select(Service).where(Service.office_id == office.id))}
    windows = {w.number: w for w in session.exec(select(Window).where(Window.office_id == office.id))}
    slug_of = {s.id: s.slug for s in services.values()}
    weights: dict[int, dict[str, int]] = {w.id: {} for w in windows.values()}
    if windows:
        for ws in session.exec(select(WindowService).where(WindowService.window_id.in_(list(weights)))):
            weights[ws.window_id][slug_of[ws.service_id]] = ws.weight
    return _Stored(office, services, categories, windows, weights)


def _field_changes(subject: str, row: object, cfg: object, fields: tuple) -> list[CatalogChange]:
    out = []
    for column, attr, name in fields:
        old, new = getattr(row, column), getattr(cfg, attr)
        if old != new:
            out.append(CatalogChange(subject, name, old, new))
    return out


def _changes(stored: _Stored, config: Config) -> list[CatalogChange]:
    oc = config.office
    office = ([CatalogChange(f"офис {oc.code}")] if stored.office is None
              else _field_changes(f"офис {oc.code}", stored.office, oc, _OFFICE_FIELDS))
    return office + _service_changes(stored, config) + _category_changes(stored, config) + _window_changes(
        stored, config)


def _service_changes(stored: _Stored, config: Config) -> list[CatalogChange]:
    out: list[CatalogChange] = []
    for order, s in enumerate(config.services):
        row = stored.services.get(s.id)
        if row is None:
            out.append(CatalogChange(f"услуга {s.id}"))
            continue
        out += _field_changes(f"услуга {s.id}", row, s, _SERVICE_FIELDS)
        if row.sort_order != order:  # the order of the kiosk's buttons and of reports
            out.append(CatalogChange(f"услуга {s.id}", "место в списке", row.sort_order + 1, order + 1))
    wanted = {s.id for s in config.services}
    return out + [CatalogChange(f"услуга {slug}", old=True) for slug, row in stored.services.items()
                  if slug not in wanted and row.active]


def _category_changes(stored: _Stored, config: Config) -> list[CatalogChange]:
    out: list[CatalogChange] = []
    for c in config.categories:
        row = stored.categories.get(c.id)
        out += ([CatalogChange(f"категория {c.id}")] if row is None
                else _field_changes(f"категория {c.id}", row, c, _CATEGORY_FIELDS))
    return out


def _window_changes(stored: _Stored, config: Config) -> list[CatalogChange]:
    out: list[CatalogChange] = []
    for w in config.windows:
        row = stored.windows.get(w.number)
        subject = f"окно {w.number}"
        if row is None:
            out.append(CatalogChange(subject))
            continue
        out += _field_changes(subject, row, w, _WINDOW_FIELDS)
        if not row.active:
            out.append(CatalogChange(subject, "действует", False, True))
        have = stored.weights.get(row.id, {})
        for slug in [*w.services, *(s for s in have if s not in w.services)]:
            if have.get(slug) != w.services.get(slug):
                out.append(CatalogChange(subject, f"вес услуги {slug}", have.get(slug), w.services.get(slug)))
    numbers = {w.number for w in config.windows}
    return out + [CatalogChange(f"окно {n}", old=True) for n, row in sorted(stored.windows.items())
                  if n not in numbers and row.active]


def catalog_changes(session: Session, config: Config) -> list[CatalogChange]:
    """What :func:`apply_catalog` would change, in the order office, services, categories, windows
    (empty when the database's catalogue is the config's). Categories the config no longer lists
    stay in the database for the history and are not a difference (end one with ``valid_to``)."""
    return _changes(_load(session, config), config)


# --- apply and read ------------------------------------------------------------------------------
def lock_catalog(session: Session) -> None:
    """PostgreSQL: take the catalogue lock for the rest of this transaction (two processes applying at
    once must not both insert the office). SQLite: ``BEGIN IMMEDIATE`` already serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": CATALOG_LOCK})


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


def apply_catalog(session: Session, config: Config) -> Catalog:
    """Write the config's office, services, categories and windows into the database, under the
    catalogue lock, in the caller's transaction.

    Idempotent: applying the same config again writes nothing. Services and windows that left the
    config are marked inactive (their history stays); categories it no longer lists stay as they are.
    """
    lock_catalog(session)
    oc = config.office
    office = _upsert(session, Office, {"code": oc.code},
                     {"name": oc.name, "address": oc.address, "timezone": oc.timezone})
    services: dict[str, int] = {}
    for order, s in enumerate(config.services):
        row = _upsert(session, Service, {"office_id": office.id, "slug": s.id},
                      {"prefix": s.prefix, "name": s.name, "segment": s.segment,
                       "target_wait_min": s.target_wait_min, "active": s.active, "sort_order": order})
        services[s.id] = row.id
    for row in session.exec(select(Service).where(Service.office_id == office.id)):
        if row.slug not in services and row.active:
            row.active = False
    for c in config.categories:
        _upsert(session, Category, {"slug": c.id},
                {"name": c.name, "priority": c.priority, "out_of_turn": c.out_of_turn, "verify": c.verify,
                 "target_wait_min": c.target_wait_min, "basis": c.basis, "valid_from": c.valid_from,
                 "valid_to": c.valid_to})
    numbers = set()
    for w in config.windows:
        numbers.add(w.number)
        row = _upsert(session, Window, {"office_id": office.id, "number": w.number},
                      {"name": w.title, "role": w.role, "active": True})
        existing = {ws.service_id: ws for ws in session.exec(select(WindowService).where(
            WindowService.window_id == row.id))}
        wanted = {services[slug]: weight for slug, weight in w.services.items()}
        for sid, ws in existing.items():
            if sid not in wanted:
                session.delete(ws)
            elif ws.weight != wanted[sid]:
                ws.weight = wanted[sid]
        for sid, weight in wanted.items():
            if sid not in existing:
                session.add(WindowService(window_id=row.id, service_id=sid, weight=weight))
    for row in session.exec(select(Window).where(Window.office_id == office.id)):
        if row.number not in numbers and row.active:
            row.active = False
    session.flush()
    return _catalog(_load(session, config), config)


def read_catalog(session: Session, config: Config) -> Catalog:
    """The database's catalogue, when it is the one ``config`` describes; writes nothing.

    Raises :class:`~queue_core.domain.CatalogMismatch` (one Russian line: the first difference and
    how to apply the config) when it differs, or when this office's catalogue was never applied."""
    stored = _load(session, config)
    hint = f"Примените конфигурацию: {apply_command(config)}"
    if stored.office is None:
        raise CatalogMismatch(f"В базе нет каталога офиса «{config.office.code}»: конфигурация ещё не применена. {hint}")
    changes = _changes(stored, config)
    if changes:
        name = config.path.name if config.path else "config.toml"
        more = f" (всего отличий: {len(changes)})" if len(changes) > 1 else ""
        raise CatalogMismatch(f"Каталог в базе отличается от {name}: {changes[0].mismatch_ru(name)}{more}. {hint}")
    return _catalog(stored, config)


def apply_command(config: Config) -> str:
    """The command that applies this config: ``talon config apply``, with ``--config`` unless the
    config is ./config.toml."""
    if config.path is None or config.path == (Path.cwd() / "config.toml").resolve():
        return "talon config apply"
    return f"talon config apply --config {shlex.quote(str(config.path))}"


def _catalog(stored: _Stored, config: Config) -> Catalog:
    """The in-memory catalogue of the services, categories and windows the config names, with the
    database's ids and values (they equal the config's: apply or read made sure)."""
    services = {}
    for s in config.services:
        row = stored.services[s.id]
        services[s.id] = ServiceRow(row.id, row.slug, row.prefix, row.name, row.segment, row.target_wait_min,
                                    row.active)
    categories = {}
    for c in config.categories:
        row = stored.categories[c.id]
        categories[c.id] = CategoryRow(row.id, row.slug, row.name, c.label, row.priority, row.out_of_turn,
                                       row.verify, row.target_wait_min, row.basis, row.valid_from, row.valid_to,
                                       c.kiosk_label, c.document)
    windows = {}
    for w in config.windows:
        row = stored.windows[w.number]
        have = stored.weights.get(row.id, {})
        windows[w.number] = WindowRow(row.id, row.number, row.name, row.role, {s: have[s] for s in w.services})
    return Catalog(stored.office.id, stored.office.code, services, categories, windows)


def apply_config(db, config: Config) -> list[CatalogChange]:  # noqa: ANN001 - queue_core.db.Database
    """Apply the config's catalogue in a transaction of its own and say what changed (empty: the
    database already had it, and nothing was written). ``talon config apply``, ``talon db upgrade``
    and ``talon demo`` use it."""
    with db.write() as s:
        lock_catalog(s)
        changes = catalog_changes(s, config)
        if changes:
            apply_catalog(s, config)
    return changes
