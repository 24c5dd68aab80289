"""Engine, sessions and column types shared by every model.

One session per request, opened lazily. Services flush and never commit; the view (or the CLI
command) commits once, and the teardown rolls back whatever was not committed.

SQLite runs in WAL mode with a busy timeout, and every transaction of a write request begins
with ``BEGIN IMMEDIATE``: two writers never both read a state that one of them is about to
change, which the capacity checks of bookings rely on. Read requests begin deferred and never
wait for writers.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
T = TypeVar("T")
K = TypeVar("K")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes, stored in UTC on every database; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: logipool stores timezone-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, *, busy_timeout_ms: int = 10000) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})
        _create_private(engine.url.database)
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _create_private(database_path: str | None) -> None:
    """Create the SQLite file readable by its owner only (SQLite gives its WAL and shared-memory
    files the same mode); an existing file keeps its mode."""
    if not database_path or database_path == ":memory:" or database_path.startswith("file:"):
        return
    try:
        os.close(os.open(database_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def backup_sqlite(engine: Engine, target: str) -> int:
    """Copy a live SQLite database into ``target`` (created 0600) with SQLite's online backup API:
    a consistent snapshot while the service keeps writing. Returns the pages copied."""
    import sqlite3

    if os.path.exists(target):
        raise FileExistsError(target)
    _create_private(target)
    with engine.connect() as conn:
        source = conn.connection.driver_connection
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
            return destination.execute("PRAGMA page_count").fetchone()[0]
        finally:
            destination.close()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # Writers queue on an advisory file lock before BEGIN IMMEDIATE: the kernel wakes the next
    # writer the moment the lock is released, where SQLite's busy handler would poll with sleeps
    # of up to 100 ms, which shows as a long latency tail under concurrent writes.
    database_path = engine.url.database
    lock_path = f"{database_path}.writelock" if database_path and database_path != ":memory:" else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("logipool_write", False)
        if immediate and lock_path:
            info = conn.connection.info
            if "writelock" not in info:
                info["writelock"] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(info["writelock"], fcntl.LOCK_EX)
            info["writelock_held"] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    def _release(info) -> None:
        if info.pop("writelock_held", False):
            fcntl.flock(info["writelock"], fcntl.LOCK_UN)

    @event.listens_for(engine, "commit")
    def _on_commit(conn):
        _release(conn.connection.info)

    @event.listens_for(engine, "rollback")
    def _on_rollback(conn):
        _release(conn.connection.info)

    @event.listens_for(engine.pool, "reset")
    def _on_reset(dbapi_connection, record, reset_state):
        _release(record.info)

    @event.listens_for(engine.pool, "close")
    def _on_close(dbapi_connection, record):
        _release(record.info)
        if "writelock" in record.info:
            os.close(record.info.pop("writelock"))


class Database:
    """The application's engine and session factories (one for reads, one for writes)."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 10000):
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms)
        self.write_engine = self.engine.execution_options(logipool_write=True)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write = sessionmaker(bind=self.write_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    def listen(self, name: str, fn: Callable) -> None:
        """A session event on every session of this database, read and write alike."""
        for factory in (self._read, self._write):
            event.listen(factory, name, fn)


def init_app(app: Flask) -> None:
    app.extensions["logipool.db"] = Database(
        app.config["DATABASE_URL"], busy_timeout_ms=int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    )

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["logipool.db"]


def get_session() -> Session:
    """The session of the current request or CLI command, opened on first use."""
    if "db_session" not in g:
        write = not has_request_context() or request.method in WRITE_METHODS
        g.db_session = database().session(write=write)
    return g.db_session


def read_in_chunks(keys: Sequence[K], read: Callable[[Session, Sequence[K]], Iterable[T]], *,
                   chunk: int) -> Iterator[T]:
    """What ``read(session, keys[i:i + chunk])`` returns, chunk after chunk, for a streamed response.

    Each chunk is read in its own short read transaction, ended before anything of it is yielded:
    however slowly the client reads, and whether it reads to the end or goes away, no transaction
    stays open while the response is being sent (PostgreSQL sees no ``idle in transaction``
    session, SQLite's WAL can checkpoint). ``read`` returns plain values, not rows bound to the
    session. The keys are read before the response starts, in the request's own transaction.
    """
    db = database()

    def generate() -> Iterator[T]:
        for i in range(0, len(keys), chunk):
            with db.session(write=False) as session:
                items = list(read(session, keys[i:i + chunk]))
                session.rollback()
            yield from items

    return generate()
