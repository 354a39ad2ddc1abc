"""Hypothesis strategies and builders shared by the domain tests."""
from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st
from stdnum import luhn
from stdnum.it import codicefiscale

from areaclienti.domain.parties import PartyId, PartyKind

UTC = timezone.utc
T0 = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MONTH_LETTERS = "ABCDEHLMPRST"
_OMOCODIA = "LMNPQRSTUV"  # letters that stand for 0-9 when two codes clash
_OMOCODIA_POSITIONS = (6, 7, 9, 10, 12, 13, 14)


@st.composite
def tax_codes(draw) -> str:
    """A valid codice fiscale: surname, name, birth date (+40 for women), place, check character."""
    letters = st.text(alphabet=_LETTERS, min_size=1, max_size=1)
    surname_name = "".join(draw(letters) for _ in range(6))
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2019, 12, 31)))
    day = born.day + (40 if draw(st.booleans()) else 0)
    place = draw(letters) + f"{draw(st.integers(0, 999)):03d}"
    body = list(f"{surname_name}{born.year % 100:02d}{_MONTH_LETTERS[born.month - 1]}{day:02d}{place}")
    for position in draw(st.sets(st.sampled_from(_OMOCODIA_POSITIONS), max_size=3)):
        body[position] = _OMOCODIA[int(body[position])]
    first15 = "".join(body)
    return first15 + codicefiscale.calc_check_digit(first15)


_OFFICES = [f"{n:03d}" for n in range(1, 101)] + ["120", "121", "888", "999"]


@st.composite
def vat_numbers(draw) -> str:
    """A valid partita IVA: 7-digit company number, 3-digit tax office, Luhn check digit.

    python-stdnum 2.2 has no ``stdnum.it.iva.calc_check_digit``: the partita IVA check digit *is*
    the Luhn digit, which ``stdnum.it.iva.validate`` checks with ``stdnum.luhn``.
    """
    company = f"{draw(st.integers(1, 9_999_999)):07d}"
    first10 = company + draw(st.sampled_from(_OFFICES))
    return first10 + luhn.calc_check_digit(first10)


def person(code: str = "RCCMNL83S18D969H") -> PartyId:
    return PartyId(PartyKind.PERSON, code)


def company(code: str = "00743110157") -> PartyId:
    return PartyId(PartyKind.COMPANY, code)


def last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def at(seconds: float = 0, **delta) -> datetime:
    return T0 + timedelta(seconds=seconds, **delta)
