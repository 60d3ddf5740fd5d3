"""The roll-ups equal the direct count, whatever happened to the cases.

Hypothesis writes random histories through the real workflow (routing, taking, answering, rating
"chưa hài lòng" and reopening, transfers, returns, pauses, extensions, rejections) across months,
then every unit's figures read from `figure_rollups` are compared with the same figures counted
from the cases, and every row the triggers kept is compared with a full recount."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from portal.domain import figures as f
from portal.domain import rollups, tab_counts, units, workflow
from portal.domain.deadlines import load_calendar
from portal.domain.queue import QueueFilters, queue_page
from portal.domain.working_time import TZ
from portal.extensions import db
from portal.models import Case, Category, Unit, User

CODES = itertools.count()
START = datetime(2026, 9, 24, 8, 0, tzinfo=TZ)  # histories cross the ends of September and October
ACTION_VALUES = {
    "assign": None,  # a handler of the case's unit, chosen below
    "save_draft": {"answer": "Đơn vị đã kiểm tra, xử lý và trả lời người dân."},
    "publish_answer": {"answer": "Đơn vị đã kiểm tra, xử lý và trả lời người dân."},
    "approve_answer": {},
    "return_answer": {"reason": "Bổ sung kết quả kiểm tra thực tế."},
    "require_approval": {},
    "pause": {"reason": "Chờ người dân bổ sung thông tin vị trí."},
    "resume": {},
    "request_extension": None,  # a proposed day, chosen below
    "grant_extension": {},
    "deny_extension": {"reason": "Nội dung đơn giản, đủ thời gian xử lý."},
    "return_case": {"reason": "Không thuộc thẩm quyền của đơn vị."},
    "reject": {"reason": "Nội dung trùng lặp, đã trả lời trước đó."},
    "close": {},
    "take": {},
}


@pytest.fixture
def world(make):
    city = make.unit("UBND Thành phố Hà Nội", kind="city", code="HN")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=city, code="VP-UBND")
    district = make.unit("UBND Quận Đống Đa", kind="district", parent=city, code="Q006")
    other_district = make.unit("UBND Quận Ba Đình", kind="district", parent=city, code="Q001")
    wards = [make.unit("UBND Phường Văn Chương", parent=district, code="P00193"),
             make.unit("UBND Phường Quốc Tử Giám", parent=district, code="P00196"),
             make.unit("UBND Phường Trúc Bạch", parent=other_district, code="P00001")]
    department = make.unit("Sở Xây dựng", kind="department", parent=city, code="SO-XD")
    holders = wards + [district, department]
    people = [make.user("city_office", unit=office)]
    for unit in holders:
        people += [make.user("handler", unit=unit), make.user("unit_lead", unit=unit)]
    category = db.session.scalar(select(Category)) or make.category(code="GT")
    return {"city": city, "holders": holders, "people": people, "category": category,
            "units": [city, office, district, other_district, department] + wards}


def _values(action: str, case: Case, world, data) -> dict:
    if action in ("route", "transfer"):
        choices = [unit for unit in world["holders"] if unit.id != case.unit_id]
        return {"unit": data.draw(st.sampled_from(choices)).id, "reason": "Địa bàn thuộc đơn vị khác."}
    if action == "rate":
        return {"rating": data.draw(st.sampled_from(["satisfied", "accepted", "unsatisfied"]))}
    if action == "assign":
        handlers = [user for user in world["people"] if user.role == "handler" and user.unit_id == case.unit_id]
        return {"handler": handlers[0].id} if handlers else {}
    if action == "request_extension":
        return {"reason": "Cần phối hợp với Sở Xây dựng.", "proposed_date": case.due_at.astimezone(TZ).date()
                + timedelta(days=data.draw(st.integers(3, 12)))}
    return dict(ACTION_VALUES.get(action) or {})


def _play(world, data, steps: int) -> datetime:
    calendar = load_calendar()
    # Each example goes on from where the cases of the earlier ones stop: no case is ever received
    # after "now" (the roll-ups may read a month that reaches today as a whole month).
    latest = db.session.scalar(select(func.max(Case.received_at)))
    now = max(START, latest) if latest else START
    cases = []
    for _ in range(steps):
        now += timedelta(hours=data.draw(st.integers(1, 30), label="hours later"))
        if not cases or data.draw(st.integers(0, 4), label="new case?") == 0:
            case = Case(code=f"RU-{next(CODES):06d}", source="app",
                        kind="field", category=world["category"], title="Rác thải tồn đọng", content="Nội dung.",
                        state="received", received_at=now, due_at=now + timedelta(days=data.draw(st.integers(1, 12))))
            db.session.add(case)
            db.session.commit()
            cases.append(case)
            continue
        case = data.draw(st.sampled_from(cases), label="case")
        moves = [(user, action) for user in world["people"] for action in workflow.available_actions(user, case)
                 if action != "note"]
        if not moves:
            continue
        user, action = data.draw(st.sampled_from(moves), label="move")
        try:
            workflow.perform(action, case, user, _values(action, case, world, data), now=now, calendar=calendar,
                             seen_version=case.version)
            db.session.commit()
        except workflow.WorkflowError:
            db.session.rollback()
    return now


def _rows() -> dict:
    names = rollups.count_columns()
    rows = db.session.execute(text(f"SELECT unit_id, grain, day, {', '.join(names)} FROM figure_rollups")).all()
    return {(row[0], row[1], str(row[2])): tuple(row[3:]) for row in rows if any(row[3:])}


def _periods(now: datetime) -> list[f.Period]:
    today = now.astimezone(TZ).date()
    spans = [(None, today), (date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 9, 28), date(2026, 10, 3)),
             (date(2026, 10, 15), today), (date(2026, 10, 1), date(2026, 10, 1))]
    return [f.Period(first, last) for first, last in spans if first is None or first <= last]


def _same(rolled: f.Figures, counted: f.Figures, what: str) -> None:
    assert rolled.counts() == counted.counts(), what
    assert rolled.handled == counted.handled, what
    assert rolled.median_handling_days == counted.median_handling_days, what


@settings(max_examples=12, deadline=None, derandomize=True, phases=(Phase.generate,),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), steps=st.integers(5, 40))
def test_rolled_up_figures_equal_the_direct_count_after_any_history(world, data, steps):
    now = _play(world, data, steps)
    for period in _periods(now):
        _same(f.figures_for(None, period, now=now), f.counted_figures_for(None, period, now=now), f"city {period}")
        for unit in world["units"]:
            for subtree in (True, False):
                _same(f.figures_for(unit, period, now=now, subtree=subtree),
                      f.counted_figures_for(unit, period, now=now, subtree=subtree),
                      f"{unit.name}{'' if subtree else ' (own)'} {period}")
        table = f.table(None, period, now=now)
        _same(table.total, f.counted_figures_for(None, period, now=now), f"city table total {period}")
    months = f.Period(None, now.astimezone(TZ).date()).months(f.launch_day())
    for unit in world["units"]:
        for month, rolled in zip(months, f.monthly_figures(unit, months, now=now)):
            _same(rolled, f.counted_figures_for(unit, month, now=now), f"{unit.name}, month {month}")
    kept = _rows()
    rollups.rebuild()
    assert _rows() == kept, "the rows the triggers kept differ from a full recount"
    db.session.rollback()


def _queue_counts() -> list[tuple]:
    return sorted(map(tuple, db.session.execute(text(
        "SELECT unit_id, state, cases FROM queue_counts WHERE cases <> 0")).all()))


def _counted_by_unit_and_state() -> list[tuple]:
    return sorted(map(tuple, db.session.execute(text(
        "SELECT COALESCE(unit_id, 0), state, COUNT(*) FROM cases GROUP BY COALESCE(unit_id, 0), state")).all()))


@settings(max_examples=8, deadline=None, derandomize=True, phases=(Phase.generate,),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), steps=st.integers(5, 40))
def test_the_queue_tab_counts_equal_the_direct_count_after_any_history(world, data, steps):
    """The counts kept per unit and state (portal.domain.tab_counts) are what each unit's queue shows."""
    now = _play(world, data, steps)
    assert _queue_counts() == _counted_by_unit_and_state()
    for unit in world["holders"]:
        lead = next(user for user in world["people"] if user.role == "unit_lead" and user.unit_id == unit.id)
        shown = queue_page(lead, QueueFilters(), now, 25).counts
        for state in ("assigned", "in_progress", "paused", "answered"):
            direct = db.session.scalar(select(func.count()).where(Case.unit_id == unit.id, Case.state == state))
            assert shown[state] == direct, f"{unit.name}, tab {state}: {shown[state]} shown, {direct} counted"
        assert shown["open"] == db.session.scalar(select(func.count()).where(
            Case.unit_id == unit.id, Case.state.in_(("received", "assigned", "in_progress", "paused"))))
    kept = _queue_counts()
    tab_counts.rebuild()
    assert _queue_counts() == kept, "the rows the triggers kept differ from a full recount"
    db.session.rollback()


def test_a_unit_merge_moves_the_rolled_up_figures_with_the_cases(world, make):
    """A merge moves cases with one bulk UPDATE, not through the workflow: the triggers still count it."""
    ward, other = world["holders"][0], world["holders"][1]
    for day in (1, 2, 3):
        make.case(unit=ward, state="in_progress", received_at=datetime(2026, 10, day, 2, tzinfo=timezone.utc))
    now = datetime(2026, 11, 16, 2, tzinfo=timezone.utc)
    period = f.Period(None, date(2026, 11, 16))
    units.retire_unit(ward, other, actor=world["people"][0], now=now)
    db.session.commit()
    assert f.figures_for(other, period, now=now, subtree=False).received == 3
    assert f.figures_for(ward, period, now=now, subtree=False).received == 0
    _same(f.figures_for(other, period, now=now), f.counted_figures_for(other, period, now=now), "merged into")
    assert (other.id, "in_progress", 3) in _queue_counts() and _queue_counts() == _counted_by_unit_and_state()
    kept = _rows()
    rollups.rebuild()
    assert _rows() == kept
