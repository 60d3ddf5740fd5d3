"""Bulk import of cases from XLSX or CSV at /intake/import: all rows or none, errors by row and column."""
import io
import re
from datetime import datetime, timezone

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, CaseEvent

from tests.conftest import csrf_token_from, signed_in_client

HEADER = ["Lĩnh vực", "Tiêu đề", "Nội dung", "Mức độ", "Địa chỉ", "Phường, xã", "Họ tên người phản ánh",
          "Điện thoại", "Email", "Thời điểm tiếp nhận"]
GOOD_ROW = ["GT", "Ổ gà phố Văn Chương", "Ổ gà sâu trước số 12.", "Khẩn", "Số 12 Văn Chương, P. Văn Chương, Đống Đa",
            "", "Nguyễn Văn An", "0912345678", "an@example.vn", "14/11/2026 08:30"]


@pytest.fixture
def city(make):
    district = make.unit("UBND Quận Đống Đa", kind="district", code="Q006")
    return {
        "district": district,
        "ward": make.unit("UBND Phường Văn Chương", parent=district, code="P00193"),
        "office": make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND"),
        "roads": make.category(code="GT", name="Giao thông"),
        "other": make.category(code="KHAC", name="Lĩnh vực khác", default_unit_kind="city_office"),
    }


@pytest.fixture
def office(app, make, city):
    return signed_in_client(app, make.user("city_office", city["office"]))


def csv_file(rows, delimiter=","):
    text = "\n".join(delimiter.join(f'"{cell}"' for cell in row) for row in rows) + "\n"
    return io.BytesIO(("\ufeff" + text).encode()), "phan-anh.csv"


def xlsx_file(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer, "phan-anh.xlsx"


def upload(client, file):
    token = csrf_token_from(client.get("/intake/import").get_data(as_text=True))
    return client.post("/intake/import", data={"csrf_token": token, "file": file},
                       content_type="multipart/form-data")


def case_count():
    return db.session.scalar(select(func.count()).select_from(Case))


def error_rows(response):
    """(row, column, message) of the error table."""
    cells = re.findall(r'<tr><td class="num">(\d+)</td><td>(.*?)</td><td>(.*?)</td></tr>', response.get_data(as_text=True))
    return [(int(row), column, message) for row, column, message in cells]


def test_a_good_xlsx_file_makes_every_case_routed_and_listed(office, city):
    second = ["Lĩnh vực khác", "Thiếu biển chỉ dẫn", "Khu vực thiếu biển chỉ dẫn.", "", "", "", "", "", "", ""]
    response = upload(office, xlsx_file([HEADER, GOOD_ROW, second]))
    assert response.status_code == 302
    page = office.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã nhập 2 phản ánh từ tệp phan-anh.xlsx." in page
    cases = db.session.scalars(select(Case).order_by(Case.id)).all()
    assert [case.source for case in cases] == ["import", "import"]
    first = cases[0]
    assert (first.unit, first.ward, first.priority, first.state) == (city["ward"], city["ward"], "urgent", "assigned")
    assert first.received_at == datetime(2026, 11, 14, 1, 30, tzinfo=timezone.utc)  # 08:30 in Hanoi
    assert first.citizen_phone_digits == "0912345678"
    assert cases[1].state == "received" and cases[1].unit is None  # the City Office routes it
    assert first.code in page and cases[1].code in page


def test_one_bad_row_imports_nothing_and_lists_every_error_by_row_and_column(office, city):
    rows = [HEADER, GOOD_ROW,
            ["XX", "", "Nội dung", "Rất gấp", "", "", "", "12ab", "khong-email", "31/02/2026"],
            GOOD_ROW,
            ["GT", "Tiêu đề", "Nội dung", "", "", "Phường Không Có", "", "", "", "01/01/2030"]]
    response = upload(office, csv_file(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Chưa nhập phản ánh nào." in page
    assert error_rows(response) == [
        (3, "Lĩnh vực", "Không có lĩnh vực &#34;XX&#34; (ghi mã như GT hoặc tên lĩnh vực)."),
        (3, "Tiêu đề", "Bắt buộc, đang để trống."),
        (3, "Mức độ", "Chỉ nhận Bình thường, Khẩn hoặc Phức tạp."),
        (3, "Điện thoại", "&#34;12ab&#34; không phải số điện thoại Việt Nam hợp lệ."),
        (3, "Email", "&#34;khong-email&#34; không phải địa chỉ thư điện tử hợp lệ."),
        (3, "Thời điểm tiếp nhận", "&#34;31/02/2026&#34; không phải ngày giờ dd/mm/yyyy hh:mm."),
        (5, "Phường, xã", "Không tìm thấy đúng một phường, xã &#34;Phường Không Có&#34; (ghi kèm quận, huyện nếu tên trùng)."),
        (5, "Thời điểm tiếp nhận", "Ở tương lai."),
    ]
    assert case_count() == 0
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == 0


def test_a_semicolon_csv_with_english_headers_in_another_order_is_read(office, city):
    rows = [["title", "content", "category", "ward"], ["Ổ gà", "Ổ gà to", "GT", "Văn Chương, Đống Đa"]]
    assert upload(office, csv_file(rows, delimiter=";")).status_code == 302
    case = db.session.scalar(select(Case))
    assert case.unit == city["ward"] and case.source == "import"


@pytest.mark.parametrize("rows, words", [
    ([["Tiêu đề", "Nội dung"], ["a", "b"]], "Dòng 1 thiếu cột bắt buộc: Lĩnh vực"),
    ([HEADER], "không có phản ánh nào"),
    ([HEADER] + [GOOD_ROW] * 2001, "tối đa 2.000 dòng"),
])
def test_a_file_that_cannot_be_imported_says_why(office, city, rows, words):
    response = upload(office, csv_file(rows))
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert case_count() == 0


def test_a_file_of_another_type_or_encoding_is_refused(office, city):
    response = upload(office, (io.BytesIO(b"%PDF-1.4"), "phan-anh.pdf"))
    assert response.status_code == 422 and "Chỉ nhận tệp .xlsx hoặc .csv." in response.get_data(as_text=True)
    response = upload(office, (io.BytesIO("Lĩnh vực,Tiêu đề\n".encode("utf-16")), "phan-anh.csv"))
    assert response.status_code == 422 and "UTF-8" in response.get_data(as_text=True)
    response = upload(office, (io.BytesIO(b"not a zip"), "phan-anh.xlsx"))
    assert response.status_code == 422 and "Không đọc được tệp Excel" in response.get_data(as_text=True)


def test_the_template_downloads_with_the_headers_the_import_reads(office, city):
    response = office.get("/intake/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffLĩnh vực,Tiêu đề,Nội dung")
    # The template's own example row imports.
    assert upload(office, (io.BytesIO(text.encode()), "mau.csv")).status_code == 302
    assert case_count() == 1
