"""Legal working time for Hanoi: deadlines counted in working hours and working days.

Working time is Monday-Friday during office hours (default 08:00-12:00 and
13:00-17:00, Asia/Ho_Chi_Minh wall clock), minus Vietnam's public holidays as
given by the ``holidays`` package, minus extra days off declared by an
administrator, plus make-up working days (usually Saturdays) declared by an
administrator. A make-up day has normal office hours.

Conventions
-----------
* Office periods are closed intervals: 12:00 and 17:00 are working moments
  (the last instant of their period). A deadline that uses up its budget
  exactly at the end of a period is due at that end (17:00 on the working day,
  never 08:00 of the next one), so every due time is inside working time.
* Durations are measured in working seconds. ``working_seconds_between``
  truncates each endpoint to the whole second, which keeps it exactly additive
  (``between(a, b) + between(b, c) == between(a, c)``) and exact on results of
  ``add_working_seconds``.
* "N working days" ends at the close of business (end of the last period) of
  the Nth working day after the start day; the start day is never counted.
* All datetimes taken must be timezone-aware; all datetimes returned are aware
  in ``TZ``. Vietnam has had no daylight-saving time since 1975, so local wall
  clock arithmetic is safe.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Iterable
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "TZ",
    "ADMIN_DAY_OFF_NAME",
    "OfficeHours",
    "WorkingCalendar",
    "due_at",
    "due_after_pause",
]

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

ADMIN_DAY_OFF_NAME = "Nghỉ bù / nghỉ theo quyết định của Thành phố"

_US = 1_000_000  # microseconds per second
_MIN_YEAR = 1
_MAX_YEAR = 9999


@lru_cache(maxsize=None)
def _package_holidays(year: int) -> dict[date, str]:
    """Vietnamese public holidays of one year from the ``holidays`` package, with Vietnamese names."""
    # Building a country calendar costs ~0.1 s, so each year is built once per process.
    return dict(holidays.country_holidays("VN", years=year, language="vi"))


@dataclass(frozen=True)
class OfficeHours:
    """Office periods of a working day, as local wall-clock (start, end) pairs, sorted and disjoint."""

    periods: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(13), time(17)))

    def __post_init__(self) -> None:
        periods = tuple((start, end) for start, end in self.periods)
        if not periods:
            raise ValueError("office hours need at least one period")
        previous_end = None
        for start, end in periods:
            for moment in (start, end):
                if not isinstance(moment, time) or moment.tzinfo is not None:
                    raise ValueError("office hours are naive local times")
                if moment.microsecond:
                    # Whole-second boundaries keep working_seconds_between exactly additive.
                    raise ValueError("office hours must be whole seconds")
            if not start < end:
                raise ValueError(f"office period {start}-{end} is empty")
            if previous_end is not None and start < previous_end:
                raise ValueError("office periods must be sorted and must not overlap")
            previous_end = end
        object.__setattr__(self, "periods", periods)

    @property
    def seconds_per_day(self) -> int:
        """Number of working seconds in one full working day (28 800 for 8 hours)."""
        return sum(_seconds(end) - _seconds(start) for start, end in self.periods)

    def _microsecond_periods(self) -> tuple[tuple[int, int], ...]:
        return tuple((_seconds(start) * _US, _seconds(end) * _US) for start, end in self.periods)


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _local_date(value: date) -> date:
    """A date as given, or the local (TZ) date of an aware datetime."""
    if isinstance(value, datetime):
        return _split_aware(value)[0]
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def _split_aware(moment: datetime) -> tuple[date, int]:
    """(local date, microseconds since local midnight) of an aware datetime."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: working time needs timezone-aware datetimes")
    if moment.tzinfo is not TZ:
        moment = moment.astimezone(TZ)
    return (
        moment.date(),
        ((moment.hour * 60 + moment.minute) * 60 + moment.second) * _US + moment.microsecond,
    )


def _join(ordinal: int, micros: int) -> datetime:
    day = date.fromordinal(ordinal)
    seconds, micro = divmod(micros, _US)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=TZ)


