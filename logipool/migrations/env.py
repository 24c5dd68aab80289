"""Alembic environment: runs on the connection logipool hands over (see logipool.migrate)."""

from alembic import context

from logipool import models  # noqa: F401  (registers the tables)
from logipool.db import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
