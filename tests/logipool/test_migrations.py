"""The Alembic migrations build exactly the schema of the models, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from logipool import migrate
from logipool.db import Base, database


def _diff(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def test_migrated_schema_matches_the_models(app):
    with app.app_context():
        assert _diff(database().engine) == []


def test_downgrade_to_nothing_and_up_again(app):
    with app.app_context():
        engine = database().write_engine
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert {"member", "charge", "api_token"} <= set(inspect(engine).get_table_names())
        assert _diff(engine) == []


def test_cli_upgrade_is_idempotent(runner):
    first = runner.invoke(args=["db", "upgrade"])
    second = runner.invoke(args=["db", "upgrade"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "Database at head" in second.output


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app, dialect):
    if dialect != "sqlite":
        import pytest

        pytest.skip("SQLite pragmas")
    with app.app_context():
        with database().engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
