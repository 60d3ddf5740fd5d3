"""The call log: the call on the line, linked to a case and ended with a topic and outcome; today's calls;
counts per topic per day, on the page and exported."""
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.domain import calls
from portal.extensions import db
from portal.models import AuditEntry, Call
from tests.conftest import FIXED_NOW, csrf_token_from, signed_in_client

HTMX = {"HX-Request": "true"}


@pytest.fixture
def desk(app, make):
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    ward = make.unit("UBND Phường Văn Chương", parent=make.unit("UBND Quận Đống Đa", kind="district"))
    operator = make.user("hotline", office, username="tong.dai", full_name="Vũ Thị Lan Anh")
    case = make.case(unit=ward, code="K7QX-4M9R", title="Ổ gà lớn trên Đường Láng", citizen_phone="0912345678")
    client = signed_in_client(app, operator)
    token = csrf_token_from(client.get("/hotline").get_data(as_text=True))
    return {"operator": operator, "case": case, "client": client, "token": token, "ward": ward}


def post_call(desk, htmx=True, **fields):
    return desk["client"].post("/hotline/call", data={"csrf_token": desk["token"], **fields},
                               headers=HTMX if htmx else {})


def logged_calls():
    db.session.expire_all()
    return list(db.session.scalars(select(Call).order_by(Call.id)))


def test_starting_a_call_records_who_and_when_and_shows_the_call_form(desk):
    response = post_call(desk, action="start", caller_phone="0912 345 678")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Cuộc gọi đang nghe" in html and "Kết thúc và lưu cuộc gọi" in html
    [call] = logged_calls()
    assert call.operator_id == desk["operator"].id and call.started_at == FIXED_NOW and call.ended_at is None
    assert call.caller_phone == "0912 345 678" and call.caller_phone_digits == "0912345678"


