"""Write transactions on SQLite begin immediately: a second writer waits instead of reading a
state the first is about to change. (PostgreSQL row locks are tested with the bookings.)"""

import threading
import time

import pytest
from sqlalchemy import text

from logipool.db import Database


def test_second_writer_waits_for_the_first(database_url, app, dialect):
    if dialect != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's mechanism")
    db = Database(database_url, busy_timeout_ms=5000)
    first = db.session(write=True)
    first.execute(text("SELECT 1"))  # the write transaction has begun: it holds the write lock
    started = threading.Event()
    waited = {}

    def second_writer():
        s = db.session(write=True)
        started.set()
        t0 = time.perf_counter()
        s.execute(text("SELECT 1"))
        waited["s"] = time.perf_counter() - t0
        s.rollback()
        s.close()

    t = threading.Thread(target=second_writer)
    t.start()
    started.wait()
    time.sleep(0.3)
    assert "s" not in waited  # still blocked at BEGIN IMMEDIATE
    first.rollback()
    first.close()
    t.join(5)
    assert waited["s"] >= 0.25


def test_readers_do_not_wait_for_a_writer(database_url, app, dialect):
    if dialect != "sqlite":
        pytest.skip("SQLite WAL behaviour")
    db = Database(database_url, busy_timeout_ms=200)
    writer = db.session(write=True)
    writer.execute(text("SELECT 1"))
    reader = db.session(write=False)
    t0 = time.perf_counter()
    assert reader.execute(text("SELECT count(*) FROM member")).scalar() >= 0
    assert time.perf_counter() - t0 < 0.15
    reader.close()
    writer.rollback()
    writer.close()
