"""The rules read off a policy's information (R-INFO, R-DISP-SUSP): when a suspension is scheduled, running or
over, which one runs now, and how many started in an Italian calendar year; hypothesis with moments in
Italian time around the DST changes (29 March and 25 October 2026), compared as instants."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from areaclienti.domain.policy_information import PolicyInformation, SuspensionPeriod
from areaclienti.domain.suspension import ROME, starts_at

UTC = timezone.utc
SPRING_FORWARD = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 CET becomes 03:00 CEST
FALL_BACK = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 03:00 CEST becomes 02:00 CET: 02:xx happens twice


@st.composite
def moments(draw) -> datetime:
    """An instant within two days of a DST change, written as Italian time (the hour that happens twice on
    either side), in UTC, or at a fixed offset as an ISO string read back gives it."""
    change = draw(st.sampled_from([SPRING_FORWARD, FALL_BACK]))
    instant = change + timedelta(minutes=draw(st.integers(-2 * 24 * 60, 2 * 24 * 60)))
    shape = draw(st.sampled_from(["rome", "utc", "iso"]))
    if shape == "rome":
        return instant.astimezone(ROME)  # fold set by zoneinfo in the repeated hour
    if shape == "iso":
        return datetime.fromisoformat(instant.astimezone(ROME).isoformat())
    return instant


def ts(moment: datetime) -> float:
    return moment.timestamp()


lengths = st.one_of(st.none(), st.integers(0, 3 * 24 * 60).map(lambda m: timedelta(minutes=m)))


def period(start: datetime, length: timedelta | None, reference: str | None = None) -> SuspensionPeriod:
    ends = None if length is None else (start.astimezone(UTC) + length).astimezone(ROME)
    return SuspensionPeriod(start, ends, reference)


@given(start=moments(), length=lengths, now=moments().map(lambda m: m.astimezone(UTC)))
def test_a_period_is_scheduled_then_active_then_over_by_the_instant(start, length, now):
    suspension = period(start, length)
    before_start = ts(now) < ts(start)
    ended = suspension.ends_at is not None and ts(suspension.ends_at) <= ts(now)
    assert suspension.scheduled(now) == before_start
    assert suspension.active(now) == (not before_start and not ended)
    assert not (suspension.scheduled(now) and suspension.active(now))


@given(starts=st.lists(st.integers(-2 * 24 * 60, 2 * 24 * 60), min_size=1, max_size=4, unique=True),
       gaps=st.lists(st.integers(1, 24 * 60), min_size=4, max_size=4), open_last=st.booleans(),
       change=st.sampled_from([SPRING_FORWARD, FALL_BACK]), now=st.integers(-3 * 24 * 60, 3 * 24 * 60))
def test_the_current_suspension_is_the_one_running_at_that_instant(starts, gaps, open_last, change, now):
    """Suspensions one after another (each reactivated before the next starts), the last maybe still open."""
    marks = sorted(starts)
    periods = []
    for n, minute in enumerate(marks):
        start = (change + timedelta(minutes=minute)).astimezone(ROME)
        following = marks[n + 1] if n + 1 < len(marks) else None
        if following is None:
            length = None if open_last else timedelta(minutes=gaps[n])
        else:
            length = timedelta(minutes=min(gaps[n], following - minute))
        periods.append(period(start, length, f"PR{n}"))
    information = PolicyInformation("DA20040117", suspensions=tuple(periods))
    at = change + timedelta(minutes=now)
    running = [p for p in periods if ts(p.starts_at) <= ts(at)
               and (p.ends_at is None or ts(at) < ts(p.ends_at))]
    assert len(running) <= 1
    assert information.current_suspension(at) == (running[0] if running else None)


def test_the_newest_running_suspension_is_the_current_one():
    old = SuspensionPeriod(datetime(2026, 1, 10, tzinfo=ROME))  # never closed
    new = SuspensionPeriod(datetime(2026, 2, 1, 14, 0, tzinfo=ROME), None, "PR2")
    information = PolicyInformation("DA20040355", suspensions=(old, new))
    assert information.current_suspension(datetime(2026, 1, 20, tzinfo=UTC)) is old
    assert information.current_suspension(datetime(2026, 2, 1, 13, 0, tzinfo=UTC)) is new
    assert PolicyInformation("DA20040355").current_suspension(datetime(2026, 2, 1, tzinfo=UTC)) is None


def test_a_suspension_from_the_hour_that_happens_twice_starts_at_its_first_one():
    start = starts_at(date(2026, 10, 25), time(2, 30))  # 02:30 CEST, 00:30 UTC
    suspension = SuspensionPeriod(start)
    assert suspension.scheduled(datetime(2026, 10, 25, 0, 15, tzinfo=UTC))
    assert suspension.active(datetime(2026, 10, 25, 0, 45, tzinfo=UTC))
    assert suspension.active(datetime(2026, 10, 25, 1, 15, tzinfo=UTC))  # 02:15 again, now CET


new_years = st.dates(min_value=date(2026, 12, 29), max_value=date(2027, 1, 2))
any_days = st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31))
hours = st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0)))


@given(started=st.lists(st.tuples(st.one_of(new_years, any_days), hours), max_size=8),
       stored=st.sampled_from(["rome", "utc", "iso"]), year=st.integers(2026, 2028))
def test_the_yearly_count_counts_the_italian_day_a_suspension_starts(started, stored, year):
    """A suspension from 1 January at 00:30 is in the new year in Italy though it is 31 December in UTC,
    however the moment was stored."""
    def kept(moment: datetime) -> datetime:
        if stored == "utc":
            return moment.astimezone(UTC)
        if stored == "iso":
            return datetime.fromisoformat(moment.isoformat())
        return moment

    information = PolicyInformation("DA20040117", suspensions=tuple(
        SuspensionPeriod(kept(starts_at(day, hour))) for day, hour in sorted(started, key=lambda s: (s[0], s[1] or time(0, 0)))))
    assert information.suspensions_started_in(year, ROME) == sum(1 for day, _ in started if day.year == year)


def test_new_year_s_first_half_hour_is_counted_in_the_new_year():
    information = PolicyInformation("DA20040117", suspensions=(
        SuspensionPeriod(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)),  # 00:30 on 1 January in Rome
        SuspensionPeriod(datetime(2026, 12, 31, 22, 59, tzinfo=UTC)),  # 23:59 on 31 December
    ))
    assert information.suspensions_started_in(2027, ROME) == 1
    assert information.suspensions_started_in(2026, ROME) == 1
    assert information.suspensions_started_in(2028, ROME) == 0
