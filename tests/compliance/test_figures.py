"""Every figure equals the hand count of the hand-built city (tests/compliance/dataset.py)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.domain import figures as f
from portal.domain.deadlines import load_calendar
from portal.domain.working_time import WorkingCalendar, due_after_pause
from portal.extensions import db
from portal.models import Case
from tests.compliance.dataset import EXPECTED, HANDLING_DAYS, MEDIAN_DAYS, PERIOD, build, classes_of, hanoi
from tests.conftest import FIXED_NOW

NOW = FIXED_NOW


@pytest.fixture
def city(make):
    return build(make)


def test_the_datasets_deadlines_are_the_calendars_own():
    calendar = WorkingCalendar()
    paused_holiday = due_after_pause(calendar, calendar.add_working_days(hanoi(2026, 8, 27, 9), 10),
                                     hanoi(2026, 8, 28, 10), hanoi(2026, 9, 3, 10))
    assert paused_holiday == hanoi(2026, 9, 16, 17)  # Quốc khánh does not count: 8 working hours paused
    assert calendar.add_working_days(hanoi(2026, 8, 24, 17), 5) == hanoi(2026, 9, 3, 17)  # extension over the holiday
    assert calendar.add_working_days(hanoi(2026, 9, 16, 9), 5) == hanoi(2026, 9, 23, 17)  # reopened


@pytest.mark.parametrize("line", ["van_chuong", "quoc_tu_giam", "so_xay_dung"])
def test_each_units_figures_equal_the_hand_count(city, line):
    figures = f.figures_for(city[line], PERIOD, now=NOW, calendar=load_calendar())
    assert figures.counts() == EXPECTED[line]
    assert figures.handled == classes_of(HANDLING_DAYS[line])
    assert figures.median_handling_days == MEDIAN_DAYS[line]


def test_the_districts_own_cases_and_its_subtree_equal_the_hand_count(city):
    own = f.figures_for(city["dong_da"], PERIOD, now=NOW, calendar=load_calendar(), subtree=False)
    whole = f.figures_for(city["dong_da"], PERIOD, now=NOW, calendar=load_calendar())
    assert own.counts() == EXPECTED["dong_da_own"]
    assert whole.counts() == EXPECTED["dong_da"]
    assert whole.median_handling_days == MEDIAN_DAYS["dong_da"]


def test_the_citys_figures_include_cases_not_routed_yet(city):
    figures = f.figures_for(None, PERIOD, now=NOW, calendar=load_calendar())
    assert figures.counts() == EXPECTED["city"]
    assert figures.median_handling_days == MEDIAN_DAYS["city"]
    assert figures.rated == 4 and figures.satisfied_share == 0.75
    assert figures.received == figures.answered + figures.open + figures.rejected


def test_the_city_table_has_a_line_per_unit_below_and_adds_up(city):
    table = f.table(None, PERIOD, now=NOW, calendar=load_calendar())
    assert table.root.id == city["city"].id
    by_label = {line.label: line.figures.counts() for line in table.lines}
    assert by_label == {
        "UBND Quận Đống Đa": EXPECTED["dong_da"],
        "Sở Xây dựng": EXPECTED["so_xay_dung"],
        "Văn phòng UBND Thành phố": {key: 0 for key in EXPECTED["city"]},
        "Chờ phân loại, chuyển đơn vị xử lý": EXPECTED["unrouted"],
    }
    assert table.total.counts() == EXPECTED["city"]
    assert table.total.median_handling_days == MEDIAN_DAYS["city"]


def test_the_district_table_shows_its_wards_and_its_own_cases(city):
    table = f.table(city["dong_da"], PERIOD, now=NOW, calendar=load_calendar())
    lines = {line.label: line for line in table.lines}
    assert set(lines) == {"UBND Phường Văn Chương", "UBND Phường Quốc Tử Giám", "UBND Quận Đống Đa (trực tiếp xử lý)"}
    assert lines["UBND Phường Quốc Tử Giám"].figures.counts() == EXPECTED["quoc_tu_giam"]
    assert lines["UBND Quận Đống Đa (trực tiếp xử lý)"].figures.counts() == EXPECTED["dong_da_own"]
    assert table.total.counts() == EXPECTED["dong_da"]


def test_open_overdue_agrees_with_the_cases_own_rule(city):
    """The SQL rule and Case.is_overdue(now) pick the same cases, paused ones included."""
    by_rule = set(db.session.scalars(select(Case.id).where(f.open_overdue_at(None, now=NOW))))
    by_python = {case.id for case in db.session.scalars(select(Case)) if case.is_open and case.is_overdue(NOW)}
    assert by_rule == by_python
    names = {name for name, case in city.cases.items() if case.id in by_rule}
    assert names == {"overdue_open", "paused_late", "transferred_twice", "returned", "after_period"}


def test_since_launch_counts_cases_before_and_after_a_period(city):
    since_launch = f.Period(None, date(2026, 11, 16))
    figures = f.figures_for(city["van_chuong"], since_launch, now=NOW, calendar=load_calendar())
    assert figures.received == EXPECTED["van_chuong"]["received"] + 2
    assert figures.answered == EXPECTED["van_chuong"]["answered"] + 1
    assert figures.open_overdue == 1
    assert f.launch_day() == date(2026, 7, 31)


def test_units_with_overdue_cases_now_most_first(city):
    listed = [(item.unit.name, item.open_overdue) for item in f.overdue_units(None, None, now=NOW)]
    assert listed == [("Sở Xây dựng", 1), ("UBND Phường Quốc Tử Giám", 1), ("UBND Phường Văn Chương", 1),
                      ("UBND Quận Đống Đa", 1)]


def test_units_with_overdue_cases_at_a_past_moment_are_read_back_from_events(city):
    """At the end of 15/09: the reopened case was answered then, the paused case still paused late."""
    listed = [(item.unit.name, item.open_overdue) for item in f.overdue_units(None, hanoi(2026, 9, 16, 0), now=NOW)]
    assert listed == [("Sở Xây dựng", 1), ("UBND Phường Quốc Tử Giám", 1)]


def test_past_moment_rule_equals_the_present_rule_at_now(city):
    """Read back from the events at the present moment, the state is the cases' own."""
    present = set(db.session.scalars(select(Case.id).where(f.open_overdue_at(None, now=NOW))))
    read_back = set(db.session.scalars(select(Case.id).where(f.open_overdue_at(NOW, now=NOW))))
    assert read_back == present
    assert set(db.session.scalars(select(Case.id).where(f.open_at(NOW)))) == set(
        db.session.scalars(select(Case.id).where(f.open_at(None))))


