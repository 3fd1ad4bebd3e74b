"""Talon's core: domain, queue policy, service layer, persistence and reports.

Typical use::

    from queue_core import load_config, open_service
    svc = open_service(load_config("config.toml"))
    ticket = svc.issue_ticket("payments", "svo")
    call = svc.call_next(window=1, login="ivanova")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .clock import Clock, FixedClock, SimulatedClock, SystemClock
from .config import Config, ConfigError, load_config
from .domain import CallResult, CatalogMismatch, DomainError, StorageError, TalonError, TicketInfo, TicketStatus

if TYPE_CHECKING:
    from .db import Database
    from .service import QueueService


def __getattr__(name: str) -> type:  # SQLAlchemy is imported only by what needs the database
    if name == "Database":
        from .db import Database

        return Database
    raise AttributeError(name)

__all__ = [
    "CallResult", "CatalogMismatch", "Clock", "Config", "ConfigError", "Database", "DomainError", "FixedClock", "SimulatedClock",
    "StorageError", "SystemClock", "TalonError", "TicketInfo", "TicketStatus", "load_config", "open_service",
]


def open_service(config: Config, clock: Clock | None = None, *, auto_upgrade: bool | None = None,
                 database: Database | None = None) -> QueueService:
    """Connect to the configured database, make sure its schema is current, read the catalogue.

    The embedded SQLite default upgrades a fresh database itself; PostgreSQL needs
    ``talon db upgrade`` first unless ``auto_upgrade=True``. Only a database created here, from
    nothing, gets the config's catalogue (the first run of an embedded install); otherwise a catalogue
    that differs from the config's, or was never applied, is refused with
    :class:`~queue_core.domain.CatalogMismatch` (``talon config apply`` writes it). A process whose
    clock is off the database's by more than ``clock_skew_max_s`` is refused with
    :class:`~queue_core.domain.ClockSkew`.
    """
    from .catalog import apply_catalog
    from .db import Database
    from .service import QueueService

    db = database or Database(config.database_url, echo=config.database.echo)
    if db.ensure_schema(auto_upgrade=db.is_sqlite if auto_upgrade is None else auto_upgrade):
        with db.write() as s:
            apply_catalog(s, config)
    return QueueService(config, db, clock or SystemClock(config.office.tz))
