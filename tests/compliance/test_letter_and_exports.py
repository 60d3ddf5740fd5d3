"""The overdue letter (page and Word), the spreadsheets (streamed, audited), inspections, the year-end list."""
from __future__ import annotations

import io
import tracemalloc
from datetime import date, timedelta

import docx
import openpyxl
import pytest
from sqlalchemy import insert, select

from portal.domain import figures as f
from portal.extensions import db
from portal.models import AuditEntry, Case, Inspection
from tests.compliance.dataset import build, hanoi
from tests.conftest import FIXED_NOW, csrf_token_from, signed_in_client

PERIOD_ARGS = "period=custom&start=2026-08-01&end=2026-09-30"


@pytest.fixture
def city(make):
    return build(make)


@pytest.fixture
def office(app, make, city):
    return signed_in_client(app, make.user("city_office", city["office"], username="demo.office"))


def test_the_letter_names_the_units_with_overdue_cases_most_first(office, city):
    html = office.get("/compliance/overdue-letter").get_data(as_text=True)
    assert ("tính đến 09 giờ 00 ngày 16/11/2026, còn 4 đơn vị để phản ánh, kiến nghị quá hạn chưa xử lý gồm: "
            "Sở Xây dựng (1), UBND Phường Quốc Tử Giám (1), UBND Phường Văn Chương (1), UBND Quận Đống Đa (1)") in html
    assert "Hà Nội, ngày 16 tháng 11 năm 2026" in html
    assert "VĂN PHÒNG UBND THÀNH PHỐ" in html


def test_the_letter_on_a_past_day_counts_what_was_overdue_then(office, city):
    html = office.get("/compliance/overdue-letter?date=15/09/2026").get_data(as_text=True)
    assert ("tính đến hết ngày 15/09/2026, còn 2 đơn vị để phản ánh, kiến nghị quá hạn chưa xử lý gồm: "
            "Sở Xây dựng (1), UBND Phường Quốc Tử Giám (1)") in html


def test_the_letter_refuses_a_day_in_the_future_or_not_a_day(office, city):
    future = office.get("/compliance/overdue-letter?date=2026-11-17")
    assert future.status_code == 422
    assert "không được sau ngày hôm nay (16/11/2026)" in future.get_data(as_text=True)
    garbage = office.get("/compliance/overdue-letter?date=hom-qua")
    assert garbage.status_code == 422
    assert "Ngày không hợp lệ ở ô “Tính đến ngày”" in garbage.get_data(as_text=True)
    assert office.get("/compliance/overdue-letter.docx?date=2026-11-17").status_code == 422


