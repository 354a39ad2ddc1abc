"""Claims in the domain: which kinds each product covers, the documents each asks for, and the date rules."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from areaclienti.adapters.demo_core.data import PRODUCTS
from areaclienti.domain.availability import Scope
from areaclienti.domain.claims import (
    KINDS_BY_PRODUCT,
    ClaimDateInFuture,
    ClaimDateOutsideCover,
    ClaimKind,
    DocumentKind,
    check_event_date,
    checklist,
    cover_period,
    missing_documents,
)
from areaclienti.domain.policies import Policy, PolicyStatus

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


def test_every_product_lists_the_kinds_it_covers_and_each_kind_has_a_checklist():
    assert {p.code for p in PRODUCTS} == set(KINDS_BY_PRODUCT)
    for kinds in KINDS_BY_PRODUCT.values():
        assert kinds and all(checklist(k) for k in kinds)


def test_a_signed_cai_form_is_asked_for_a_collision_only():
    assert DocumentKind.CAI_FORM in [i.document for i in checklist(ClaimKind.COLLISION, cai_signed=True)]
    assert DocumentKind.CAI_FORM not in [i.document for i in checklist(ClaimKind.COLLISION)]
    assert DocumentKind.CAI_FORM not in [i.document for i in checklist(ClaimKind.GLASS, cai_signed=True)]
    assert missing_documents(ClaimKind.COLLISION, [DocumentKind.PHOTO], cai_signed=True) == [DocumentKind.CAI_FORM]


@given(start=days, length=st.integers(min_value=0, max_value=3000), today=days, event=days,
       suspended=st.one_of(st.none(), days), scope=st.sampled_from([Scope.ANY, Scope.EVENTS_BEFORE_SUSPENSION,
                                                                   Scope.EVENTS_IN_COVER]))
def test_an_event_is_accepted_exactly_inside_the_cover_and_never_in_the_future(start, length, today, event,
                                                                              suspended, scope):
    policy = Policy("X", PRODUCTS[0], PolicyStatus.IN_FORCE, start, start + timedelta(days=length),
                    suspended_on=suspended)
    first, last = cover_period(policy, scope, today)
    assert last <= today and last <= policy.expiry_date and first == start
    if scope is Scope.EVENTS_BEFORE_SUSPENSION and suspended is not None:
        assert last <= suspended
    if event > today:
        with pytest.raises(ClaimDateInFuture):
            check_event_date(event, policy=policy, scope=scope, today=today)
    elif first <= event <= last:
        check_event_date(event, policy=policy, scope=scope, today=today)
    else:
        with pytest.raises(ClaimDateOutsideCover) as refused:
            check_event_date(event, policy=policy, scope=scope, today=today)
        assert refused.value.params == {"first": first, "last": last}


def test_each_product_offers_only_the_documents_its_claims_ask_for():
    from areaclienti.domain.claims import documents_for

    motor, vita = documents_for("DANNI-AUTO"), documents_for("VITA-RISP")
    assert DocumentKind.CAI_FORM in motor and DocumentKind.DEATH_CERTIFICATE not in motor
    assert DocumentKind.DEATH_CERTIFICATE in vita and DocumentKind.PHOTO not in vita
    assert motor[-1] is vita[-1] is DocumentKind.OTHER
