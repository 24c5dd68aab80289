"""PostgreSQL backups as docs/deployment.md gives them: ``pg_dump -Fc`` of the live database,
``pg_restore`` into a new database, and the rows are there (PostgreSQL runs only; the SQLite
online backup is tested in test_security)."""

import os
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from logipool.models import AuditEvent, Member, Role


def test_pg_dump_then_pg_restore_into_a_new_database_keeps_the_rows(app, world, client, dialect, database_url,
                                                                   tmp_path, session):
    if dialect != "postgresql":
        pytest.skip("PostgreSQL backups (SQLite: logipool db backup)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    assert client.patch(f"/api/v1/members/{world.a.member.id}", json={"people_served_per_week": 321},
                        headers=world.a.headers(Role.MANAGER)).status_code == 200
    members = session.scalar(select(func.count()).select_from(Member))
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    version = session.scalar(text("SELECT version_num FROM alembic_version"))
    session.rollback()
    url = make_url(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    dump = tmp_path / "logipool.dump"
    env = os.environ | ({"PGPASSWORD": url.password} if url.password else {})
    source = url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={source}"],
                   check=True, env=env, timeout=120)
    restored_name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{restored_name}"'))
    target = url.set(database=restored_name)
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error",
                        f"--dbname={target.set(drivername='postgresql').render_as_string(hide_password=False)}",
                        str(dump)], check=True, env=env, timeout=120)
        restored = create_engine(target)
        with restored.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Member.__table__)) == members
            assert conn.scalar(select(func.count()).select_from(AuditEvent.__table__)) == events
            assert conn.scalar(select(Member.__table__.c.people_served_per_week)
                               .where(Member.__table__.c.id == world.a.member.id)) == 321
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == version
        restored.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        admin.dispose()
