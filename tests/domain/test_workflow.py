"""portal.domain.workflow: every action, every role, every state; what each action writes; refusals change nothing."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from portal.domain import workflow
from portal.domain.attachments import Upload
from portal.domain.working_time import TZ, WorkingCalendar
from portal.extensions import db
from portal.models import Attachment, Case, CaseEvent, Category, Unit, User
from portal.models.case import STATES
from portal.models.user import ROLES

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)  # Monday 16/11/2026 09:00 in Hanoi
CALENDAR = WorkingCalendar()
ANSWER = "Phường đã kiểm tra thực tế, bóc xóa toàn bộ quảng cáo rao vặt và nhắc nhở các hộ liên quan."
REASON = "Chờ người dân bổ sung hình ảnh hiện trường."
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64

# The table of allowed starts, written out independently of the code: action -> role -> states.
# Roles not listed (chair, inspector, admin, hotline) may do nothing: the hotline reads, it never changes a case.
OPEN = "received assigned in_progress paused"
UNIT_STATES = "assigned in_progress paused answered closed rejected"
EXPECTED = {
    "route": {"city_office": "received"},
    "take": {"handler": "assigned"},
    "assign": {"unit_lead": "assigned in_progress paused"},
    "save_draft": {"handler": "in_progress", "unit_lead": "in_progress"},
    "publish_answer": {"handler": "in_progress", "unit_lead": "in_progress"},
    "approve_answer": {"unit_lead": "in_progress"},
    "return_answer": {"unit_lead": "in_progress"},
    "require_approval": {"unit_lead": "assigned in_progress paused"},
    # A case waiting in the routing queue has no unit yet, so no unit's staff can reach it.
    "note": {"handler": UNIT_STATES, "unit_lead": UNIT_STATES, "city_office": " ".join(STATES)},
    "pause": {"handler": "in_progress", "unit_lead": "in_progress"},
    "resume": {"handler": "paused", "unit_lead": "paused"},
    "request_extension": {"handler": "in_progress paused", "unit_lead": "in_progress paused"},
    "grant_extension": {"city_office": "in_progress paused"},
    "deny_extension": {"city_office": "in_progress paused"},
    "return_case": {"handler": "assigned in_progress", "unit_lead": "assigned in_progress"},
    "transfer": {"city_office": "assigned in_progress", "unit_lead": "assigned in_progress"},
    "reject": {"city_office": OPEN, "unit_lead": "assigned in_progress paused"},
    "rate": {"handler": "answered", "unit_lead": "answered", "city_office": "answered"},
    "close": {"unit_lead": "answered", "city_office": "answered"},
}
# What each action leaves the case in (None: the state does not change; a dict: by starting state).
RESULT_STATE = {
    "route": "assigned", "take": "in_progress", "assign": {"assigned": "in_progress"}, "save_draft": None, "publish_answer": "answered",
    "approve_answer": "answered", "return_answer": None, "require_approval": None, "note": None,
    "pause": "paused", "resume": "in_progress", "request_extension": None, "grant_extension": None,
    "deny_extension": None, "return_case": "received", "transfer": "assigned", "reject": "rejected",
    "rate": "closed", "close": "closed",
}


def _allowed(action, role, state):
    return state in EXPECTED[action].get(role, "").split()


MATRIX = [(action, role, state) for action in EXPECTED for role in ROLES for state in STATES]


def test_the_expected_table_names_every_action_of_the_module():
    assert set(EXPECTED) == set(workflow.TRANSITIONS)


def _case_ready_for(action, state, *, unit_id=1, handler_id=10):
    """A transient case in `state` that meets the action's other conditions (pending request, draft…)."""
    case = Case(id=1, state=state, unit_id=unit_id if state != "received" else None, handler_id=handler_id,
                answer_pending_approval=action in ("approve_answer", "return_answer"), approval_required=False,
                extension_requested_at=NOW if action in ("grant_extension", "deny_extension") else None,
                transfer_count=0, extension_count=0, version=1)
    if action == "take":
        case.handler_id = None
    return case


