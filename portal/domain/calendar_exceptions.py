"""The city's working calendar as the administrator keeps it: Vietnam's public holidays (from the
`holidays` package), plus extra days off and make-up working days, one declaration per day."""
from __future__ import annotations

import calendar as month_grid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.domain import audit
from portal.domain.formatting import day as day_text
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import CalendarException, User
from portal.models.calendar import EXCEPTION_KINDS

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class CalendarError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Day:
    """One day of the year as the calendar page shows it."""

    day: date
    kind: str  # working | weekend | holiday | day_off | working_day
    name: str | None = None
    note: str | None = None

    @property
    def weekday_label(self) -> str:
        return WEEKDAYS[self.day.weekday()]


def describe_day(calendar: WorkingCalendar, day: date, declared: dict[date, CalendarException]) -> Day:
    exception = declared.get(day)
    if exception is not None and exception.kind == "working_day":
        return Day(day, "working_day", EXCEPTION_KINDS["working_day"], exception.note)
    if exception is not None:
        return Day(day, "day_off", EXCEPTION_KINDS["day_off"], exception.note)
    name = calendar.holiday_name(day)
    if name is not None:
        return Day(day, "holiday", name)
    if day.weekday() >= 5:
        return Day(day, "weekend")
    return Day(day, "working")


@dataclass
class YearCalendar:
    year: int
    months: list[list[list[Day | None]]]  # month → weeks → Monday..Sunday (None outside the month)
    days_off: list[Day]  # public holidays and declared days off, in order
    working_days: list[Day]  # declared make-up working days
    exceptions: list[CalendarException]
    working_day_count: int


def year_calendar(year: int, calendar: WorkingCalendar) -> YearCalendar:
    """The year's working calendar: the package's holidays and the declared exceptions, day by day."""
    exceptions = list(db.session.scalars(
        select(CalendarException).where(CalendarException.day >= date(year, 1, 1),
                                        CalendarException.day <= date(year, 12, 31))
        .order_by(CalendarException.day)))
    declared = {exception.day: exception for exception in exceptions}
    months, days_off, working_days, count = [], [], [], 0
    grid = month_grid.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            row = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                described = describe_day(calendar, day, declared)
                row.append(described)
                if described.kind in ("working", "working_day"):
                    count += 1
                if described.kind in ("holiday", "day_off"):
                    days_off.append(described)
                if described.kind == "working_day":
                    working_days.append(described)
            weeks.append(row)
        months.append(weeks)
    return YearCalendar(year, months, days_off, working_days, exceptions, count)


def declare(day: date, kind: str, note: str, *, actor: User, now: datetime, address: str | None = None
            ) -> CalendarException:
    """Declare an extra day off, or a make-up working day; a day holds one declaration at most.

    A day off must be a day that would otherwise be worked, and a make-up day one that would otherwise
    be off (a weekend, or a day the holiday package marks), else the declaration would change nothing.
    """
    if kind not in EXCEPTION_KINDS:
        raise CalendarError("Vui lòng chọn loại ngày.", "kind")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarError(f"Chỉ khai báo được ngày trong các năm {FIRST_YEAR}–{LAST_YEAR}.", "day")
    note = " ".join((note or "").split())
    if not note:
        raise CalendarError("Vui lòng ghi căn cứ hoặc lý do (ví dụ: số văn bản của Thành phố).", "note")
    existing = db.session.scalar(select(CalendarException).where(CalendarException.day == day))
    if existing is not None:
        raise CalendarError(f"Ngày {day_text(day)} đã được khai báo là «{EXCEPTION_KINDS[existing.kind].lower()}»; "
                            "hãy xóa khai báo đó trước.", "day")
    plain = WorkingCalendar()
    holiday = plain.holiday_name(day)
    if kind == "day_off":
        if day.weekday() >= 5:
            raise CalendarError(f"Ngày {day_text(day)} là {WEEKDAYS[day.weekday()]}, vốn là ngày nghỉ.", "day")
        if holiday:
            raise CalendarError(f"Ngày {day_text(day)} đã là ngày nghỉ: {holiday}.", "day")
    elif day.weekday() < 5 and not holiday:
        raise CalendarError(f"Ngày {day_text(day)} ({WEEKDAYS[day.weekday()]}) vốn là ngày làm việc.", "day")
    exception = CalendarException(day=day, kind=kind, note=note[:200], created_by_id=actor.id, created_at=now)
    db.session.add(exception)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone declared the same day a moment ago; the caller rolls back.
        raise CalendarError(f"Ngày {day_text(day)} vừa được khai báo; hãy tải lại trang.", "day") from None
    audit.record("calendar_changed", now=now, actor=actor, target=day_text(day),
                 detail=f"Thêm {EXCEPTION_KINDS[kind].lower()}: {note}"[:2000], address=address)
    return exception


def remove(exception: CalendarException, *, actor: User, now: datetime, address: str | None = None) -> None:
    audit.record("calendar_changed", now=now, actor=actor, target=day_text(exception.day),
                 detail=f"Xóa {EXCEPTION_KINDS.get(exception.kind, exception.kind).lower()}: {exception.note}"[:2000],
                 address=address)
    db.session.delete(exception)
