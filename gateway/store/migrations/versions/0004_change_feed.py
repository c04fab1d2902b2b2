"""The change feed (issue #14): a per-account change log, its epoch and sequence, the
feed's own snapshot of every mailbox (what the log has recorded so far), and the account's
state on each stored event.

Revision ID: 0004_change_feed
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_change_feed"
down_revision = "0003"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "change_feeds",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("epoch", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("min_seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "change_log",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("mailbox", sa.String(1024), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger, nullable=True),
        sa.Column("uid", sa.BigInteger, nullable=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Index("ix_change_log_mailbox", "account_id", "mailbox", "seq"),
    )
    op.create_table(
        "change_mailboxes",
        sa.Column("account_id", sa.String(64), primary_key=True),
        sa.Column("mailbox", sa.String(1024), primary_key=True),
        sa.Column("uidvalidity", sa.BigInteger, nullable=True),
        sa.Column("uidnext", sa.BigInteger, nullable=True),
        sa.Column("highestmodseq", sa.BigInteger, nullable=True),
        sa.Column("uids", sa.JSON, nullable=True),
        sa.Column("info", sa.JSON, nullable=True),
        sa.Column("since_seq", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    )
    op.add_column("events", sa.Column("state", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("state")
    op.drop_table("change_mailboxes")
    op.drop_table("change_log")
    op.drop_table("change_feeds")
