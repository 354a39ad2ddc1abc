"""The AttachmentRepository contract on memory, SQLite and PostgreSQL (the ``uow_factory`` fixture): staged
files per account, attached to a request once and only by their owner, in hand-off batches; a timeline
step round-trips with its request; and migration 0006 on a database already at 0005 with data."""
from __future__ import annotations

from datetime import timedelta

import pytest

from areaclienti.domain.attachments import Attachment
from areaclienti.domain.identification import StoredFile
from areaclienti.domain.requests import RequestStatus, RequestStep

from .test_repositories import COMPANY, NOW, ROME, add, an_account, assert_utc
from .test_request_repositories import a_request, store

S = RequestStatus


def a_file(n: int, account_id: str = "acc-1", *, minutes: int = 0, document: str = "photo") -> Attachment:
    return Attachment(id=f"att-{n}", account_id=account_id, document=document,
                      file=StoredFile(f"2026/12/{n:04d}.jpg", "image/jpeg", 1000 + n),
                      name=f"foto «{n}» però.jpg", added_at=NOW + timedelta(minutes=minutes))


@pytest.fixture
def accounts(uow_factory):
    add(uow_factory, an_account("acc-1"), an_account("acc-2", party=COMPANY))
    return uow_factory


def put(uow_factory, *attachments: Attachment) -> None:
    with uow_factory() as uow:
        for attachment in attachments:
            uow.attachments.add(attachment)
        uow.commit()


def ids(attachments) -> list[str]:
    return [a.id for a in attachments]


def test_a_staged_file_round_trips(accounts):
    staged = Attachment(**{**a_file(1).__dict__, "added_at": NOW.astimezone(ROME)})
    put(accounts, staged)
    with accounts() as uow:
        found = uow.attachments.get("att-1")
        assert uow.attachments.get("att-404") is None
    assert found == staged and found.request_id is None and found.batch is None
    assert found.name == "foto «1» però.jpg" and found.file == StoredFile("2026/12/0001.jpg", "image/jpeg", 1001)
    assert_utc(found.added_at)


def test_staged_lists_an_account_s_own_unsent_files_oldest_first(accounts):
    put(accounts, a_file(1, minutes=5), a_file(2, minutes=1), a_file(3, "acc-2"), a_file(4, minutes=3))
    with accounts() as uow:
        assert ids(uow.attachments.staged("acc-1")) == ["att-2", "att-4", "att-1"]
        assert ids(uow.attachments.staged("acc-2")) == ["att-3"]
        assert uow.attachments.staged("acc-404") == []


def test_attach_moves_only_the_account_s_own_staged_files_and_only_once(accounts):
    request, other = a_request("acc-1"), a_request("acc-1")
    store(accounts, request, other)
    put(accounts, a_file(1), a_file(2, minutes=1), a_file(3, "acc-2", minutes=2))
    with accounts() as uow:
        moved = uow.attachments.attach(["att-1", "att-2", "att-2", "att-3", "att-404"], account_id="acc-1",
                                       request_id=request.id, batch=request.id)
        uow.commit()
    assert moved == 2  # not someone else's, not one that does not exist, not twice
    with accounts() as uow:
        again = uow.attachments.attach(["att-1"], account_id="acc-1", request_id=other.id, batch="b-2")
        uow.commit()
    assert again == 0  # sent already: it stays with the first request
    with accounts() as uow:
        sent = uow.attachments.for_request(request.id)
        assert uow.attachments.for_request(other.id) == []
        assert ids(uow.attachments.staged("acc-1")) == []
        assert ids(uow.attachments.staged("acc-2")) == ["att-3"]
    assert ids(sent) == ["att-1", "att-2"] and {(a.request_id, a.batch) for a in sent} == {(request.id, request.id)}


def test_batches_keep_apart_the_files_sent_with_a_request_and_those_added_later(accounts):
    request = a_request("acc-1")
    store(accounts, request)
    put(accounts, a_file(1), a_file(2, minutes=10, document="repair_estimate"))
    with accounts() as uow:
        uow.attachments.attach(["att-1"], account_id="acc-1", request_id=request.id, batch=request.id)
        uow.commit()
    with accounts() as uow:
        uow.attachments.attach(["att-2"], account_id="acc-1", request_id=request.id, batch="batch-2")
        uow.commit()
    with accounts() as uow:
        found = uow.attachments.for_request(request.id)
    assert [(a.id, a.batch, a.document) for a in found] == [("att-1", request.id, "photo"),
                                                             ("att-2", "batch-2", "repair_estimate")]


