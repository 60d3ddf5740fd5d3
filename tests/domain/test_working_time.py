"""Tests for portal.domain.working_time: real Hanoi dates, properties, Vietnamese labels.

Holiday facts are those of holidays==0.109 (pinned in requirements.txt).
"""

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.domain.working_time import (
    ADMIN_DAY_OFF_NAME,
    TZ,
    OfficeHours,
    WorkingCalendar,
    due_after_pause,
    due_at,
)

# Make-up working Saturdays decreed for 2025 (for 2/5) and 2026 (for 31/8).
MAKE_UP_DAYS = (date(2025, 4, 26), date(2026, 8, 22))
CAL = WorkingCalendar(working_days=MAKE_UP_DAYS)
HOUR = 3600
DAY = 8 * HOUR


def at(year, month, day, hour=0, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=TZ)


# --------------------------------------------------------------------------
# What the holidays package (0.109) says, and how the calendar reads it
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, name",
    [
        pytest.param(date(2026, 2, 16), "Giao thừa Tết Nguyên Đán", id="tet-2026-mon"),
        pytest.param(date(2026, 2, 17), "Tết Nguyên Đán", id="tet-2026-tue"),
        pytest.param(date(2026, 2, 20), "Mùng bốn Tết Nguyên Đán", id="tet-2026-fri"),
        pytest.param(date(2025, 4, 30), "Ngày Chiến thắng", id="30-4-2025"),
        pytest.param(date(2025, 5, 1), "Ngày Quốc tế Lao động", id="1-5-2025"),
        pytest.param(date(2025, 5, 2), "Ngày nghỉ (thay cho ngày 26/04/2025)", id="2-5-2025-swap"),
        pytest.param(date(2025, 9, 1), "Quốc khánh", id="1-9-2025"),
        pytest.param(date(2025, 9, 2), "Quốc khánh", id="2-9-2025"),
        pytest.param(date(2026, 8, 31), "Ngày nghỉ (thay cho ngày 22/08/2026)", id="31-8-2026-swap"),
        pytest.param(date(2026, 11, 24), "Ngày Văn hóa Việt Nam", id="24-11-2026-in-package"),
    ],
)
def test_package_holidays_are_days_off_with_vietnamese_names(day, name):
    assert CAL.holiday_name(day) == name
    assert not CAL.is_working_day(day)


def test_whole_tet_week_2026_is_off_and_surrounding_weeks_work():
    off = [date(2026, 2, 16) + timedelta(days=i) for i in range(5)]
    assert [CAL.is_working_day(d) for d in off] == [False] * 5
    assert CAL.is_working_day(date(2026, 2, 13))  # Friday before Tết
    assert CAL.is_working_day(date(2026, 2, 23))  # Monday after Tết


def test_make_up_saturdays_are_working_days_only_when_declared():
    bare = WorkingCalendar()
    for saturday in MAKE_UP_DAYS:
        assert saturday.weekday() == 5
        assert not bare.is_working_day(saturday)
        assert CAL.is_working_day(saturday)
        assert CAL.holiday_name(saturday) is None
        # A make-up day has normal office hours, closed at both ends.
        assert CAL.is_working_time(at(saturday.year, saturday.month, saturday.day, 8))
        assert CAL.is_working_time(at(saturday.year, saturday.month, saturday.day, 17))
        assert not CAL.is_working_time(at(saturday.year, saturday.month, saturday.day, 12, 30))


