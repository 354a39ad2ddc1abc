"""The assistance service's calendar (SPEC §6, R-ASS-1/2): Mon–Thu 9:00–13:30 / 14:30–17:30, Fri 9:00–13:30 /
14:30–17:00, Italian time, weekends and Italian public holidays closed.

Random instants come in any time zone across 2026–2028, with extra weight on the days the clocks change
(29 March and 25 October 2026, 28 March and 31 October 2027, 26 March and 29 October 2028) and on the
minutes around the service's edges; the oracle reads the Italian wall clock on its own.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from areaclienti.domain.service_hours import ServiceHours

ROME = ZoneInfo("Europe/Rome")
UTC = timezone.utc
HOURS = ServiceHours()
IT_HOLIDAYS = holidays.country_holidays("IT", years=range(2025, 2030))
ZONES = [UTC, ROME, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo"), ZoneInfo("Asia/Kathmandu"),
         ZoneInfo("Australia/Lord_Howe"), timezone(timedelta(hours=-3, minutes=-30))]
DST_DAYS = [date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28), date(2027, 10, 31), date(2028, 3, 26),
            date(2028, 10, 29)]
EDGES = [time(9, 0), time(13, 30), time(14, 30), time(17, 0), time(17, 30), time(2, 0), time(3, 0)]
GRID = timedelta(minutes=30)  # every opening and closing is on a half hour of the Italian (whole-hour offset) clock


def rome(*args) -> datetime:
    return datetime(*args, tzinfo=ROME)


def expected_open(moment: datetime) -> bool:
    """The oracle: the Italian wall-clock time inside that weekday's intervals, on a day that is no holiday."""
    local = moment.astimezone(ROME)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    if day.weekday() >= 5 or day in IT_HOLIDAYS:
        return False
    afternoon_end = time(17, 0) if day.weekday() == 4 else time(17, 30)
    return time(9, 0) <= clock < time(13, 30) or time(14, 30) <= clock < afternoon_end


@st.composite
def near_edges(draw) -> datetime:
    """A moment a few minutes (or microseconds) from an opening or closing, on any day of 2026–2028."""
    day = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)))
    edge = datetime.combine(day, draw(st.sampled_from(EDGES)), tzinfo=ROME).astimezone(UTC)
    shift = draw(st.one_of(st.sampled_from([timedelta(0), timedelta(microseconds=-1), timedelta(microseconds=1)]),
                           st.timedeltas(min_value=timedelta(minutes=-45), max_value=timedelta(minutes=45))))
    return (edge + shift).astimezone(draw(st.sampled_from(ZONES)))


@st.composite
def on_dst_days(draw) -> datetime:
    """Any moment of a day the Italian clocks change (and the Friday and Monday around it)."""
    day = draw(st.sampled_from(DST_DAYS)) + timedelta(days=draw(st.sampled_from([-2, -1, 0, 1])))
    start = datetime.combine(day, time(0), tzinfo=ROME).astimezone(UTC)
    return (start + draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=25)))).astimezone(
        draw(st.sampled_from(ZONES)))


instants = st.one_of(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31, 23, 59),
                 timezones=st.sampled_from(ZONES)),
    near_edges(),
    on_dst_days(),
)


def grid_after(moment: datetime, until: datetime):
    """The half hours of the clock in (moment, until): an open interval inside would contain one of them."""
    utc = moment.astimezone(UTC)
    mark = utc.replace(minute=0, second=0, microsecond=0)
    while mark <= utc:
        mark += GRID
    while mark < until:
        yield mark
        mark += GRID


# --- open now ------------------------------------------------------------------------------------
@settings(max_examples=400)
@given(instants)
@example(rome(2026, 12, 3, 10, 0))  # a Thursday morning
@example(rome(2026, 12, 3, 13, 45))  # the lunch break
@example(rome(2026, 12, 4, 17, 15))  # a Friday after 17:00
def test_open_exactly_when_the_italian_clock_is_inside_the_days_intervals(moment):
    assert HOURS.is_open(moment) is expected_open(moment)


@pytest.mark.parametrize("moment, is_open", [
    (rome(2026, 12, 3, 8, 59, 59), False),
    (rome(2026, 12, 3, 9, 0), True),
    (rome(2026, 12, 3, 13, 29, 59), True),
    (rome(2026, 12, 3, 13, 30), False),
    (rome(2026, 12, 3, 14, 30), True),
    (rome(2026, 12, 3, 17, 29), True),
    (rome(2026, 12, 3, 17, 30), False),
    (rome(2026, 12, 4, 16, 59), True),  # Friday
    (rome(2026, 12, 4, 17, 0), False),
    (rome(2026, 12, 5, 10, 0), False),  # Saturday
    (rome(2026, 12, 6, 10, 0), False),  # Sunday
    (datetime(2026, 3, 30, 7, 0, tzinfo=UTC), True),  # Monday after the spring change: 9:00 CEST
    (datetime(2026, 3, 27, 7, 0, tzinfo=UTC), False),  # the Friday before: 8:00 CET
    (datetime(2026, 10, 26, 8, 0, tzinfo=UTC), True),  # Monday after the autumn change: 9:00 CET
    (datetime(2026, 10, 23, 6, 30, tzinfo=UTC), False),  # the Friday before: 8:30 CEST
])
def test_open_at_the_edges(moment, is_open):
    assert HOURS.is_open(moment) is is_open


