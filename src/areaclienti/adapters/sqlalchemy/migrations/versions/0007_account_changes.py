"""The customer's own data and security (issue 12): the new address an email-change link confirms, the device
of each session, and the history of the privacy and marketing consents.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
ID = sa.String(64)


def upgrade() -> None:
    op.add_column("email_links", sa.Column("new_email", sa.String(320), nullable=True))
    op.add_column("web_sessions", sa.Column("user_agent", sa.String(300), nullable=True))
    op.create_table(
        "consent_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("consent", sa.String(16), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consent_events"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_consent_events_account_id_accounts"),
    )
    op.create_index("ix_consent_events_account_id_at", "consent_events", ["account_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_consent_events_account_id_at", table_name="consent_events")
    op.drop_table("consent_events")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("user_agent")
    with op.batch_alter_table("email_links") as batch:
        batch.drop_column("new_email")
