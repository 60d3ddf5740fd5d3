"""Journey: a unit lead gives a waiting case to a handler from the queue; row and counts change in place."""
from datetime import timedelta

from tests.browser.conftest import sign_in
from tests.conftest import FIXED_NOW


def test_lead_assigns_a_case_from_the_queue(live_server, page, make):
    ward = make.unit("UBND Phường Văn Chương")
    make.user("unit_lead", ward, username="demo.lead", full_name="Trần Văn Minh")
    make.user("handler", ward, full_name="Nguyễn Thị Hồng Nhung")
    case = make.case(unit=ward, state="assigned", due_at=FIXED_NOW + timedelta(days=2), title="Rác tồn đọng ngõ 45")
    make.case(unit=ward, state="assigned", due_at=FIXED_NOW + timedelta(days=3))

    sign_in(page, live_server, "demo.lead")
    tabs = page.locator("#queue-tabs")
    assert tabs.locator("[data-tab=assigned] .count").inner_text() == "2"
    row = page.locator(f"#row-{case.code}")
    row.get_by_label(f"Giao phản ánh {case.code} cho").select_option(label="Nguyễn Thị Hồng Nhung")
    row.get_by_role("button", name="Giao").click()
    page.get_by_text("Đã giao cán bộ xử lý.").wait_for()
    assert "Nguyễn Thị Hồng Nhung" in page.locator(f"#row-{case.code}").inner_text()
    assert "Đang xử lý" in page.locator(f"#row-{case.code}").inner_text()
    assert tabs.locator("[data-tab=assigned] .count").inner_text() == "1"
    assert tabs.locator("[data-tab=in_progress] .count").inner_text() == "1"
    assert page.url.endswith("/queue"), "an action on a row does not leave the page"
