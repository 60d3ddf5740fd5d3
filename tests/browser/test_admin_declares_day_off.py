"""Journey: the administrator declares an extra day off on the year's working calendar."""
from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_admin_declares_an_extra_day_off_and_the_calendar_shows_it(live_server, page, make):
    city = make.unit("Ủy ban nhân dân Thành phố Hà Nội", kind="city", code="HN")
    department = make.unit("Sở Thông tin và Truyền thông", kind="department", parent=city, code="SO-TTTT")
    make.user("admin", department, username="quantri.vien")

    sign_in(page, live_server, "quantri.vien")
    page.wait_for_url(f"{live_server}/admin")
    page.locator(".admin-nav").get_by_role("link", name="Lịch làm việc").click()
    expect(page.get_by_role("heading", name="Lịch làm việc năm 2026")).to_be_visible()

    page.get_by_label("Ngày", exact=True).fill("23/11/2026")
    page.get_by_label("Loại ngày").select_option(label="Ngày nghỉ bổ sung")
    page.get_by_label("Căn cứ, lý do").fill("Thông báo của UBND Thành phố về nghỉ bù")
    page.get_by_role("button", name="Lưu khai báo").click()

    expect(page.get_by_text("Đã khai báo ngày nghỉ bổ sung 23/11/2026.")).to_be_visible()
    november = page.get_by_role("table", name="Tháng 11/2026")
    expect(november.locator("td.day-day_off")).to_have_text("23")
    expect(november.locator("td.day-holiday")).to_have_text("24")  # Ngày Văn hóa Việt Nam, from the package
    days_off = page.locator("aside")
    expect(days_off.get_by_text("Thông báo của UBND Thành phố về nghỉ bù")).to_be_visible()
    expect(days_off.get_by_role("button", name="Xóa khai báo ngày 23/11/2026")).to_be_visible()
