"""The database schema as SQLAlchemy Core tables. The migrations in ``migrations/versions`` mirror it.

Enums are stored as their ``.value`` strings and mapped back in ``repositories.py``; datetimes are
stored in UTC and always come back timezone-aware.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)

# The statuses in which an email is a login email: unique among them (R-LEG-1: one account per address).
LOGIN_EMAIL_STATUSES = ("consultative", "legacy_pending")
_LOGIN_EMAIL_WHERE = text("status IN ('consultative', 'legacy_pending')")
# The statuses of an open identification attempt: one per account (R-ID: a second one is refused).
OPEN_ATTEMPT_STATUSES = ("draft", "awaiting_confirmation", "submitted")
_OPEN_ATTEMPT_WHERE = text("status IN ('draft', 'awaiting_confirmation', 'submitted')")


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC (SQLite keeps no offset, so it is added back on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a timezone-aware datetime is required, not {value!r}")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


ID = String(64)
HASH = String(128)
# SQLite makes only an INTEGER PRIMARY KEY auto-increment.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("party_kind", String(16), nullable=False),
    Column("party_id", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("origin", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("policy_number", String(64)),
    Column("email", String(320)),
    Column("mobile", String(32)),
    Column("password_hash", String(255)),
    Column("privacy_accepted_at", UtcDateTime()),
    Column("marketing_consent", Boolean(), nullable=False),
    Column("marketing_consent_at", UtcDateTime()),
    Column("flow_hash", HASH),
    Column("flow_started_at", UtcDateTime()),
    Column("contacts_from_issuance", Boolean(), nullable=False),
    Column("password_changed_at", UtcDateTime()),
    Column("display_name", String(255)),
    Column("extra", JSON(), nullable=False),
    # The registered document (R-ID-4, R-ID-6): all four set together, or none.
    Column("identified_at", UtcDateTime()),
    Column("document_type", String(32)),
    Column("document_number", String(32)),
    Column("document_expires_on", Date()),
    UniqueConstraint("party_kind", "party_id", name="uq_accounts_party"),
    Index("uq_accounts_flow_hash", "flow_hash", unique=True),
    Index(
        "uq_accounts_login_email",
        "email",
        unique=True,
        sqlite_where=_LOGIN_EMAIL_WHERE,
        postgresql_where=_LOGIN_EMAIL_WHERE,
    ),
)

otp_challenges = Table(
    "otp_challenges",
    metadata,
    Column("id", ID, primary_key=True),
    Column("purpose", String(32), nullable=False),
    Column("subject", String(128), nullable=False),
    Column("destination", String(32), nullable=False),
    Column("flow_hash", HASH, nullable=False),
    Column("code_hash", HASH, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("max_attempts", Integer(), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("consumed_at", UtcDateTime()),
    Column("voided_at", UtcDateTime()),
    Column("account_id", ID),
    Index("ix_otp_challenges_flow_hash_created_at", "flow_hash", "created_at"),
    Index("ix_otp_challenges_subject_created_at", "subject", "created_at"),
    Index("ix_otp_challenges_destination_created_at", "destination", "created_at"),
)

email_links = Table(
    "email_links",
    metadata,
    Column("id", ID, primary_key=True),
    Column("purpose", String(32), nullable=False),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("token_hash", HASH, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
    Column("new_email", String(320)),  # the address an email-change link confirms
    UniqueConstraint("token_hash", name="uq_email_links_token_hash"),
    Index("ix_email_links_account_id_purpose", "account_id", "purpose"),
)

login_throttles = Table(
    "login_throttles",
    metadata,
    Column("key", String(320), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("failures", Integer(), nullable=False),
    Column("last_failure_at", UtcDateTime()),
    Column("locked_until", UtcDateTime()),
    PrimaryKeyConstraint("key", "kind", name="pk_login_throttles"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("account_id", ID),
    Column("subject", String(255)),
    Column("details", JSON(), nullable=False),
    Index("ix_audit_events_at", "at"),
    Index("ix_audit_events_account_id_at", "account_id", "at"),
)

outbox_items = Table(
    "outbox_items",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("sealed_payload", Text()),  # encrypted JSON; NULL once done
    Column("status", String(16), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("available_at", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime()),
    Column("done_at", UtcDateTime()),
    Column("last_error", String(500)),
    Index("ix_outbox_items_status_available_at", "status", "available_at"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", HASH, primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("account_id", ID),
    Column("data", JSON(), nullable=False),
    Column("user_agent", String(300)),  # the device, shown on the security page
    Index("ix_web_sessions_account_id", "account_id"),
)

# Every change of the privacy and marketing consents: when, which, given or withdrawn, from which channel.
consent_events = Table(
    "consent_events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("consent", String(16), nullable=False),
    Column("given", Boolean(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("channel", String(16), nullable=False),
    Index("ix_consent_events_account_id_at", "account_id", "at"),
)

operators = Table(
    "operators",
    metadata,
    Column("id", ID, primary_key=True),
    Column("email", String(320), nullable=False),
    Column("display_name", String(255), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("totp_secret", String(64)),
    Column("totp_enrolled_at", UtcDateTime()),
    Column("last_totp_step", BigInteger(), nullable=False),
    Column("active", Boolean(), nullable=False),
    UniqueConstraint("email", name="uq_operators_email"),
)

# The document's files are one or two (front and back, or both sides in one): two column groups keep
# every storage key in plain sight of a query (a clean-up of orphan files, a retention job).
identification_attempts = Table(
    "identification_attempts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("keyword", String(64), nullable=False),
    Column("takes", Integer(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime()),
    Column("video_key", String(255)),
    Column("video_content_type", String(100)),
    Column("video_size", BigInteger()),
    Column("document_type", String(32)),
    Column("document_number", String(32)),
    Column("document_expires_on", Date()),
    Column("front_key", String(255)),
    Column("front_content_type", String(100)),
    Column("front_size", BigInteger()),
    Column("back_key", String(255)),
    Column("back_content_type", String(100)),
    Column("back_size", BigInteger()),
    Column("submitted_at", UtcDateTime()),
    Column("decided_at", UtcDateTime()),
    Column("decided_by", ID, ForeignKey("operators.id")),
    Column("rejection_reason", String(32)),
    Column("decision_note", Text(), nullable=False),
    Index("ix_identification_attempts_status_submitted_at", "status", "submitted_at"),
    Index("ix_identification_attempts_account_id_created_at", "account_id", "created_at"),
    Index(
        "uq_identification_attempts_open",
        "account_id",
        unique=True,
        sqlite_where=_OPEN_ATTEMPT_WHERE,
        postgresql_where=_OPEN_ATTEMPT_WHERE,
    ),
)

# --- policy requests (SPEC §4) ----------------------------------------------------------------------------
policy_requests = Table(
    "policy_requests",
    metadata,
    Column("id", ID, primary_key=True),
    Column("number", String(32), nullable=False, unique=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("party_id", String(16), nullable=False),
    Column("policy_number", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(32), nullable=False),  # the timeline's last, for the periodic jobs
    Column("payload", JSON(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("idempotency_key", String(64), nullable=False),
    Column("amount_cents", BigInteger()),
    Column("payment_method", String(32)),
    Column("payment_session", String(255)),
    Column("core_reference", String(64)),
    # Some questionnaire answers need a person (the payload's review flags), kept apart for the operators' desk.
    Column("flagged", Boolean(), nullable=False, server_default=false()),
    UniqueConstraint("account_id", "idempotency_key", name="uq_policy_requests_account_id_idempotency_key"),
    Index("ix_policy_requests_account_id_created_at", "account_id", "created_at"),
    Index("ix_policy_requests_status_updated_at", "status", "updated_at"),
    Index("ix_policy_requests_flagged_created_at", "flagged", "created_at"),
)

request_events = Table(
    "request_events",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("request_id", ID, ForeignKey("policy_requests.id"), nullable=False),
    Column("status", String(32), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("reason", Text()),
    Column("step", String(32)),  # a step that keeps the status (documents added)
    Index("ix_request_events_request_id_id", "request_id", "id"),
)

request_sequences = Table(
    "request_sequences",
    metadata,
    Column("year", Integer(), primary_key=True),
    Column("last", Integer(), nullable=False),
)

payment_events = Table(
    "payment_events",
    metadata,
    Column("event_id", String(128), primary_key=True),  # a provider's event: seen once
    Column("received_at", UtcDateTime(), nullable=False),
)

# --- the demo core system's own tables (what it received survives processes) ------------------------------
democore_handoffs = Table(
    "democore_handoffs",
    metadata,
    Column("key", String(64), primary_key=True),  # distinct idempotency keys
    Column("request_number", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("policy_number", String(32), nullable=False),
    Column("payload", JSON(), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("calls", Integer(), nullable=False),  # raw calls with this key, retries included
)

# --- the demo payment provider's own table (its hosted page's sessions) ----------------------------------
demopay_sessions = Table(
    "demopay_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("reference", String(32), nullable=False),
    Column("amount_cents", BigInteger(), nullable=False),
    Column("method", String(32), nullable=False),
    Column("description", Text(), nullable=False),
    Column("return_url", Text(), nullable=False),
    Column("notify_url", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("outcome", String(16)),  # what the customer chose on the page
    Column("confirm_at", UtcDateTime()),  # SEPA: when the debit is confirmed
    Column("undelivered", JSON()),  # notifications (body, signature) the app did not take yet
)

# --- files sent with requests (claims: any number per request) -------------------------------------------
attachments = Table(
    "attachments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("request_id", ID, ForeignKey("policy_requests.id")),  # NULL while staged
    Column("batch", ID),
    Column("policy_number", String(32)),  # the form that staged it
    Column("document", String(32), nullable=False),
    Column("key", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger(), nullable=False),
    Column("name", String(255), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Index("ix_attachments_account_id_request_id", "account_id", "request_id"),
    Index("ix_attachments_request_id_added_at", "request_id", "added_at"),
)

# --- assistance requests (SPEC §6): tickets, their threads, their numbers, and rate limits ---------------
assistance_tickets = Table(
    "assistance_tickets",
    metadata,
    Column("id", ID, primary_key=True),
    Column("number", String(32), nullable=False, unique=True),  # AS-2026-000123
    Column("reason", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("email", String(320), nullable=False),  # where answers go
    Column("account_id", ID, ForeignKey("accounts.id")),  # a signed-in customer's
    Column("policy_number", String(32)),
    Column("assigned_to", ID, ForeignKey("operators.id")),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime()),
    Column("first_answer_at", UtcDateTime()),
    Column("closed_at", UtcDateTime()),
    Index("ix_assistance_tickets_account_id_created_at", "account_id", "created_at"),
    Index("ix_assistance_tickets_status_created_at", "status", "created_at"),
)

# The thread: the customer's messages, the operators' answers and internal notes, in order of ``position``.
assistance_messages = Table(
    "assistance_messages",
    metadata,
    Column("id", ID, primary_key=True),
    Column("ticket_id", ID, ForeignKey("assistance_tickets.id"), nullable=False),
    Column("position", Integer(), nullable=False),  # 0, 1, … within the ticket
    Column("author", String(16), nullable=False),
    Column("body", Text(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("operator_id", ID, ForeignKey("operators.id")),
    UniqueConstraint("ticket_id", "position", name="uq_assistance_messages_ticket_id_position"),
)

assistance_sequences = Table(
    "assistance_sequences",
    metadata,
    Column("year", Integer(), primary_key=True),
    Column("last", Integer(), nullable=False),
)

# Fixed-window rate limits: the window's start and its count per (kind, key). A row whose window_start is
# NULL was only locked (a key never counted).
rate_counters = Table(
    "rate_counters",
    metadata,
    Column("kind", String(32), nullable=False),
    Column("key", String(320), nullable=False),
    Column("window_start", UtcDateTime()),
    Column("count", Integer(), nullable=False),
    PrimaryKeyConstraint("kind", "key", name="pk_rate_counters"),
)
