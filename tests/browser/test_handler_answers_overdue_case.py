"""Journey: a handler filters the overdue cases, opens one, answers it, and it leaves the open tabs."""
from datetime import timedelta

from tests.browser.conftest import sign_in
from tests.conftest import FIXED_NOW

ANSWER = "Phường đã kiểm tra thực tế, bóc xóa toàn bộ quảng cáo rao vặt và nhắc nhở các hộ liên quan."


def test_handler_filters_overdue_opens_answers_and_counts_update(live_server, page, make):
    ward = make.unit("UBND Phường Văn Chương", parent=make.unit("UBND Quận Đống Đa", kind="district"))
    handler = make.user("handler", ward, username="demo.handler", full_name="Nguyễn Thị Hồng Nhung")
    late = make.case(unit=ward, state="in_progress", handler=handler, due_at=FIXED_NOW - timedelta(days=2),
                     title="Quảng cáo rao vặt dán trái phép trên phố Văn Chương")
    make.case(unit=ward, state="in_progress", handler=handler, due_at=FIXED_NOW + timedelta(days=3),
              title="Đèn chiếu sáng hỏng ở ngõ 12")
    make.case(unit=ward, state="assigned", due_at=FIXED_NOW + timedelta(days=4), title="Cây xanh nghiêng")

    sign_in(page, live_server, "demo.handler")
    assert page.url.endswith("/queue")
    tabs = page.locator("#queue-tabs")
    assert tabs.locator("[data-tab=open] .count").inner_text() == "3"

    page.get_by_label("Chỉ quá hạn").check()
    page.wait_for_url("**/queue?*overdue=y*")
    rows = page.locator("#results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and late.code in rows.first.inner_text()
    assert "is-overdue" in rows.first.get_attribute("class")
    assert tabs.locator("[data-tab=open] .count").inner_text() == "1"

    page.get_by_role("link", name=late.code).click()
    page.wait_for_url(f"**/cases/{late.code}")
    page.get_by_label("Nội dung trả lời người dân").fill(ANSWER)
    page.get_by_role("button", name="Trả lời và công khai").click()
    page.get_by_text("Đã trả lời và công khai kết quả.").wait_for()
    assert page.locator("#case-state").inner_text() == "Đã xử lý"
    assert ANSWER in page.locator("#case-answer").inner_text()

    page.get_by_role("navigation", name="Chức năng").get_by_role("link", name="Hàng đợi").click()
    page.wait_for_url("**/queue")
    assert tabs.locator("[data-tab=open] .count").inner_text() == "2"
    assert tabs.locator("[data-tab=in_progress] .count").inner_text() == "1"
    assert tabs.locator("[data-tab=answered] .count").inner_text() == "1"
    assert late.code not in page.locator("#results").inner_text()