@pytest.mark.parametrize("action, role, state", MATRIX, ids=[f"{a}-{r}-{s}" for a, r, s in MATRIX])
def test_every_role_in_every_state_is_allowed_exactly_as_the_table_says(action, role, state):
    actor = User(id=10, role=role, unit_id=1)
    case = _case_ready_for(action, state)
    reason = workflow.refusal(action, actor, case)
    if _allowed(action, role, state):
        assert reason is None, f"{role} should be able to {action} from {state}: {reason}"
    else:
        assert reason, f"{role} must not {action} from {state}"


@pytest.mark.parametrize("action", ["save_draft", "publish_answer", "pause", "resume", "request_extension", "rate"])
def test_a_handler_may_not_act_on_a_case_given_to_a_colleague(action):
    state = {"resume": "paused", "rate": "answered"}.get(action, "in_progress")
    actor = User(id=10, role="handler", unit_id=1)
    case = _case_ready_for(action, state, handler_id=11)
    assert "cán bộ khác" in workflow.refusal(action, actor, case)


@pytest.mark.parametrize("role", ["handler", "unit_lead"])
def test_unit_staff_may_not_act_on_another_units_case(role):
    actor = User(id=10, role=role, unit_id=1)
    case = _case_ready_for("note", "in_progress", unit_id=2)
    assert workflow.refusal("note", actor, case) == "Phản ánh này không thuộc đơn vị của bạn."


def test_a_refusal_names_the_action_and_the_state_in_vietnamese():
    actor = User(id=10, role="handler", unit_id=1)
    case = _case_ready_for("take", "in_progress")
    assert workflow.refusal("take", actor, case) == "Không thể “Nhận xử lý” khi phản ánh đang ở trạng thái “Đang xử lý”."
    chair = User(id=12, role="chair", unit_id=1)
    assert workflow.refusal("take", chair, case).startswith("Vai trò “Chủ tịch UBND quận, huyện” không được")


# -- each allowed start, for real -------------------------------------------------------------

@pytest.fixture
def world(app):
    """Units, staff and a category, made in one commit (these tests make many worlds)."""
    office_unit = Unit(code="VP-UBND", name="Văn phòng UBND Thành phố", kind="city_office", path="")
    district = Unit(code="Q006", name="UBND Quận Đống Đa", kind="district", path="")
    ward = Unit(code="P00193", name="UBND Phường Văn Chương", kind="ward", path="", parent=district)
    other = Unit(code="P00001", name="UBND Phường Trúc Bạch", kind="ward", path="")
    db.session.add_all([office_unit, district, ward, other])
    db.session.flush()
    for unit in (office_unit, district, ward, other):
        unit.set_parent(unit.parent)

    def person(role, unit, name):
        user = User(username=name.lower().replace(" ", "."), full_name=name, role=role, unit=unit,
                    password_hash="not-used")
        db.session.add(user)
        return user

    people = {
        "handler": person("handler", ward, "Nguyễn Thị Hồng Nhung"),
        "colleague": person("handler", ward, "Lê Văn Hải"),
        "unit_lead": person("unit_lead", ward, "Trần Văn Minh"),
        "city_office": person("city_office", office_unit, "Phạm Thu Hà"),
        "hotline": person("hotline", office_unit, "Vũ Thị Lan Anh"),
        "chair": person("chair", district, "Lê Quang Huy"),
    }
    category = Category(code="TTDT", name="Trật tự đô thị", kind="field", default_unit_kind="ward",
                        normal_days=10, urgent_hours=4)
    db.session.add(category)
    db.session.commit()
    return {"ward": ward, "other": other, "category": category, **people}


def _case_for(make, world, action, state):
    fields = {}
    if state != "received":
        fields["unit"] = world["ward"]
    if state in ("in_progress", "paused", "answered", "closed") and action != "take":
        fields["handler"] = world["handler"]
    if state == "paused":
        fields["paused_at"] = datetime(2026, 11, 12, 2, 0, tzinfo=timezone.utc)
    if state in ("answered", "closed"):
        fields.update(answer=ANSWER, answered_at=datetime(2026, 11, 13, 2, 0, tzinfo=timezone.utc))
    if action in ("approve_answer", "return_answer"):
        fields.update(answer_draft=ANSWER, answer_pending_approval=True, approval_required=True)
    if action in ("grant_extension", "deny_extension"):
        fields.update(extension_requested_at=NOW, extension_reason="Cần phối hợp với Sở Xây dựng để kiểm tra.",
                      extension_proposed_due_at=datetime(2026, 12, 4, 17, 0, tzinfo=TZ),
                      extension_requested_by=world["handler"])
    return make.case(state=state, category=world["category"], **fields)


