"""Which premium receipts the payment function may pay (``domain.receipts.payable``), over random receipts."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from areaclienti.domain.availability import Scope
from areaclienti.domain.receipts import Receipt, ReceiptKind, payable

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@st.composite
def receipts(draw) -> list[Receipt]:
    found = []
    for n in range(draw(st.integers(0, 8))):
        due = draw(days)
        paid_on = draw(st.none() | st.just(due - timedelta(days=draw(st.integers(0, 30)))))
        found.append(Receipt(f"R{n}", "DA0001", draw(st.sampled_from(list(ReceiptKind))),
                             Decimal(draw(st.integers(1, 100_000))) / 100, due, paid_on))
    return found


@given(receipts(), st.sampled_from(list(Scope)), days)
def test_only_open_receipts_are_payable_oldest_first_and_only_overdue_ones_on_an_expired_policy(found, scope, today):
    chosen = payable(found, scope, today)
    if scope in (Scope.OPEN_RECEIPTS, Scope.ANY):
        expected = {r.id for r in found if r.paid_on is None}
    elif scope is Scope.OVERDUE_RECEIPTS:
        expected = {r.id for r in found if r.paid_on is None and r.due_date < today}
    else:  # a scope of another function pays nothing
        expected = set()
    assert {r.id for r in chosen} == expected
    assert len(chosen) == len(expected)  # no receipt twice
    assert [r.due_date for r in chosen] == sorted(r.due_date for r in chosen)
    assert all(r.is_open for r in chosen)


@given(receipts(), days)
def test_overdue_is_open_and_due_before_today(found, today):
    for receipt in found:
        assert receipt.is_overdue(today) == (receipt.paid_on is None and receipt.due_date < today)
        assert receipt.is_open == (receipt.paid_on is None)


def test_a_receipt_due_today_is_open_but_not_overdue():
    today = date(2026, 11, 25)
    receipt = Receipt("R1", "DA0001", ReceiptKind.INSTALMENT, Decimal("86.40"), today)
    assert payable([receipt], Scope.OPEN_RECEIPTS, today) == [receipt]
    assert payable([receipt], Scope.OVERDUE_RECEIPTS, today) == []
    assert payable([receipt], Scope.OVERDUE_RECEIPTS, today + timedelta(days=1)) == [receipt]
