"""Filing a case for a caller: source hotline, the same routing and deadline as any case, the code read back."""
import pytest
from sqlalchemy import func, select

from portal.domain import calls
from portal.domain.deadlines import handling_due_at, load_calendar
from portal.domain.search import search_cases
from portal.extensions import db
from portal.models import Call, Case, CaseEvent
from tests.conftest import FIXED_NOW, csrf_token_from, signed_in_client


@pytest.fixture
def desk(app, make):
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district")
    ward = make.unit("UBND Phường Văn Chương", parent=dong_da)
    make.unit("UBND Phường Trúc Bạch", parent=make.unit("UBND Quận Ba Đình", kind="district"))
    streets = make.category(code="GT", name="Giao thông")
    operator = make.user("hotline", office, username="tong.dai", full_name="Vũ Thị Lan Anh")
    client = signed_in_client(app, operator)
    return {"operator": operator, "ward": ward, "category": streets, "client": client}


def valid_form(desk, **changes):
    token = csrf_token_from(desk["client"].get("/hotline/new-case").get_data(as_text=True))
    form = {"csrf_token": token, "citizen_name": "Nguyễn Văn Bình", "citizen_phone": "0912 345 678",
            "citizen_email": "", "category": str(desk["category"].id), "priority": "normal",
            "ward": str(desk["ward"].id), "address": "Số 12 ngõ 45 Văn Chương",
            "title": "Ổ gà lớn đầu ngõ 45 Văn Chương", "content": "Ổ gà sâu gần 20cm, xe máy dễ ngã khi trời tối."}
    form.update(changes)
    return form


def cases_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Case))


def test_a_case_filed_for_a_caller_is_routed_like_any_case(desk):
    response = desk["client"].post("/hotline/new-case", data=valid_form(desk))
    assert response.status_code == 302 and "/hotline/filed/" in response.headers["Location"]
    case = db.session.scalar(select(Case))
    assert case.source == "hotline" and case.source_label == "Tổng đài 1022"
    assert case.unit_id == desk["ward"].id and case.state == "assigned"
    assert case.citizen_phone_digits == "0912345678" and case.citizen_email is None
    assert case.due_at == handling_due_at(load_calendar(), desk["category"], "normal", FIXED_NOW)
    events = db.session.scalars(select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    assert list(events) == ["received", "routed"]


def test_the_operator_sees_the_new_code_big_to_read_back(desk):
    response = desk["client"].post("/hotline/new-case", data=valid_form(desk), follow_redirects=True)
    html = response.get_data(as_text=True)
    case = db.session.scalar(select(Case))
    assert response.status_code == 200
    assert '<p class="filed-code"' in html and f">{case.code}</p>" in html
    assert " · ".join(case.code.replace("-", "")) in html  # spelled out, character by character
    assert "UBND Phường Văn Chương" in html


def test_without_a_ward_the_case_waits_for_the_city_office(desk):
    desk["client"].post("/hotline/new-case", data=valid_form(desk, ward=""))
    case = db.session.scalar(select(Case))
    assert case.state == "received" and case.unit_id is None


BAD_INPUT = [
    ({"title": ""}, "Nhập tiêu đề ngắn của phản ánh."),
    ({"content": "  "}, "Nhập nội dung người dân phản ánh."),
    ({"citizen_phone": "12345"}, "Số điện thoại không đúng"),
    ({"citizen_phone": ""}, "Nhập số điện thoại để đơn vị liên hệ và báo kết quả."),
    ({"citizen_name": ""}, "Nhập họ và tên người gọi."),
    ({"citizen_email": "khong-phai-thu"}, "Thư điện tử không đúng định dạng."),
    ({"category": ""}, "Chọn lĩnh vực."),
    ({"category": "999999"}, "Giá trị đã chọn không có trong danh sách"),
    ({"ward": "abc"}, "Giá trị đã chọn không có trong danh sách"),
    ({"title": "x" * 301}, "Tiêu đề tối đa 300 ký tự."),
]


def test_bad_input_is_422_with_the_form_kept_and_nothing_saved(desk):
    for changes, message in BAD_INPUT:
        response = desk["client"].post("/hotline/new-case", data=valid_form(desk, **changes))
        html = response.get_data(as_text=True)
        assert response.status_code == 422, changes
        assert message in html, changes
        assert "Chưa tạo được phản ánh" in html
        assert 'value="Số 12 ngõ 45 Văn Chương"' in html  # what was typed stays
    assert cases_count() == 0


def test_the_call_on_the_line_is_linked_to_the_case_it_filed(desk):
    calls.record_call(desk["operator"], now=FIXED_NOW, caller_phone="0912345678")
    db.session.commit()
    page = desk["client"].get("/hotline/new-case").get_data(as_text=True)
    assert 'value="0912345678"' in page  # the caller's phone, prefilled
    desk["client"].post("/hotline/new-case", data=valid_form(desk))
    call = db.session.scalar(select(Call))
    case = db.session.scalar(select(Case))
    assert (call.case_id, call.topic, call.outcome) == (case.id, "new_case", "case_filed")
    assert call.ended_at is None  # the operator still reads the code back and ends the call


def test_the_phone_searched_for_is_prefilled(desk):
    html = desk["client"].get("/hotline/new-case?phone=0987654321").get_data(as_text=True)
    assert 'value="0987654321"' in html


def test_a_filed_case_is_found_by_the_search_at_once(desk):
    desk["client"].post("/hotline/new-case", data=valid_form(desk))
    case = db.session.scalar(select(Case))
    for query in ("nguyen van binh", "o ga lon dau ngo", "0912.345.678"):
        assert [hit.case.id for hit in search_cases(query, desk["operator"]).hits] == [case.id]


def test_the_filed_page_of_an_unknown_code_is_404(desk):
    assert desk["client"].get("/hotline/filed/ZZZZ-ZZZZ").status_code == 404
