"""Deadlines of cases: the city's working calendar and each category's processing time."""
from __future__ import annotations

import time
from datetime import datetime
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from portal.domain.working_time import WorkingCalendar, due_at
from portal.extensions import db
from portal.models import CalendarException, Category


def load_calendar() -> WorkingCalendar:
    """The working calendar in force: Vietnam's holidays plus the administrator's exceptions."""
    rows = db.session.execute(_EXCEPTIONS).all()
    return _calendar(frozenset(day for day, kind in rows if kind == "day_off"),
                     frozenset(day for day, kind in rows if kind == "working_day"))


# Read on every page that shows a deadline: built once (SQLAlchemy keeps its compiled form).
_EXCEPTIONS = select(CalendarException.day, CalendarException.kind)

# How old the calendar a page shows the time left with may be (see shown_calendar).
SHOWN_CALENDAR_SECONDS = 10.0
_SHOWN = "portal_shown_calendar"  # in the app's extensions: (time.monotonic() when read, the calendar)


def shown_calendar() -> WorkingCalendar:
    """The working calendar for showing the working time left on a list or a case page: read at most
    once every SHOWN_CALENDAR_SECONDS in each worker (a day off the administrator declares shows in
    every worker within that time, in the worker that recorded it at once). Deadlines are never
    computed with it: every write reads the calendar in force with load_calendar()."""
    kept = current_app.extensions.get(_SHOWN)
    if kept is not None and 0 <= time.monotonic() - kept[0] < SHOWN_CALENDAR_SECONDS:
        return kept[1]
    calendar = load_calendar()
    current_app.extensions[_SHOWN] = (time.monotonic(), calendar)  # one tuple: threads see it whole
    return calendar


def forget_shown_calendar() -> None:
    """After a change to the exceptions: the next page this worker shows reads them again."""
    current_app.extensions.pop(_SHOWN, None)


@lru_cache(maxsize=8)
def _calendar(days_off: frozenset, working_days: frozenset) -> WorkingCalendar:
    # The exceptions are read on every request (an administrator's change counts at once); the calendar
    # built from them, with its working-day index, is shared while they stay the same.
    return WorkingCalendar(days_off=days_off, working_days=working_days)


def handling_due_at(calendar: WorkingCalendar, category: Category, priority: str, start: datetime) -> datetime:
    """When a case received at `start` must be answered: the category's time for its priority."""
    return due_at(calendar, start, **category.processing_time(priority))


def receiving_due_at(calendar: WorkingCalendar, category: Category, start: datetime) -> datetime:
    """When a case received at `start` must have been taken into a unit's work (default 8 working hours)."""
    return due_at(calendar, start, hours=category.receive_hours)