def _values(action, world):
    return {
        "route": {"unit": world["ward"].id},
        "assign": {"handler": world["colleague"].id},
        "save_draft": {"answer": ANSWER},
        "publish_answer": {"answer": ANSWER},
        "return_answer": {"reason": "Bổ sung kết quả kiểm tra thực tế."},
        "note": {"note": "Đã gọi điện cho người dân hẹn kiểm tra."},
        "pause": {"reason": REASON},
        "request_extension": {"reason": "Cần phối hợp với Sở Xây dựng để kiểm tra.", "proposed_date": date(2026, 12, 4)},
        "deny_extension": {"reason": "Nội dung đơn giản, đủ thời gian xử lý."},
        "return_case": {"reason": "Nội dung thuộc thẩm quyền của Sở Xây dựng."},
        "transfer": {"unit": world["other"].id, "reason": "Địa điểm thuộc phường Trúc Bạch."},
        "reject": {"reason": "Nội dung trùng lặp, đã trả lời trước đó."},
        "rate": {"rating": "satisfied"},
    }.get(action, {})


@pytest.mark.parametrize("action", list(EXPECTED))
def test_each_allowed_start_writes_its_event_and_moves_the_case(world, make, action):
    """For every (role, state) the table allows, the action runs for real: state, version, event."""
    for role, states in EXPECTED[action].items():
        for state in states.split():
            start = f"{action} by {role} from {state}"
            case = _case_for(make, world, action, state)
            actor = world[role]
            outcome = workflow.perform(action, case, actor, _values(action, world), now=NOW, calendar=CALENDAR,
                                       seen_version=case.version)
            db.session.commit()
            db.session.expire_all()
            case = db.session.get(Case, case.id)
            result = RESULT_STATE[action]
            assert case.state == ((result.get(state) if isinstance(result, dict) else result) or state), start
            assert case.version == 2, f"{start}: every change bumps the version"
            last = db.session.scalars(db.select(CaseEvent).where(CaseEvent.case_id == case.id)
                                      .order_by(CaseEvent.id.desc())).first()
            assert last.type in workflow.TRANSITIONS[action].event_types, start
            assert (last.actor_id, last.at, last.to_state) == (actor.id, NOW, case.state), start
            assert outcome.events[0].from_state == state and outcome.message, start


@pytest.mark.parametrize("action", list(EXPECTED))
def test_a_refused_action_raises_and_changes_nothing(make, world, action):
    # The chair may never act: whatever the action, the case and its events stay as they were.
    case = _case_for(make, world, action, "in_progress")
    chair = world["chair"]
    before = (case.state, case.version, case.unit_id, case.handler_id, case.due_at)
    with pytest.raises(workflow.NotAllowed) as refused:
        workflow.perform(action, case, chair, _values(action, world), now=NOW, calendar=CALENDAR,
                         seen_version=case.version)
    assert refused.value.status == 409
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert (case.state, case.version, case.unit_id, case.handler_id, case.due_at) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) == 1


# -- what particular actions do ---------------------------------------------------------------

def _perform(action, case, actor, values=None, now=NOW):
    outcome = workflow.perform(action, case, actor, values or {}, now=now, calendar=CALENDAR, seen_version=case.version)
    db.session.commit()
    return outcome


def test_returned_case_goes_back_to_routing_without_unit_and_counts_as_a_transfer(make, world):
    case = _case_for(make, world, "return_case", "in_progress")
    _perform("return_case", case, world["handler"], {"reason": "Nội dung thuộc thẩm quyền của Sở Xây dựng."})
    assert (case.state, case.unit_id, case.handler_id, case.transfer_count) == ("received", None, None, 1)
    event = case.events[-1]
    assert (event.type, event.from_unit_id) == ("returned", world["ward"].id)


