"""Acting on a case through its page: answers, files, refusals, stale forms, double submits, access."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

from portal.cases.forms import ACTION_GROUPS
from portal.domain import workflow
from portal.extensions import db
from portal.models import Attachment, Case, CaseEvent
from tests.clients import client_for as signed_in_client
from tests.conftest import csrf_token_from

ANSWER = "Phường đã kiểm tra thực tế, bóc xóa toàn bộ quảng cáo rao vặt và nhắc nhở các hộ liên quan."
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000
HTMX = {"HX-Request": "true", "HX-Target": "case"}
FIXED = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def places(make):
    district = make.unit("UBND Quận Đống Đa", kind="district")
    ward = make.unit("UBND Phường Văn Chương", parent=district)
    other = make.unit("UBND Phường Trúc Bạch", parent=make.unit("UBND Quận Ba Đình", kind="district"))
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    return {"district": district, "ward": ward, "other": other, "office": office}


@pytest.fixture
def handler(make, places):
    return make.user("handler", places["ward"], full_name="Nguyễn Thị Hồng Nhung")


@pytest.fixture
def working_case(make, places, handler):
    return make.case(unit=places["ward"], state="in_progress", handler=handler, title="Quảng cáo rao vặt trên Đường Láng")


def _token(client, case) -> str:
    return csrf_token_from(client.get(f"/cases/{case.code}").get_data(as_text=True))


def _answer(client, case, text=ANSWER, *, version=None, intent="publish_answer", files=None, headers=None):
    data = {"csrf_token": _token(client, case), "answer-version": str(version or case.version),
            "answer-answer": text, "intent": intent}
    if files:
        data["answer-files"] = files
    return client.post(f"/cases/{case.code}/actions/answer", data=data, headers=headers or {},
                       content_type="multipart/form-data")


def _events(case) -> list[str]:
    return list(db.session.scalars(db.select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))


def _fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def test_handler_answers_and_the_case_is_answered(app, handler, working_case):
    client = signed_in_client(app, handler)
    response = _answer(client, working_case)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã trả lời và công khai kết quả." in page
    case = _fresh(working_case)
    assert (case.state, case.answer, case.answered_at) == ("answered", ANSWER, app.config["FIXED_NOW"])
    assert _events(case)[-1] == "answered"


def test_an_htmx_answer_gets_the_case_region_back_with_the_notice(app, handler, working_case):
    client = signed_in_client(app, handler)
    response = _answer(client, working_case, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="case"') and "<html" not in body
    assert "Đã trả lời và công khai kết quả." in body and "Đã xử lý" in body


def test_an_empty_answer_is_refused_with_its_message_and_nothing_is_saved(app, handler, working_case):
    client = signed_in_client(app, handler)
    response = _answer(client, working_case, text="   ")
    assert response.status_code == 422
    assert "Vui lòng nhập nội dung trả lời." in response.get_data(as_text=True)
    case = _fresh(working_case)
    assert (case.state, case.answer, case.version) == ("in_progress", None, 1)
    assert _events(case) == ["received"]


def test_a_30_mb_upload_is_refused_with_413_and_a_message(app, handler, working_case):
    client = signed_in_client(app, handler)
    huge = (io.BytesIO(JPEG + b"\x00" * (30 * 1024 * 1024)), "anh-hien-truong.jpg")
    response = _answer(client, working_case, files=[huge])
    assert response.status_code == 413
    assert "Tệp gửi lên quá lớn: mỗi tệp tối đa 10 MB" in response.get_data(as_text=True)
    assert _fresh(working_case).state == "in_progress"


def test_a_30_mb_upload_from_htmx_says_it_above_the_form(app, handler, working_case):
    client = signed_in_client(app, handler)
    huge = (io.BytesIO(JPEG + b"\x00" * (30 * 1024 * 1024)), "anh-hien-truong.jpg")
    response = _answer(client, working_case, files=[huge], headers=HTMX)
    assert response.status_code == 413
    assert response.headers["HX-Retarget"] == "#case-alert"
    assert "Tệp gửi lên quá lớn" in response.get_data(as_text=True)


def test_a_file_over_10_mb_within_the_request_limit_is_refused_by_name(app, handler, working_case):
    client = signed_in_client(app, handler)
    big = (io.BytesIO(JPEG + b"\x00" * (11 * 1024 * 1024)), "anh-lon.jpg")
    response = _answer(client, working_case, files=[big])
    assert response.status_code == 422
    assert "Tệp “anh-lon” vượt quá 10 MB." in response.get_data(as_text=True)
    assert _fresh(working_case).state == "in_progress"


def test_an_exe_renamed_jpg_is_refused_and_nothing_is_stored(app, handler, working_case):
    client = signed_in_client(app, handler)
    program = (io.BytesIO(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 4000), "anh-hien-truong.jpg")
    response = _answer(client, working_case, files=[program])
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "không phải ảnh JPEG, ảnh PNG hoặc tài liệu PDF" in body
    assert ANSWER in body, "the answer typed is kept in the form"
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    assert not any(Path(app.config["UPLOAD_FOLDER"]).rglob("*.*")) if Path(app.config["UPLOAD_FOLDER"]).exists() else True
    assert _fresh(working_case).state == "in_progress"


def test_a_photo_is_stored_and_served_only_to_those_who_may_see_the_case(app, make, places, handler, working_case):
    client = signed_in_client(app, handler)
    response = _answer(client, working_case, files=[(io.BytesIO(JPEG), "Ảnh hiện trường.jpg")])
    assert response.status_code == 303
    attachment = db.session.scalar(db.select(Attachment))
    assert attachment.file_name == "Ảnh hiện trường.jpg" and attachment.content_type == "image/jpeg"
    url = f"/cases/{working_case.code}/files/{attachment.id}"
    assert url in client.get(f"/cases/{working_case.code}").get_data(as_text=True)
    served = client.get(url)
    assert served.status_code == 200 and served.data == JPEG and served.mimetype == "image/jpeg"
    outsider = signed_in_client(app, make.user("handler", places["other"]))
    refused = outsider.get(url)
    assert refused.status_code == 404 and refused.data != JPEG


def test_a_state_change_posted_twice_applies_once(app, make, places, handler):
    case = make.case(unit=places["ward"], state="assigned")
    client = signed_in_client(app, handler)
    token = _token(client, case)
    form = {"csrf_token": token, "take-version": "1", "intent": "take"}
    first = client.post(f"/cases/{case.code}/actions/take", data=form)
    second = client.post(f"/cases/{case.code}/actions/take", data=form)
    assert first.status_code == 303 and second.status_code == 303
    assert "Thao tác này đã được ghi nhận trước đó." in client.get(second.headers["Location"]).get_data(as_text=True)
    assert _events(case).count("taken") == 1
    assert _fresh(case).version == 2


def test_a_pause_retried_with_the_same_form_pauses_once(app, handler, working_case):
    # htmx, as the page posts it: the retry (a second click, or the button pressed again after a
    # network error) carries the version the user saw, and must not write a second pause.
    client = signed_in_client(app, handler)
    form = {"csrf_token": _token(client, working_case), "pause-version": "1", "intent": "pause",
            "pause-reason": "Chờ người dân bổ sung hình ảnh hiện trường."}
    first = client.post(f"/cases/{working_case.code}/actions/pause", data=form, headers=HTMX)
    again = client.post(f"/cases/{working_case.code}/actions/pause", data=form, headers=HTMX)
    assert first.status_code == 200 and "Đã tạm dừng" in first.get_data(as_text=True)
    assert again.status_code == 200 and "Thao tác này đã được ghi nhận trước đó." in again.get_data(as_text=True)
    assert _events(working_case).count("paused") == 1, "the retried pause was written twice"
    stored = _fresh(working_case)
    assert (stored.state, stored.version) == ("paused", 2)


def test_a_stale_form_says_who_changed_the_case_and_keeps_the_typed_answer(app, make, places, handler, working_case):
    lead = make.user("unit_lead", places["ward"], full_name="Trần Văn Minh")
    lead_client = signed_in_client(app, lead)
    handler_client = signed_in_client(app, handler)
    token = _token(lead_client, working_case)
    app.config["FIXED_NOW"] = datetime(2026, 11, 16, 3, 5, tzinfo=timezone.utc)
    noted = lead_client.post(f"/cases/{working_case.code}/actions/note",
                             data={"csrf_token": token, "note-version": "1", "note-note": "Kiểm tra kỹ hiện trường."})
    assert noted.status_code == 303
    response = _answer(handler_client, working_case, text=ANSWER, version=1)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Phản ánh này vừa được Trần Văn Minh cập nhật lúc 10:05 ngày 16/11/2026." in body
    assert ANSWER in body
    assert 'name="answer-version" type="hidden" value="2"' in body
    assert _fresh(working_case).state == "in_progress"


def test_a_reading_role_is_refused_with_403_and_nothing_changes(app, make, places):
    case = make.case(unit=places["ward"], state="assigned")
    chair = signed_in_client(app, make.user("chair", places["district"]))
    token = _token(chair, case)
    response = chair.post(f"/cases/{case.code}/actions/take", data={"csrf_token": token, "take-version": "1"})
    assert response.status_code == 403
    assert "Vai trò “Chủ tịch UBND quận, huyện” không được thực hiện “Nhận xử lý”." in response.get_data(as_text=True)
    assert _fresh(case).state == "assigned" and _events(case) == ["received"]


def test_unknown_code_is_404_for_pages_actions_and_files(app, handler):
    client = signed_in_client(app, handler)
    token = csrf_token_from(client.get("/queue").get_data(as_text=True))
    assert client.get("/cases/ZZZZ-ZZZZ").status_code == 404
    assert client.post("/cases/ZZZZ-ZZZZ/actions/take", data={"csrf_token": token}).status_code == 404
    assert client.get("/cases/ZZZZ-ZZZZ/files/1").status_code == 404


def test_another_units_case_is_404_and_never_shows_its_content(app, make, places, handler):
    case = make.case(unit=places["other"], state="assigned", title="Vỉa hè bị lấn chiếm ở Trúc Bạch",
                     citizen_phone="0987654321")
    client = signed_in_client(app, handler)
    token = csrf_token_from(client.get("/queue").get_data(as_text=True))
    for response in (client.get(f"/cases/{case.code}"),
                     client.post(f"/cases/{case.code}/actions/take", data={"csrf_token": token, "take-version": "1"})):
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "Trúc Bạch" not in body and "0987654321" not in body
    assert _fresh(case).state == "assigned"


def test_city_office_routes_a_case_from_the_routing_queue(app, make, places):
    case = make.case(state="received")
    office = signed_in_client(app, make.user("city_office", places["office"]))
    page = office.get(f"/cases/{case.code}").get_data(as_text=True)
    assert "Chuyển đơn vị xử lý" in page and "UBND Phường Văn Chương" in page
    response = office.post(f"/cases/{case.code}/actions/route",
                           data={"csrf_token": csrf_token_from(page), "route-version": "1",
                                 "route-unit": str(places["ward"].id)})
    assert response.status_code == 303
    case = _fresh(case)
    assert (case.state, case.unit_id) == ("assigned", places["ward"].id)


def test_extension_request_with_a_weekend_date_keeps_the_form_and_says_why(app, handler, working_case):
    client = signed_in_client(app, handler)
    response = client.post(f"/cases/{working_case.code}/actions/extension",
                           data={"csrf_token": _token(client, working_case), "extension-version": "1",
                                 "extension-proposed_date": "2026-11-28",
                                 "extension-reason": "Cần phối hợp với Sở Xây dựng."})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ngày 28/11/2026 không phải ngày làm việc (ngày nghỉ cuối tuần)." in body
    assert "Cần phối hợp với Sở Xây dựng." in body
    assert not _fresh(working_case).has_pending_extension


def test_page_shows_only_the_actions_the_role_may_take(app, make, places, handler, working_case):
    handler_page = signed_in_client(app, handler).get(f"/cases/{working_case.code}").get_data(as_text=True)
    assert "Trả lời người dân" in handler_page and "Đồng ý gia hạn" not in handler_page
    inspector = signed_in_client(app, make.user("inspector", places["office"]))
    inspector_page = inspector.get(f"/cases/{working_case.code}").get_data(as_text=True)
    assert "Xử lý</h2>" not in inspector_page and "Trả lời người dân" not in inspector_page


@pytest.mark.parametrize("role", ["handler", "unit_lead", "city_office", "hotline", "chair"])
def test_every_state_renders_exactly_the_forms_of_the_actions_the_role_may_take(app, make, places, handler, role):
    home = places["office"] if role in ("city_office", "hotline") else places["district"] if role == "chair" else places["ward"]
    actor = handler if role == "handler" else make.user(role, home)
    client = signed_in_client(app, actor)
    for state in ("received", "assigned", "in_progress", "paused", "answered", "closed", "rejected"):
        extra = {"handler": handler} if state not in ("received", "assigned") else {}
        case = make.case(unit=None if state == "received" else places["ward"], state=state, answer_draft=ANSWER,
                         answer_pending_approval=state == "in_progress", approval_required=state == "in_progress",
                         extension_requested_at=FIXED if state == "paused" else None,
                         extension_proposed_due_at=FIXED if state == "paused" else None, **extra)
        response = client.get(f"/cases/{case.code}")
        if state == "received" and role in ("handler", "unit_lead", "chair"):
            assert response.status_code == 404, "a case not yet routed belongs to no unit"
            continue
        assert response.status_code == 200, f"{role} on a {state} case"
        html = response.get_data(as_text=True)
        for group in ACTION_GROUPS.values():
            expected = any(workflow.may(action, actor, case) for action in group.actions)
            assert (f'id="action-{group.name}"' in html) == expected, f"{role}, {state}: form {group.name}"


def test_after_returning_a_case_the_handler_lands_on_the_queue_with_the_message(app, make, places, handler,
                                                                                working_case):
    client = signed_in_client(app, handler)
    form = {"csrf_token": _token(client, working_case), "return-version": "1",
            "return-reason": "Nội dung thuộc thẩm quyền của Sở Xây dựng."}
    response = client.post(f"/cases/{working_case.code}/actions/return", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/queue"
    page = client.get("/queue").get_data(as_text=True)
    assert f"Đã trả lại phản ánh cho Văn phòng UBND Thành phố để phân loại lại. (phản ánh {working_case.code})" in page
    case = _fresh(working_case)
    assert (case.state, case.unit_id, case.transfer_count) == ("received", None, 1)
    htmx = client.post(f"/cases/{working_case.code}/actions/return", data=form, headers=HTMX)
    assert htmx.status_code == 404, "the case is now the City Office's: the unit no longer sees it"
