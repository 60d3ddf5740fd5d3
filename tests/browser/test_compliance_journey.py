"""Journey: the City Office reads the city's figures, sorts by overdue, drills into a district and a ward,
and downloads the overdue letter (Word) and the table (Excel) with the page's numbers."""
import docx
import openpyxl

from tests.browser.conftest import sign_in
from tests.compliance.dataset import build


def _table_numbers(page) -> dict[str, dict[str, str]]:
    numbers = {}
    for row in page.locator("#units-table tbody tr").all():
        name = row.locator("th a, th").first.inner_text().split("\n")[0].replace("Có quá hạn", "").strip()
        numbers[name] = {cell.get_attribute("data-key"): cell.inner_text() for cell in row.locator("td").all()}
    return numbers


def test_city_office_sorts_drills_down_and_downloads_the_letter_and_table(live_server, page, make, tmp_path):
    city = build(make)
    make.user("city_office", city["office"], username="vp.pakn", full_name="Phạm Thu Hà")
    sign_in(page, live_server, "vp.pakn")
    page.wait_for_url(lambda url: "/login" not in url)  # signed in before going on
    page.goto(f"{live_server}/compliance")
    assert "Tiếp nhận 15 phản ánh, kiến nghị" in page.locator("#headline").inner_text()

    page.locator('#units-table a[data-sort="open_overdue"]').click()
    page.wait_for_url("**sort=open_overdue**")
    first = page.locator("#units-table tbody tr").first
    assert first.locator("th").inner_text().startswith("UBND Quận Đống Đa")
    assert "is-overdue" in first.get_attribute("class")

    first.get_by_role("link", name="UBND Quận Đống Đa").click()
    page.wait_for_url(f"**/compliance/units/{city['dong_da'].id}**")
    assert page.locator("h1 .scope-name").inner_text() == "UBND Quận Đống Đa"
    page.get_by_role("link", name="UBND Phường Quốc Tử Giám").click()
    page.wait_for_url(f"**/compliance/units/{city['quoc_tu_giam'].id}**")
    overdue_code = city.cases["overdue_open"].code
    case_link = page.locator("#overdue-cases").get_by_role("link", name=overdue_code)
    assert case_link.get_attribute("href") == f"/cases/{overdue_code}"

    page.get_by_role("link", name="Thông báo đơn vị quá hạn").click()
    page.wait_for_url("**/compliance/overdue-letter")
    assert "còn 4 đơn vị để phản ánh, kiến nghị quá hạn chưa xử lý gồm" in page.locator("#letter-opening").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải văn bản (Word)").click()
    path = tmp_path / "letter.docx"
    download.value.save_as(path)
    letter = docx.Document(path)
    listed = [row.cells[1].text for row in letter.tables[1].rows[1:-1]]
    assert listed == ["Sở Xây dựng", "UBND Phường Quốc Tử Giám", "UBND Phường Văn Chương", "UBND Quận Đống Đa"]

    page.goto(f"{live_server}/compliance?sort=open_overdue&dir=desc")
    on_page = _table_numbers(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng số liệu (Excel)").click()
    path = tmp_path / "table.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    header = rows[4]
    in_file = {row[0]: dict(zip(header, row)) for row in rows[5:]}
    assert list(in_file)[:len(on_page)] == list(on_page)  # same order as the page
    for name, cells in on_page.items():
        assert str(in_file[name]["Tiếp nhận"]) == cells["received"], name
        assert str(in_file[name]["Đang xử lý: Quá hạn"]) == cells["open_overdue"], name
        assert str(in_file[name]["Đã xử lý"]) == cells["answered"], name
        assert str(in_file[name]["Chuyển đi, trả lại"]) == cells["transferred_out"], name
    assert on_page["UBND Quận Đống Đa"]["open_overdue"] == "3"
