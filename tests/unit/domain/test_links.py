"""R-REG-4 and R-PWD-1: single-use emailed links that expire."""
from __future__ import annotations

from datetime import timedelta

import pytest

from areaclienti.domain.errors import LinkInvalid
from areaclienti.domain.links import LINK_LIFETIMES, EmailLink, LinkPurpose

from .strategies import T0, at

TICK = timedelta(microseconds=1)


def issue(purpose=LinkPurpose.SET_PASSWORD, lifetime=None) -> EmailLink:
    return EmailLink.issue(link_id="link-1", purpose=purpose, account_id="acc-1", token_hash="th", now=T0, lifetime=lifetime)


def test_the_lifetimes_are_those_of_the_spec():
    # R-REG-4 and R-PWD-1; issue 12: the email change's link 24 h, the old address's «non sono stato io» 7 days.
    assert LINK_LIFETIMES == {LinkPurpose.SET_PASSWORD: timedelta(hours=24), LinkPurpose.RESET_PASSWORD: timedelta(hours=1),
                              LinkPurpose.CHANGE_EMAIL: timedelta(hours=24),
                              LinkPurpose.CANCEL_EMAIL_CHANGE: timedelta(days=7)}


@pytest.mark.parametrize(("purpose", "lifetime"), [(LinkPurpose.SET_PASSWORD, timedelta(hours=24)),
                                                   (LinkPurpose.RESET_PASSWORD, timedelta(hours=1))])
def test_a_link_lives_for_its_purposes_lifetime(purpose, lifetime):
    link = issue(purpose)
    assert (link.id, link.purpose, link.account_id, link.token_hash) == ("link-1", purpose, "acc-1", "th")
    assert link.created_at == T0
    assert link.expires_at == T0 + lifetime
    assert link.used_at is None
    assert link.is_usable(T0)
    assert link.is_usable(T0 + lifetime - TICK)
    assert not link.is_usable(T0 + lifetime)
    with pytest.raises(LinkInvalid) as excinfo:
        link.ensure_usable(T0 + lifetime)
    assert excinfo.value.code == "link_invalid"


def test_a_given_lifetime_wins():
    assert issue(lifetime=timedelta(minutes=30)).expires_at == T0 + timedelta(minutes=30)
    assert not issue(lifetime=timedelta(0)).is_usable(T0)


def test_a_link_is_used_once():
    link = issue()
    link.use(at(minutes=5))
    assert link.used_at == at(minutes=5)
    assert not link.is_usable(at(minutes=6))
    with pytest.raises(LinkInvalid):
        link.use(at(minutes=6))
    assert link.used_at == at(minutes=5)


def test_an_expired_link_cannot_be_used():
    link = issue(LinkPurpose.RESET_PASSWORD)
    with pytest.raises(LinkInvalid):
        link.use(link.expires_at)
    assert link.used_at is None
    link.use(link.expires_at - TICK)
    assert link.used_at == link.expires_at - TICK
