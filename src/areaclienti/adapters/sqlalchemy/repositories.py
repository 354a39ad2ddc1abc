"""The repositories on SQLAlchemy Core: explicit mapping between rows and the domain's dataclasses.

Every repository of a unit of work shares its one connection (and so its transaction). The atomic
operations are single conditional UPDATE statements: the database's row lock makes concurrent calls
wait for each other and re-check the condition, so no count goes past its limit and nothing is used
twice.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, case, delete, func, insert, literal, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from areaclienti.app.ports.repositories import (
    AccountRepository,
    AttachmentRepository,
    AuditLog,
    ConsentRepository,
    IdentificationRepository,
    LinkRepository,
    OperatorRepository,
    OtpRepository,
    DuplicateRequest,
    Outbox,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    PartyHasAccount,
    RateCounters,
    RequestRepository,
    SessionRepository,
    ThrottleRepository,
    TicketFilter,
    TicketRepository,
    WebSession,
)
from areaclienti.domain.accounts import Account, AccountOrigin, AccountStatus
from areaclienti.domain.assistance import Author, Reason, Ticket, TicketMessage, TicketStatus
from areaclienti.domain.attachments import Attachment
from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.consents import ConsentChannel, ConsentEvent, ConsentKind
from areaclienti.domain.errors import IdentificationAlreadySubmitted, OperatorExists, TemporarilyLocked
from areaclienti.domain.identification import (
    AttemptKind,
    AttemptStatus,
    DocumentType,
    IdentificationAttempt,
    IdentityDocument,
    RegisteredDocument,
    RejectionReason,
    StoredFile,
)
from areaclienti.domain.links import EmailLink, LinkPurpose
from areaclienti.domain.operators import Operator
from areaclienti.domain.otp import OtpChallenge, OtpPurpose
from areaclienti.domain.parties import PartyId, PartyKind
from areaclienti.domain.products import PaymentMethod
from areaclienti.domain.requests import PolicyRequest, RequestEvent, RequestKind, RequestStatus, RequestStep
from areaclienti.domain.throttling import FailureKind, FailureRecord, ThrottleSettings

from .tables import (
    LOGIN_EMAIL_STATUSES,
    OPEN_ATTEMPT_STATUSES,
    accounts,
    assistance_messages,
    assistance_sequences,
    assistance_tickets,
    attachments,
    audit_events,
    consent_events,
    email_links,
    identification_attempts,
    login_throttles,
    operators,
    otp_challenges,
    outbox_items,
    payment_events,
    policy_requests,
    rate_counters,
    request_events,
    request_sequences,
    web_sessions,
)

Row = Mapping[str, Any]


class _Repository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _one(self, table: Table, *where: Any) -> Row | None:
        return self._connection.execute(select(table).where(*where)).mappings().first()

    def _update_one(self, table: Table, *where: Any, **values: Any) -> bool:
        """Run one conditional UPDATE; True when it changed a row."""
        return self._connection.execute(update(table).where(*where).values(**values)).rowcount == 1

    def _locked(self, table: Table, *where: Any) -> Row | None:
        """The row, held until the transaction ends: another unit of work asking for it waits.

        PostgreSQL locks it with SELECT ... FOR UPDATE. SQLite has no row locks; a no-op UPDATE takes its
        write lock first (as the throttles do), so a concurrent writer waits and then reads what this one
        left.
        """
        if self._connection.dialect.name == "sqlite":
            key = table.primary_key.columns.values()[0]
            self._connection.execute(update(table).where(*where).values({key.name: key}))
            return self._one(table, *where)
        return self._connection.execute(select(table).where(*where).with_for_update()).mappings().first()

    @contextmanager
    def _refused_as(self, error: type[Exception], *constraints: str) -> Iterator[None]:
        """Turn the violation of one of these unique constraints into ``error``, keeping the transaction.

        PostgreSQL aborts a transaction on any error, so the statement runs inside a SAVEPOINT that is
        rolled back alone. SQLite backs out just the failed statement; a SAVEPOINT there would even
        commit early (pysqlite opens no transaction before it), so none is taken.
        """
        try:
            if self._connection.dialect.name == "sqlite":
                yield
            else:
                with self._connection.begin_nested():
                    yield
        except IntegrityError as exc:
            if _violates(exc, constraints):
                raise error() from None
            raise


def _violates(exc: IntegrityError, constraints: Sequence[str]) -> bool:
    """Whether the error violates one of ``constraints``: PostgreSQL names the constraint, SQLite only its
    columns (``UNIQUE constraint failed: table.column``)."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is not None:
        return name in constraints
    message = str(exc.orig)
    return any(f"UNIQUE constraint failed: {_SQLITE_UNIQUE[c]}" == message for c in constraints)


# How SQLite names each unique constraint in its error messages.
_SQLITE_UNIQUE = {
    "uq_identification_attempts_open": "identification_attempts.account_id",
    "pk_operators": "operators.id",
    "uq_operators_email": "operators.email",
    "uq_accounts_party": "accounts.party_kind, accounts.party_id",
    "pk_payment_events": "payment_events.event_id",
    "pk_request_sequences": "request_sequences.year",
    "pk_assistance_sequences": "assistance_sequences.year",
    "uq_policy_requests_account_id_idempotency_key":
        "policy_requests.account_id, policy_requests.idempotency_key",
}


# --- accounts -------------------------------------------------------------------------------------
def _account_row(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "party_kind": account.party_id.kind.value,
        "party_id": account.party_id.value,
        "status": account.status.value,
        "origin": account.origin.value,
        "created_at": account.created_at,
        "policy_number": account.policy_number,
        "email": account.email,
        "mobile": account.mobile,
        "password_hash": account.password_hash,
        "privacy_accepted_at": account.privacy_accepted_at,
        "marketing_consent": account.marketing_consent,
        "marketing_consent_at": account.marketing_consent_at,
        "flow_hash": account.flow_hash,
        "flow_started_at": account.flow_started_at,
        "contacts_from_issuance": account.contacts_from_issuance,
        "password_changed_at": account.password_changed_at,
        "display_name": account.display_name,
        "extra": account.extra,
        **_registered_document_row(account.registered_document),
    }


def _registered_document_row(registered: RegisteredDocument | None) -> dict[str, Any]:
    if registered is None:
        return {"identified_at": None, "document_type": None, "document_number": None, "document_expires_on": None}
    return {
        "identified_at": registered.identified_at,
        "document_type": registered.document.type.value,
        "document_number": registered.document.number,
        "document_expires_on": registered.document.expires_on,
    }


