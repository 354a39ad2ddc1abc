"""The email-change links on every backend (memory, SQLite, PostgreSQL): the address a link confirms comes
back, and the newest usable link of a purpose is what the profile shows pending."""
from __future__ import annotations

from datetime import timedelta

from areaclienti.domain.links import LinkPurpose

from .test_repositories import COMPANY, NOW, a_link, add, an_account


def test_the_address_an_email_change_link_confirms_comes_back(uow_factory):
    link = a_link(purpose=LinkPurpose.CHANGE_EMAIL, new_email="nuovo@example.it")
    add(uow_factory, an_account(), link)
    with uow_factory() as uow:
        assert uow.links.get_by_token_hash("token-link-1") == link


def test_newest_open_is_the_newest_usable_link_of_that_account_and_purpose(uow_factory):
    change = LinkPurpose.CHANGE_EMAIL
    add(
        uow_factory,
        an_account("acc-1"),
        an_account("acc-2", party=COMPANY),
        a_link("older", purpose=change, new_email="a@example.it"),
        a_link("newer", purpose=change, new_email="b@example.it", created_at=NOW + timedelta(minutes=1)),
        a_link("used", purpose=change, created_at=NOW + timedelta(minutes=2), used_at=NOW + timedelta(minutes=3)),
        a_link("expired", purpose=change, created_at=NOW + timedelta(minutes=2), expires_at=NOW + timedelta(minutes=4)),
        a_link("cancel", purpose=LinkPurpose.CANCEL_EMAIL_CHANGE, created_at=NOW + timedelta(minutes=5)),
        a_link("other-account", account_id="acc-2", purpose=change, created_at=NOW + timedelta(minutes=6)),
    )
    with uow_factory() as uow:
        found = uow.links.newest_open("acc-1", change, NOW + timedelta(minutes=5))
        assert found is not None and found.id == "newer" and found.new_email == "b@example.it"
        assert uow.links.newest_open("acc-1", change, NOW + timedelta(hours=25)) is None
        assert uow.links.newest_open("acc-1", LinkPurpose.RESET_PASSWORD, NOW) is None
