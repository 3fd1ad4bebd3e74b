"""Engines, short transactions and schema upgrades for SQLite (embedded) and PostgreSQL.

SQLite: WAL, ``synchronous=NORMAL``, ``foreign_keys=ON``, a 10 s busy timeout; every writing
transaction starts with ``BEGIN IMMEDIATE`` (so writers queue up instead of failing on upgrade),
reads go through a separate engine with a plain ``BEGIN``.
PostgreSQL: psycopg 3, ``pool_pre_ping`` so a restarted server is picked up again; the calls of
one office are serialised with ``pg_advisory_xact_lock`` (see :meth:`Database.lock_office`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

if TYPE_CHECKING:
    import psycopg
    from alembic.config import Config as AlembicConfig

from .domain import StorageError
from .eventlog import canonical_json

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD_REVISION = "0006"  # keep in step with the newest file in migrations/versions
OFFICE_LOCK_BASE = 7_300_000  # pg_advisory_xact_lock key = base + office id
# The office lock, then the server's clock: the subquery (a fence, OFFSET 0) runs first, so the
# instant is read once the lock is ours and instants of one office follow commit order.
LOCK_OFFICE_SQL = "SELECT clock_timestamp() FROM (SELECT pg_advisory_xact_lock(:k) OFFSET 0) AS locked"
_SERVER_NOW = "talon_server_now"
BUSY_TIMEOUT_S = 10


def _sqlite_connect_hooks(engine: sa.Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.connection.driver_connection.execute(begin)  # on the driver: no statement machinery


class _WriteTurn:
    """SQLite: writers of every process wait for their turn on an ``flock`` of a file beside the
    database (``<db>-writelock``), polled every few milliseconds, before ``BEGIN IMMEDIATE``.

    SQLite's own busy handler sleeps in growing steps (up to 100 ms) while others keep taking the
    lock, so under load one writer can starve: B4 (8 kiosks issuing flat out, 8 windows) saw a
    window's ``finish`` give up after the whole busy timeout. Here the wait is bounded by the same
    timeout and ends in the same «База данных занята» when it runs out. Threads of one process queue
    on a lock first (an ``flock`` is per open file, not per thread). A killed process loses its
    ``flock`` with its file descriptors. Without ``fcntl`` (Windows) only the thread lock is kept."""

    def __init__(self, db_path: str) -> None:
        self._threads = threading.RLock()
        self._path = db_path + "-writelock"
        self._fd: int | None = None
        self._depth = 0

    @contextmanager
    def __call__(self) -> Iterator[None]:
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        if not self._threads.acquire(timeout=BUSY_TIMEOUT_S):
            raise StorageError("База данных занята, повторите действие")
        try:
            self._depth += 1
            if self._depth == 1 and fcntl is not None:
                self._lock_file(deadline)
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _lock_file(self, deadline: float) -> None:
        if self._fd is None:
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:
                return  # a read-only folder: SQLite's busy handler alone, as before
        pause = 0.0005
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StorageError("База данных занята, повторите действие") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.004)

    def close(self) -> None:
        if self._fd is not None:
            with suppress(OSError):
                os.close(self._fd)
            self._fd = None


def redact(url: str) -> str:
    """The URL without its password, for logs and screens."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as-is minus credentials
        return url.split("@")[-1]


