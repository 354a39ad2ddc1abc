"""Assistance requests (issue 13): the tickets with their numbers and threads (answers and internal notes
included), the yearly sequence of their numbers, and the fixed-window counters of the rate limits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "assistance_tickets",
        sa.Column("id", ID, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("policy_number", sa.String(32), nullable=True),
        sa.Column("assigned_to", ID, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=True),
        sa.Column("first_answer_at", UTC, nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assistance_tickets"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_assistance_tickets_account_id_accounts"),
        sa.ForeignKeyConstraint(["assigned_to"], ["operators.id"],
                                name="fk_assistance_tickets_assigned_to_operators"),
        sa.UniqueConstraint("number", name="uq_assistance_tickets_number"),
    )
    op.create_index("ix_assistance_tickets_account_id_created_at", "assistance_tickets", ["account_id", "created_at"])
    op.create_index("ix_assistance_tickets_status_created_at", "assistance_tickets", ["status", "created_at"])
    op.create_table(
        "assistance_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("ticket_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("operator_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assistance_messages"),
        sa.ForeignKeyConstraint(["ticket_id"], ["assistance_tickets.id"],
                                name="fk_assistance_messages_ticket_id_assistance_tickets"),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"],
                                name="fk_assistance_messages_operator_id_operators"),
        sa.UniqueConstraint("ticket_id", "position", name="uq_assistance_messages_ticket_id_position"),
    )
    op.create_table(
        "assistance_sequences",
        sa.Column("year", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_assistance_sequences"),
    )
    op.create_table(
        "rate_counters",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("window_start", UTC, nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_rate_counters"),
    )


def downgrade() -> None:
    op.drop_table("rate_counters")
    op.drop_table("assistance_sequences")
    op.drop_table("assistance_messages")
    op.drop_index("ix_assistance_tickets_status_created_at", table_name="assistance_tickets")
    op.drop_index("ix_assistance_tickets_account_id_created_at", table_name="assistance_tickets")
    op.drop_table("assistance_tickets")
