"""Journey: the City Office grants a unit's extension request and the case's due date moves."""
from datetime import datetime, timedelta

from portal.domain.working_time import TZ
from tests.browser.conftest import sign_in
from tests.conftest import FIXED_NOW


def test_city_office_grants_an_extension_and_the_due_date_changes(live_server, page, make):
    ward = make.unit("UBND Phường Văn Chương")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    make.user("city_office", office, username="demo.office", full_name="Phạm Thu Hà")
    handler = make.user("handler", ward, full_name="Nguyễn Thị Hồng Nhung")
    case = make.case(unit=ward, state="in_progress", handler=handler, due_at=datetime(2026, 11, 20, 17, tzinfo=TZ),
                     extension_requested_at=FIXED_NOW - timedelta(hours=3), extension_requested_by=handler,
                     extension_proposed_due_at=datetime(2026, 12, 4, 17, tzinfo=TZ),
                     extension_reason="Cần phối hợp với Sở Xây dựng kiểm tra công trình.")

    sign_in(page, live_server, "demo.office")
    page.locator("#queue-tabs [data-tab=extensions]").click()
    page.wait_for_url("**tab=extensions*")
    page.get_by_role("link", name=case.code).click()
    page.wait_for_url(f"**/cases/{case.code}")
    assert page.locator("#case-due").inner_text().startswith("20/11/2026 17:00")
    assert page.get_by_label("Hạn xử lý mới").input_value() == "2026-12-04"
    page.get_by_role("button", name="Đồng ý gia hạn", exact=True).click()
    page.get_by_text("Đã đồng ý gia hạn; hạn xử lý mới đã được ghi nhận.").wait_for()
    assert page.locator("#case-due").inner_text().startswith("04/12/2026 17:00")
    assert "Gia hạn từ 20/11/2026 đến 04/12/2026" in page.locator("#timeline").inner_text()

    page.get_by_role("navigation", name="Chức năng").get_by_role("link", name="Hàng đợi").click()
    page.wait_for_url("**/queue")
    assert page.locator("#queue-tabs [data-tab=extensions] .count").inner_text() == "0"
