"""Journey: the administrator creates an account; the page shows the one-time password, which works once."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_admin_creates_an_account_and_the_page_shows_its_one_time_password(live_server, page, browser, make):
    city = make.unit("Ủy ban nhân dân Thành phố Hà Nội", kind="city", code="HN")
    department = make.unit("Sở Thông tin và Truyền thông", kind="department", parent=city, code="SO-TTTT")
    district = make.unit("UBND Quận Đống Đa", kind="district", parent=city, code="Q006")
    make.unit("UBND Phường Văn Chương", parent=district, code="P00193")
    make.user("admin", department, username="quantri.vien", full_name="Hoàng Đức Thắng")

    sign_in(page, live_server, "quantri.vien")
    page.wait_for_url(f"{live_server}/admin")
    page.locator(".admin-nav").get_by_role("link", name="Tài khoản").click()
    page.get_by_role("link", name="+ Tạo tài khoản").click()
    page.get_by_label("Tên đăng nhập").fill("nguyen.van.an")
    page.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    page.get_by_label("Đơn vị").fill("P00193")
    page.get_by_label("Vai trò").select_option(label="Cán bộ xử lý")
    page.get_by_role("button", name="Tạo tài khoản").click()

    expect(page.get_by_role("heading", name="Đã tạo tài khoản nguyen.van.an")).to_be_visible()
    secret = page.locator("[data-secret=password]")
    expect(secret).to_have_text(re.compile(r"^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$"))
    expect(page.get_by_text("Mật khẩu chỉ hiển thị một lần, ngay bây giờ.")).to_be_visible()
    password = secret.inner_text()

    # Reloading the address does not show it again.
    page.reload()
    expect(page.locator("[data-secret=password]")).to_have_count(0)

    # The newcomer signs in with it and must choose their own password first.
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport={"width": 1366, "height": 768})
    newcomer = context.new_page()
    sign_in(newcomer, live_server, "nguyen.van.an", password)
    newcomer.wait_for_url(f"{live_server}/account/password")
    expect(newcomer.get_by_text("Bạn đang dùng mật khẩu cấp một lần.")).to_be_visible()
    context.close()
