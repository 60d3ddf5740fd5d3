"""Deadlines per category and priority, counted in working time (portal.domain.deadlines)."""
from datetime import date, datetime

import pytest

from portal.domain.deadlines import handling_due_at, receiving_due_at
from portal.domain.working_time import TZ, WorkingCalendar
from portal.models import Category

CAL = WorkingCalendar(working_days=[date(2025, 4, 26), date(2026, 8, 22)])
TRAFFIC = Category(code="GT", name="Giao thông", kind="field", default_unit_kind="ward",
                   receive_hours=8, urgent_hours=4, normal_days=10, complex_days=15)


def at(*parts):
    return datetime(*parts, tzinfo=TZ)


@pytest.mark.parametrize("priority, received, due", [
    # Urgent: 4 working hours. Friday 16:30 before Tết 2026 -> 3.5 h on Monday 23/2.
    ("urgent", at(2026, 2, 13, 16, 30), at(2026, 2, 23, 11, 30)),
    # Normal: 10 working days, start day not counted; 24/11/2026 is off.
    ("normal", at(2026, 11, 16, 9), at(2026, 12, 1, 17)),
    # Complex: 15 working days: Sat 26/4/2025 worked, 30/4, 1/5 and the swapped 2/5 off -> Tue 20/5.
    ("complex", at(2025, 4, 25, 10), at(2025, 5, 20, 17)),
])
def test_handling_deadline_follows_category_and_priority(priority, received, due):
    assert handling_due_at(CAL, TRAFFIC, priority, received) == due


def test_receiving_deadline_is_8_working_hours():
    # Received Friday 29/8/2025 16:00; 1/9 and 2/9 are off: due Wednesday 3/9 16:00.
    assert receiving_due_at(CAL, TRAFFIC, at(2025, 8, 29, 16)) == at(2025, 9, 3, 16)