def test_admin_day_off_is_off_with_city_name():
    # 24/11 is already in the package, so an admin day off is shown on another date.
    extra = date(2026, 11, 23)  # Monday, hypothetically declared off by the city
    cal = WorkingCalendar(days_off=[extra], working_days=MAKE_UP_DAYS)
    assert CAL.is_working_day(extra)
    assert not cal.is_working_day(extra)
    assert cal.holiday_name(extra) == ADMIN_DAY_OFF_NAME
    # Declaring a package holiday again keeps the package's name.
    cal2 = WorkingCalendar(days_off=[date(2026, 11, 24)])
    assert cal2.holiday_name(date(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    # Received Friday 20/11 10:00, 1 working day: Mon 23 (city) and Tue 24 (package) are off.
    assert cal.add_working_days(at(2026, 11, 20, 10), 1) == at(2026, 11, 25, 17)


def test_plain_weekend_has_no_holiday_name():
    assert CAL.holiday_name(date(2025, 3, 8)) is None
    assert not CAL.is_working_day(date(2025, 3, 8))
    assert CAL.holiday_name(date(2025, 3, 10)) is None
    assert CAL.is_working_day(date(2025, 3, 10))


def test_day_both_off_and_working_is_rejected():
    with pytest.raises(ValueError):
        WorkingCalendar(days_off=[date(2025, 4, 26)], working_days=[date(2025, 4, 26)])


# --------------------------------------------------------------------------
# Due times on real dates
# --------------------------------------------------------------------------

DUE_CASES = [
    # Tết 2026: Mon 16 - Fri 20/2 off.
    pytest.param(at(2026, 2, 13, 10), {"days": 1}, at(2026, 2, 23, 17), id="tet2026-fri-1day"),
    pytest.param(at(2026, 2, 13, 16), {"hours": 2}, at(2026, 2, 23, 9), id="tet2026-fri16h-2h"),
    pytest.param(at(2026, 2, 18, 9), {"hours": 1}, at(2026, 2, 23, 9), id="tet2026-start-in-holiday"),
    # 30/4-1/5/2025, Fri 2/5 swapped for Sat 26/4 (worked).
    pytest.param(at(2025, 4, 25, 16), {"hours": 2}, at(2025, 4, 26, 9), id="2025-fri-into-makeup-sat"),
    pytest.param(at(2025, 4, 25, 10), {"days": 1}, at(2025, 4, 26, 17), id="2025-makeup-sat-is-day-1"),
    pytest.param(at(2025, 4, 25, 10), {"days": 3}, at(2025, 4, 29, 17), id="2025-fri-3days"),
    pytest.param(at(2025, 4, 25, 10), {"days": 4}, at(2025, 5, 5, 17), id="2025-over-30-4-to-4-5"),
    pytest.param(at(2025, 4, 29, 15), {"hours": 4}, at(2025, 5, 5, 10), id="2025-tue-15h-4h"),
    pytest.param(at(2025, 4, 29, 15), {"days": 1}, at(2025, 5, 5, 17), id="2025-tue-1day"),
    # 1/9 (Mon) and 2/9 (Tue) 2025 are both off.
    pytest.param(at(2025, 8, 29, 16), {"hours": 8}, at(2025, 9, 3, 16), id="2025-quoc-khanh-8h"),
    pytest.param(at(2025, 8, 29, 10), {"days": 1}, at(2025, 9, 3, 17), id="2025-quoc-khanh-1day"),
    # 2026: Sat 22/8 worked, Mon 31/8 + Tue 1/9 + Wed 2/9 off.
    pytest.param(at(2026, 8, 21, 16), {"hours": 2}, at(2026, 8, 22, 9), id="2026-makeup-sat-22-8"),
    pytest.param(at(2026, 8, 28, 16), {"days": 1}, at(2026, 9, 3, 17), id="2026-quoc-khanh-1day"),
    # 24/11/2026 (Tue), Ngày Văn hóa Việt Nam.
    pytest.param(at(2026, 11, 23, 9), {"days": 1}, at(2026, 11, 25, 17), id="2026-24-11-1day"),
    pytest.param(at(2026, 11, 23, 15), {"hours": 4}, at(2026, 11, 25, 10), id="2026-24-11-4h"),
    # An ordinary week (March 2025): Friday 16:30.
    pytest.param(at(2025, 3, 7, 16, 30), {"hours": 8}, at(2025, 3, 10, 16, 30), id="fri-1630-8h"),
    pytest.param(at(2025, 3, 7, 16, 30), {"days": 2}, at(2025, 3, 11, 17), id="fri-1630-2days"),
    # Start on a Sunday: moves to Monday 08:00; the Sunday is the (uncounted) start day.
    pytest.param(at(2025, 3, 9, 10), {"hours": 3}, at(2025, 3, 10, 11), id="sunday-3h"),
    pytest.param(at(2025, 3, 9, 10), {"days": 1}, at(2025, 3, 10, 17), id="sunday-1day"),
    # Start at lunch 12:30: counts from 13:00.
    pytest.param(at(2025, 3, 10, 12, 30), {"hours": 2}, at(2025, 3, 10, 15), id="lunch-2h"),
    pytest.param(at(2025, 3, 10, 12, 30), {"hours": 0}, at(2025, 3, 10, 13), id="lunch-0h"),
    pytest.param(at(2025, 3, 10, 12, 30), {"hours": 4}, at(2025, 3, 10, 17), id="lunch-4h-ends-at-close"),
    # End-of-period convention: a result exactly at a period end stays there.
    pytest.param(at(2025, 3, 10, 8), {"hours": 4}, at(2025, 3, 10, 12), id="ends-at-noon"),
    pytest.param(at(2025, 3, 10, 8), {"hours": 8}, at(2025, 3, 10, 17), id="ends-at-17h-same-day"),
    pytest.param(at(2025, 3, 7, 8), {"hours": 16}, at(2025, 3, 10, 17), id="fri-16h-ends-mon-17h"),
    pytest.param(at(2025, 3, 10, 17), {"hours": 0.5}, at(2025, 3, 11, 8, 30), id="start-at-close"),
    pytest.param(at(2025, 3, 10, 18), {"hours": 1.25}, at(2025, 3, 11, 9, 15), id="evening-start"),
    # Received before opening: the start day is still not counted for day deadlines.
    pytest.param(at(2025, 3, 10, 7), {"days": 1}, at(2025, 3, 11, 17), id="before-opening-1day"),
    # Received on Friday 16:30 just before a holiday: the half hour left, then the first day back.
    pytest.param(at(2026, 2, 13, 16, 30), {"hours": 8}, at(2026, 2, 23, 16, 30), id="fri-1630-before-tet-2026"),
    pytest.param(at(2025, 4, 25, 16, 30), {"hours": 8}, at(2025, 4, 26, 16, 30), id="fri-1630-into-makeup-26-4"),
    pytest.param(at(2026, 8, 28, 16, 30), {"hours": 8}, at(2026, 9, 3, 16, 30), id="fri-1630-before-2-9-2026"),
    # Received on a holiday itself (30/4/2025): the holiday is the uncounted start day.
    pytest.param(at(2025, 4, 30, 10), {"days": 1}, at(2025, 5, 5, 17), id="received-on-30-4"),
    # Across the year end: 1/1/2026 (Thu) off.
    pytest.param(at(2025, 12, 31, 16), {"hours": 2}, at(2026, 1, 2, 9), id="new-year-2026"),
]


@pytest.mark.parametrize("start, budget, expected", DUE_CASES)
def test_due_at_on_real_dates(start, budget, expected):
    result = due_at(CAL, start, **budget)
    assert result == expected
    assert result.tzinfo is TZ
    assert CAL.is_working_time(result)


def test_due_at_accepts_utc_and_returns_local():
    # Friday 7/3/2025 16:30 in Hanoi is 09:30 UTC.
    start = datetime(2025, 3, 7, 9, 30, tzinfo=timezone.utc)
    result = due_at(CAL, start, hours=8)
    assert result == at(2025, 3, 10, 16, 30)
    assert (result.year, result.month, result.day, result.hour, result.minute) == (2025, 3, 10, 16, 30)
    assert result.tzinfo is TZ


def test_due_at_needs_exactly_one_budget():
    with pytest.raises(ValueError):
        due_at(CAL, at(2025, 3, 10, 9))
    with pytest.raises(ValueError):
        due_at(CAL, at(2025, 3, 10, 9), hours=1, days=1)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: CAL.add_working_hours(datetime(2025, 3, 10, 9), 1), id="add-hours"),
        pytest.param(lambda: CAL.add_working_days(datetime(2025, 3, 10, 9), 1), id="add-days"),
        pytest.param(lambda: CAL.is_working_time(datetime(2025, 3, 10, 9)), id="is-working-time"),
        pytest.param(lambda: CAL.next_working_moment(datetime(2025, 3, 10, 9)), id="next-moment"),
        pytest.param(
            lambda: CAL.working_seconds_between(datetime(2025, 3, 10, 9), at(2025, 3, 10, 10)),
            id="between",
        ),
        pytest.param(lambda: CAL.describe_remaining(at(2025, 3, 10, 9), datetime(2025, 3, 10, 9)), id="describe"),
        pytest.param(lambda: CAL.is_overdue(datetime(2025, 3, 10, 9), at(2025, 3, 10, 9)), id="overdue"),
    ],
)
def test_naive_datetimes_are_rejected(call):
    with pytest.raises(ValueError):
        call()