def test_a_case_passed_on_twice_is_flagged(make, world):
    case = _case_for(make, world, "return_case", "assigned")
    _perform("return_case", case, world["unit_lead"], {"reason": "Không thuộc thẩm quyền của phường."})
    assert not case.is_flagged_for_transfers
    _perform("route", case, world["city_office"], {"unit": world["ward"].id})
    _perform("transfer", case, world["city_office"], {"unit": world["other"].id, "reason": "Địa bàn phường Trúc Bạch."})
    assert case.transfer_count == 2 and case.is_flagged_for_transfers
    assert case.unit_id == world["other"].id and case.state == "assigned"


def test_unsatisfied_rating_reopens_with_a_new_deadline(make, world):
    case = _case_for(make, world, "rate", "answered")
    _perform("rate", case, world["city_office"], {"rating": "unsatisfied"})
    assert case.state == "in_progress" and case.rating == "unsatisfied" and case.answered_at is None
    # 10 working days after Monday 16/11/2026 (24/11 is a holiday): Tuesday 1/12/2026 17:00.
    assert case.due_at == datetime(2026, 12, 1, 17, 0, tzinfo=TZ)
    assert [event.type for event in case.events[-2:]] == ["rated", "reopened"]


def test_satisfied_rating_closes_the_case(make, world):
    case = _case_for(make, world, "rate", "answered")
    _perform("rate", case, world["handler"], {"rating": "accepted"})
    assert (case.state, case.rating, case.closed_at) == ("closed", "accepted", NOW)


def test_granted_extension_moves_the_deadline_and_is_counted(make, world):
    case = _case_for(make, world, "grant_extension", "in_progress")
    _perform("grant_extension", case, world["city_office"])
    assert case.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=TZ)
    assert case.extension_count == 1 and not case.has_pending_extension
    assert "đến 04/12/2026" in case.events[-1].note


def test_extension_to_a_holiday_is_refused_with_its_name(make, world):
    case = _case_for(make, world, "request_extension", "in_progress")
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform("request_extension", case, world["handler"],
                         {"reason": "Cần phối hợp nhiều đơn vị.", "proposed_date": date(2026, 11, 24)},
                         now=NOW, calendar=CALENDAR, seen_version=case.version)
    assert refused.value.field == "proposed_date"
    assert refused.value.message == "Ngày 24/11/2026 không phải ngày làm việc (Ngày Văn hóa Việt Nam)."


def test_resume_moves_the_deadline_by_the_working_time_paused(make, world):
    # Paused Thursday 12/11 09:00, resumed Monday 16/11 09:00: 2 working days (Thu, Fri) do not count.
    case = _case_for(make, world, "resume", "paused")
    due = case.due_at
    _perform("resume", case, world["handler"])
    assert CALENDAR.working_seconds_between(due, case.due_at) == 2 * 8 * 3600
    assert case.paused_at is None and case.state == "in_progress"


def test_answer_with_approval_goes_to_the_lead_who_publishes_it(make, world):
    case = _case_for(make, world, "publish_answer", "in_progress")
    _perform("require_approval", case, world["unit_lead"])
    outcome = _perform("publish_answer", case, world["handler"], {"answer": ANSWER})
    assert case.state == "in_progress" and case.answer_pending_approval and case.answer is None
    assert outcome.message == "Đã trình lãnh đạo đơn vị duyệt dự thảo trả lời."
    assert not workflow.may("publish_answer", world["handler"], case)
    _perform("approve_answer", case, world["unit_lead"])
    assert (case.state, case.answer, case.answered_at) == ("answered", ANSWER, NOW)


@pytest.mark.parametrize("typed, message", [
    ("", "Vui lòng nhập nội dung trả lời."),
    ("   ", "Vui lòng nhập nội dung trả lời."),
    ("Đã xử lý.", "Nội dung trả lời phải là ít nhất một câu hoàn chỉnh gửi người dân (tối thiểu 5 từ, 30 ký tự)."),
])
def test_an_empty_or_token_answer_is_refused(make, world, typed, message):
    case = _case_for(make, world, "publish_answer", "in_progress")
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform("publish_answer", case, world["handler"], {"answer": typed}, now=NOW, calendar=CALENDAR,
                         seen_version=case.version)
    assert (refused.value.field, refused.value.message, refused.value.status) == ("answer", message, 422)


