"""Journey: the City Office adds a routing rule and checks where a new case would go."""
from tests.browser.conftest import sign_in


def test_city_office_adds_a_rule_and_the_check_shows_the_unit(live_server, page, make):
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    district = make.unit("UBND Quận Đống Đa", kind="district", code="Q006")
    make.unit("UBND Phường Văn Chương", parent=district, code="P00193")
    make.unit("Sở Giao thông vận tải", kind="department", code="SO-GTVT")
    make.category(code="GT", name="Giao thông")
    make.user("city_office", office, username="demo.office")
    sign_in(page, live_server, "demo.office")

    page.get_by_role("navigation", name="Chức năng").get_by_role("link", name="Tiếp nhận").click()
    page.locator("#category_id").select_option(label="Giao thông")
    page.get_by_label("Địa bàn").fill("UBND Quận Đống Đa (Q006)")
    page.get_by_label("Đơn vị nhận xử lý").fill("Sở Giao thông vận tải (SO-GTVT)")
    page.get_by_label("Thứ tự áp dụng").fill("10")
    page.get_by_role("button", name="Thêm quy tắc").click()
    page.get_by_text("Đã thêm quy tắc số 10").wait_for()
    assert "Sở Giao thông vận tải" in page.locator("#rules").inner_text()

    page.locator("#check-category_id").select_option(label="Giao thông")
    page.locator("#check-address").fill("Số 5 ngõ 40, P. Văn Chương, Đống Đa")
    page.get_by_role("button", name="Xem đơn vị nhận").click()
    result = page.locator(".route-result")
    result.wait_for()
    assert "UBND Phường Văn Chương" in result.inner_text()
    assert "Sở Giao thông vận tải" in result.inner_text()
    assert "Theo quy tắc phân loại số 10" in result.inner_text()
