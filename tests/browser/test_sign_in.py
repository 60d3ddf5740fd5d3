"""Journey: a ward handler signs in with Chromium and sees their unit's name."""
from tests.browser.conftest import sign_in


def test_handler_signs_in_and_sees_the_unit_name(live_server, page, make):
    unit = make.unit("UBND Phường Văn Chương", parent=make.unit("UBND Quận Đống Đa", kind="district"))
    make.user("handler", unit, username="demo.handler", full_name="Nguyễn Thị Hồng Nhung")
    sign_in(page, live_server, "demo.handler")
    assert page.locator(".who-unit").inner_text() == "UBND Phường Văn Chương"
    assert "Nguyễn Thị Hồng Nhung" in page.locator(".who-user").inner_text()
    assert "/login" not in page.url


def test_wrong_password_shows_the_message_in_the_page(live_server, page, make):
    make.user("handler", username="demo.handler")
    sign_in(page, live_server, "demo.handler", "sai-mat-khau-9")
    assert page.get_by_role("alert").inner_text() == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert page.get_by_label("Tên đăng nhập").input_value() == "demo.handler"


def test_sign_out_returns_to_the_login_page(live_server, page, make):
    make.user("handler", username="demo.handler")
    sign_in(page, live_server, "demo.handler")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{live_server}/login")
    assert page.get_by_text("Bạn đã đăng xuất.").is_visible()