def test_answer_keeps_checked_files_and_refuses_a_renamed_program(make, world):
    case = _case_for(make, world, "publish_answer", "in_progress")
    bad = [Upload("hien-truong.jpg", JPEG), Upload("anh.jpg", b"MZ\x90\x00" + b"\x00" * 64)]
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform("publish_answer", case, world["handler"], {"answer": ANSWER, "files": bad}, now=NOW,
                         calendar=CALENDAR, seen_version=case.version)
    assert refused.value.field == "files" and "“anh”" in refused.value.message
    db.session.rollback()
    outcome = _perform("publish_answer", case, world["handler"],
                       {"answer": ANSWER, "files": [Upload("../../Ảnh hiện trường.JPG", JPEG)]})
    stored = db.session.scalars(db.select(Attachment).where(Attachment.case_id == case.id)).all()
    assert [(a.file_name, a.content_type, a.size) for a in stored] == [("Ảnh hiện trường.jpg", "image/jpeg", len(JPEG))]
    assert outcome.new_files[0].content == JPEG


def test_reject_as_duplicate_names_the_other_case(make, world):
    original = make.case(unit=world["ward"], category=world["category"])
    case = _case_for(make, world, "reject", "assigned")
    _perform("reject", case, world["unit_lead"], {"reason": "Nội dung trùng lặp phản ánh trước.",
                                                   "duplicate_of": original.code.lower().replace("-", "")})
    assert case.duplicate_of_id == original.id and original.code in case.reject_reason


def test_reject_with_an_unknown_duplicate_code_is_refused(make, world):
    case = _case_for(make, world, "reject", "assigned")
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform("reject", case, world["unit_lead"], {"reason": "Nội dung trùng lặp.", "duplicate_of": "ZZZZ-ZZZZ"},
                         now=NOW, calendar=CALENDAR, seen_version=case.version)
    assert refused.value.message == "Không tìm thấy phản ánh có mã “ZZZZ-ZZZZ”."


def test_a_lead_cannot_name_another_units_case_as_the_duplicate_but_the_city_office_can(make, world):
    elsewhere = make.case(unit=world["other"], category=world["category"])
    case = _case_for(make, world, "reject", "assigned")
    with pytest.raises(workflow.InvalidInput) as refused:
        workflow.perform("reject", case, world["unit_lead"], {"reason": "Nội dung trùng lặp.", "duplicate_of": elsewhere.code},
                         now=NOW, calendar=CALENDAR, seen_version=case.version)
    assert refused.value.message == f"Không tìm thấy phản ánh có mã “{elsewhere.code}”.", "a case they cannot see"
    assert case.state == "assigned" and case.duplicate_of_id is None
    _perform("reject", case, world["city_office"], {"reason": "Nội dung trùng lặp.", "duplicate_of": elsewhere.code})
    assert case.duplicate_of_id == elsewhere.id


# -- versions: stale forms and double submits -------------------------------------------------

def test_a_stale_version_names_who_changed_the_case_and_when(make, world):
    case = _case_for(make, world, "publish_answer", "in_progress")
    seen = case.version
    _perform("note", case, world["unit_lead"], {"note": "Lưu ý kiểm tra kỹ hiện trường."},
             now=datetime(2026, 11, 16, 3, 5, tzinfo=timezone.utc))
    with pytest.raises(workflow.StaleCase) as stale:
        workflow.perform("publish_answer", case, world["handler"], {"answer": ANSWER}, now=NOW, calendar=CALENDAR,
                         seen_version=seen)
    assert stale.value.message.startswith("Phản ánh này vừa được Trần Văn Minh cập nhật lúc 10:05 ngày 16/11/2026.")
    assert case.state == "in_progress" and case.answer is None


def test_the_same_action_posted_twice_applies_once(make, world):
    case = _case_for(make, world, "take", "assigned")
    seen = case.version
    _perform("take", case, world["handler"])
    with pytest.raises(workflow.AlreadyDone):
        workflow.perform("take", case, world["handler"], {}, now=NOW, calendar=CALENDAR, seen_version=seen)
    assert [event.type for event in case.events].count("taken") == 1
    assert case.version == seen + 1
