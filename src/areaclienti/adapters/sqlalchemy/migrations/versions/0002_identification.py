"""Identification by video selfie and back-office operators: attempts, operators, the registered document.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-16
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported from tables.py: a migration stays what it was when it shipped.
UTC = sa.DateTime(timezone=True)
ID = sa.String(64)
OPEN_ATTEMPT_WHERE = "status IN ('draft', 'awaiting_confirmation', 'submitted')"


def upgrade() -> None:
    # Nullable columns: SQLite adds them in place, no table copy needed.
    op.add_column("accounts", sa.Column("identified_at", UTC, nullable=True))
    op.add_column("accounts", sa.Column("document_type", sa.String(32), nullable=True))
    op.add_column("accounts", sa.Column("document_number", sa.String(32), nullable=True))
    op.add_column("accounts", sa.Column("document_expires_on", sa.Date(), nullable=True))

    op.create_table(
        "operators",
        sa.Column("id", ID, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_enrolled_at", UTC, nullable=True),
        sa.Column("last_totp_step", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_operators"),
        sa.UniqueConstraint("email", name="uq_operators_email"),
    )

    op.create_table(
        "identification_attempts",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("keyword", sa.String(64), nullable=False),
        sa.Column("takes", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=True),
        sa.Column("video_key", sa.String(255), nullable=True),
        sa.Column("video_content_type", sa.String(100), nullable=True),
        sa.Column("video_size", sa.BigInteger(), nullable=True),
        sa.Column("document_type", sa.String(32), nullable=True),
        sa.Column("document_number", sa.String(32), nullable=True),
        sa.Column("document_expires_on", sa.Date(), nullable=True),
        sa.Column("front_key", sa.String(255), nullable=True),
        sa.Column("front_content_type", sa.String(100), nullable=True),
        sa.Column("front_size", sa.BigInteger(), nullable=True),
        sa.Column("back_key", sa.String(255), nullable=True),
        sa.Column("back_content_type", sa.String(100), nullable=True),
        sa.Column("back_size", sa.BigInteger(), nullable=True),
        sa.Column("submitted_at", UTC, nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("decided_by", ID, nullable=True),
        sa.Column("rejection_reason", sa.String(32), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_identification_attempts"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_identification_attempts_account_id_accounts"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["operators.id"], name="fk_identification_attempts_decided_by_operators"
        ),
    )
    op.create_index(
        "ix_identification_attempts_status_submitted_at", "identification_attempts", ["status", "submitted_at"]
    )
    op.create_index(
        "ix_identification_attempts_account_id_created_at", "identification_attempts", ["account_id", "created_at"]
    )
    op.create_index(
        "uq_identification_attempts_open",
        "identification_attempts",
        ["account_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_ATTEMPT_WHERE),
        postgresql_where=sa.text(OPEN_ATTEMPT_WHERE),
    )


def downgrade() -> None:
    op.drop_table("identification_attempts")
    op.drop_table("operators")
    # Not a batch: copying ``accounts`` would drop it, which its email links forbid. SQLite (3.35 and later)
    # drops a column that no index or constraint names in place.
    for column in ("document_expires_on", "document_number", "document_type", "identified_at"):
        op.drop_column("accounts", column)