def test_attach_without_commit_is_rolled_back(accounts):
    request = a_request("acc-1")
    store(accounts, request)
    put(accounts, a_file(1))
    with accounts() as uow:
        assert uow.attachments.attach(["att-1"], account_id="acc-1", request_id=request.id, batch=request.id) == 1
        assert uow.attachments.staged("acc-1") == []  # seen inside the transaction
    with accounts() as uow:
        assert ids(uow.attachments.staged("acc-1")) == ["att-1"]
        assert uow.attachments.for_request(request.id) == []


def test_delete_forgets_a_file_and_the_same_id_cannot_be_added_twice(accounts):
    put(accounts, a_file(1), a_file(2))
    with accounts() as uow:
        uow.attachments.delete("att-1")
        uow.attachments.delete("att-404")  # nothing to forget: no error
        uow.commit()
    with accounts() as uow:
        assert uow.attachments.get("att-1") is None
        assert ids(uow.attachments.staged("acc-1")) == ["att-2"]
    with pytest.raises(Exception):
        put(accounts, a_file(2))
    with accounts() as uow:
        assert ids(uow.attachments.staged("acc-1")) == ["att-2"]


def test_a_timeline_step_round_trips_with_its_request(accounts):
    request = a_request("acc-1")
    request.advance(S.PAID, NOW + timedelta(minutes=1))
    store(accounts, request)
    with accounts() as uow:
        found = uow.requests.get(request.id, lock=True)
        found.add_step(RequestStep.DOCUMENTS_ADDED, (NOW + timedelta(minutes=5)).astimezone(ROME))
        uow.requests.save(found)
        uow.commit()
    with accounts() as uow:
        again = uow.requests.get(request.id)
    assert [(e.status, e.step) for e in again.events] == [
        (S.SUBMITTED, None), (S.AWAITING_PAYMENT, None), (S.PAID, None), (S.PAID, RequestStep.DOCUMENTS_ADDED)]
    assert again.status is S.PAID and again.events[-1].at == NOW + timedelta(minutes=5)
    assert_utc(*(e.at for e in again.events))


def test_migration_0006_keeps_the_data_of_0005_and_downgrades(tmp_path):
    import sqlalchemy as sa
    from alembic import command

    from areaclienti.adapters.sqlalchemy.database import alembic_config, upgrade

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'at-0005.sqlite3'}")  # no foreign keys: rows alone
    upgrade(engine, "0005")
    row = dict(account_id="acc-1", party_id="RSSMRA85T10A562S", policy_number="DA20040117", kind="claim",
               status="handed_over", created_at=NOW, updated_at=NOW, payload='{"claim": {"kind": "glass"}}')
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO policy_requests (id, number, account_id, party_id, policy_number, kind, status, payload,"
            " created_at, updated_at, idempotency_key, flagged) VALUES (:id, :number, :account_id, :party_id,"
            " :policy_number, :kind, :status, :payload, :created_at, :updated_at, :id, :flagged)"),
            [{**row, "id": "r1", "number": "RP-2026-000001", "flagged": False}])
        connection.execute(sa.text("INSERT INTO request_events (request_id, status, at, reason) VALUES "
                                   "('r1', 'submitted', :at, NULL), ('r1', 'handed_over', :at, 'ok')"), {"at": NOW})
    upgrade(engine)
    with engine.begin() as connection:
        events = connection.execute(sa.text("SELECT status, reason, step FROM request_events ORDER BY id")).all()
        connection.execute(sa.text(
            "INSERT INTO attachments (id, account_id, request_id, batch, document, key, content_type, size, name,"
            " added_at) VALUES ('a1', 'acc-1', 'r1', 'r1', 'photo', 'k', 'image/jpeg', 10, 'f.jpg', :at)"),
            {"at": NOW})
        connection.execute(sa.text("INSERT INTO request_events (request_id, status, at, step) VALUES "
                                   "('r1', 'handed_over', :at, 'documents_added')"), {"at": NOW})
    assert [tuple(e) for e in events] == [("submitted", None, None), ("handed_over", "ok", None)]
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    inspector = sa.inspect(engine)
    assert "attachments" not in inspector.get_table_names()
    assert "step" not in {c["name"] for c in inspector.get_columns("request_events")}
    with engine.connect() as connection:
        kept = connection.execute(sa.text("SELECT status, reason FROM request_events ORDER BY id")).all()
        assert connection.execute(sa.text("SELECT number FROM policy_requests")).scalar_one() == "RP-2026-000001"
    engine.dispose()
    assert [tuple(e) for e in kept] == [("submitted", None), ("handed_over", "ok"), ("handed_over", None)]