def test_the_letter_as_word_lists_the_units_and_counts_and_is_audited(office, city):
    response = office.get("/compliance/overdue-letter.docx")
    assert response.status_code == 200
    assert "thong-bao-don-vi-qua-han-2026-11-16.docx" in response.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.data))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "còn 4 đơn vị để phản ánh, kiến nghị quá hạn chưa xử lý gồm:" in text
    table = document.tables[1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["STT", "Đơn vị", "Trực thuộc", "Số phản ánh, kiến nghị quá hạn"]
    assert rows[1] == ["1", "Sở Xây dựng", "UBND Thành phố Hà Nội", "1"]
    assert rows[3][1:] == ["UBND Phường Văn Chương", "UBND Quận Đống Đa", "1"]
    assert rows[-1][1] == "Tổng cộng" and rows[-1][3] == "4"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.username == "demo.office" and entry.target == "compliance.overdue_letter"


def test_a_chairs_letter_names_only_units_of_the_district(app, make, city):
    client = signed_in_client(app, make.user("chair", city["dong_da"]))
    html = client.get("/compliance/overdue-letter").get_data(as_text=True)
    assert "còn 3 đơn vị" in html and "Sở Xây dựng" not in html


def test_the_table_spreadsheet_has_the_same_numbers_as_the_page(office, city):
    response = office.get(f"/compliance/table.xlsx?{PERIOD_ARGS}&sort=open_overdue&dir=desc")
    assert response.status_code == 200 and response.is_streamed
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Tình hình tiếp nhận, xử lý phản ánh, kiến nghị: Toàn Thành phố"
    assert rows[2][0].startswith("Tiếp nhận 13 phản ánh, kiến nghị; đã xử lý 5 (38,5%)")
    header = rows[4]
    assert header[:4] == ["Đơn vị", "Tiếp nhận", "Đã xử lý", "Đã xử lý: Đúng hạn"]
    by_name = {row[0]: dict(zip(header, row)) for row in rows[5:]}
    assert list(by_name)[0] == "UBND Quận Đống Đa"  # sorted as on the page
    assert by_name["UBND Quận Đống Đa"]["Tiếp nhận"] == 8
    assert by_name["UBND Quận Đống Đa"]["Đang xử lý: Quá hạn"] == 2
    assert by_name["UBND Quận Đống Đa"]["Thời gian xử lý (ngày)"] == 11.5
    assert by_name["Sở Xây dựng"]["Người dân đánh giá: Tỷ lệ hài lòng"] == 1.0
    assert by_name["Tổng cộng"]["Tiếp nhận"] == 13 and by_name["Tổng cộng"]["Từ chối"] == 2
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.target == "compliance.table" and "Toàn Thành phố" in entry.detail


def test_the_overdue_spreadsheet_lists_the_cases_the_user_can_see(app, make, city):
    client = signed_in_client(app, make.user("chair", city["dong_da"]))
    response = client.get("/compliance/overdue.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    codes = {row[0] for row in rows[4:]}
    assert codes == {city.cases[name].code for name in ("overdue_open", "transferred_twice", "after_period")}
    first = rows[4]
    assert first[0] == city.cases["overdue_open"].code  # the oldest deadline first
    assert first[2] == "UBND Phường Quốc Tử Giám"
    assert first[4].strftime("%d/%m/%Y %H:%M") == "03/09/2026 17:00"  # Hanoi's clock
    assert first[5].startswith("quá hạn")


def test_the_overdue_spreadsheet_is_written_row_by_row_with_flat_memory(app, make, city, office):
    """Peak memory while exporting barely grows from 600 to 2,400 rows: rows never all sit in memory."""
    category = city.cases["overdue_open"].category_id
    ward = city["van_chuong"].id

    def add(count: int, offset: int) -> None:
        db.session.execute(insert(Case), [
            {"code": f"M{offset + n:07d}", "kind": "field", "category_id": category, "title": "Rác thải tồn đọng",
             "content": "Nội dung", "unit_id": ward, "state": "in_progress", "source": "app", "priority": "normal",
             "received_at": hanoi(2026, 10, 1, 9), "due_at": hanoi(2026, 10, 15, 17) + timedelta(minutes=n),
             "transfer_count": 0, "extension_count": 0, "updated_at": FIXED_NOW, "version": 1}
            for n in range(count)])
        db.session.commit()

    def peak_of_export() -> tuple[int, int]:
        tracemalloc.start()
        response = office.get(f"/compliance/units/{city['van_chuong'].id}/overdue.xlsx")
        size = len(response.data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak, size

    add(600, 0)
    office.get(f"/compliance/units/{city['van_chuong'].id}/overdue.xlsx")  # warm up: imports, caches
    small_peak, small_size = peak_of_export()
    add(1800, 600)
    large_peak, large_size = peak_of_export()
    assert large_size > 2.5 * small_size  # four times the rows were written
    # Held in memory, 1,800 more rows of ten values cost well over 2 MB (openpyxl's cells are objects);
    # written out, the growth is the test client's copy of the file and allocator noise.
    assert large_peak - small_peak < 1800 * 600, (small_peak, large_peak)


def test_an_inspector_records_an_inspection_and_the_units_page_shows_it(app, make, city):
    inspector = make.user("inspector", city["office"], full_name="Đỗ Mạnh Cường")
    client = signed_in_client(app, inspector)
    path = f"/compliance/units/{city['quoc_tu_giam'].id}/inspections/new"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={
        "csrf_token": token, "inspected_on": "10/11/2026", "inspectors": "Đỗ Mạnh Cường, Nguyễn Thu Trang",
        "findings": "Còn 1 phản ánh quá hạn 2 tháng chưa xử lý.", "conclusion": "Chưa đạt yêu cầu.",
        "follow_up_due": "30/11/2026"})
    assert response.status_code == 302
    inspection = db.session.scalar(select(Inspection))
    assert (inspection.unit_id, str(inspection.inspected_on), inspection.recorded_by_id) == (
        city["quoc_tu_giam"].id, "2026-11-10", inspector.id)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kiểm tra ngày 10/11/2026" in html and "Chưa đạt yêu cầu." in html and "30/11/2026" in html


def test_an_inspection_with_bad_dates_is_refused_with_the_reason_and_nothing_saved(app, make, city):
    client = signed_in_client(app, make.user("inspector", city["office"]))
    path = f"/compliance/units/{city['quoc_tu_giam'].id}/inspections/new"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, "inspected_on": "20/11/2026", "inspectors": "Đoàn",
                                       "findings": "…", "conclusion": "…", "follow_up_due": "01/11/2026"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ngày kiểm tra không được sau ngày hôm nay." in html
    assert html.lstrip().startswith('<form id="inspection-form"')
    assert db.session.scalar(select(Inspection)) is None


@pytest.mark.parametrize("role", ["city_office", "chair", "unit_lead"])
def test_only_inspectors_record_inspections(app, make, city, role):
    home = city["quoc_tu_giam"] if role == "unit_lead" else (city["dong_da"] if role == "chair" else city["office"])
    client = signed_in_client(app, make.user(role, home))
    assert client.get(f"/compliance/units/{city['quoc_tu_giam'].id}/inspections/new").status_code in (403, 404)
    html = client.get(f"/compliance/units/{city['quoc_tu_giam'].id}").get_data(as_text=True)
    assert "Ghi nhận kết quả kiểm tra" not in html


def test_the_year_end_list_names_units_and_handlers_with_overdue_cases(office, make, city):
    handler = make.user("handler", city["van_chuong"], full_name="Trần Thị Mai")
    db.session.get(Case, city.cases["late"].id).handler_id = handler.id
    db.session.commit()
    html = office.get("/compliance/year-end?year=2026").get_data(as_text=True)
    assert "Đơn vị (4)" in html and "Cán bộ xử lý (1)" in html and "Trần Thị Mai" in html
    assert "Chưa gửi danh sách cán bộ" in html  # the column stands; with no campaign no unit is marked missing
    book = openpyxl.load_workbook(io.BytesIO(office.get("/compliance/year-end.xlsx?year=2026").data))
    units = list(book["Đơn vị"].iter_rows(values_only=True))
    assert units[3][:5] == ("Đơn vị", "Trực thuộc", "Trả lời trễ hạn", "Quá hạn chưa xử lý", "Tổng quá hạn")
    assert units[4][:5] == ("UBND Phường Văn Chương", "UBND Quận Đống Đa", 1, 1, 2)
    assert list(book["Cán bộ"].iter_rows(values_only=True))[4] == ("Trần Thị Mai", "UBND Phường Văn Chương", 1, 0, 1)
    assert office.get("/compliance/year-end?year=20x6").status_code == 422


def test_the_year_end_list_names_units_missing_their_roster(office, city, make):
    # A campaign due on Friday 20/11/2026 that the City Office's own unit has not answered.
    make.roster_campaign([city["so_xay_dung"], city["office"]], due_on=date(2026, 11, 20))
    html = office.get("/compliance/year-end?year=2026").get_data(as_text=True)
    assert "Chưa gửi danh sách cán bộ" in html
    assert "Đơn vị (5)" in html  # the City Office's own unit joins for its missing roster alone
    lines = f.year_end_units(None, 2026, now=FIXED_NOW, missing_roster={city["office"].id})
    assert [(line.unit.name, line.missing_roster) for line in lines][-1] == ("Văn phòng UBND Thành phố", True)
