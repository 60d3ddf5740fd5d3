"""The roster's state flow (draft → submitted → accepted / returned → draft …), its versions and their diff."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from portal.domain import rosters as rules
from portal.extensions import db
from portal.models import RosterVersion

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)


def _ready(make, roster, people=2, headcount=10):
    for n in range(people):
        make.roster_row(roster, full_name=f"Cán bộ {n + 1}", phone=f"091234560{n}")
    rules.set_headcount(roster, headcount, NOW)
    db.session.commit()


def test_a_new_roster_is_a_draft_not_yet_submitted(city):
    roster = city["roster"]
    assert roster.state == "draft"
    assert rules.roster_status(roster) == "not_submitted"
    assert roster.versions == []


def test_submitting_keeps_the_roster_as_version_one(make, city):
    roster = city["roster"]
    _ready(make, roster)
    version = rules.submit(roster, city["lead"], NOW)
    db.session.commit()
    assert roster.state == "submitted"
    assert rules.roster_status(roster) == "submitted"
    assert version.number == 1
    assert [person["full_name"] for person in version.rows] == ["Cán bộ 1", "Cán bộ 2"]
    assert version.headcount == 10
    assert roster.first_submitted_at == roster.submitted_at == NOW


@pytest.mark.parametrize("people, headcount, message", [
    (0, 10, "chưa có người nào"),
    (2, None, "Chưa nhập tổng số cán bộ"),
    (3, 2, "nhỏ hơn số người trong danh sách"),
])
def test_an_incomplete_roster_cannot_be_submitted(make, city, people, headcount, message):
    roster = city["roster"]
    for n in range(people):
        make.roster_row(roster, full_name=f"Cán bộ {n + 1}")
    roster.headcount = headcount
    with pytest.raises(rules.RosterError, match=message):
        rules.submit(roster, city["lead"], NOW)
    assert roster.state == "draft"


def test_a_submitted_roster_is_locked_until_reviewed(make, city):
    roster = city["roster"]
    _ready(make, roster)
    rules.submit(roster, city["lead"], NOW)
    with pytest.raises(rules.RosterError, match="chờ .*duyệt"):
        make.roster_row(roster, full_name="Người mới")
    with pytest.raises(rules.RosterError, match="đang chờ duyệt"):
        rules.submit(roster, city["lead"], NOW)


def test_accepting_is_final_for_the_campaign(make, city):
    roster = city["roster"]
    _ready(make, roster)
    rules.submit(roster, city["lead"], NOW)
    review = rules.accept(roster, city["office"], NOW + timedelta(hours=3), "Đầy đủ.")
    db.session.commit()
    assert roster.state == "accepted" and rules.roster_status(roster) == "accepted"
    assert review.decision == "accepted" and review.version.number == 1
    assert roster.accepted_at == NOW + timedelta(hours=3)
    with pytest.raises(rules.RosterError, match="đã được duyệt"):
        rules.set_headcount(roster, 12, NOW)
    with pytest.raises(rules.RosterError, match="đã được duyệt"):
        rules.submit(roster, city["lead"], NOW)


def test_returned_roster_goes_back_to_draft_on_the_next_edit_and_is_submitted_again(make, city):
    roster = city["roster"]
    _ready(make, roster)
    rules.submit(roster, city["lead"], NOW)
    review = rules.return_for_changes(roster, city["office"], NOW + timedelta(hours=1), "Thiếu cán bộ đầu mối.")
    db.session.commit()
    assert roster.state == "returned" and rules.roster_status(roster) == "returned"
    assert rules.last_review(roster).comment == "Thiếu cán bộ đầu mối."

    make.roster_row(roster, full_name="Phạm Thị Thu Trang", role="focal", phone="0983217745")
    assert roster.state == "draft"
    assert rules.roster_status(roster) == "returned"  # still owed to the City Office

    version = rules.submit(roster, city["lead"], NOW + timedelta(days=1))
    db.session.commit()
    assert version.number == 2
    assert roster.state == "submitted"
    assert roster.first_submitted_at == NOW  # the first submission still decides lateness
    assert review.version.number == 1


def test_returning_needs_a_comment(make, city):
    roster = city["roster"]
    _ready(make, roster)
    rules.submit(roster, city["lead"], NOW)
    with pytest.raises(rules.RosterError, match="lý do trả lại"):
        rules.return_for_changes(roster, city["office"], NOW, "  ")
    assert roster.state == "submitted"


def test_only_a_submitted_roster_can_be_reviewed(city):
    with pytest.raises(rules.RosterError, match="đang chờ duyệt"):
        rules.accept(city["roster"], city["office"], NOW)


def test_submitted_versions_and_reviews_cannot_be_edited_or_deleted(make, city, app):
    roster = city["roster"]
    _ready(make, roster)
    version = rules.submit(roster, city["lead"], NOW)
    rules.accept(roster, city["office"], NOW)
    db.session.commit()
    version.headcount = 99
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    for statement in ("UPDATE roster_versions SET headcount = 1", "DELETE FROM roster_versions",
                      "UPDATE roster_reviews SET comment = 'sửa'", "DELETE FROM roster_reviews"):
        with pytest.raises(Exception, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(text(statement))
    assert db.session.get(RosterVersion, version.id).headcount == 10


def test_diff_finds_added_removed_and_changed_rows():
    before = [
        {"row_id": 1, "full_name": "Nguyễn Văn An", "job_title": "Chuyên viên", "role": "handler", "phone": "0912000001",
         "email": None, "registered_on": None},
        {"row_id": 2, "full_name": "Lê Thị Bình", "job_title": "Chuyên viên", "role": "handler", "phone": "0912000002",
         "email": "binh@hanoi.gov.vn", "registered_on": None},
        {"row_id": 3, "full_name": "Đỗ Văn Cường", "job_title": "", "role": "focal", "phone": "0912000003",
         "email": None, "registered_on": None},
    ]
    after = [
        {**before[0], "role": "leader", "job_title": "Phó Chủ tịch"},      # same row, changed role and title
        {**before[1], "row_id": 9},                                       # re-typed row, same phone: unchanged
        {"row_id": 10, "full_name": "Hoàng Thị Dung", "job_title": "", "role": "handler", "phone": "0912000004",
         "email": None, "registered_on": "2026-11-10"},                   # new person
    ]
    diff = rules.diff_rows(before, after, 10, 12)
    assert [person["full_name"] for person in diff.added] == ["Hoàng Thị Dung"]
    assert [person["full_name"] for person in diff.removed] == ["Đỗ Văn Cường"]
    assert [(change.after["full_name"], change.fields) for change in diff.changed] == [
        ("Nguyễn Văn An", ["job_title", "role"])]
    assert diff.headcount_changed and not diff.is_empty


def test_a_person_whose_phone_changed_is_matched_by_email():
    before = [{"row_id": 1, "full_name": "Lê Thị Bình", "phone": "0912000002", "email": "binh@hanoi.gov.vn",
               "role": "handler", "job_title": "", "registered_on": None}]
    after = [{**before[0], "row_id": 7, "phone": "0988000002"}]
    diff = rules.diff_rows(before, after)
    assert diff.added == [] and diff.removed == []
    assert diff.changed[0].fields == ["phone"]


def test_version_diff_compares_with_the_previous_submission(make, city):
    roster = city["roster"]
    _ready(make, roster, people=2)
    rules.submit(roster, city["lead"], NOW)
    rules.return_for_changes(roster, city["office"], NOW, "Bổ sung cán bộ đầu mối.")
    first_row = roster.rows[0]
    rules.remove_row(roster.rows[1], NOW)
    rules.update_row(first_row, rules.RowEntry(full_name=first_row.full_name, job_title="Phó Chủ tịch UBND phường",
                                                role="leader", phone=first_row.phone, email=None,
                                                registered_on=date(2026, 11, 12)), NOW)
    make.roster_row(roster, full_name="Phạm Thị Thu Trang", role="focal", phone="0983217745")
    assert rules.draft_diff(roster) is not None and not rules.draft_diff(roster).is_empty
    second = rules.submit(roster, city["lead"], NOW + timedelta(days=1))
    db.session.commit()
    diff = rules.version_diff(second)
    assert [p["full_name"] for p in diff.added] == ["Phạm Thị Thu Trang"]
    assert [p["full_name"] for p in diff.removed] == ["Cán bộ 2"]
    assert diff.changed[0].fields == ["job_title", "role", "registered_on"]
    first = rules.version_diff(roster.versions[0])
    assert len(first.added) == 2 and not first.removed  # the first version: everyone is new


def test_late_is_judged_by_the_first_submission_after_the_due_day(make, city):
    roster = city["roster"]
    _ready(make, roster)
    deadline = roster.campaign.deadline
    assert deadline == datetime(2026, 11, 20, 17, 0, tzinfo=timezone.utc)  # midnight at the end of 20/11 in Hanoi
    rules.submit(roster, city["lead"], deadline - timedelta(minutes=1))
    assert rules.roster_status(roster) == "submitted"
    other = city["rosters"]["P00190"]
    _ready(make, other)
    rules.submit(other, city["lead"], deadline)
    assert rules.roster_status(other) == "late"
