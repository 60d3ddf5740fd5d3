"""Journey: after filtering the queue and opening a case with the keyboard, Back (and a reload) shows the whole page."""
from datetime import timedelta

from tests.browser.conftest import sign_in
from tests.conftest import FIXED_NOW


def _is_whole_page(page) -> bool:
    return (page.locator("header.topbar").count() == 1 and page.locator("#queue-filters").count() == 1
            and page.locator("#results").count() == 1)


def test_back_after_filtering_shows_the_full_filtered_page(live_server, page, make):
    ward = make.unit("UBND Phường Văn Chương")
    handler = make.user("handler", ward, username="demo.handler")
    late = make.case(unit=ward, state="in_progress", handler=handler, due_at=FIXED_NOW - timedelta(days=1))
    make.case(unit=ward, state="in_progress", handler=handler, due_at=FIXED_NOW + timedelta(days=3))

    sign_in(page, live_server, "demo.handler")
    page.get_by_label("Chỉ quá hạn").check()
    page.wait_for_url("**/queue?*overdue=y*")
    # Keyboard: the row's link takes focus and Enter opens the case.
    page.get_by_role("link", name=late.code).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{late.code}")

    page.go_back()
    page.wait_for_url("**/queue?*overdue=y*")
    page.locator("#results tbody tr").first.wait_for()
    assert _is_whole_page(page)
    assert page.get_by_label("Chỉ quá hạn").is_checked()
    assert page.locator("#results tbody tr").count() == 1

    page.reload()
    assert _is_whole_page(page)
    assert page.locator("#results tbody tr").count() == 1 and page.get_by_label("Chỉ quá hạn").is_checked()