def _registered_document(row: Row) -> RegisteredDocument | None:
    if row["identified_at"] is None:
        return None
    return RegisteredDocument(
        identified_at=row["identified_at"],
        document=IdentityDocument(
            DocumentType(row["document_type"]), row["document_number"], row["document_expires_on"]
        ),
    )


def _account(row: Row) -> Account:
    return Account(
        id=row["id"],
        party_id=PartyId(PartyKind(row["party_kind"]), row["party_id"]),
        status=AccountStatus(row["status"]),
        origin=AccountOrigin(row["origin"]),
        created_at=row["created_at"],
        policy_number=row["policy_number"],
        email=row["email"],
        mobile=row["mobile"],
        password_hash=row["password_hash"],
        privacy_accepted_at=row["privacy_accepted_at"],
        marketing_consent=row["marketing_consent"],
        marketing_consent_at=row["marketing_consent_at"],
        flow_hash=row["flow_hash"],
        flow_started_at=row["flow_started_at"],
        contacts_from_issuance=row["contacts_from_issuance"],
        password_changed_at=row["password_changed_at"],
        display_name=row["display_name"],
        registered_document=_registered_document(row),
        extra=dict(row["extra"] or {}),
    )


class SqlAccountRepository(_Repository, AccountRepository):
    def add(self, account: Account) -> None:
        with self._refused_as(PartyHasAccount, "uq_accounts_party"):
            self._connection.execute(insert(accounts).values(_account_row(account)))

    def save(self, account: Account) -> None:
        values = _account_row(account)
        del values["id"]
        if self._connection.execute(update(accounts).where(accounts.c.id == account.id).values(values)).rowcount != 1:
            raise LookupError(f"account {account.id} was never added")

    def get(self, account_id: str) -> Account | None:
        return self._account(accounts.c.id == account_id)

    def get_many(self, account_ids: Sequence[str]) -> dict[str, Account]:
        if not account_ids:
            return {}
        rows = self._connection.execute(select(accounts).where(accounts.c.id.in_(set(account_ids)))).mappings()
        return {row["id"]: _account(row) for row in rows}

    def get_by_party(self, party_id: PartyId) -> Account | None:
        return self._account(accounts.c.party_kind == party_id.kind.value, accounts.c.party_id == party_id.value)

    def get_by_email(self, email: str) -> Account | None:
        return self._account(accounts.c.email == email, accounts.c.status.in_(LOGIN_EMAIL_STATUSES))

    def get_by_flow_hash(self, flow_hash: str) -> Account | None:
        return self._account(accounts.c.flow_hash == flow_hash)

    def _account(self, *where: Any) -> Account | None:
        row = self._one(accounts, *where)
        return None if row is None else _account(row)