def test_negative_and_invalid_budgets_are_rejected():
    with pytest.raises(ValueError):
        CAL.add_working_seconds(at(2025, 3, 10, 9), -1)
    with pytest.raises(ValueError):
        CAL.add_working_hours(at(2025, 3, 10, 9), float("nan"))
    with pytest.raises(ValueError):
        CAL.add_working_days(at(2025, 3, 10, 9), 0)


def test_next_working_moment():
    assert CAL.next_working_moment(at(2025, 3, 10, 10)) == at(2025, 3, 10, 10)
    assert CAL.next_working_moment(at(2025, 3, 10, 12)) == at(2025, 3, 10, 12)
    assert CAL.next_working_moment(at(2025, 3, 10, 12, 0, 1)) == at(2025, 3, 10, 13)
    assert CAL.next_working_moment(at(2025, 3, 10, 17, 0, 1)) == at(2025, 3, 11, 8)
    assert CAL.next_working_moment(at(2025, 4, 29, 18)) == at(2025, 5, 5, 8)
    assert CAL.next_working_moment(at(2026, 2, 14, 9)) == at(2026, 2, 23, 8)


def test_long_spans_are_exact():
    start = at(2025, 1, 2, 8)
    # 2025 has 250 working days with Sat 26/4 worked; 1/1 is off, so all 250 run from Thu 2/1 to Wed 31/12.
    assert CAL.working_seconds_between(at(2025, 1, 1), at(2026, 1, 1)) == 250 * DAY
    assert CAL.add_working_seconds(start, 250 * DAY) == at(2025, 12, 31, 17)
    assert CAL.add_working_seconds(start, 250 * DAY + 1) == at(2026, 1, 2, 8, 0, 1)
    assert CAL.add_working_days(at(2025, 1, 1, 9), 250) == at(2025, 12, 31, 17)
    assert CAL.add_working_days(at(2025, 1, 1, 9), 251) == at(2026, 1, 2, 17)


