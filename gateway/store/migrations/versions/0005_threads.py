"""Threads the gateway builds from Message-ID, References and In-Reply-To (issue #14):
node -> thread id, each thread's anchor, and a per-account row that writers lock.

Revision ID: 0005_threads
Revises: 0004_change_feed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_threads"
down_revision = "0004_change_feed"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "thread_accounts",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "thread_nodes",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("node_key", sa.String(24), primary_key=True),
        sa.Column("node", sa.Text, nullable=False),
        sa.Column("thread_id", sa.String(32), nullable=False),
        sa.Column("own", sa.Boolean, nullable=False),
        sa.Index("ix_thread_nodes_thread", "account_id", "thread_id"),
    )
    op.create_table(
        "thread_anchors",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("thread_id", sa.String(32), nullable=False),
        sa.Column("date", TIMESTAMP, nullable=True),
        sa.Column("node", sa.Text, nullable=False),
        sa.Column("msg_key", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "thread_id"),
    )


def downgrade() -> None:
    op.drop_table("thread_anchors")
    op.drop_table("thread_nodes")
    op.drop_table("thread_accounts")
