"""The checks `make soak` relies on, without a soak: the event-log consistency check passes a case
the workflow moved and names each kind of half-written case; the seeded demo passes it too."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import update

from portal.domain import workflow
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import Case, CaseEvent
from soak.consistency import check_all

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
ANSWER = "Phường đã kiểm tra thực tế, bóc xóa toàn bộ quảng cáo rao vặt và nhắc nhở các hộ liên quan."


@pytest.fixture
def worked(make):
    """A case taken through the workflow: routed, taken, noted, paused, resumed, transferred, taken, answered."""
    district = make.unit("UBND Quận Đống Đa", kind="district")
    ward = make.unit("UBND Phường Văn Chương", parent=district)
    other = make.unit("UBND Phường Trúc Bạch", parent=district)
    office = make.user("city_office", make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND"))
    handler = make.user("handler", ward, full_name="Nguyễn Thị Hồng Nhung")
    lead = make.user("unit_lead", ward, full_name="Trần Văn Minh")
    other_handler = make.user("handler", other, full_name="Lê Văn Hải")
    case = make.case(unit=None, state="received")
    steps = [
        ("route", office, {"unit": str(ward.id)}), ("take", handler, {}),
        ("note", lead, {"note": "Kiểm tra kỹ hiện trường trước khi trả lời."}),
        ("pause", handler, {"reason": "Chờ người dân bổ sung hình ảnh."}), ("resume", handler, {}),
        ("transfer", lead, {"unit": str(other.id), "reason": "Thuộc địa bàn phường Trúc Bạch."}),
        ("take", other_handler, {}), ("publish_answer", other_handler, {"answer": ANSWER}),
    ]
    for action, actor, values in steps:
        workflow.perform(action, case, actor, values, now=NOW, calendar=WorkingCalendar(), seen_version=case.version)
        db.session.commit()
    return case


def _problems() -> list[str]:
    db.session.expire_all()
    return [str(problem) for problem in check_all(db.session)[1]]


def test_a_case_moved_by_the_workflow_is_consistent(worked):
    assert check_all(db.session) == (1, []), "a case moved only by the workflow was reported inconsistent"


def test_a_state_changed_without_its_event_is_caught(worked):
    db.session.execute(update(Case).where(Case.id == worked.id).values(state="closed"))
    db.session.commit()
    assert f"{worked.code}: state is closed but the last event ends in answered" in _problems()


def test_an_event_without_its_case_change_is_caught(worked):
    db.session.add(CaseEvent(case_id=worked.id, at=NOW, type="reopened", from_state="answered", to_state="in_progress"))
    db.session.commit()
    problems = _problems()
    assert f"{worked.code}: state is answered but the last event ends in in_progress" in problems


def test_an_event_that_does_not_follow_the_one_before_is_caught(worked):
    db.session.add(CaseEvent(case_id=worked.id, at=NOW, type="note", from_state="in_progress", to_state="answered"))
    db.session.commit()
    problems = _problems()
    assert any("starts from in_progress but the event before ends in answered" in p for p in problems), problems


def test_a_transition_the_workflow_never_makes_is_caught(worked):
    db.session.add(CaseEvent(case_id=worked.id, at=NOW, type="taken", from_state="answered", to_state="in_progress"))
    db.session.execute(update(Case).where(Case.id == worked.id).values(state="in_progress"))
    db.session.commit()
    problems = _problems()
    assert any("taken is not allowed from answered" in p for p in problems), problems


def test_unit_handler_and_transfer_count_are_replayed_from_the_events(worked):
    db.session.execute(update(Case).where(Case.id == worked.id).values(transfer_count=0, handler_id=None))
    db.session.commit()
    problems = _problems()
    assert f"{worked.code}: transfer_count is 0 but there are 1 transferred/returned events" in problems
    assert any("handler is #None but the events give" in p for p in problems), problems


def test_the_demo_seed_is_consistent(app, runner):
    result = runner.invoke(args=["seed-demo", "--cases", "300", "--now", "2026-11-16T09:00:00+07:00"])
    assert result.exit_code == 0, result.output
    checked, problems = check_all(db.session)
    assert checked == 300 and [str(p) for p in problems[:5]] == [], "the demo data has inconsistent event logs"