def test_custom_office_hours():
    hours = OfficeHours(((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30))))
    assert hours.seconds_per_day == 8 * HOUR
    cal = WorkingCalendar(hours=hours)
    assert cal.add_working_hours(at(2025, 3, 7, 16, 30), 2) == at(2025, 3, 10, 8, 30)
    assert cal.add_working_days(at(2025, 3, 7, 16, 30), 1) == at(2025, 3, 10, 17, 30)
    assert OfficeHours().seconds_per_day == 8 * HOUR
    with pytest.raises(ValueError):
        OfficeHours(((time(13), time(17)), (time(8), time(12))))
    with pytest.raises(ValueError):
        OfficeHours(((time(9), time(9)),))


# --------------------------------------------------------------------------
# Pauses
# --------------------------------------------------------------------------


def test_pause_over_the_30_4_holiday():
    # Received Mon 28/4/2025 10:00 with 16 working hours: 6 h Mon + 8 h Tue + 2 h Mon 5/5.
    received = at(2025, 4, 28, 10)
    due = CAL.add_working_hours(received, 16)
    assert due == at(2025, 5, 5, 10)
    # Paused Tue 29/4/2025 10:00 (29/4/2025 is a Tuesday), resumed Mon 5/5/2025 09:00:
    # Tue 10-12 + 13-17 = 6 h; 30/4, 1/5, 2/5 off; weekend; Mon 08-09 = 1 h.
    paused_at, resumed_at = at(2025, 4, 29, 10), at(2025, 5, 5, 9)
    paused = CAL.working_seconds_between(paused_at, resumed_at)
    assert paused == 7 * HOUR == 25200
    new_due = due_after_pause(CAL, due, paused_at, resumed_at)
    # Mon 5/5 10:00 + 7 h = 10-12, 13-17 (6 h), Tue 6/5 08-09.
    assert new_due == at(2025, 5, 6, 9)
    assert new_due == CAL.add_working_seconds(due, paused)
    assert CAL.working_seconds_between(due, new_due) == paused
    # The case still gets its full 16 working hours outside the pause.
    budget_left_at_pause = CAL.working_seconds_between(paused_at, due)
    assert CAL.add_working_seconds(resumed_at, budget_left_at_pause) == new_due


def test_pause_over_tet_2026_counts_only_the_working_days_around_it():
    # Due Thu 12/2/2026 17:00; paused Thu 10:00, resumed Tue 24/2 09:00 after the Tết week (16-20/2):
    # Thu 6 h + Fri 13/2 8 h + Mon 23/2 8 h + Tue 1 h = 23 working hours paused.
    due = CAL.add_working_hours(at(2026, 2, 11, 8), 16)
    assert due == at(2026, 2, 12, 17)
    paused_at, resumed_at = at(2026, 2, 12, 10), at(2026, 2, 24, 9)
    assert CAL.working_seconds_between(paused_at, resumed_at) == 23 * HOUR
    assert due_after_pause(CAL, due, paused_at, resumed_at) == at(2026, 2, 24, 16)


