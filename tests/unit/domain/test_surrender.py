"""The surrender simulation (R-DISP-SURR): never negative, parts add up, monotone in the amount."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from areaclienti.domain.surrender import (
    PartialSurrenderNotAllowed,
    PartialSurrenderOutOfRange,
    SurrenderRules,
    SurrenderTooEarly,
    simulate,
    whole_years,
)

RULES = SurrenderRules()
START, TODAY = date(2021, 3, 10), date(2026, 11, 30)
money = st.decimals(min_value=Decimal("0"), max_value=Decimal("2000000"), places=2)


def test_a_total_surrender_in_year_two_pays_the_table_s_penalty_and_tax_on_the_gain():
    sim = simulate(value=Decimal("12000.00"), premiums_paid=Decimal("10000.00"), amount=None,
                   start=date(2025, 1, 15), today=date(2026, 6, 1), rules=RULES)
    assert (sim.years_elapsed, sim.penalty_rate) == (1, Decimal("0.02"))
    assert sim.gross == Decimal("12000.00") and sim.penalty == Decimal("240.00")
    # gain share 2000/12000 of 11760 = 1960, taxed at 26%
    assert sim.tax == Decimal("509.60") and sim.net == Decimal("11250.40") and sim.total


@given(value=money, paid=money, start_year=st.integers(2000, 2025), fraction=st.floats(0, 1))
def test_parts_add_up_never_negative_and_the_residual_respects_the_minimum(value, paid, start_year, fraction):
    start = date(start_year, 1, 1)
    amount = (value * Decimal(str(fraction))).quantize(Decimal("0.01"))
    try:
        sim = simulate(value=value, premiums_paid=paid, amount=amount, start=start, today=TODAY, rules=RULES)
    except PartialSurrenderOutOfRange as refused:
        assert amount < RULES.minimum_partial or amount > value - RULES.minimum_residual
        assert refused.params["maximum"] >= 0
        return
    assert sim.penalty + sim.tax + sim.net == sim.gross
    assert min(sim.penalty, sim.tax, sim.net, sim.residual) >= 0
    assert sim.residual >= RULES.minimum_residual and sim.gross + sim.residual == sim.value
    if paid >= value:
        assert sim.tax == 0  # no gain, no tax


@given(value=st.decimals(min_value=Decimal("2000"), max_value=Decimal("500000"), places=2), paid=money,
       a=st.decimals(min_value=Decimal("500"), max_value=Decimal("500000"), places=2),
       b=st.decimals(min_value=Decimal("500"), max_value=Decimal("500000"), places=2))
def test_the_net_grows_with_the_amount(value, paid, a, b):
    low, high = sorted((a, b))
    if high > value - RULES.minimum_residual:
        return
    first = simulate(value=value, premiums_paid=paid, amount=low, start=START, today=TODAY, rules=RULES)
    second = simulate(value=value, premiums_paid=paid, amount=high, start=START, today=TODAY, rules=RULES)
    assert second.net >= first.net and second.penalty >= first.penalty and second.tax >= first.tax


def test_before_the_minimum_period_it_says_from_when():
    with pytest.raises(SurrenderTooEarly) as refused:
        simulate(value=Decimal("5000"), premiums_paid=Decimal("5000"), amount=None, start=date(2026, 2, 28),
                 today=date(2027, 2, 27), rules=RULES)
    assert refused.value.params["possible_from"] == date(2027, 2, 28)


def test_a_partial_amount_above_value_less_the_minimum_residual_is_refused_with_the_figures():
    with pytest.raises(PartialSurrenderOutOfRange) as refused:
        simulate(value=Decimal("5000.00"), premiums_paid=Decimal("4000"), amount=Decimal("4500.00"), start=START,
                 today=TODAY, rules=RULES)
    assert refused.value.params == {"minimum": Decimal("500.00"), "maximum": Decimal("4000.00"),
                                    "value": Decimal("5000.00")}


def test_a_product_without_partial_surrender_refuses_an_amount():
    with pytest.raises(PartialSurrenderNotAllowed):
        simulate(value=Decimal("5000"), premiums_paid=Decimal("1"), amount=Decimal("600"), start=START, today=TODAY,
                 rules=SurrenderRules(partial_allowed=False))


@pytest.mark.parametrize("start, today, years", [
    (date(2024, 2, 29), date(2025, 2, 28), 1), (date(2024, 2, 29), date(2025, 2, 27), 0),
    (date(2020, 6, 1), date(2026, 5, 31), 5), (date(2020, 6, 1), date(2026, 6, 1), 6),
])
def test_whole_years(start, today, years):
    assert whole_years(start, today) == years
