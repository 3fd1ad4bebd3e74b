"""Shared pieces: a throw-away office database, interleaved timing, the result table."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("TALON_BENCH_CACHE", Path(__file__).resolve().parent / ".cache"))
OMSK = ZoneInfo("Asia/Omsk")
MONDAY_9 = datetime(2025, 10, 6, 9, 0, tzinfo=OMSK)  # the office is open
PG_URL_GIVEN = bool(os.environ.get("TALON_BENCH_DATABASE_URL") or os.environ.get("TALON_TEST_DATABASE_URL"))
PG_URL = (os.environ.get("TALON_BENCH_DATABASE_URL") or os.environ.get("TALON_TEST_DATABASE_URL")
          or "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@dataclass
class Row:
    """One line of the table: the figure, its floor, and the target on their ratio."""

    id: str
    what: str
    figure: str
    floor: str = "—"
    ratio: float | None = None
    target: str = "printed"
    ok: bool | None = None  # None: nothing to judge (printed only)
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "ok", False: "FAIL", None: "—"}[self.ok]


def office_config(folder: Path, url: str | None = None, **sections: dict):  # noqa: ANN201 - Config
    """The example office of config.toml on ``url`` (default: a SQLite file in ``folder``)."""
    import tomllib

    from queue_core.config import parse_config

    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    data["database"] = {"url": url or f"sqlite:///{folder / 'talon.db'}"}
    data.setdefault("printer", {})["backend"] = "none"
    folder.mkdir(parents=True, exist_ok=True)
    return parse_config(data, folder / "config.toml")


ADMIN_LOGIN, ADMIN_PIN = "bench-admin", "9999"  # "bench…": clear_bench_day removes it with the bench's staff


def admin(svc):  # noqa: ANN001, ANN201 - QueueService -> Actor
    """The office's admin session: ``bench-admin`` is made by the server box (``Actor.system()``,
    which may only create the first admin) when the office has none, then logs in by PIN."""
    from queue_core.domain import Actor, Forbidden

    try:
        svc.add_operator(Actor.system(), ADMIN_LOGIN, "Администратор", "admin", ADMIN_PIN)
    except Forbidden:
        pass  # made already
    return svc.authenticate(ADMIN_LOGIN, ADMIN_PIN).actor


def on_shift(svc, window: int, login: str, full_name: str,  # noqa: ANN001, ANN201 - QueueService -> StaffSession
             role: str = "operator", pin: str = "1234"):
    """A new operator (made by the admin) logged in at ``window``: the StaffSession (``.actor`` acts)."""
    svc.add_operator(admin(svc), login, full_name, role, pin)
    return svc.login(window, login, pin)


class PgSchema:
    """A throw-away PostgreSQL schema (dropped on close)."""

    def __init__(self, base_url: str, name: str | None = None, *, keep: bool = False) -> None:
        import sqlalchemy as sa

        self.name = name or f"talon_b_{uuid.uuid4().hex[:10]}"
        self.keep = keep
        self.base_url = base_url
        self._admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as c:
            c.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {self.name}")
        sep = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{sep}options=-csearch_path%3D{self.name}"

    def exists_with_tables(self) -> bool:
        import sqlalchemy as sa

        with self._admin.connect() as c:
            return bool(c.execute(sa.text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s "
                                          "AND table_name = 'ticket'"), {"s": self.name}).scalar())

    def close(self) -> None:
        if not self.keep:
            with self._admin.connect() as c:
                c.exec_driver_sql(f"DROP SCHEMA IF EXISTS {self.name} CASCADE")
        self._admin.dispose()


def psycopg_dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as a libpq connection string for raw psycopg."""
    import sqlalchemy as sa

    u = sa.make_url(url)
    parts = {"host": u.host, "port": u.port, "user": u.username, "password": u.password, "dbname": u.database}
    opts = u.query.get("options")
    if opts:
        parts["options"] = opts if isinstance(opts, str) else opts[0]
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v is not None)


def interleaved(subject: Callable[[], None], floor: Callable[[], None], *, rounds: int, batch: int,
                warmup: int = 20, between: Callable[[], None] | None = None) -> tuple[list[float], list[float]]:
    """Per-call seconds of ``subject`` and ``floor``, alternating batches so drift hits both;
    ``between`` runs (untimed) after every batch."""
    for _ in range(warmup):
        subject()
        floor()
    a: list[float] = []
    b: list[float] = []
    clock = time.perf_counter
    for r in range(rounds):
        order = ((subject, a), (floor, b)) if r % 2 == 0 else ((floor, b), (subject, a))
        for fn, out in order:
            for _ in range(batch):
                t = clock()
                fn()
                out.append(clock() - t)
            if between:
                between()
    return a, b


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def print_table(rows: list[Row]) -> None:
    head = ("id", "what", "figure", "floor", "ratio", "target", "result")
    body = [(r.id, r.what, r.figure, r.floor, f"{r.ratio:.2f}" if r.ratio is not None else "—", r.target, r.verdict)
            for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]
    line = "  ".join("{:<%d}" % w for w in widths)
    print(line.format(*head))
    print(line.format(*("-" * w for w in widths)))
    for cells, r in zip(body, rows, strict=True):
        print(line.format(*cells))
        if r.note:
            print(" " * (widths[0] + 2) + "  ↳ " + r.note)