class Database:
    """The two engines of one database URL and the transactions the service layer uses."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # JSON columns are stored in the canonical form the event chain hashes (queue_core.eventlog).
            kw = dict(connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}, echo=echo,
                      json_serializer=canonical_json)
            self.write_engine = sa.create_engine(url, **kw)
            self.read_engine = sa.create_engine(url, **kw)
            _sqlite_connect_hooks(self.write_engine, "BEGIN IMMEDIATE")
            _sqlite_connect_hooks(self.read_engine, "BEGIN")
            self._turn = _WriteTurn(path) if path and path != ":memory:" else None
        else:
            kw = dict(pool_pre_ping=True, pool_size=5, max_overflow=5, pool_recycle=1800, echo=echo,
                      connect_args={"connect_timeout": 5}, json_serializer=canonical_json)
            self.write_engine = sa.create_engine(url, **kw)
            self.read_engine = self.write_engine
            self._turn = None
        self._data_version_conn = None  # the connection changed() asks (sqlite3, or a raw psycopg one)
        self._data_version_lock = threading.Lock()  # dispose() never closes it under a poll thread
        self._driver_conn = None  # SQLite: the connection driver_write keeps between transactions
        self._driver_lock = threading.Lock()

    # --- transactions ---------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Session]:
        """One writing transaction: committed on success, rolled back on any error."""
        with self._my_turn(), _storage_errors():
            with Session(self.write_engine, expire_on_commit=False) as s, s.begin():
                yield s

    def _my_turn(self) -> AbstractContextManager[None]:
        return self._turn() if self._turn is not None else nullcontext()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with _storage_errors():
            with Session(self.read_engine, expire_on_commit=False) as s, s.begin():
                yield s

    @contextmanager
    def driver_write(self) -> Iterator[Any]:
        """One writing transaction on the driver's own cursor (DB-API), for the hot path where
        SQLAlchemy's per-statement cost would dominate (issuing a ticket: :mod:`queue_core.issuing`).

        Same contract as :meth:`write`: ``BEGIN IMMEDIATE`` on SQLite, committed on success, rolled
        back on any error, "database unreachable" raised as :class:`StorageError` (the connection
        is then dropped). Parameters are named (``:name`` on SQLite, ``%(name)s`` on PostgreSQL).
        On SQLite one connection is kept for it between transactions (a thread that finds it in
        use takes one from the pool); on PostgreSQL the pool's ``pre_ping`` guards every checkout."""
        with self._my_turn():
            with self._driver_transaction() as cur:
                yield cur

    @contextmanager
    def _driver_transaction(self) -> Iterator[Any]:
        own = self.is_sqlite and self._driver_lock.acquire(blocking=False)
        raw = None
        try:
            raw = self._driver_conn if own else None
            if raw is None:
                with _storage_errors():
                    raw = self.write_engine.raw_connection()
                if own:  # SQLite: keep it (no pool round trip, and its page cache stays warm)
                    self._driver_conn = raw
            cur = raw.cursor()
            done = False
            try:
                if self.is_sqlite:
                    cur.execute("BEGIN IMMEDIATE")
                yield cur
                raw.commit()
                done = True
            except BaseException as e:
                if not done:
                    with suppress(Exception):
                        raw.rollback()
                if not _driver_unavailable(e, self.is_sqlite):
                    raise
                if raw is self._driver_conn:
                    self._driver_conn = None
                raw.invalidate()
                first = str(e).splitlines()[0] if str(e) else type(e).__name__
                log.warning("база данных недоступна: %s", first)
                raise StorageError("База данных занята, повторите действие" if "locked" in first or "busy" in first
                                   else "Нет связи с базой данных") from e
            finally:
                with suppress(Exception):  # after invalidate() the connection is closed already
                    cur.close()
        finally:
            if raw is not None and raw is not self._driver_conn:
                raw.close()
            if own:
                self._driver_lock.release()

    def lock_office(self, session: Session, office_id: int) -> None:
        """Serialise what changes one office's queue (calls, issues, redirects, returns, declined
        categories) for the rest of this transaction, so that event ids follow commit order and the
        priority audit can replay the queue exactly. On PostgreSQL the server's clock is read in the
        same statement, after the lock: it is this transaction's :meth:`server_now`.

        SQLite needs nothing: ``BEGIN IMMEDIATE`` already holds the only write lock.
        """
        if not self.is_sqlite:
            now = session.execute(sa.text(LOCK_OFFICE_SQL), {"k": OFFICE_LOCK_BASE + office_id}).scalar_one()
            session.info[_SERVER_NOW] = now.astimezone(UTC)

    def forget_server_now(self, session: Session) -> None:
        """The next :meth:`server_now` of this transaction reads the clock again (after a row lock)."""
        session.info.pop(_SERVER_NOW, None)

    def server_now(self, session: Session) -> datetime:
        """The database's clock as this transaction sees it (see :mod:`queue_core.clock`): on
        PostgreSQL the server's, read once (by :meth:`lock_office`, or here); on SQLite this machine's."""
        if self.is_sqlite:
            return datetime.now(UTC)
        now = session.info.get(_SERVER_NOW)
        if now is None:
            now = session.execute(sa.text("SELECT clock_timestamp()")).scalar_one().astimezone(UTC)
            session.info[_SERVER_NOW] = now
        return now

    def changed(self) -> int | str:
        """A cheap token that changes whenever anything is committed, for live screens: one
        statement on a connection of its own, without a transaction.

        SQLite: ``PRAGMA data_version``. PostgreSQL: the WAL insert position (every commit writes
        WAL; writes elsewhere in the cluster move it too, which only costs an extra re-read).
        """
        with self._data_version_lock, _storage_errors():
            if self._data_version_conn is None:
                self._data_version_conn = self._open_data_version_conn()
            try:
                if self.is_sqlite:
                    return self._data_version_conn.execute("PRAGMA data_version").fetchone()[0]
                return self._data_version_conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]
            except Exception:
                self._close_data_version_conn()  # a restarted server: a fresh connection next time
                raise

    def _open_data_version_conn(self) -> sqlite3.Connection | psycopg.Connection:
        if self.is_sqlite:
            path = self.url.split("///", 1)[-1]
            return sqlite3.connect(path, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        raw = self.read_engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # ours for good: the pool neither recycles nor hands it out
        conn.autocommit = True
        return conn

    def _close_data_version_conn(self) -> None:
        if self._data_version_conn is not None:
            with suppress(Exception):
                self._data_version_conn.close()
            self._data_version_conn = None

    def dispose(self) -> None:
        with self._driver_lock:
            if self._driver_conn is not None:
                self._driver_conn.close()
                self._driver_conn = None
        with self._data_version_lock:  # a poll thread inside changed() finishes first
            self._close_data_version_conn()
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
        if self._turn is not None:
            self._turn.close()

    # --- schema -------------------------------------------------------------------
    def current_revision(self) -> str | None:
        with _storage_errors(), self.read_engine.connect() as c:
            if not sa.inspect(c).has_table("alembic_version"):
                return None
            return c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def upgrade(self) -> None:
        """Apply the Alembic migrations up to head (``talon db upgrade``)."""
        from alembic import command  # lazy: alembic costs ~0.3 s to import

        with _storage_errors():
            command.upgrade(alembic_config(self.url), "head")

    def ensure_schema(self, *, auto_upgrade: bool) -> bool:
        """Make sure the schema is at head; upgrade it when allowed (the embedded default). True when
        the database was empty and has just been created (its catalogue is still to be applied)."""
        rev = self.current_revision()
        if rev == HEAD_REVISION:
            return False
        if auto_upgrade:
            log.info("обновление схемы базы %s: %s → %s", redact(self.url), rev or "пустая", HEAD_REVISION)
            self.upgrade()
            return rev is None
        raise StorageError(
            f"Схема базы данных устарела ({rev or 'пустая база'}, нужна {HEAD_REVISION}): "
            "выполните «talon db upgrade»"
        )


def alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError | DBAPIError) and (
        getattr(exc, "connection_invalidated", False) or isinstance(exc, OperationalError)
    )


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Turn "the database is not there / busy" into :class:`StorageError`; programming errors stay loud."""
    try:
        yield
    except OperationalError as e:
        msg = str(e.orig) if e.orig is not None else str(e)
        if isinstance(e.orig, sqlite3.OperationalError) and not any(m in msg for m in _SQLITE_UNAVAILABLE):
            raise  # "no such table" and friends are programming errors: stay loud
        log.warning("база данных недоступна: %s", msg.splitlines()[0] if msg else e)
        if "locked" in msg or "busy" in msg:
            raise StorageError("База данных занята, повторите действие") from e
        raise StorageError("Нет связи с базой данных") from e
    except DBAPIError as e:
        if e.connection_invalidated:
            raise StorageError("Связь с базой данных прервалась, действие не выполнено") from e
        raise
    except sqlite3.OperationalError as e:
        if not any(m in str(e) for m in _SQLITE_UNAVAILABLE):
            raise
        raise StorageError("Нет связи с базой данных") from e


_REASONS_RU = (("refused", "сервер отклонил соединение"), ("could not translate host name", "неизвестное имя сервера"),
               ("resolve host", "неизвестное имя сервера"),
               ("password authentication failed", "неверный пароль"), ("does not exist", "такой базы нет на сервере"),
               ("timeout", "сервер не отвечает"), ("timed out", "сервер не отвечает"),
               ("unable to open", "не удаётся открыть файл базы"), ("readonly", "файл базы только для чтения"),
               ("disk is full", "диск заполнен"), ("not a database", "файл — не база SQLite"))


def reason_ru(error: StorageError) -> str | None:
    """Why the database is unreachable, in Russian, from the driver's message; None when not recognised."""
    text = str(error.__cause__ or "")
    return next((ru for marker, ru in _REASONS_RU if marker in text), None)


def _driver_unavailable(e: BaseException, is_sqlite: bool) -> bool:
    """A DB-API error that means "the database is not there / busy" (not a programming error)."""
    if is_sqlite:
        return isinstance(e, sqlite3.OperationalError) and any(m in str(e) for m in _SQLITE_UNAVAILABLE)
    import psycopg

    return isinstance(e, psycopg.OperationalError | psycopg.InterfaceError)


_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk I/O", "readonly", "disk is full",
                       "malformed", "not a database")
