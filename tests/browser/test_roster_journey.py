"""Journey: a ward's lead adds two people inline, imports a file with one bad row (the error is shown and
nothing is saved), fixes it and submits; the City Office returns the roster with a comment; the lead sees it."""
from datetime import date

from openpyxl import Workbook

from tests.browser.conftest import sign_in

HEADER = ["STT", "Họ và tên", "Chức vụ", "Vai trò xử lý", "Số điện thoại", "Thư điện tử", "Đã tạo tài khoản iHanoi",
          "Ngày tạo tài khoản"]


def _workbook(path, third_phone):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([1, "Trần Văn Minh", "Chủ tịch UBND phường", "Lãnh đạo phụ trách", "0912460193", "", "Có", "04/11/2026"])
    sheet.append([2, "Phạm Thị Thu Trang", "Công chức Văn phòng", "Cán bộ đầu mối", "0983217745", "", "", ""])
    sheet.append([3, "Đỗ Văn Hải", "Cán bộ Đội trật tự đô thị", "Cán bộ xử lý", third_phone, "", "", ""])
    workbook.save(path)
    return str(path)


def _signed_in(page, live_server, username):
    sign_in(page, live_server, username)
    page.locator(".who-unit").wait_for()


def _add_row(page, name, role, phone):
    page.get_by_role("link", name="+ Thêm người").click()
    row = page.locator("#row-new.row-editing")
    row.get_by_label("Họ và tên").fill(name)
    row.get_by_label("Vai trò xử lý").select_option(label=role)
    row.get_by_label("Số điện thoại").fill(phone)
    row.get_by_role("button", name="Lưu").click()
    page.locator(".roster-table tbody tr", has_text=name).wait_for()


def test_lead_builds_imports_and_submits_then_sees_the_city_offices_comment(live_server, page, make, tmp_path):
    root = make.unit("Ủy ban nhân dân Thành phố Hà Nội", kind="city", code="HN")
    office_unit = make.unit("Văn phòng UBND Thành phố", kind="city_office", parent=root, code="VP-UBND")
    ward = make.unit("UBND Phường Văn Chương", parent=make.unit("UBND Quận Đống Đa", kind="district", parent=root),
                     code="P00193")
    make.user("unit_lead", ward, username="demo.lead", full_name="Trần Văn Minh")
    make.user("city_office", office_unit, username="demo.office", full_name="Phạm Thu Hà")
    make.roster_campaign([ward], due_on=date(2026, 11, 20))

    _signed_in(page, live_server, "demo.lead")
    page.goto(f"{live_server}/rosters")
    assert "Danh sách cán bộ tham gia xử lý phản ánh, kiến nghị — UBND Phường Văn Chương" in page.locator("h1").inner_text()

    _add_row(page, "Trần Văn Minh", "Lãnh đạo phụ trách", "0912 460 193")
    _add_row(page, "Phạm Thị Thu Trang", "Cán bộ đầu mối", "0983217745")
    assert page.locator(".roster-table tbody tr:not([hidden])").count() == 2
    assert page.locator("#roster-summary .big").inner_text() == "2"
    page.get_by_label("Tổng số cán bộ, công chức của đơn vị").fill("21")
    page.locator(".headcount-form").get_by_role("button", name="Lưu").click()
    page.get_by_text("Đã lưu tổng số cán bộ, công chức: 21.").wait_for()

    page.get_by_label("Tệp danh sách").set_input_files(_workbook(tmp_path / "sai.xlsx", "abc"))
    page.get_by_role("button", name="Nhập từ tệp").click()
    problems = page.locator("#import-problems")
    problems.wait_for()
    assert "Không nhập được tệp: 1 lỗi." in problems.inner_text()
    assert problems.locator("tbody tr").first.inner_text().split("\t")[:2] == ["4", "Số điện thoại"]
    assert "“abc” không phải số điện thoại Việt Nam" in problems.inner_text()
    assert page.locator(".roster-table tbody tr:not([hidden])").count() == 2  # nothing saved

    page.get_by_label("Tệp danh sách").set_input_files(_workbook(tmp_path / "dung.xlsx", "0367 112 908"))
    page.get_by_role("button", name="Nhập từ tệp").click()
    page.get_by_text("Đã nhập 3 người từ tệp “dung.xlsx”").wait_for()
    assert page.locator(".roster-table tbody tr:not([hidden])").count() == 3
    page.get_by_role("button", name="Nộp danh sách").click()
    page.get_by_text("Đã nộp danh sách (lần 1) cho Văn phòng UBND Thành phố.").wait_for()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{live_server}/login")

    _signed_in(page, live_server, "demo.office")
    page.goto(f"{live_server}/rosters")
    page.get_by_role("link", name="UBND Phường Văn Chương").click()
    page.get_by_label("Trả lại để sửa").check()
    page.get_by_label("Ý kiến").fill("Chưa có cán bộ xử lý của Công an phường; đề nghị bổ sung.")
    page.get_by_role("button", name="Ghi kết quả").click()
    page.get_by_text("Đã trả lại danh sách của UBND Phường Văn Chương.").wait_for()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(f"{live_server}/login")

    _signed_in(page, live_server, "demo.lead")
    page.goto(f"{live_server}/rosters")
    comment = page.locator(".review-comment")
    assert "Văn phòng UBND Thành phố đã trả lại danh sách" in comment.inner_text()
    assert "Chưa có cán bộ xử lý của Công an phường; đề nghị bổ sung." in comment.inner_text()