def test_pause_entirely_outside_working_time_moves_nothing():
    due = at(2025, 3, 12, 15)
    assert due_after_pause(CAL, due, at(2025, 3, 7, 17), at(2025, 3, 10, 8)) == due


# --------------------------------------------------------------------------
# working_seconds_between
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, seconds",
    [
        pytest.param(at(2025, 3, 10, 9), at(2025, 3, 10, 10), HOUR, id="same-morning"),
        pytest.param(at(2025, 3, 10, 11), at(2025, 3, 10, 14), 2 * HOUR, id="over-lunch"),
        pytest.param(at(2025, 3, 7, 16, 30), at(2025, 3, 10, 8, 30), HOUR, id="over-weekend"),
        pytest.param(at(2025, 3, 10, 12, 15), at(2025, 3, 10, 12, 45), 0, id="inside-lunch"),
        pytest.param(at(2026, 2, 13, 17), at(2026, 2, 23, 8), 0, id="tet-2026"),
        pytest.param(at(2025, 3, 10, 10), at(2025, 3, 10, 9), -HOUR, id="negative"),
        pytest.param(at(2025, 3, 10), at(2025, 3, 15), 5 * DAY, id="whole-week"),
    ],
)
def test_working_seconds_between_examples(start, end, seconds):
    assert CAL.working_seconds_between(start, end) == seconds


# --------------------------------------------------------------------------
# describe_remaining / is_overdue
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, now, label",
    [
        # 7 h Mon + 8 h Tue + 8 h Wed = 23 h -> 2 whole working days.
        pytest.param(at(2025, 3, 12, 17), at(2025, 3, 10, 9), "còn 2 ngày làm việc", id="2-days"),
        pytest.param(at(2025, 3, 11, 17), at(2025, 3, 10, 17), "còn 1 ngày làm việc", id="exactly-8h"),
        pytest.param(at(2025, 3, 10, 17), at(2025, 3, 10, 14), "còn 3 giờ làm việc", id="3-hours"),
        pytest.param(at(2025, 3, 11, 16, 59), at(2025, 3, 10, 17), "còn 7 giờ làm việc", id="7h59-rounds-down"),
        pytest.param(at(2025, 3, 10, 13, 30), at(2025, 3, 10, 11, 30), "còn 1 giờ làm việc", id="over-lunch"),
        pytest.param(at(2025, 3, 10, 17), at(2025, 3, 10, 16, 15), "còn 45 phút", id="45-minutes"),
        pytest.param(at(2025, 3, 10, 17), at(2025, 3, 10, 16, 59, 30), "còn dưới 1 phút", id="30-seconds"),
        pytest.param(at(2025, 5, 5, 10), at(2025, 4, 29, 16), "còn 3 giờ làm việc", id="over-30-4"),
        pytest.param(at(2025, 3, 10, 17), at(2025, 3, 10, 17), "đến hạn", id="due-now"),
        # Past due only outside office hours: no working time overdue yet.
        pytest.param(at(2025, 3, 7, 17), at(2025, 3, 8, 10), "đến hạn", id="due-fri-now-sat"),
        pytest.param(at(2025, 3, 10, 14), at(2025, 3, 10, 17), "quá hạn 3 giờ", id="overdue-3h"),
        pytest.param(at(2025, 3, 10, 17), at(2025, 3, 12, 17), "quá hạn 2 ngày làm việc", id="overdue-2-days"),
        pytest.param(at(2025, 3, 10, 16), at(2025, 3, 10, 16, 20), "quá hạn 20 phút", id="overdue-20m"),
        pytest.param(at(2025, 3, 7, 17), at(2025, 3, 10, 8, 0, 30), "quá hạn dưới 1 phút", id="overdue-30s"),
    ],
)
def test_describe_remaining_in_vietnamese(due, now, label):
    assert CAL.describe_remaining(due, now) == label


