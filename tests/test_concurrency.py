"""Two sessions write the same case at the same moment (two people, or one person's form posted twice)."""
from __future__ import annotations

import threading

import pytest

from portal.domain import workflow
from portal.domain.deadlines import load_calendar
from portal.extensions import db
from portal.models import Case, CaseEvent, User
from tests.conftest import FIXED_NOW, IS_POSTGRES

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES, reason="SQLite allows one writer at a time; the race needs PostgreSQL's row locks")

ANSWERS = {
    "first": "Phường đã kiểm tra thực tế và bóc xóa toàn bộ quảng cáo rao vặt trên tuyến phố.",
    "second": "Đã phối hợp với công an phường xử lý các hộ dán quảng cáo trái phép trên tuyến phố.",
}


def test_two_sessions_answering_one_case_exactly_one_wins(app, make):
    ward = make.unit("UBND Phường Văn Chương")
    handler = make.user("handler", ward, full_name="Nguyễn Thị Hồng Nhung")
    lead = make.user("unit_lead", ward, full_name="Trần Văn Minh")
    case = make.case(unit=ward, state="in_progress", handler=handler)
    people = {"first": handler.id, "second": lead.id}
    both_loaded = threading.Barrier(2, timeout=10)
    results: dict[str, object] = {}

    def answer(name: str) -> None:
        # Each thread has its own app context, hence its own session and connection.
        with app.app_context():
            try:
                mine = db.session.get(Case, case.id)
                actor = db.session.get(User, people[name])
                seen = mine.version
                both_loaded.wait()  # both have read version 1 before either writes
                outcome = workflow.perform("publish_answer", mine, actor, {"answer": ANSWERS[name]}, now=FIXED_NOW,
                                           calendar=load_calendar(), seen_version=seen)
                db.session.commit()
                results[name] = outcome
            except workflow.StaleCase as stale:
                results[name] = stale
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer, args=(name,)) for name in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    winners = [name for name, result in results.items() if isinstance(result, workflow.Outcome)]
    losers = [name for name, result in results.items() if isinstance(result, workflow.StaleCase)]
    assert len(winners) == 1 and len(losers) == 1, results
    winner_name = {"first": "Nguyễn Thị Hồng Nhung", "second": "Trần Văn Minh"}[winners[0]]
    assert results[losers[0]].message.startswith(f"Phản ánh này vừa được {winner_name} cập nhật lúc 09:00 ngày 16/11/2026.")
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert (stored.state, stored.answer, stored.version) == ("answered", ANSWERS[winners[0]], 2)
    answered = db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == "answered")).all()
    assert [event.actor_id for event in answered] == [people[winners[0]]]


def test_one_person_posting_the_same_form_twice_at_once_is_told_it_was_already_done(app, make):
    ward = make.unit("UBND Phường Văn Chương")
    handler = make.user("handler", ward, full_name="Nguyễn Thị Hồng Nhung")
    case = make.case(unit=ward, state="assigned")
    case_id, handler_id = case.id, handler.id  # read here: the threads must not touch this session's objects
    both_loaded = threading.Barrier(2, timeout=10)
    results: list[object] = []

    def take() -> None:
        with app.app_context():
            try:
                mine = db.session.get(Case, case_id)
                actor = db.session.get(User, handler_id)
                both_loaded.wait()  # both copies have read version 1 before either writes
                results.append(workflow.perform("take", mine, actor, {}, now=FIXED_NOW, calendar=load_calendar(),
                                                seen_version=1))
                db.session.commit()
            except workflow.WorkflowError as refused:
                results.append(refused)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    kinds = sorted(type(result).__name__ for result in results)
    assert kinds == ["AlreadyDone", "Outcome"], f"the copy that lost the race should be 'already done': {kinds}"
    db.session.expire_all()
    taken = db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == "taken")).all()
    assert [event.actor_id for event in taken] == [handler.id]
    assert db.session.get(Case, case.id).version == 2