def test_linking_a_result_to_the_call_keeps_what_was_typed(desk):
    post_call(desk, action="start", caller_phone="0912345678")
    response = post_call(desk, action="save", link_case="k7qx4m9r", caller_phone="0912345678",
                         notes="Hỏi tiến độ xử lý", case_code="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đang gắn với phản ánh" in html and "K7QX-4M9R" in html and "Hỏi tiến độ xử lý" in html
    [call] = logged_calls()
    assert call.case_id == desk["case"].id and call.notes == "Hỏi tiến độ xử lý" and call.ended_at is None


def test_linking_a_result_with_no_call_on_the_line_starts_one(desk):
    post_call(desk, action="save", link_case="K7QX-4M9R")
    [call] = logged_calls()
    assert call.case_id == desk["case"].id and call.started_at == FIXED_NOW


def test_ending_the_call_saves_topic_outcome_and_lists_it_today(desk, app):
    post_call(desk, action="start", caller_phone="0912345678")
    app.config["FIXED_NOW"] = FIXED_NOW + timedelta(minutes=4, seconds=30)
    response = post_call(desk, action="end", caller_phone="0912345678", topic="case_status", case_code="K7QX-4M9R",
                         notes="Đã đọc kết quả cho người dân", outcome="resolved")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đã lưu cuộc gọi bắt đầu lúc 09:00." in html
    assert 'id="todays-calls" class="card" hx-swap-oob="true"' in html and "K7QX-4M9R" in html
    [call] = logged_calls()
    assert (call.topic, call.outcome, call.case_id) == ("case_status", "resolved", desk["case"].id)
    assert call.duration_seconds == 270
    assert 'value="start"' in html  # ready for the next call


def test_ending_without_topic_and_outcome_is_422_and_saves_nothing(desk):
    post_call(desk, action="start", caller_phone="0912345678")
    response = post_call(desk, action="end", caller_phone="0912345678", notes="Ghi chú chưa lưu", outcome="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Chọn chủ đề của cuộc gọi." in html and "Chọn kết quả của cuộc gọi." in html
    assert "Ghi chú chưa lưu" in html  # the form is kept
    [call] = logged_calls()
    assert call.ended_at is None and call.notes == ""


@pytest.mark.parametrize("fields, message", [
    ({"caller_phone": "12345"}, "Số điện thoại không đúng"),
    ({"caller_phone": "0912345678", "case_code": "ZZZZ-ZZZZ"}, "Không tìm thấy phản ánh có mã này."),
    ({"caller_phone": "0912345678", "case_code": "abc"}, "Mã phản ánh gồm 8 ký tự"),
    ({"caller_phone": "0912345678", "topic": "chuyen-khac"}, "Giá trị đã chọn không có trong danh sách"),
])
def test_bad_call_input_is_422_with_a_message_where_it_is_wrong(desk, fields, message):
    response = post_call(desk, action="save", **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert logged_calls() == []


def test_without_htmx_a_call_is_saved_and_the_page_reloaded(desk):
    response = post_call(desk, htmx=False, action="start", caller_phone="0912345678", q="0912345678")
    assert response.status_code == 302 and response.headers["Location"].endswith("/hotline?q=0912345678")
    assert len(logged_calls()) == 1


def test_the_search_page_shows_the_call_still_on_the_line(desk):
    post_call(desk, action="save", link_case="K7QX-4M9R", caller_phone="0912345678", notes="Đang tra cứu")
    html = desk["client"].get("/hotline").get_data(as_text=True)
    assert "Cuộc gọi đang nghe" in html and 'value="K7QX-4M9R"' in html and "Đang tra cứu" in html


def test_each_operator_has_their_own_call_on_the_line(desk, make):
    post_call(desk, action="start", caller_phone="0912345678")
    colleague = make.user("hotline", desk["operator"].unit)
    assert calls.open_call(colleague) is None
    theirs = calls.record_call(colleague, now=FIXED_NOW, caller_phone="0987654321")
    db.session.commit()
    assert calls.open_call(desk["operator"]).caller_phone == "0912345678"
    assert calls.open_call(colleague).id == theirs.id


def test_calls_of_a_day_follow_hanois_clock(desk, make):
    operator = desk["operator"]
    # 16/11 00:30 in Hanoi is still 15/11 in UTC; 15/11 23:50 in Hanoi is the day before.
    just_after_midnight = make.call(operator, datetime(2026, 11, 15, 17, 30, tzinfo=timezone.utc),
                                    caller_phone="0911000001")
    make.call(operator, datetime(2026, 11, 15, 16, 50, tzinfo=timezone.utc), caller_phone="0911000002")
    assert [call.id for call in calls.calls_on(date(2026, 11, 16))] == [just_after_midnight.id]
    html = desk["client"].get("/hotline/calls").get_data(as_text=True)
    assert "Cuộc gọi ngày 16/11/2026 (hôm nay)" in html
    assert "0911000001" in html and "0911000002" not in html
    assert "0911000002" in desk["client"].get("/hotline/calls?day=2026-11-15").get_data(as_text=True)


def test_counts_per_topic_per_day_include_every_day_and_unclassified_calls(desk, make):
    operator = desk["operator"]
    monday = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
    for topic in ("case_status", "case_status", "app_account", None):
        make.call(operator, monday, topic=topic)
    make.call(operator, monday - timedelta(days=2), topic="new_case")
    counts = calls.topic_counts(date(2026, 11, 14), date(2026, 11, 16))
    assert [row.day for row in counts] == [date(2026, 11, 14), date(2026, 11, 15), date(2026, 11, 16)]
    assert counts[0].by_topic["Phản ánh mới"] == 1 and counts[0].total == 1
    assert counts[1].total == 0
    assert counts[2].by_topic == {"Cài đặt / tài khoản": 1, "Tra cứu tình trạng": 2, "Phản ánh mới": 0, "Khác": 0,
                                  "Chưa phân loại": 1}
    assert calls.totals(counts)["Tra cứu tình trạng"] == 2


def test_counts_page_shows_the_table_for_the_period(desk, make):
    make.call(desk["operator"], datetime(2026, 11, 3, 3, 0, tzinfo=timezone.utc), topic="app_account")
    html = desk["client"].get("/hotline/calls?start=2026-11-01&end=2026-11-16").get_data(as_text=True)
    assert "Từ 01/11/2026 đến 16/11/2026" in html
    assert "Cài đặt / tài khoản" in html and "03/11/2026" in html


def test_export_is_an_xlsx_of_the_same_counts_and_is_audited(desk, make):
    operator = desk["operator"]
    make.call(operator, datetime(2026, 11, 16, 1, 0, tzinfo=timezone.utc), topic="case_status")
    make.call(operator, datetime(2026, 11, 16, 1, 5, tzinfo=timezone.utc), topic="new_case")
    response = desk["client"].get("/hotline/calls/counts.xlsx?start=2026-11-15&end=2026-11-16")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "cuoc-goi-1022-20261115-20261116.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert rows[0] == ["Ngày", "Cài đặt / tài khoản", "Tra cứu tình trạng", "Phản ánh mới", "Khác", "Chưa phân loại",
                       "Tổng"]
    assert rows[1][1:] == [0, 0, 0, 0, 0, 0] and rows[1][0].date() == date(2026, 11, 15)
    assert rows[2][1:] == [0, 1, 1, 0, 0, 2]
    assert rows[3] == ["Cộng", 0, 1, 1, 0, 0, 2]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.actor_id == operator.id and entry.target == "hotline_call_counts"
    assert "15/11/2026–16/11/2026" in entry.detail


@pytest.mark.parametrize("query, message", [
    ("start=2026-11-16&end=2026-11-01", "Ngày kết thúc phải sau ngày bắt đầu."),
    ("start=2024-01-01&end=2026-11-16", "Chỉ thống kê tối đa 366 ngày mỗi lần."),
    ("start=16%2F11%2F2026", "Ngày không đúng định dạng"),
])
def test_a_bad_period_is_422_with_the_reason_on_page_and_export(desk, query, message):
    page = desk["client"].get(f"/hotline/calls?{query}")
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    export = desk["client"].get(f"/hotline/calls/counts.xlsx?{query}")
    assert export.status_code == 422 and message in export.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is None


def test_phone_results_offer_to_start_a_call_only_when_none_is_on_the_line(desk):
    def results():
        return desk["client"].get("/hotline?q=0912+345+678", headers=HTMX).get_data(as_text=True)

    assert "Bắt đầu cuộc gọi với số này" in results() and "K7QX-4M9R" in results()
    post_call(desk, action="start", caller_phone="0912 345 678")
    on_the_line = results()
    assert "Bắt đầu cuộc gọi với số này" not in on_the_line and "K7QX-4M9R" in on_the_line
    post_call(desk, action="end", topic="case_status", outcome="resolved")
    assert "Bắt đầu cuộc gọi với số này" in results()
