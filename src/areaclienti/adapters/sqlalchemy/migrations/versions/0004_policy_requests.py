"""Policy requests with their timelines, request numbers, payment events seen; the demo core system's
hand-offs and the demo payment provider's sessions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
ID = sa.String(64)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "policy_requests",
        sa.Column("id", ID, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("party_id", sa.String(16), nullable=False),
        sa.Column("policy_number", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("payment_method", sa.String(32), nullable=True),
        sa.Column("payment_session", sa.String(255), nullable=True),
        sa.Column("core_reference", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_policy_requests"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_policy_requests_account_id_accounts"),
        sa.UniqueConstraint("number", name="uq_policy_requests_number"),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_policy_requests_account_id_idempotency_key"),
    )
    op.create_index("ix_policy_requests_account_id_created_at", "policy_requests", ["account_id", "created_at"])
    op.create_index("ix_policy_requests_status_updated_at", "policy_requests", ["status", "updated_at"])
    op.create_table(
        "request_events",
        sa.Column("id", BIG_ID, nullable=False, autoincrement=True),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_request_events"),
        sa.ForeignKeyConstraint(["request_id"], ["policy_requests.id"],
                                name="fk_request_events_request_id_policy_requests"),
    )
    op.create_index("ix_request_events_request_id_id", "request_events", ["request_id", "id"])
    op.create_table(
        "request_sequences",
        sa.Column("year", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_request_sequences"),
    )
    op.create_table(
        "payment_events",
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_payment_events"),
    )
    op.create_table(
        "democore_handoffs",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("request_number", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("policy_number", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_democore_handoffs"),
    )
    op.create_table(
        "demopay_sessions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("return_url", sa.Text(), nullable=False),
        sa.Column("notify_url", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("confirm_at", UTC, nullable=True),
        sa.Column("undelivered", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_demopay_sessions"),
    )


def downgrade() -> None:
    op.drop_table("demopay_sessions")
    op.drop_table("democore_handoffs")
    op.drop_table("payment_events")
    op.drop_table("request_sequences")
    op.drop_index("ix_request_events_request_id_id", table_name="request_events")
    op.drop_table("request_events")
    op.drop_index("ix_policy_requests_status_updated_at", table_name="policy_requests")
    op.drop_index("ix_policy_requests_account_id_created_at", table_name="policy_requests")
    op.drop_table("policy_requests")
