"""After 0.1.0: send_counts (the daily send limit) and audit_log.

Databases made by create_all on main between 0.1.0 and the first migration may hold these
tables already (they are stamped at the baseline like 0.1.0's): such a table is kept as it is.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def _exists(table: str) -> bool:
    if context.is_offline_mode():
        return False
    return sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    if not _exists("send_counts"):
        op.create_table(
            "send_counts",
            sa.Column("account_id", sa.String(64), primary_key=True),
            sa.Column("day", sa.Date, primary_key=True),
            sa.Column("count", sa.Integer, nullable=False),
        )
    if not _exists("audit_log"):
        op.create_table(
            "audit_log",
            sa.Column("id", sa.String(40), primary_key=True),
            sa.Column("at", TIMESTAMP, nullable=False),
            sa.Column("token_id", sa.String(40), nullable=True),
            sa.Column("method", sa.String(8), nullable=False),
            sa.Column("route", sa.String(256), nullable=False),
            sa.Column("account_id", sa.String(64), nullable=True),
            sa.Column("target_id", sa.String(128), nullable=True),
            sa.Column("status", sa.Integer, nullable=False),
            sa.Column("code", sa.String(64), nullable=True),
            sa.Column("client_ip", sa.String(64), nullable=True),
            sa.Index("ix_audit_at", "at", "id"),
            sa.Index("ix_audit_account", "account_id", "at"),
            sa.Index("ix_audit_token", "token_id", "at"),
        )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("send_counts")
