"""Alembic's environment, configured by gateway.store.migrate (no alembic.ini).

Online, ``config.attributes["connection"]`` is a connection in the transaction the caller
holds (and commits); offline (``mailgate migrate --sql``), ``config.attributes["dialect"]``
names the database the SQL is written for.
"""

from __future__ import annotations

from alembic import context

from gateway.store.migrate import VERSION_TABLE
from gateway.store.schema import metadata

config = context.config

if context.is_offline_mode():
    dialect = config.attributes["dialect"]
    context.configure(
        dialect_name=dialect,
        literal_binds=True,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=dialect == "sqlite",
    )
else:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )

with context.begin_transaction():
    context.run_migrations()