NAMED_HOLIDAYS = [
    *[date(year, month, day) for year in (2026, 2027, 2028)
      for month, day in ((1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26))],
    date(2026, 4, 6), date(2027, 3, 29), date(2028, 4, 17),  # Easter Mondays
]


@pytest.mark.parametrize("day", NAMED_HOLIDAYS, ids=str)
def test_named_holidays_are_closed_all_day(day):
    assert HOURS.intervals(day) == []
    for clock in (time(9, 0), time(10, 0), time(15, 0)):
        assert not HOURS.is_open(datetime.combine(day, clock, tzinfo=ROME))


def test_the_working_days_around_holidays_are_open():
    """The holiday test can fail: the day after Epiphany 2027 (Thursday) and Easter Tuesday 2027 are open."""
    assert HOURS.is_open(rome(2027, 1, 7, 10, 0))
    assert HOURS.is_open(rome(2027, 3, 30, 10, 0))
    assert not HOURS.is_open(rome(2027, 3, 29, 10, 0))


def test_a_holiday_calendar_of_ones_own():
    every_monday_off = ServiceHours(is_holiday=lambda day: day.weekday() == 0)
    assert not every_monday_off.is_open(rome(2026, 12, 7, 10, 0))
    assert every_monday_off.next_opening(rome(2026, 12, 4, 18, 0)) == rome(2026, 12, 8, 9, 0)


# --- next opening --------------------------------------------------------------------------------
@settings(max_examples=300)
@given(instants)
def test_next_opening_is_the_first_open_moment_after(moment):
    opening = HOURS.next_opening(moment)
    assert opening > moment
    assert opening.astimezone(ROME).time() in (time(9, 0), time(14, 30))
    assert HOURS.is_open(opening) and expected_open(opening)
    assert not expected_open(opening - timedelta(microseconds=1))
    closed_from = moment
    if HOURS.is_open(moment):  # open now: the next opening comes after this interval closes
        closes = HOURS.closes_at(moment)
        assert closes is not None and moment < closes <= opening
        assert all(expected_open(m) for m in grid_after(moment, closes))
        closed_from = closes
    else:
        assert HOURS.closes_at(moment) is None
    assert not any(expected_open(m) for m in grid_after(closed_from, opening))


@pytest.mark.parametrize("moment, opening", [
    (rome(2026, 12, 3, 13, 45), rome(2026, 12, 3, 14, 30)),  # lunch break: today
    (rome(2026, 12, 3, 10, 0), rome(2026, 12, 3, 14, 30)),  # open: the next interval's start
    (rome(2026, 12, 3, 7, 0), rome(2026, 12, 3, 9, 0)),
    (rome(2026, 12, 4, 17, 15), rome(2026, 12, 7, 9, 0)),  # Friday evening: Monday
    (rome(2026, 12, 7, 18, 0), rome(2026, 12, 9, 9, 0)),  # 8 December is a holiday
    (rome(2026, 12, 24, 18, 0), rome(2026, 12, 28, 9, 0)),  # Christmas, Santo Stefano, the weekend
    (rome(2026, 12, 31, 18, 0), rome(2027, 1, 4, 9, 0)),  # New Year's Day, then the weekend
    (rome(2027, 3, 26, 18, 0), rome(2027, 3, 30, 9, 0)),  # the spring change, then Easter Monday
    (datetime(2026, 3, 27, 17, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),  # CET → CEST
    (datetime(2026, 10, 23, 16, 0, tzinfo=UTC), datetime(2026, 10, 26, 8, 0, tzinfo=UTC)),  # CEST → CET
])
def test_next_opening_examples(moment, opening):
    assert HOURS.next_opening(moment) == opening


def test_closes_at():
    assert HOURS.closes_at(rome(2026, 12, 3, 10, 0)) == rome(2026, 12, 3, 13, 30)
    assert HOURS.closes_at(rome(2026, 12, 4, 15, 0)) == rome(2026, 12, 4, 17, 0)
    assert HOURS.closes_at(rome(2026, 12, 3, 13, 30)) is None


# --- service time --------------------------------------------------------------------------------
def ordered(*moments: datetime) -> list[datetime]:
    return sorted(moments, key=lambda m: m.astimezone(UTC))


gaps = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60))


