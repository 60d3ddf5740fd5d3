"""Journey: a hotline operator types "dong da", watches the cases of Quận Đống Đa come up as they type,
opens one, and logs the call linked to it."""
from datetime import datetime, timezone

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import Call
from tests.browser.conftest import sign_in


def test_operator_finds_a_dong_da_case_as_they_type_opens_it_and_logs_the_call(live_server, page, make):
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    dong_da = make.unit("UBND Quận Đống Đa", kind="district")
    van_chuong = make.unit("UBND Phường Văn Chương", parent=dong_da)
    truc_bach = make.unit("UBND Phường Trúc Bạch", parent=make.unit("UBND Quận Ba Đình", kind="district"))
    make.user("hotline", office, username="tong.dai", full_name="Vũ Thị Lan Anh")
    rubbish = make.case(unit=van_chuong, code="K7QX-4M9R", title="Rác thải tồn đọng ở ngõ 45",
                        address="Ngõ 45 Văn Chương, Phường Văn Chương, Quận Đống Đa",
                        citizen_name="Nguyễn Thị Hồng", citizen_phone="0912345678",
                        received_at=datetime(2026, 11, 12, 2, 0, tzinfo=timezone.utc))
    make.case(unit=van_chuong, code="M5KJ-FMTY", title="Ổ gà lớn trên phố Khâm Thiên",
              address="Số 120 Khâm Thiên, Quận Đống Đa", citizen_name="Lê Văn Nam",
              received_at=datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc))
    # Found by "dong" (the caller's given name is Đông) but not by "dong da".
    make.case(unit=truc_bach, code="NXC7-5L8W", title="Tiếng ồn karaoke sau 22 giờ",
              address="Số 7 Phố Trúc Bạch, Quận Ba Đình", citizen_name="Trần Văn Đông")

    sign_in(page, live_server, "tong.dai")
    page.wait_for_url(f"{live_server}/hotline")
    page.evaluate("window.stillTheSamePage = true")
    results = page.locator("#results")
    search = page.get_by_label("Tìm phản ánh")

    search.press_sequentially("dong", delay=60)
    expect(results.locator(".hit")).to_have_count(3)
    assert "NXC7-5L8W" in results.inner_text()

    search.press_sequentially(" da", delay=60)
    expect(results.locator(".hit")).to_have_count(2)
    codes = results.locator(".hit-code").all_inner_texts()
    assert codes == ["K7QX-4M9R", "M5KJ-FMTY"]
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place, no page load
    assert page.url == f"{live_server}/hotline?q=dong%20da"

    results.get_by_role("link", name="K7QX-4M9R").click()
    page.wait_for_url(f"{live_server}/cases/K7QX-4M9R")
    assert page.get_by_role("heading", name="Rác thải tồn đọng ở ngõ 45").is_visible()
    assert page.get_by_text("0912345678").is_visible()

    page.go_back()
    page.wait_for_url(f"{live_server}/hotline?q=dong%20da")
    row = page.locator(".hit", has_text="K7QX-4M9R")
    row.get_by_role("button", name="Gắn vào cuộc gọi").click()
    call = page.locator("#call")
    call.get_by_text("Đang gắn với phản ánh").wait_for()
    call.get_by_label("Số điện thoại người gọi").fill("0912 345 678")
    call.get_by_label("Tra cứu tình trạng").check()
    call.get_by_label("Ghi chú").fill("Người dân hỏi khi nào thu gom; đã báo đang xử lý.")
    call.get_by_label("Kết quả cuộc gọi").select_option(label="Đã giải đáp xong")
    call.get_by_role("button", name="Kết thúc và lưu cuộc gọi").click()

    call.get_by_text("Đã lưu cuộc gọi bắt đầu lúc").wait_for()
    today = page.locator("#todays-calls")
    assert "K7QX-4M9R" in today.inner_text() and "Tra cứu tình trạng" in today.inner_text()
    db.session.expire_all()
    logged = db.session.scalar(select(Call))
    assert logged.case_id == rubbish.id and logged.topic == "case_status" and logged.outcome == "resolved"
    assert logged.caller_phone_digits == "0912345678" and logged.ended_at is not None
