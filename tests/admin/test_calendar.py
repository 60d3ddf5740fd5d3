"""The working calendar: the package's public holidays, plus extra days off and make-up working days that
move the deadlines computed from now on. A day holds one declaration at most."""
from datetime import date, datetime

from sqlalchemy import select

from portal.domain import calendar_exceptions, deadlines
from portal.domain.deadlines import load_calendar
from portal.domain.working_time import TZ, due_at
from portal.extensions import db
from portal.models import AuditEntry, CalendarException
from tests.admin.conftest import post_form, text_of

# Friday 20/11/2026, 10:00 in Hanoi; one working day later is Monday 23/11 at the close of business.
FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


def declare(client, day, kind="day_off", note="Quyết định của UBND Thành phố"):
    return post_form(client, "/admin/calendar", {"day": day, "kind": kind, "note": note})


def test_an_extra_day_off_moves_the_computed_deadline(admin_client, admin):
    assert due_at(load_calendar(), FRIDAY, days=1) == datetime(2026, 11, 23, 17, 0, tzinfo=TZ)
    response = declare(admin_client, "23/11/2026")
    assert response.status_code == 302
    # Tuesday 24/11 is Ngày Văn hóa Việt Nam (a public holiday from 2026), so the deadline lands on Wednesday.
    assert due_at(load_calendar(), FRIDAY, days=1) == datetime(2026, 11, 25, 17, 0, tzinfo=TZ)
    [exception] = db.session.scalars(select(CalendarException))
    assert (exception.day, exception.kind, exception.created_by_id) == (date(2026, 11, 23), "day_off", admin.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "calendar_changed"))
    assert (entry.target, entry.detail) == ("23/11/2026", "Thêm ngày nghỉ bổ sung: Quyết định của UBND Thành phố")


def test_a_make_up_saturday_is_a_working_day_for_deadlines(admin_client):
    assert declare(admin_client, "21/11/2026", "working_day", "Làm bù cho ngày 23/11").status_code == 302
    assert due_at(load_calendar(), FRIDAY, days=1) == datetime(2026, 11, 21, 17, 0, tzinfo=TZ)
    assert due_at(load_calendar(), FRIDAY, hours=8) == datetime(2026, 11, 21, 10, 0, tzinfo=TZ)


def test_removing_a_declaration_restores_the_deadline(admin_client):
    declare(admin_client, "23/11/2026")
    exception = db.session.scalar(select(CalendarException))
    assert post_form(admin_client, f"/admin/calendar/{exception.id}/delete").status_code == 302
    assert db.session.scalar(select(CalendarException)) is None
    assert due_at(load_calendar(), FRIDAY, days=1) == datetime(2026, 11, 23, 17, 0, tzinfo=TZ)


def test_a_day_cannot_be_both_a_day_off_and_a_working_day(admin_client):
    declare(admin_client, "23/11/2026")
    response = declare(admin_client, "23/11/2026", "working_day", "Nhầm")
    assert response.status_code == 422
    assert "Ngày 23/11/2026 đã được khai báo là «ngày nghỉ bổ sung»; hãy xóa khai báo đó trước." in text_of(response)
    assert [e.kind for e in db.session.scalars(select(CalendarException))] == ["day_off"]


def test_a_declaration_that_would_change_nothing_is_refused_with_the_reason(admin_client):
    cases = [
        ("21/11/2026", "day_off", "Ngày 21/11/2026 là Thứ Bảy, vốn là ngày nghỉ."),
        ("24/11/2026", "day_off", "Ngày 24/11/2026 đã là ngày nghỉ: Ngày Văn hóa Việt Nam."),
        ("25/11/2026", "working_day", "Ngày 25/11/2026 (Thứ Tư) vốn là ngày làm việc."),
        ("31/02/2026", "day_off", "Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm."),
        ("", "day_off", "Vui lòng nhập ngày theo dạng ngày/tháng/năm"),
        ("01/01/1900", "day_off", "Chỉ khai báo được ngày trong các năm 2000–2100."),
    ]
    for day, kind, message in cases:
        response = declare(admin_client, day, kind)
        assert response.status_code == 422, day
        assert message in text_of(response), day
    response = declare(admin_client, "23/11/2026", note="")
    assert response.status_code == 422 and "Vui lòng ghi căn cứ hoặc lý do." in text_of(response)
    assert 'value="23/11/2026"' in text_of(response)  # the form keeps what was typed
    assert db.session.scalar(select(CalendarException)) is None


def test_the_year_page_names_the_public_holidays_and_the_declared_days(admin_client):
    declare(admin_client, "21/11/2026", "working_day", "Làm bù cho ngày 23/11")
    page = text_of(admin_client.get("/admin/calendar?year=2026"))
    assert "Lịch làm việc năm 2026" in page
    assert "Ngày Văn hóa Việt Nam" in page and "Tết" in page
    assert 'class="day-working_day" title="Ngày làm việc bù: Làm bù cho ngày 23/11">21<' in page
    assert "Làm bù cho ngày 23/11" in page
    assert "Lịch làm việc năm 2100" in text_of(admin_client.get("/admin/calendar?year=99999"))


def test_the_overview_counts_the_working_days_of_the_year(app):
    overview = calendar_exceptions.year_calendar(2025, load_calendar())
    holidays_on_weekdays = [day for day in overview.days_off if day.day.weekday() < 5]
    assert overview.working_day_count == 261 - len(holidays_on_weekdays)
    assert any(day.day == date(2025, 5, 2) for day in overview.days_off)  # the 2025 swap day


def test_the_form_is_answered_on_the_year_of_the_refused_day(admin_client):
    response = declare(admin_client, "03/01/2027", "day_off")  # a Sunday
    assert response.status_code == 422 and "Lịch làm việc năm 2027" in text_of(response)


def test_pages_show_the_time_left_with_a_calendar_at_most_ten_seconds_old(admin_client, monkeypatch):
    """What a list or a case page counts the time left with: a day off declared in this worker shows at
    once; one another worker declared (written straight to the table here) within SHOWN_CALENDAR_SECONDS."""
    clock = [1000.0]
    monkeypatch.setattr(deadlines.time, "monotonic", lambda: clock[0])
    monday = date(2026, 11, 23)
    assert deadlines.shown_calendar().is_working_day(monday)
    declare(admin_client, "23/11/2026")
    assert not deadlines.shown_calendar().is_working_day(monday)  # forgotten by the worker that recorded it

    db.session.delete(db.session.scalar(select(CalendarException)))  # removed by "another worker"
    db.session.commit()
    clock[0] += deadlines.SHOWN_CALENDAR_SECONDS - 0.5
    assert not deadlines.shown_calendar().is_working_day(monday)  # still the calendar read 9.5 s ago
    clock[0] += 0.5
    assert deadlines.shown_calendar().is_working_day(monday)
    # Deadlines are computed with the calendar in force, never the one kept for showing.
    declare(admin_client, "23/11/2026")
    assert not deadlines.shown_calendar().is_working_day(monday)
    db.session.delete(db.session.scalar(select(CalendarException)))
    db.session.commit()
    assert not deadlines.shown_calendar().is_working_day(monday)
    assert load_calendar().is_working_day(monday)