def _to_micros(seconds: float) -> int:
    if isinstance(seconds, bool):
        raise TypeError("a duration is a number of seconds, not a bool")
    if isinstance(seconds, int):
        micros = seconds * _US
    else:
        if not math.isfinite(seconds):
            raise ValueError(f"duration must be finite, got {seconds!r}")
        micros = round(seconds * _US)
    if micros < 0:
        raise ValueError(f"duration must not be negative, got {seconds!r}")
    return micros


class _DayIndex:
    """Sorted working-day ordinals for a contiguous range of years, plus a set for membership."""

    __slots__ = ("first_year", "last_year", "lo", "hi", "ordinals", "members")

    def __init__(self, first_year: int, last_year: int, ordinals: list[int]) -> None:
        self.first_year = first_year
        self.last_year = last_year
        self.lo = date(first_year, 1, 1).toordinal()
        self.hi = date(last_year, 12, 31).toordinal()
        self.ordinals = ordinals
        self.members = frozenset(ordinals)


class WorkingCalendar:
    """Working days and office hours of Hanoi's administration.

    ``days_off`` are extra days off declared by the administrator; ``working_days``
    are make-up days worked although the weekend or the holiday package says off.
    """

    def __init__(
        self,
        days_off: Iterable[date] = (),
        working_days: Iterable[date] = (),
        hours: OfficeHours = OfficeHours(),
    ) -> None:
        self.days_off: frozenset[date] = frozenset(_local_date(d) for d in days_off)
        self.working_days: frozenset[date] = frozenset(_local_date(d) for d in working_days)
        both = self.days_off & self.working_days
        if both:
            raise ValueError(f"dates declared both off and working: {sorted(both)}")
        if not isinstance(hours, OfficeHours):
            raise TypeError("hours must be an OfficeHours")
        self.hours = hours
        self._periods = hours._microsecond_periods()
        self._day_us = hours.seconds_per_day * _US
        self._close_us = self._periods[-1][1]
        self._open_us = self._periods[0][0]
        self._year_cache: dict[int, list[int]] = {}
        self._lock = threading.Lock()
        self._index: _DayIndex | None = None

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(days_off={sorted(self.days_off)!r}, "
            f"working_days={sorted(self.working_days)!r}, hours={self.hours!r})"
        )

    # -- day-level structure -------------------------------------------------

    def _year_working_ordinals(self, year: int) -> list[int]:
        """Sorted ordinals of the working days of one year (built once per year)."""
        cached = self._year_cache.get(year)
        if cached is not None:
            return cached
        off = set(_package_holidays(year))
        off.update(d for d in self.days_off if d.year == year)
        extra = {d for d in self.working_days if d.year == year}
        start = date(year, 1, 1).toordinal()
        end = date(year, 12, 31).toordinal()
        result = []
        for ordinal in range(start, end + 1):
            day = date.fromordinal(ordinal)
            if day in extra or (day.weekday() < 5 and day not in off):
                result.append(ordinal)
        self._year_cache[year] = result
        return result

    def _covering(self, first_year: int, last_year: int) -> _DayIndex:
        """The day index, extended if needed so it covers [first_year, last_year]."""
        index = self._index
        if index is not None and index.first_year <= first_year and last_year <= index.last_year:
            return index
        if first_year < _MIN_YEAR or last_year > _MAX_YEAR:
            raise OverflowError("working time outside years 1-9999")
        with self._lock:
            index = self._index
            if index is not None:
                first_year = min(first_year, index.first_year)
                last_year = max(last_year, index.last_year)
            ordinals: list[int] = []
            for year in range(first_year, last_year + 1):
                ordinals.extend(self._year_working_ordinals(year))
            # One assignment publishes the new index, so concurrent readers see old or new, never half.
            self._index = _DayIndex(first_year, last_year, ordinals)
            return self._index

    def _index_for(self, ordinal: int) -> _DayIndex:
        index = self._index
        if index is not None and index.lo <= ordinal <= index.hi:
            return index
        year = date.fromordinal(ordinal).year
        # Cover the next year too: most deadlines near December end in January.
        return self._covering(year, min(year + 1, _MAX_YEAR))

    def _is_working_ordinal(self, ordinal: int) -> bool:
        return ordinal in self._index_for(ordinal).members

    def _nth_working_day_after(self, ordinal: int, n: int) -> int:
        """Ordinal of the nth (n >= 1) working day strictly after ``ordinal``."""
        index = self._index_for(ordinal)
        position = bisect_right(index.ordinals, ordinal) + n - 1
        while position >= len(index.ordinals):
            if index.last_year >= _MAX_YEAR:
                raise OverflowError("working time beyond year 9999")
            missing = position - len(index.ordinals) + 1
            # About 245 working days a year; over-extend a little rather than loop year by year.
            more_years = missing // 200 + 1
            index = self._covering(index.first_year, min(index.last_year + more_years, _MAX_YEAR))
            position = bisect_right(index.ordinals, ordinal) + n - 1
        return index.ordinals[position]

    def _working_days_in(self, first: int, stop: int) -> int:
        """Number of working days d with first <= d < stop (first <= stop)."""
        index = self._index_for(first)
        if stop > index.hi:
            index = self._covering(index.first_year, date.fromordinal(stop).year)
        return bisect_left(index.ordinals, stop) - bisect_left(index.ordinals, first)

    def _worked_before(self, micros: int) -> int:
        """Working microseconds of a working day between midnight and ``micros``."""
        total = 0
        for start, end in self._periods:
            if micros <= start:
                break
            total += (micros if micros < end else end) - start
        return total

    # -- public API ----------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` (a date, or the local date of an aware datetime) has office hours."""
        return self._is_working_ordinal(_local_date(day).toordinal())

    def holiday_name(self, day: date) -> str | None:
        """Why a weekday is off: the Vietnamese holiday name from the package, or
        ``ADMIN_DAY_OFF_NAME`` for a day off declared by the administrator.

        None for working days (including make-up days) and for plain weekends.
        """
        day = _local_date(day)
        if day in self.working_days:
            return None
        name = _package_holidays(day.year).get(day)
        if name is not None:
            return name
        if day in self.days_off:
            return ADMIN_DAY_OFF_NAME
        return None

    def is_working_time(self, moment: datetime) -> bool:
        """True if ``moment`` lies in an office period of a working day; period ends count (closed intervals)."""
        day, micros = _split_aware(moment)
        if not self._is_working_ordinal(day.toordinal()):
            return False
        return any(start <= micros <= end for start, end in self._periods)

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself if it is working time, else the opening of the next office period."""
        return self.add_working_seconds(moment, 0)

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment at which ``seconds`` (>= 0) of working time have elapsed since ``start``.

        A start outside working time first moves to the next working moment. A
        result at the exact end of a period stays there (e.g. 17:00, not 08:00 the
        next working day). Sub-second precision of ``start`` is kept.
        """
        remaining = _to_micros(seconds)
        day, micros = _split_aware(start)
        ordinal = day.toordinal()
        if self._is_working_ordinal(ordinal):
            for period_start, period_end in self._periods:
                if micros <= period_end:
                    begin = period_start if micros < period_start else micros
                    available = period_end - begin
                    if remaining <= available:
                        return _join(ordinal, begin + remaining)
                    remaining -= available
        # The rest is taken from whole working days after the start day.
        full_days, rest = divmod(remaining, self._day_us)
        if rest == 0 and full_days > 0:
            # Landing exactly on a day's close stays on that day (closed-end convention).
            full_days -= 1
            rest = self._day_us
        target = self._nth_working_day_after(ordinal, full_days + 1)
        for period_start, period_end in self._periods:
            length = period_end - period_start
            if rest <= length:
                return _join(target, period_start + rest)
            rest -= length
        raise AssertionError("unreachable: rest never exceeds a working day")

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment at which ``hours`` (>= 0) working hours have elapsed since ``start``; see ``add_working_seconds``."""
        if isinstance(hours, bool):
            raise TypeError("hours must be a number")
        if not math.isfinite(hours):
            raise ValueError(f"hours must be finite, got {hours!r}")
        return self.add_working_seconds(start, hours * 3600)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Close of business (end of the last office period) of the ``days``-th working day after
        the start's local date; the start day itself is never counted. ``days`` must be >= 1.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError("days must be an int")
        if days < 1:
            raise ValueError(f"days must be >= 1, got {days}")
        day, _ = _split_aware(start)
        target = self._nth_working_day_after(day.toordinal(), days)
        return _join(target, self._close_us)

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Working seconds from ``start`` to ``end``; negative if ``end`` is before ``start``.

        Each endpoint is truncated to the whole second, so the result is an exact
        integer and additive over consecutive intervals.
        """
        start_day, start_us = _split_aware(start)
        end_day, end_us = _split_aware(end)
        start_us -= start_us % _US
        end_us -= end_us % _US
        first, last = start_day.toordinal(), end_day.toordinal()
        if (last, end_us) < (first, start_us):
            return -self._between(last, end_us, first, start_us)
        return self._between(first, start_us, last, end_us)

    def _between(self, first: int, first_us: int, last: int, last_us: int) -> int:
        # Working time = all of the days [first, last) minus the part of `first` before
        # first_us, plus the part of `last` before last_us.
        total = self._working_days_in(first, last) * self._day_us
        if self._is_working_ordinal(first):
            total -= self._worked_before(first_us)
        if self._is_working_ordinal(last):
            total += self._worked_before(last_us)
        return total // _US

    def describe_remaining(self, due_at: datetime, now: datetime) -> str:
        """Vietnamese label for the working time left until ``due_at`` (or past it) as of ``now``.

        With W = working seconds between ``now`` and ``due_at``, all rounded down:
        W >= one working day (``seconds_per_day``) -> "còn N ngày làm việc";
        W >= 1 hour -> "còn N giờ làm việc"; W >= 1 minute -> "còn N phút";
        0 < W < 1 minute -> "còn dưới 1 phút"; W == 0 -> "đến hạn".
        Overdue (W < 0) uses the same magnitude rule: "quá hạn N ngày làm việc",
        "quá hạn N giờ", "quá hạn N phút", "quá hạn dưới 1 phút".
        W == 0 also covers a deadline that passed outside office hours (e.g. due
        Friday 17:00, now Saturday): no working time is overdue yet, though
        ``is_overdue`` is already True.
        """
        remaining = self.working_seconds_between(now, due_at)
        if remaining == 0:
            return "đến hạn"
        overdue = remaining < 0
        magnitude = -remaining if overdue else remaining
        prefix = "quá hạn" if overdue else "còn"
        day_seconds = self._day_us // _US  # hours.seconds_per_day, summed once in __init__
        if magnitude >= day_seconds:
            return f"{prefix} {magnitude // day_seconds} ngày làm việc"
        if magnitude >= 3600:
            unit = "giờ" if overdue else "giờ làm việc"
            return f"{prefix} {magnitude // 3600} {unit}"
        if magnitude >= 60:
            return f"{prefix} {magnitude // 60} phút"
        return f"{prefix} dưới 1 phút"

    def is_overdue(self, due_at: datetime, now: datetime) -> bool:
        """True if ``now`` is strictly after ``due_at`` (wall-clock comparison, not working time)."""
        _split_aware(due_at)
        _split_aware(now)
        return now > due_at


def due_at(
    calendar: WorkingCalendar,
    start: datetime,
    *,
    hours: float | None = None,
    days: int | None = None,
) -> datetime:
    """Due time of a case received at ``start`` with a budget of ``hours`` working hours
    or ``days`` working days (exactly one of them)."""
    if (hours is None) == (days is None):
        raise ValueError("give exactly one of hours= or days=")
    if hours is not None:
        return calendar.add_working_hours(start, hours)
    return calendar.add_working_days(start, days)


def due_after_pause(
    calendar: WorkingCalendar,
    due: datetime,
    paused_at: datetime,
    resumed_at: datetime,
) -> datetime:
    """New due time after a pause: ``due`` moved forward by the working seconds from
    ``paused_at`` to ``resumed_at`` (time spent paused does not count)."""
    paused = calendar.working_seconds_between(paused_at, resumed_at)
    if paused < 0:
        raise ValueError("resumed_at is before paused_at")
    return calendar.add_working_seconds(due, paused)
