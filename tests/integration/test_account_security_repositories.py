"""Issue 12's storage on memory, SQLite and PostgreSQL alike: the consents' history, each session's device,
an account's sessions most recent first, and the purge of expired sessions."""
from __future__ import annotations

from datetime import timedelta

import pytest

from areaclienti.domain.consents import ConsentChannel, ConsentEvent, ConsentKind

from .test_repositories import COMPANY, NOW, REFUSED, ROME, a_session, add, an_account, assert_utc


def _event(event_id: str, minutes: int, *, given: bool = True, consent=ConsentKind.MARKETING,
           account_id: str = "acc-1", channel=ConsentChannel.WEB) -> ConsentEvent:
    return ConsentEvent(event_id, account_id, consent, given, (NOW + timedelta(minutes=minutes)).astimezone(ROME),
                        channel)


def test_consent_events_come_back_newest_first_for_their_account_only(uow_factory):
    add(uow_factory, an_account("acc-1"), an_account("acc-2", party=COMPANY, email="altro@example.it"))
    with uow_factory() as uow:
        uow.consents.add(_event("e1", 0, consent=ConsentKind.PRIVACY, channel=ConsentChannel.REGISTRATION))
        uow.consents.add(_event("e2", 1, given=False))
        uow.consents.add(_event("e3", 2, channel=ConsentChannel.API))
        uow.consents.add(_event("x1", 5, account_id="acc-2"))
        uow.commit()
    with uow_factory() as uow:
        found = uow.consents.for_account("acc-1")
        assert [e.id for e in found] == ["e3", "e2", "e1"]
        assert found[0] == ConsentEvent("e3", "acc-1", ConsentKind.MARKETING, True, NOW + timedelta(minutes=2),
                                        ConsentChannel.API)
        assert found[1].given is False and found[2].consent is ConsentKind.PRIVACY
        assert_utc(*(e.at for e in found))
        assert [e.id for e in uow.consents.for_account("acc-1", limit=2)] == ["e3", "e2"]
        assert uow.consents.for_account("nobody") == []


def test_a_consent_event_needs_its_account_and_is_rolled_back_unless_committed(uow_factory):
    add(uow_factory, an_account("acc-1"))
    with uow_factory() as uow:
        uow.consents.add(_event("e1", 0))  # not committed
    with uow_factory() as uow:
        assert uow.consents.for_account("acc-1") == []
    with pytest.raises(REFUSED):
        with uow_factory() as uow:
            uow.consents.add(_event("e2", 0, account_id="nobody"))
            uow.commit()


def test_a_session_keeps_its_device_and_an_accounts_sessions_come_most_recent_first(uow_factory):
    add(uow_factory,
        a_session("s-old", last_seen_at=NOW - timedelta(minutes=5), user_agent="Mozilla/5.0 (Android)"),
        a_session("s-new", last_seen_at=NOW, user_agent=None),
        a_session("s-other", account_id="acc-2"),
        a_session("s-anonymous", account_id=None))
    with uow_factory() as uow:
        found = uow.sessions.for_account("acc-1")
        assert [s.id_hash for s in found] == ["s-new", "s-old"]
        assert found[1].user_agent == "Mozilla/5.0 (Android)" and found[0].user_agent is None
        found[1].data = {"touched": True}
        found[1].last_seen_at = NOW + timedelta(minutes=1)
        uow.sessions.save(found[1])  # saving the data keeps the device
        uow.commit()
    with uow_factory() as uow:
        assert uow.sessions.get("s-old").user_agent == "Mozilla/5.0 (Android)"
        assert [s.id_hash for s in uow.sessions.for_account("acc-1")] == ["s-old", "s-new"]


def test_the_purge_deletes_sessions_idle_or_too_old_signed_in_or_not(uow_factory):
    add(uow_factory,
        a_session("idle", last_seen_at=NOW - timedelta(minutes=16)),
        a_session("idle-anonymous", account_id=None, last_seen_at=NOW - timedelta(minutes=20)),
        a_session("too-old", created_at=NOW - timedelta(hours=9), last_seen_at=NOW),
        a_session("live", created_at=NOW - timedelta(hours=7), last_seen_at=NOW - timedelta(minutes=14)),
        a_session("live-anonymous", account_id=None))
    with uow_factory() as uow:
        purged = uow.sessions.delete_expired(idle_before=NOW - timedelta(minutes=15),
                                             created_before=NOW - timedelta(hours=8))
        uow.commit()
    assert purged == 3
    with uow_factory() as uow:
        left = [h for h in ("idle", "idle-anonymous", "too-old", "live", "live-anonymous") if uow.sessions.get(h)]
        assert left == ["live", "live-anonymous"]
        assert uow.sessions.delete_expired(idle_before=NOW - timedelta(minutes=15),
                                           created_before=NOW - timedelta(hours=8)) == 0
