"""The typed outbox: items of a kind with a sealed JSON payload, attempts, backoff, lease and dead letters.

Replaces ``outbox_messages`` (plain-text SMS and emails). Its undelivered rows cannot be carried over:
their text was never encrypted and the migration has no key; ``areaclienti outbox relay`` before
upgrading delivers them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "outbox_items",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("sealed_payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("available_at", UTC, nullable=False),
        sa.Column("locked_until", UTC, nullable=True),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_items"),
    )
    op.create_index("ix_outbox_items_status_available_at", "outbox_items", ["status", "available_at"])
    op.drop_index("ix_outbox_messages_sent_at_created_at", table_name="outbox_messages")
    op.drop_table("outbox_messages")


def downgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
    )
    op.create_index("ix_outbox_messages_sent_at_created_at", "outbox_messages", ["sent_at", "created_at"])
    op.drop_index("ix_outbox_items_status_available_at", table_name="outbox_items")
    op.drop_table("outbox_items")
