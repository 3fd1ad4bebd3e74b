"""One office as the use cases see it: its configuration, database, clock, policy and catalogue.

Built once per process by :class:`queue_core.service.QueueService` and handed to every use case
(:mod:`issuing`, :mod:`calling`, :mod:`at_window`, :mod:`staff`, :mod:`queries`). It holds no
session and nothing of one request; its two caches are only hints (see their comments).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from .catalog import Catalog, CategoryRow, ServiceRow, WindowRow
from .clock import Clock
from .config import WEEKDAYS, Config
from .db import Database
from .domain import BadArgument
from .policy import Policy
from .prepared import Statements


class Office:
    def __init__(self, config: Config, db: Database, clock: Clock, catalog: Catalog) -> None:
        self.config = config
        self.db = db
        self.clock = clock
        self.tz = config.office.tz
        self.policy = Policy(config.policy.max_priority_streak, config.policy.starvation_wait_min)
        self.catalog = catalog
        self.id = catalog.office_id
        # The last day whose past days are known to be closed (expired): the check runs once a day.
        self.expired_through: date | None = None
        self.statements = Statements(db.write_engine.dialect)  # the hot path's SQL, compiled once
        # service id -> (when computed, mean service minutes): the estimate's input, at most 5 min old.
        self.service_time: dict[int, tuple[datetime, float]] = {}

    def of_record(self, server_now: datetime) -> datetime:
        """The instant a write records (see :mod:`queue_core.clock`); raises ClockSkew."""
        return self.clock.of_record(server_now, self.config.database.clock_skew_max_s)

    # --- the catalogue, by the names a caller uses ----------------------------------------------
    def service(self, slug: str) -> ServiceRow:
        svc = self.catalog.services.get(slug)
        if svc is None or not svc.active:
            raise BadArgument(f"Неизвестная услуга «{slug}»")
        return svc

    def category(self, slug: str) -> CategoryRow:
        cat = self.catalog.categories.get(slug)
        if cat is None:
            raise BadArgument(f"Неизвестная категория «{slug}»")
        return cat

    def window(self, number: int) -> WindowRow:
        win = self.catalog.windows.get(number)
        if win is None:
            raise BadArgument(f"Окна {number} нет в конфигурации")
        return win

    def window_number(self, window_id: int | None) -> int | None:
        w = self.catalog.window_by_id.get(window_id) if window_id else None
        return w.number if w else None

    def code(self, prefix: str, number: int) -> str:
        return self.config.office.number_format.format(prefix=prefix, number=number)

    # --- office hours -------------------------------------------------------------------------
    def is_open(self, at: datetime | None = None, *, for_kiosk: bool = True) -> bool:
        """Whether a kiosk may issue at ``at``: within the day's hours and before the cut-off."""
        local = (at or self.clock.now()).astimezone(self.tz)
        hours = self.config.office.hours.get(WEEKDAYS[local.weekday()])
        if hours is None:
            return False
        cutoff = self.config.office.last_ticket_min if for_kiosk else 0
        closes = hours.closing(local.date(), self.tz) - timedelta(minutes=cutoff)
        return datetime.combine(local.date(), hours.opens, self.tz) <= local < closes

    def closing_instant(self, day: date) -> datetime:
        """When ``day`` ended for the office (its closing time, or the day's last second)."""
        hours = self.config.office.hours.get(WEEKDAYS[day.weekday()])
        closes = hours.closing(day, self.tz) if hours else datetime.combine(day, time(23, 59, 59), self.tz)
        return closes.astimezone(self.clock.now().tzinfo)