def test_weekly_trend_counts_received_answered_and_overdue_at_each_weeks_end(city):
    weeks = f.Period(date(2026, 9, 14), date(2026, 9, 20)).weeks(None)
    [point] = f.weekly_trend(None, weeks, now=NOW)
    # Received that week: transferred_twice, paused_in_time, rejected_at_door; none answered.
    assert (point.received, point.answered) == (3, 0)
    # Open and overdue at Monday 21/09 00:00: overdue_open (due 03/09) and paused_late (paused after due).
    assert point.open_overdue == 2


def test_year_end_list_of_units_and_handlers_with_overdue_cases(city, make):
    handler = make.user("handler", city["quoc_tu_giam"], full_name="Trần Thị Mai")
    case = city.cases["overdue_open"]
    case.handler_id = handler.id
    db.session.commit()
    year = f.Period(date(2026, 1, 1), date(2026, 12, 31))
    units = {holder.key: (holder.answered_late, holder.open_overdue)
             for holder in f.overdue_holders(None, year, now=NOW, by="unit")}
    assert units == {city["van_chuong"].id: (1, 1), city["quoc_tu_giam"].id: (0, 1),
                     city["dong_da"].id: (0, 1), city["so_xay_dung"].id: (0, 1)}
    handlers = f.overdue_holders(None, year, now=NOW, by="handler")
    assert [(holder.key, holder.overdue) for holder in handlers] == [(handler.id, 1)]


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        f.Period(date(2026, 9, 30), date(2026, 9, 1))