def test_is_overdue_is_wall_clock():
    due = at(2025, 3, 7, 17)
    assert not CAL.is_overdue(due, due)
    assert CAL.is_overdue(due, due + timedelta(seconds=1))
    assert CAL.is_overdue(due, at(2025, 3, 8, 10))  # Saturday: overdue though "đến hạn"
    assert not CAL.is_overdue(due, at(2025, 3, 7, 16))


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Years around the seed data, in Hanoi and in UTC (the database stores UTC).
moments = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([TZ, timezone.utc]),
)
whole_minutes = moments.map(lambda m: m.replace(second=0, microsecond=0))
seconds_budget = st.integers(min_value=0, max_value=60 * DAY)
quarter_hours = st.integers(min_value=0, max_value=4 * 8 * 40).map(lambda q: q / 4)


def reference_seconds_between(cal, start, end):
    """Slow oracle: intersect [start, end] with each office period of each working day."""
    if end < start:
        return -reference_seconds_between(cal, end, start)
    start, end = start.astimezone(TZ), end.astimezone(TZ)
    total = timedelta()
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            for open_, close in cal.hours.periods:
                lo = max(start, datetime.combine(day, open_, TZ))
                hi = min(end, datetime.combine(day, close, TZ))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return int(total.total_seconds())


@PROPS
@given(start=moments, hours=quarter_hours)
def test_due_in_hours_is_always_working_time(start, hours):
    due = CAL.add_working_hours(start, hours)
    assert CAL.is_working_time(due)
    assert due >= start
    assert due.tzinfo is TZ


@PROPS
@given(start=moments, days=st.integers(min_value=1, max_value=300))
def test_due_in_days_is_close_of_a_working_day(start, days):
    due = CAL.add_working_days(start, days)
    assert CAL.is_working_time(due)
    assert due.timetz() == time(17, tzinfo=TZ)
    local_start = start.astimezone(TZ).date()
    assert due.date() > local_start
    # Exactly `days` working days in (start day, due day].
    first = local_start + timedelta(days=1)
    count = sum(CAL.is_working_day(first + timedelta(days=i)) for i in range((due.date() - first).days + 1))
    assert count == days


@PROPS
@given(start=moments, a=quarter_hours, b=quarter_hours)
def test_adding_a_then_b_hours_equals_adding_a_plus_b(start, a, b):
    assert CAL.add_working_hours(CAL.add_working_hours(start, a), b) == CAL.add_working_hours(start, a + b)


@PROPS
@given(start=moments, a=seconds_budget, b=seconds_budget)
def test_adding_a_then_b_seconds_equals_adding_a_plus_b(start, a, b):
    assert CAL.add_working_seconds(CAL.add_working_seconds(start, a), b) == CAL.add_working_seconds(start, a + b)


@PROPS
@given(start=moments, seconds=seconds_budget)
def test_between_inverts_add(start, seconds):
    working_start = CAL.next_working_moment(start)
    assert CAL.is_working_time(working_start)
    end = CAL.add_working_seconds(working_start, seconds)
    assert CAL.working_seconds_between(working_start, end) == seconds
    # Also from a start outside working time: the gap before it is not working time.
    assert CAL.working_seconds_between(start, CAL.add_working_seconds(start, seconds)) == seconds


@PROPS
@given(received=moments, budget=seconds_budget, pause_start=moments, pause_hours=quarter_hours)
def test_pausing_moves_due_by_exactly_the_paused_working_time(received, budget, pause_start, pause_hours):
    due = CAL.add_working_seconds(received, budget)
    resumed = CAL.add_working_hours(pause_start, pause_hours)
    paused = CAL.working_seconds_between(pause_start, resumed)
    assert paused == round(pause_hours * HOUR)
    new_due = due_after_pause(CAL, due, pause_start, resumed)
    assert CAL.working_seconds_between(due, new_due) == paused
    assert CAL.working_seconds_between(received, new_due) == budget + paused


@PROPS
@given(a=moments, b=moments, c=moments)
def test_working_seconds_between_is_additive(a, b, c):
    ab = CAL.working_seconds_between(a, b)
    assert ab == -CAL.working_seconds_between(b, a)
    assert ab + CAL.working_seconds_between(b, c) == CAL.working_seconds_between(a, c)


@PROPS
@given(start=whole_minutes, span=st.integers(min_value=-30 * 24 * 60, max_value=30 * 24 * 60))
def test_working_seconds_between_matches_slow_reference(start, span):
    end = start + timedelta(minutes=span)
    assert CAL.working_seconds_between(start, end) == reference_seconds_between(CAL, start, end)
