"""Initial schema: accounts, one-time codes, email links, login throttles, audit, outbox, sessions.

Revision ID: 0001
Revises:
Create Date: 2026-05-09
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported from tables.py: a migration stays what it was when it shipped.
UTC = sa.DateTime(timezone=True)
ID = sa.String(64)
HASH = sa.String(128)
LOGIN_EMAIL_WHERE = "status IN ('consultative', 'legacy_pending')"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("party_kind", sa.String(16), nullable=False),
        sa.Column("party_id", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("policy_number", sa.String(64), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("mobile", sa.String(32), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("privacy_accepted_at", UTC, nullable=True),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column("marketing_consent_at", UTC, nullable=True),
        sa.Column("flow_hash", HASH, nullable=True),
        sa.Column("flow_started_at", UTC, nullable=True),
        sa.Column("contacts_from_issuance", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", UTC, nullable=True),
        sa.Column("display_name", sa.String(255), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("party_kind", "party_id", name="uq_accounts_party"),
    )
    op.create_index("uq_accounts_flow_hash", "accounts", ["flow_hash"], unique=True)
    op.create_index(
        "uq_accounts_login_email",
        "accounts",
        ["email"],
        unique=True,
        sqlite_where=sa.text(LOGIN_EMAIL_WHERE),
        postgresql_where=sa.text(LOGIN_EMAIL_WHERE),
    )

    op.create_table(
        "otp_challenges",
        sa.Column("id", ID, nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("destination", sa.String(32), nullable=False),
        sa.Column("flow_hash", HASH, nullable=False),
        sa.Column("code_hash", HASH, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", UTC, nullable=True),
        sa.Column("voided_at", UTC, nullable=True),
        sa.Column("account_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_otp_challenges"),
    )
    op.create_index("ix_otp_challenges_flow_hash_created_at", "otp_challenges", ["flow_hash", "created_at"])
    op.create_index("ix_otp_challenges_subject_created_at", "otp_challenges", ["subject", "created_at"])
    op.create_index(
        "ix_otp_challenges_destination_created_at", "otp_challenges", ["destination", "created_at"]
    )

    op.create_table(
        "email_links",
        sa.Column("id", ID, nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("token_hash", HASH, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_email_links"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_email_links_account_id_accounts"),
        sa.UniqueConstraint("token_hash", name="uq_email_links_token_hash"),
    )
    op.create_index("ix_email_links_account_id_purpose", "email_links", ["account_id", "purpose"])

    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTC, nullable=True),
        sa.Column("locked_until", UTC, nullable=True),
        sa.PrimaryKeyConstraint("key", "kind", name="pk_login_throttles"),
    )

    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_account_id_at", "audit_events", ["account_id", "at"])

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

    op.create_table(
        "web_sessions",
        sa.Column("id_hash", HASH, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_seen_at", UTC, nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_account_id", "web_sessions", ["account_id"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("outbox_messages")
    op.drop_table("audit_events")
    op.drop_table("login_throttles")
    op.drop_table("email_links")
    op.drop_table("otp_challenges")
    op.drop_table("accounts")
