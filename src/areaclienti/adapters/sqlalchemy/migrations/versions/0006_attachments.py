"""Attachments (any number of files per request, staged before sending) and timeline steps that keep the status.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.add_column("request_events", sa.Column("step", sa.String(32), nullable=True))
    op.create_table(
        "attachments",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("request_id", ID, nullable=True),
        sa.Column("batch", ID, nullable=True),
        sa.Column("policy_number", sa.String(32), nullable=True),
        sa.Column("document", sa.String(32), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("added_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_attachments_account_id_accounts"),
        sa.ForeignKeyConstraint(["request_id"], ["policy_requests.id"],
                                name="fk_attachments_request_id_policy_requests"),
    )
    op.create_index("ix_attachments_account_id_request_id", "attachments", ["account_id", "request_id"])
    op.create_index("ix_attachments_request_id_added_at", "attachments", ["request_id", "added_at"])


def downgrade() -> None:
    op.drop_index("ix_attachments_request_id_added_at", table_name="attachments")
    op.drop_index("ix_attachments_account_id_request_id", table_name="attachments")
    op.drop_table("attachments")
    with op.batch_alter_table("request_events") as batch:
        batch.drop_column("step")
