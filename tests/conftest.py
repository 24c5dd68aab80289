"""Fixtures: the app on a migrated database (SQLite by default, PostgreSQL when
``LOGIPOOL_DATABASE_URL`` points at one), emptied after every test; factories for rows."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from logipool import create_app, migrate, ratelimit
from logipool.db import Base, make_engine

from .factories import World, build_world


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("LOGIPOOL_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine.execution_options(logipool_write=True))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    # one application for the whole session (building it registers and documents every route);
    # a test that changes its configuration does so with monkeypatch, which puts it back
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test", "QUEUE_URL": "immediate"},
        instance_path=str(tmp_path_factory.mktemp("instance")),
    )
    yield app
    app.extensions["logipool.db"].engine.dispose()


@pytest.fixture
def app(_app):
    """The application, on a database emptied after the test."""
    yield _app
    ratelimit.reset(_app)
    db = _app.extensions["logipool.db"]
    with db.write_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session for arranging and checking rows. No app context stays pushed, so every request
    gets its own session; its transactions begin deferred, so reading here never holds SQLite's
    write lock against the requests under test (end a transaction before expecting fresh data)."""
    s = app.extensions["logipool.db"].session(write=False)
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def world(app, session) -> World:
    """Two coordinations, each with two members and a user of every role."""
    w = build_world(session)
    session.commit()
    return w


@pytest.fixture
def dialect(app) -> str:
    return app.extensions["logipool.db"].dialect