# --- one-time codes -------------------------------------------------------------------------------
def _challenge(row: Row) -> OtpChallenge:
    return OtpChallenge(
        id=row["id"],
        purpose=OtpPurpose(row["purpose"]),
        subject=row["subject"],
        destination=row["destination"],
        flow_hash=row["flow_hash"],
        code_hash=row["code_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        max_attempts=row["max_attempts"],
        attempts=row["attempts"],
        consumed_at=row["consumed_at"],
        voided_at=row["voided_at"],
        account_id=row["account_id"],
    )


def _is_open() -> ColumnElement[bool]:
    """Neither consumed nor voided."""
    return and_(otp_challenges.c.consumed_at.is_(None), otp_challenges.c.voided_at.is_(None))


class SqlOtpRepository(_Repository, OtpRepository):
    def add(self, challenge: OtpChallenge) -> None:
        self._connection.execute(
            insert(otp_challenges).values(
                id=challenge.id,
                purpose=challenge.purpose.value,
                subject=challenge.subject,
                destination=challenge.destination,
                flow_hash=challenge.flow_hash,
                code_hash=challenge.code_hash,
                created_at=challenge.created_at,
                expires_at=challenge.expires_at,
                max_attempts=challenge.max_attempts,
                attempts=challenge.attempts,
                consumed_at=challenge.consumed_at,
                voided_at=challenge.voided_at,
                account_id=challenge.account_id,
            )
        )

    def save(self, challenge: OtpChallenge) -> None:
        # Only the consumed / voided moments move, and only once; the attempt counter is count_attempt's
        # alone, so a stale copy never winds it back.
        c = otp_challenges.c
        saved = self._update_one(
            otp_challenges,
            c.id == challenge.id,
            consumed_at=func.coalesce(c.consumed_at, literal(challenge.consumed_at, c.consumed_at.type)),
            voided_at=func.coalesce(c.voided_at, literal(challenge.voided_at, c.voided_at.type)),
        )
        if not saved:
            raise LookupError(f"challenge {challenge.id} was never added")

    def latest_for_flow(self, flow_hash: str) -> OtpChallenge | None:
        c = otp_challenges.c
        row = self._connection.execute(
            select(otp_challenges).where(c.flow_hash == flow_hash).order_by(c.created_at.desc()).limit(1)
        ).mappings().first()
        return None if row is None else _challenge(row)

    def open_for_subject(self, subject: str) -> list[OtpChallenge]:
        c = otp_challenges.c
        rows = self._connection.execute(
            select(otp_challenges).where(c.subject == subject, _is_open()).order_by(c.created_at)
        ).mappings()
        return [_challenge(row) for row in rows]

    def sent_since(self, *, subject: str | None = None, destination: str | None = None,
                   since: datetime) -> list[datetime]:
        c = otp_challenges.c
        who = []
        if subject is not None:
            who.append(c.subject == subject)
        if destination is not None:
            who.append(c.destination == destination)
        if not who:
            raise ValueError("give a subject or a destination")
        rows = self._connection.execute(
            select(c.created_at).where(or_(*who), c.created_at >= since).order_by(c.created_at)
        )
        return [row.created_at for row in rows]

    def count_attempt(self, challenge_id: str) -> int | None:
        c = otp_challenges.c
        statement = (
            update(otp_challenges)
            .where(c.id == challenge_id, c.attempts < c.max_attempts, _is_open())
            .values(attempts=c.attempts + 1)
        )
        if self._connection.dialect.update_returning:
            return self._connection.execute(statement.returning(c.attempts)).scalar_one_or_none()
        if self._connection.execute(statement).rowcount != 1:
            return None
        # The row stays locked by our UPDATE until the transaction ends, so this reads our own count.
        return self._connection.execute(select(c.attempts).where(c.id == challenge_id)).scalar_one()

    def consume(self, challenge_id: str, now: datetime) -> bool:
        c = otp_challenges.c
        return self._update_one(otp_challenges, c.id == challenge_id, _is_open(), consumed_at=now)

    def rebind_flow(self, challenge_id: str, flow_hash: str) -> bool:
        c = otp_challenges.c
        return self._update_one(otp_challenges, c.id == challenge_id, _is_open(), flow_hash=flow_hash)


# --- email links ----------------------------------------------------------------------------------
def _link(row: Row) -> EmailLink:
    return EmailLink(
        id=row["id"],
        purpose=LinkPurpose(row["purpose"]),
        account_id=row["account_id"],
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        new_email=row["new_email"],
    )


class SqlLinkRepository(_Repository, LinkRepository):
    def add(self, link: EmailLink) -> None:
        self._connection.execute(
            insert(email_links).values(
                id=link.id,
                purpose=link.purpose.value,
                account_id=link.account_id,
                token_hash=link.token_hash,
                created_at=link.created_at,
                expires_at=link.expires_at,
                used_at=link.used_at,
                new_email=link.new_email,
            )
        )

    def get_by_token_hash(self, token_hash: str) -> EmailLink | None:
        row = self._one(email_links, email_links.c.token_hash == token_hash)
        return None if row is None else _link(row)

    def newest_open(self, account_id: str, purpose: LinkPurpose, now: datetime) -> EmailLink | None:
        c = email_links.c
        row = self._connection.execute(
            select(email_links)
            .where(c.account_id == account_id, c.purpose == purpose.value, c.used_at.is_(None), c.expires_at > now)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(1)
        ).mappings().first()
        return None if row is None else _link(row)

    def consume(self, link_id: str, now: datetime) -> bool:
        c = email_links.c
        return self._update_one(email_links, c.id == link_id, c.used_at.is_(None), used_at=now)

    def void_open(self, account_id: str, purpose: LinkPurpose, now: datetime) -> None:
        c = email_links.c
        self._connection.execute(
            update(email_links)
            .where(c.account_id == account_id, c.purpose == purpose.value, c.used_at.is_(None))
            .values(used_at=now)
        )


# --- login throttling -----------------------------------------------------------------------------
class SqlThrottleRepository(_Repository, ThrottleRepository):
    def get(self, key: str, kind: FailureKind) -> FailureRecord:
        c = login_throttles.c
        # Write first (a no-op upsert): PostgreSQL locks the row and SQLite takes its write lock, so a
        # concurrent try waits for this one to commit and then reads the count it left; none is lost.
        dialect = self._connection.dialect.name
        if dialect in ("postgresql", "sqlite"):
            upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(login_throttles)
            self._connection.execute(
                upsert.values(key=key, kind=kind.value, failures=0).on_conflict_do_update(
                    index_elements=[c.key, c.kind], set_={"failures": c.failures}
                )
            )
        row = self._one(login_throttles, c.key == key, c.kind == kind.value)
        if row is None:
            return FailureRecord(key=key, kind=kind)
        return FailureRecord(
            key=row["key"],
            kind=FailureKind(row["kind"]),
            failures=row["failures"],
            last_failure_at=row["last_failure_at"],
            locked_until=row["locked_until"],
        )

    def save(self, record: FailureRecord) -> None:
        values = {
            "failures": record.failures,
            "last_failure_at": record.last_failure_at,
            "locked_until": record.locked_until,
        }
        dialect = self._connection.dialect.name
        if dialect in ("postgresql", "sqlite"):
            upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(login_throttles)
            self._connection.execute(
                upsert.values(key=record.key, kind=record.kind.value, **values).on_conflict_do_update(
                    index_elements=[login_throttles.c.key, login_throttles.c.kind], set_=values
                )
            )
            return
        c = login_throttles.c
        if not self._update_one(login_throttles, c.key == record.key, c.kind == record.kind.value, **values):
            self._connection.execute(insert(login_throttles).values(key=record.key, kind=record.kind.value, **values))


    def charge(self, key: str, kind: FailureKind, now: datetime, settings: ThrottleSettings) -> FailureRecord | None:
        dialect = self._connection.dialect.name
        if dialect not in ("postgresql", "sqlite"):
            record = self.get(key, kind)
            try:
                record.charge_try(now, settings)
            except TemporarilyLocked:
                return None
            self.save(record)
            return record
        c = login_throttles.c
        # FailureRecord.ensure_may_try as SQL on the stored row: not locked, and past the wait its
        # failures owe (one WHEN per doubling, then the longest wait).
        free, waits = settings.free_failures, settings.waits()
        waited = case(
            (c.failures < free, literal(True)),
            *[(c.failures == free + i, c.last_failure_at <= now - wait) for i, wait in enumerate(waits[:-1])],
            else_=c.last_failure_at <= now - waits[-1],
        )
        may_try = and_(or_(c.locked_until.is_(None), c.locked_until <= now),
                       or_(c.last_failure_at.is_(None), waited))
        upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(login_throttles)
        statement = (
            upsert.values(key=key, kind=kind.value, failures=1, last_failure_at=now)
            .on_conflict_do_update(index_elements=[c.key, c.kind],
                                   set_={"failures": c.failures + 1, "last_failure_at": now}, where=may_try)
            .returning(c.failures, c.last_failure_at, c.locked_until)
        )
        row = self._connection.execute(statement).first()
        if row is None:
            return None
        return FailureRecord(key=key, kind=kind, failures=row.failures, last_failure_at=row.last_failure_at,
                             locked_until=row.locked_until)

    def lock(self, key: str, kind: FailureKind, until: datetime) -> None:
        c = login_throttles.c
        self._connection.execute(
            update(login_throttles).where(c.key == key, c.kind == kind.value).values(locked_until=until))


# --- audit ----------------------------------------------------------------------------------------
class SqlAuditLog(_Repository, AuditLog):
    def add(self, event: AuditEvent) -> None:
        self._connection.execute(
            insert(audit_events).values(
                kind=event.kind.value,
                at=event.at,
                account_id=event.account_id,
                subject=event.subject,
                details=event.details,
            )
        )

    def list(self, *, account_id: str | None = None, limit: int = 100) -> Sequence[AuditEvent]:
        c = audit_events.c
        query = select(audit_events).order_by(c.at.desc(), c.id.desc()).limit(limit)
        if account_id is not None:
            query = query.where(c.account_id == account_id)
        return [
            AuditEvent(
                kind=AuditEventKind(row["kind"]),
                at=row["at"],
                account_id=row["account_id"],
                subject=row["subject"],
                details=dict(row["details"] or {}),
            )
            for row in self._connection.execute(query).mappings()
        ]


# --- outbox ---------------------------------------------------------------------------------------
def _item(row: Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        kind=OutboxKind(row["kind"]),
        sealed_payload=row["sealed_payload"],
        created_at=row["created_at"],
        available_at=row["available_at"],
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        locked_until=row["locked_until"],
        done_at=row["done_at"],
        last_error=row["last_error"],
    )


class SqlOutbox(_Repository, Outbox):
    def add(self, item: OutboxItem) -> None:
        self._connection.execute(
            insert(outbox_items).values(
                id=item.id,
                kind=item.kind.value,
                sealed_payload=item.sealed_payload,
                status=item.status.value,
                attempts=item.attempts,
                created_at=item.created_at,
                available_at=item.available_at,
                locked_until=item.locked_until,
                done_at=item.done_at,
                last_error=item.last_error,
            )
        )

    def get(self, item_id: str) -> OutboxItem | None:
        row = self._one(outbox_items, outbox_items.c.id == item_id)
        return None if row is None else _item(row)

    def claim(self, item_id: str, *, now: datetime, lease_until: datetime) -> OutboxItem | None:
        c = outbox_items.c
        # One conditional UPDATE: of two workers holding the same id, the row lock lets one through.
        if not self._update_one(
            outbox_items, c.id == item_id, c.status == OutboxStatus.PENDING.value,
            or_(c.locked_until.is_(None), c.locked_until <= now),
            attempts=c.attempts + 1, locked_until=lease_until,
        ):
            return None
        return self.get(item_id)

    def claim_many(self, item_ids: Sequence[str], *, now: datetime, lease_until: datetime) -> list[OutboxItem]:
        if not item_ids:
            return []
        c = outbox_items.c
        free = [c.id.in_(list(dict.fromkeys(item_ids))), c.status == OutboxStatus.PENDING.value,
                or_(c.locked_until.is_(None), c.locked_until <= now)]
        if self._connection.dialect.name == "postgresql":
            # Rows another worker is claiming this instant are skipped rather than waited for; the
            # conditional UPDATE alone would already keep them from being claimed twice.
            free = [c.id.in_(select(c.id).where(*free).with_for_update(skip_locked=True).scalar_subquery())]
        rows = self._connection.execute(
            update(outbox_items).where(*free).values(attempts=c.attempts + 1, locked_until=lease_until)
            .returning(*outbox_items.c)
        ).mappings()
        return [_item(row) for row in rows]

    def complete(self, item_id: str, *, attempt: int, now: datetime) -> bool:
        c = outbox_items.c
        # The payload held a code or a link: once delivered it is not kept (SPEC §8).
        return self._update_one(
            outbox_items, c.id == item_id, c.status == OutboxStatus.PENDING.value, c.attempts == attempt,
            status=OutboxStatus.DONE.value, done_at=now, sealed_payload=None, locked_until=None, last_error=None,
        )

    def complete_many(self, claims: Sequence[tuple[str, int]], *, now: datetime) -> set[str]:
        if not claims:
            return set()
        c = outbox_items.c
        return set(self._connection.execute(
            update(outbox_items)
            .where(tuple_(c.id, c.attempts).in_([tuple(claim) for claim in claims]),
                   c.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.DONE.value, done_at=now, sealed_payload=None, locked_until=None,
                    last_error=None)
            .returning(c.id)
        ).scalars())

    def fail(self, item_id: str, *, attempt: int, retry_at: datetime | None, error: str) -> bool:
        c = outbox_items.c
        values: dict[str, Any] = dict(locked_until=None, last_error=error)
        if retry_at is None:
            values["status"] = OutboxStatus.DEAD.value
        else:
            values["available_at"] = retry_at
        return self._update_one(outbox_items, c.id == item_id, c.status == OutboxStatus.PENDING.value,
                                c.attempts == attempt, **values)

    def due(self, *, now: datetime, limit: int) -> list[str]:
        c = outbox_items.c
        query = (
            select(c.id)
            .where(c.status == OutboxStatus.PENDING.value, c.available_at <= now,
                   or_(c.locked_until.is_(None), c.locked_until <= now))
            .order_by(c.available_at, c.id)
            .limit(limit)
        )
        if self._connection.dialect.name == "postgresql":  # two relays at once split the work
            query = query.with_for_update(skip_locked=True)
        return list(self._connection.execute(query).scalars())

    def postpone(self, item_ids: Sequence[str], *, until: datetime) -> None:
        if item_ids:
            c = outbox_items.c
            self._connection.execute(
                update(outbox_items).where(c.id.in_(list(item_ids)), c.status == OutboxStatus.PENDING.value)
                .values(available_at=until)
            )

    def dead(self, *, limit: int = 100) -> list[OutboxItem]:
        c = outbox_items.c
        rows = self._connection.execute(
            select(outbox_items).where(c.status == OutboxStatus.DEAD.value)
            .order_by(c.created_at.desc(), c.id).limit(limit)
        ).mappings()
        return [_item(row) for row in rows]

    def revive(self, item_id: str, *, now: datetime) -> bool:
        c = outbox_items.c
        return self._update_one(outbox_items, c.id == item_id, c.status == OutboxStatus.DEAD.value,
                                status=OutboxStatus.PENDING.value, attempts=0, available_at=now,
                                locked_until=None)

    def counts(self) -> dict[OutboxStatus, int]:
        c = outbox_items.c
        found = dict(self._connection.execute(select(c.status, func.count()).group_by(c.status)).all())
        return {status: found.get(status.value, 0) for status in OutboxStatus}


# --- web sessions ---------------------------------------------------------------------------------
def _session(row: Row) -> WebSession:
    return WebSession(
        id_hash=row["id_hash"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        account_id=row["account_id"],
        data=dict(row["data"] or {}),
        user_agent=row["user_agent"],
    )


class SqlSessionRepository(_Repository, SessionRepository):
    def add(self, session: WebSession) -> None:
        self._connection.execute(
            insert(web_sessions).values(
                id_hash=session.id_hash,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                account_id=session.account_id,
                data=session.data,
                user_agent=session.user_agent,
            )
        )

    def get(self, id_hash: str) -> WebSession | None:
        row = self._one(web_sessions, web_sessions.c.id_hash == id_hash)
        return None if row is None else _session(row)

    def save(self, session: WebSession) -> None:
        self._connection.execute(
            update(web_sessions)
            .where(web_sessions.c.id_hash == session.id_hash)
            .values(data=session.data, last_seen_at=session.last_seen_at, account_id=session.account_id)
        )

    def touch(self, id_hash: str, *, last_seen_at: datetime, data: dict | None = None) -> None:
        values: dict[str, Any] = {"last_seen_at": last_seen_at}
        if data is not None:
            values["data"] = data
        self._connection.execute(update(web_sessions).where(web_sessions.c.id_hash == id_hash).values(**values))

    def delete(self, id_hash: str) -> None:
        self._connection.execute(delete(web_sessions).where(web_sessions.c.id_hash == id_hash))

    def delete_for_account(self, account_id: str, *, keep: str | None = None) -> int:
        c = web_sessions.c
        statement = delete(web_sessions).where(c.account_id == account_id)
        if keep is not None:
            statement = statement.where(c.id_hash != keep)
        return self._connection.execute(statement).rowcount

    def for_account(self, account_id: str) -> list[WebSession]:
        c = web_sessions.c
        rows = self._connection.execute(
            select(web_sessions).where(c.account_id == account_id).order_by(c.last_seen_at.desc(), c.id_hash)
        ).mappings()
        return [_session(row) for row in rows]

    def delete_expired(self, *, idle_before: datetime, created_before: datetime) -> int:
        c = web_sessions.c
        statement = delete(web_sessions).where(or_(c.last_seen_at < idle_before, c.created_at < created_before))
        return self._connection.execute(statement).rowcount


# --- identification attempts ----------------------------------------------------------------------
_FILE_SLOTS = ("front", "back")


def _file_columns(prefix: str, file: StoredFile | None) -> dict[str, Any]:
    return {
        f"{prefix}_key": None if file is None else file.key,
        f"{prefix}_content_type": None if file is None else file.content_type,
        f"{prefix}_size": None if file is None else file.size,
    }


def _file(row: Row, prefix: str) -> StoredFile | None:
    if row[f"{prefix}_key"] is None:
        return None
    return StoredFile(row[f"{prefix}_key"], row[f"{prefix}_content_type"], row[f"{prefix}_size"])


def _attempt_row(attempt: IdentificationAttempt) -> dict[str, Any]:
    if len(attempt.document_files) > len(_FILE_SLOTS):
        raise ValueError(f"attempt {attempt.id} has {len(attempt.document_files)} document files, at most 2 fit")
    files = dict(zip(_FILE_SLOTS, attempt.document_files))
    document = attempt.document
    return {
        "id": attempt.id,
        "account_id": attempt.account_id,
        "kind": attempt.kind.value,
        "status": attempt.status.value,
        "keyword": attempt.keyword,
        "takes": attempt.takes,
        "created_at": attempt.created_at,
        "updated_at": attempt.updated_at,
        **_file_columns("video", attempt.video),
        "document_type": None if document is None else document.type.value,
        "document_number": None if document is None else document.number,
        "document_expires_on": None if document is None else document.expires_on,
        **_file_columns("front", files.get("front")),
        **_file_columns("back", files.get("back")),
        "submitted_at": attempt.submitted_at,
        "decided_at": attempt.decided_at,
        "decided_by": attempt.decided_by,
        "rejection_reason": None if attempt.rejection_reason is None else attempt.rejection_reason.value,
        "decision_note": attempt.decision_note,
    }


def _attempt(row: Row) -> IdentificationAttempt:
    document = None
    if row["document_type"] is not None:
        document = IdentityDocument(DocumentType(row["document_type"]), row["document_number"],
                                    row["document_expires_on"])
    return IdentificationAttempt(
        id=row["id"],
        account_id=row["account_id"],
        kind=AttemptKind(row["kind"]),
        keyword=row["keyword"],
        created_at=row["created_at"],
        status=AttemptStatus(row["status"]),
        updated_at=row["updated_at"],
        video=_file(row, "video"),
        document=document,
        document_files=tuple(f for f in (_file(row, slot) for slot in _FILE_SLOTS) if f is not None),
        submitted_at=row["submitted_at"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        rejection_reason=None if row["rejection_reason"] is None else RejectionReason(row["rejection_reason"]),
        decision_note=row["decision_note"],
        takes=row["takes"],
    )


def _open_attempt() -> ColumnElement[bool]:
    """Draft, awaiting confirmation or submitted: the statuses the partial unique index covers."""
    return identification_attempts.c.status.in_(OPEN_ATTEMPT_STATUSES)


class SqlIdentificationRepository(_Repository, IdentificationRepository):
    # The files an attempt dropped (``replaced_files``) are the use case's to delete, not state to store.

    def add(self, attempt: IdentificationAttempt) -> None:
        with self._refused_as(IdentificationAlreadySubmitted, "uq_identification_attempts_open"):
            self._connection.execute(insert(identification_attempts).values(_attempt_row(attempt)))

    def save(self, attempt: IdentificationAttempt) -> None:
        values = _attempt_row(attempt)
        del values["id"]
        # Only an open attempt can collide with the index; a closed one needs no savepoint.
        guard = (self._refused_as(IdentificationAlreadySubmitted, "uq_identification_attempts_open")
                 if attempt.is_open else nullcontext())
        with guard:
            saved = self._update_one(identification_attempts, identification_attempts.c.id == attempt.id, **values)
        if not saved:
            raise LookupError(f"attempt {attempt.id} was never added")

    def get(self, attempt_id: str, *, for_update: bool = False) -> IdentificationAttempt | None:
        where = identification_attempts.c.id == attempt_id
        row = self._locked(identification_attempts, where) if for_update else self._one(identification_attempts, where)
        return None if row is None else _attempt(row)

    def open_for_account(self, account_id: str, *, for_update: bool = False) -> IdentificationAttempt | None:
        c = identification_attempts.c
        if not for_update:
            row = self._one(identification_attempts, c.account_id == account_id, _open_attempt())
            return None if row is None else _attempt(row)
        # The account's row is the lock: it exists before any attempt does, so two starts of one account
        # queue on it even when neither finds an attempt to lock.
        self._locked(accounts, accounts.c.id == account_id)
        row = self._locked(identification_attempts, c.account_id == account_id, _open_attempt())
        return None if row is None else _attempt(row)

    def latest_for_account(self, account_id: str) -> IdentificationAttempt | None:
        c = identification_attempts.c
        row = self._connection.execute(
            select(identification_attempts)
            .where(c.account_id == account_id)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(1)
        ).mappings().first()
        return None if row is None else _attempt(row)

    def submitted(self, *, limit: int = 100) -> list[IdentificationAttempt]:
        c = identification_attempts.c
        rows = self._connection.execute(
            select(identification_attempts)
            .where(c.status == AttemptStatus.SUBMITTED.value)
            .order_by(c.submitted_at, c.id)
            .limit(limit)
        ).mappings()
        return [_attempt(row) for row in rows]

    def count_submitted(self) -> int:
        c = identification_attempts.c
        return self._connection.execute(
            select(func.count()).select_from(identification_attempts).where(c.status == AttemptStatus.SUBMITTED.value)
        ).scalar_one()


# --- operators ------------------------------------------------------------------------------------
def _operator_row(operator: Operator) -> dict[str, Any]:
    return {
        "id": operator.id,
        "email": operator.email,
        "display_name": operator.display_name,
        "password_hash": operator.password_hash,
        "created_at": operator.created_at,
        "totp_secret": operator.totp_secret,
        "totp_enrolled_at": operator.totp_enrolled_at,
        "last_totp_step": operator.last_totp_step,
        "active": operator.active,
    }


def _operator(row: Row) -> Operator:
    return Operator(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        totp_secret=row["totp_secret"],
        totp_enrolled_at=row["totp_enrolled_at"],
        last_totp_step=row["last_totp_step"],
        active=row["active"],
    )


class SqlOperatorRepository(_Repository, OperatorRepository):
    def add(self, operator: Operator) -> None:
        with self._refused_as(OperatorExists, "pk_operators", "uq_operators_email"):
            self._connection.execute(insert(operators).values(_operator_row(operator)))

    def save(self, operator: Operator) -> None:
        values = _operator_row(operator)
        del values["id"]
        with self._refused_as(OperatorExists, "uq_operators_email"):
            saved = self._update_one(operators, operators.c.id == operator.id, **values)
        if not saved:
            raise LookupError(f"operator {operator.id} was never added")

    def get(self, operator_id: str, *, for_update: bool = False) -> Operator | None:
        where = operators.c.id == operator_id
        row = self._locked(operators, where) if for_update else self._one(operators, where)
        return None if row is None else _operator(row)

    def get_by_email(self, email: str) -> Operator | None:
        row = self._one(operators, operators.c.email == email)
        return None if row is None else _operator(row)

    def list(self) -> list[Operator]:
        rows = self._connection.execute(select(operators).order_by(operators.c.email, operators.c.id)).mappings()
        return [_operator(row) for row in rows]


# --- policy requests ------------------------------------------------------------------------------------
def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


class SqlRequestRepository(_Repository, RequestRepository):
    def hold_submissions_of(self, account_id: str) -> None:
        self._locked(accounts, accounts.c.id == account_id)  # the account's row, until the transaction ends

    def next_number(self, year: int) -> int:
        c = request_sequences.c
        if self._update_one(request_sequences, c.year == year, last=c.last + 1):
            return self._connection.execute(select(c.last).where(c.year == year)).scalar_one()
        try:
            with self._refused_as(DuplicateRequest, "pk_request_sequences"):
                self._connection.execute(insert(request_sequences).values(year=year, last=1))
            return 1
        except (DuplicateRequest, IntegrityError):  # another transaction opened the year first
            self._update_one(request_sequences, c.year == year, last=c.last + 1)
            return self._connection.execute(select(c.last).where(c.year == year)).scalar_one()

    def add(self, request: PolicyRequest) -> None:
        with self._refused_as(DuplicateRequest, "uq_policy_requests_account_id_idempotency_key"):
            self._connection.execute(insert(policy_requests).values(
                id=request.id, number=request.number, account_id=request.account_id, party_id=request.party_id,
                policy_number=request.policy_number, kind=request.kind.value, status=request.status.value,
                payload=request.payload, created_at=request.created_at, updated_at=request.events[-1].at,
                idempotency_key=request.idempotency_key, amount_cents=_cents(request.amount),
                payment_method=request.payment_method.value if request.payment_method else None,
                payment_session=request.payment_session, core_reference=request.core_reference,
                flagged=request.flagged,
            ))
        self._add_events(request.id, request.events)
        request._stored_events = len(request.events)  # type: ignore[attr-defined]

    def _add_events(self, request_id: str, events: Sequence[RequestEvent]) -> None:
        if events:
            self._connection.execute(insert(request_events), [
                {"request_id": request_id, "status": e.status.value, "at": e.at, "reason": e.reason,
                 "step": e.step.value if e.step else None} for e in events])

    def _load(self, rows: list[Row]) -> list[PolicyRequest]:
        if not rows:
            return []
        c = request_events.c
        timelines: dict[str, list[RequestEvent]] = {row["id"]: [] for row in rows}
        for event in self._connection.execute(
                select(request_events).where(c.request_id.in_(list(timelines))).order_by(c.request_id, c.id)
        ).mappings():
            timelines[event["request_id"]].append(
                RequestEvent(RequestStatus(event["status"]), event["at"], event["reason"],
                             RequestStep(event["step"]) if event["step"] else None))
        found = []
        for row in rows:
            request = PolicyRequest(
                id=row["id"], number=row["number"], account_id=row["account_id"], party_id=row["party_id"],
                policy_number=row["policy_number"], kind=RequestKind(row["kind"]), payload=dict(row["payload"]),
                created_at=row["created_at"], idempotency_key=row["idempotency_key"],
                amount=None if row["amount_cents"] is None else Decimal(row["amount_cents"]) / 100,
                payment_method=PaymentMethod(row["payment_method"]) if row["payment_method"] else None,
                payment_session=row["payment_session"], core_reference=row["core_reference"],
                events=timelines[row["id"]],
            )
            request._stored_events = len(request.events)  # type: ignore[attr-defined]
            found.append(request)
        return found

    def get(self, request_id: str, *, lock: bool = False) -> PolicyRequest | None:
        where = policy_requests.c.id == request_id
        row = self._locked(policy_requests, where) if lock else self._one(policy_requests, where)
        return None if row is None else self._load([row])[0]

    def get_by_number(self, number: str) -> PolicyRequest | None:
        row = self._one(policy_requests, policy_requests.c.number == number)
        return None if row is None else self._load([row])[0]

    def get_by_key(self, account_id: str, idempotency_key: str) -> PolicyRequest | None:
        c = policy_requests.c
        row = self._one(policy_requests, c.account_id == account_id, c.idempotency_key == idempotency_key)
        return None if row is None else self._load([row])[0]

    def for_account(self, account_id: str, *, limit: int = 100,
                    policy_number: str | None = None) -> list[PolicyRequest]:
        c = policy_requests.c
        where = [c.account_id == account_id]
        if policy_number is not None:
            where.append(c.policy_number == policy_number)
        rows = self._connection.execute(select(policy_requests).where(*where)
                                        .order_by(c.created_at.desc(), c.number.desc()).limit(limit)).mappings()
        return self._load(list(rows))

    def in_status(self, statuses: Sequence[RequestStatus], *, limit: int = 100,
                  payment_method: PaymentMethod | None = None) -> list[PolicyRequest]:
        c = policy_requests.c
        where = [c.status.in_([s.value for s in statuses])]
        if payment_method is not None:
            where.append(c.payment_method == payment_method.value)
        rows = self._connection.execute(select(policy_requests).where(*where)
                                        .order_by(c.updated_at, c.id).limit(limit)).mappings()
        return self._load(list(rows))

    def search(self, *, kinds: Sequence[RequestKind] = (), statuses: Sequence[RequestStatus] = (),
               flagged: bool | None = None, created_before: datetime | None = None, limit: int = 100,
               oldest_first: bool = False) -> list[PolicyRequest]:
        c = policy_requests.c
        where = []
        if kinds:
            where.append(c.kind.in_([k.value for k in kinds]))
        if statuses:
            where.append(c.status.in_([s.value for s in statuses]))
        if flagged is not None:
            where.append(c.flagged.is_(flagged))
        if created_before is not None:
            where.append(c.created_at < created_before)
        order = (c.created_at, c.number) if oldest_first else (c.created_at.desc(), c.number.desc())
        rows = self._connection.execute(select(policy_requests).where(*where).order_by(*order).limit(limit))
        return self._load(list(rows.mappings()))

    def save(self, request: PolicyRequest) -> None:
        stored = getattr(request, "_stored_events", 0)
        self._connection.execute(update(policy_requests).where(policy_requests.c.id == request.id).values(
            status=request.status.value, updated_at=request.events[-1].at, payload=request.payload,
            payment_session=request.payment_session, core_reference=request.core_reference,
            flagged=request.flagged,
        ))
        self._add_events(request.id, request.events[stored:])
        request._stored_events = len(request.events)  # type: ignore[attr-defined]

    def first_time_seen(self, event_id: str, at: datetime) -> bool:
        try:
            with self._refused_as(DuplicateRequest, "pk_payment_events"):
                self._connection.execute(insert(payment_events).values(event_id=event_id, received_at=at))
        except DuplicateRequest:
            return False
        return True


# --- attachments -------------------------------------------------------------------------------------------
def _attachment(row: Row) -> Attachment:
    return Attachment(id=row["id"], account_id=row["account_id"], document=row["document"],
                      file=StoredFile(row["key"], row["content_type"], row["size"]), name=row["name"],
                      added_at=row["added_at"], request_id=row["request_id"], batch=row["batch"],
                      policy_number=row["policy_number"])


class SqlAttachmentRepository(_Repository, AttachmentRepository):
    def add(self, attachment: Attachment) -> None:
        self._connection.execute(insert(attachments).values(
            id=attachment.id, account_id=attachment.account_id, request_id=attachment.request_id,
            batch=attachment.batch, policy_number=attachment.policy_number, document=attachment.document,
            key=attachment.file.key,
            content_type=attachment.file.content_type, size=attachment.file.size, name=attachment.name,
            added_at=attachment.added_at))

    def get(self, attachment_id: str) -> Attachment | None:
        row = self._one(attachments, attachments.c.id == attachment_id)
        return None if row is None else _attachment(row)

    def _list(self, *where: Any) -> list[Attachment]:
        c = attachments.c
        rows = self._connection.execute(select(attachments).where(*where).order_by(c.added_at, c.id)).mappings()
        return [_attachment(row) for row in rows]

    def staged(self, account_id: str, policy_number: str | None = None) -> list[Attachment]:
        c = attachments.c
        where = [c.account_id == account_id, c.request_id.is_(None)]
        if policy_number is not None:
            where.append(c.policy_number == policy_number)
        return self._list(*where)

    def for_request(self, request_id: str) -> list[Attachment]:
        return self._list(attachments.c.request_id == request_id)

    def attach(self, attachment_ids: Sequence[str], *, account_id: str, request_id: str, batch: str) -> int:
        if not attachment_ids:
            return 0
        c = attachments.c
        return self._connection.execute(
            update(attachments).where(c.id.in_(list(attachment_ids)), c.account_id == account_id,
                                      c.request_id.is_(None)).values(request_id=request_id, batch=batch)
        ).rowcount

    def delete(self, attachment_id: str) -> None:
        self._connection.execute(delete(attachments).where(attachments.c.id == attachment_id))


# --- consents -------------------------------------------------------------------------------------
class SqlConsentRepository(_Repository, ConsentRepository):
    def add(self, event: ConsentEvent) -> None:
        self._connection.execute(
            insert(consent_events).values(id=event.id, account_id=event.account_id, consent=event.consent.value,
                                          given=event.given, at=event.at, channel=event.channel.value)
        )

    def for_account(self, account_id: str, *, limit: int = 100) -> list[ConsentEvent]:
        c = consent_events.c
        rows = self._connection.execute(
            select(consent_events).where(c.account_id == account_id).order_by(c.at.desc(), c.id.desc()).limit(limit)
        ).mappings()
        return [
            ConsentEvent(row["id"], row["account_id"], ConsentKind(row["consent"]), bool(row["given"]), row["at"],
                         ConsentChannel(row["channel"]))
            for row in rows
        ]


# --- assistance requests --------------------------------------------------------------------------
class _YearOpened(Exception):
    """Another transaction inserted the year's sequence first."""


class SqlTicketRepository(_Repository, TicketRepository):
    def next_number(self, year: int) -> int:
        c = assistance_sequences.c
        if self._update_one(assistance_sequences, c.year == year, last=c.last + 1):
            return self._connection.execute(select(c.last).where(c.year == year)).scalar_one()
        try:
            with self._refused_as(_YearOpened, "pk_assistance_sequences"):
                self._connection.execute(insert(assistance_sequences).values(year=year, last=1))
            return 1
        except (_YearOpened, IntegrityError):  # another transaction opened the year first
            self._update_one(assistance_sequences, c.year == year, last=c.last + 1)
            return self._connection.execute(select(c.last).where(c.year == year)).scalar_one()

    def add(self, ticket: Ticket) -> None:
        self._connection.execute(insert(assistance_tickets).values(
            id=ticket.id, number=ticket.number, reason=ticket.reason.value, email=ticket.email,
            account_id=ticket.account_id, policy_number=ticket.policy_number, created_at=ticket.created_at,
            **self._changing(ticket)))
        self._add_messages(ticket, 0)

    @staticmethod
    def _changing(ticket: Ticket) -> dict[str, Any]:
        return dict(status=ticket.status.value, assigned_to=ticket.assigned_to, updated_at=ticket.updated_at,
                    first_answer_at=ticket.first_answer_at, closed_at=ticket.closed_at)

    def _add_messages(self, ticket: Ticket, stored: int) -> None:
        if len(ticket.messages) > stored:
            self._connection.execute(insert(assistance_messages), [
                {"id": m.id, "ticket_id": ticket.id, "position": position, "author": m.author.value,
                 "body": m.body, "at": m.at, "operator_id": m.operator_id}
                for position, m in enumerate(ticket.messages[stored:], start=stored)])
        ticket._stored_messages = len(ticket.messages)  # type: ignore[attr-defined]

    def _load(self, rows: Sequence[Row]) -> list[Ticket]:
        """The tickets of ``rows`` in their order, each with its whole thread (one query for all)."""
        if not rows:
            return []
        c = assistance_messages.c
        threads: dict[str, list[TicketMessage]] = {row["id"]: [] for row in rows}
        for m in self._connection.execute(
                select(assistance_messages).where(c.ticket_id.in_(list(threads))).order_by(c.ticket_id, c.position)
        ).mappings():
            threads[m["ticket_id"]].append(
                TicketMessage(m["id"], Author(m["author"]), m["body"], m["at"], m["operator_id"]))
        found = []
        for row in rows:
            ticket = Ticket(
                id=row["id"], number=row["number"], reason=Reason(row["reason"]), email=row["email"],
                created_at=row["created_at"], status=TicketStatus(row["status"]), account_id=row["account_id"],
                policy_number=row["policy_number"], assigned_to=row["assigned_to"],
                first_answer_at=row["first_answer_at"], closed_at=row["closed_at"], updated_at=row["updated_at"],
                messages=threads[row["id"]],
            )
            ticket._stored_messages = len(ticket.messages)  # type: ignore[attr-defined]
            found.append(ticket)
        return found

    def get(self, ticket_id: str, *, lock: bool = False) -> Ticket | None:
        where = assistance_tickets.c.id == ticket_id
        row = self._locked(assistance_tickets, where) if lock else self._one(assistance_tickets, where)
        return None if row is None else self._load([row])[0]

    def get_by_number(self, number: str) -> Ticket | None:
        row = self._one(assistance_tickets, assistance_tickets.c.number == number)
        return None if row is None else self._load([row])[0]

    def save(self, ticket: Ticket) -> None:
        stored = getattr(ticket, "_stored_messages", 0)
        if not self._update_one(assistance_tickets, assistance_tickets.c.id == ticket.id, **self._changing(ticket)):
            raise LookupError(f"ticket {ticket.id} was never added")
        self._add_messages(ticket, stored)

    def for_account(self, account_id: str, *, limit: int = 50) -> list[Ticket]:
        c = assistance_tickets.c
        rows = self._connection.execute(select(assistance_tickets).where(c.account_id == account_id)
                                        .order_by(c.created_at.desc(), c.number.desc()).limit(limit)).mappings()
        return self._load(list(rows))

    def search(self, where: TicketFilter, *, limit: int = 100) -> list[Ticket]:
        c = assistance_tickets.c
        conditions = []
        if where.reasons:
            conditions.append(c.reason.in_([r.value for r in where.reasons]))
        if where.statuses:
            conditions.append(c.status.in_([s.value for s in where.statuses]))
        if where.created_before is not None:
            conditions.append(c.created_at < where.created_before)
        if where.assigned_to is not None:
            conditions.append(c.assigned_to == where.assigned_to)
        rows = self._connection.execute(select(assistance_tickets).where(*conditions)
                                        .order_by(c.created_at, c.number).limit(limit)).mappings()
        return self._load(list(rows))


class SqlRateCounters(_Repository, RateCounters):
    def get(self, kind: str, key: str, *, lock: bool = False) -> tuple[datetime, int] | None:
        c = rate_counters.c
        if lock:
            # Write first (a no-op upsert, a bare row for a key never seen): PostgreSQL locks the row and
            # SQLite takes its write lock, so a concurrent caller waits for this transaction and then reads
            # the count it left, even on a key's first event.
            self._connection.execute(self._upsert(kind, key, None, 0, {"count": c.count}))
        row = self._one(rate_counters, c.kind == kind, c.key == key)
        if row is None or row["window_start"] is None:
            return None
        return row["window_start"], row["count"]

    def put(self, kind: str, key: str, window_start: datetime, count: int) -> None:
        self._connection.execute(self._upsert(kind, key, window_start, count,
                                              {"window_start": window_start, "count": count}))

    def _upsert(self, kind: str, key: str, window_start: datetime | None, count: int,
                changes: dict[str, Any]) -> Any:
        dialect = self._connection.dialect.name
        if dialect not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"rate counters need PostgreSQL or SQLite, not {dialect}")
        upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(rate_counters)
        c = rate_counters.c
        return upsert.values(kind=kind, key=key, window_start=window_start, count=count).on_conflict_do_update(
            index_elements=[c.kind, c.key], set_=changes)