@settings(max_examples=300)
@given(instants, gaps, gaps)
def test_service_time_is_additive_and_never_more_than_the_time_elapsed(x, first, second):
    # Three moments within a few months (the walk is day by day), drawn as gaps rather than filtered: three
    # instants drawn apart over three years almost never fall that close.
    a, b, c = ordered(x, x + first, x + first + second)
    ab, bc, ac = (HOURS.service_time_between(a, b), HOURS.service_time_between(b, c),
                  HOURS.service_time_between(a, c))
    assert ab + bc == ac
    assert timedelta(0) <= ac <= c - a
    assert HOURS.service_time_between(c, a) == timedelta(0)


@given(instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=12)))
def test_service_time_counts_exactly_the_open_time(moment, length):
    """Over an open stretch it is the time elapsed; over a closed one, nothing."""
    end = moment + length
    between = HOURS.service_time_between(moment, end)
    closes = HOURS.closes_at(moment)
    if closes is not None and end <= closes:
        assert between == length
    if closes is None and end <= HOURS.next_opening(moment):
        assert between == timedelta(0)


@given(st.sampled_from(DST_DAYS + [date(2026, 12, 5)]),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=36)),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=36)))
def test_nothing_counts_across_a_closed_weekend(sunday_or_saturday, after_friday, before_monday):
    friday = sunday_or_saturday - timedelta(days=(sunday_or_saturday.weekday() - 4))
    monday = friday + timedelta(days=3)
    start = datetime.combine(friday, time(17, 0), tzinfo=ROME) + after_friday
    end = datetime.combine(monday, time(9, 0), tzinfo=ROME) - before_monday
    assume(start <= end)
    assert HOURS.service_time_between(start, end) == timedelta(0)
    assert HOURS.service_time_between(datetime.combine(friday, time(17, 0), tzinfo=ROME),
                                      datetime.combine(monday, time(9, 0), tzinfo=ROME)) == timedelta(0)


def test_service_time_examples():
    assert HOURS.service_time_between(rome(2026, 12, 3, 0, 0), rome(2026, 12, 4, 0, 0)) == timedelta(hours=7.5)
    assert HOURS.service_time_between(rome(2026, 12, 4, 0, 0), rome(2026, 12, 5, 0, 0)) == timedelta(hours=7)
    assert HOURS.service_time_between(rome(2026, 12, 3, 13, 0), rome(2026, 12, 3, 15, 0)) == timedelta(hours=1)
    # across the spring change: Friday 12:00 → Monday 10:00 is 1:30 + 2:30 Friday and 1:00 Monday
    assert HOURS.service_time_between(rome(2026, 3, 27, 12, 0), rome(2026, 3, 30, 10, 0)) == timedelta(hours=5)
    assert HOURS.service_time_between(rome(2026, 10, 23, 12, 0), rome(2026, 10, 26, 10, 0)) == timedelta(hours=5)


@settings(max_examples=300)
@given(instants, st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(hours=200)))
def test_add_service_time_is_the_inverse_of_service_time_between(start, duration):
    due = HOURS.add_service_time(start, duration)
    assert due > start
    assert HOURS.service_time_between(start, due) == duration
    # the earliest such moment: just before it, the duration was not yet reached
    assert HOURS.service_time_between(start, due - timedelta(microseconds=1)) < duration
    assert HOURS.is_open(due - timedelta(microseconds=1))


@settings(max_examples=200)
@given(instants, gaps)
def test_service_time_between_then_added_back_lands_on_the_end_or_the_last_closing_before_it(x, gap):
    a, b = ordered(x, x + gap)
    elapsed = HOURS.service_time_between(a, b)
    back = HOURS.add_service_time(a, elapsed)
    assert back <= b
    assert HOURS.service_time_between(back, b) == timedelta(0)
    if HOURS.is_open(b - timedelta(microseconds=1)) and a < b - timedelta(microseconds=1):
        assert back == b  # open just before the end: the end itself


def test_add_service_time_examples():
    # one working day of service time from a Thursday 10:00: 6:30 left on Thursday, then Friday 9:00–10:00
    assert HOURS.add_service_time(rome(2026, 12, 3, 10, 0), timedelta(hours=7.5)) == rome(2026, 12, 4, 10, 0)
    # from Friday 16:00, eight hours: 1:00 Friday, then Monday 9:00–13:30 and 14:30–17:00
    assert HOURS.add_service_time(rome(2026, 12, 4, 16, 0), timedelta(hours=8)) == rome(2026, 12, 7, 17, 0)
    assert HOURS.add_service_time(rome(2026, 12, 4, 16, 0), timedelta(0)) == rome(2026, 12, 4, 16, 0)
