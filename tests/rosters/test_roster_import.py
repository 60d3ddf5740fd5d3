"""Importing a roster from .xlsx or .csv: every row checked, problems named by row and column, all or nothing."""
import io
import time
import unicodedata
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from portal.domain import rosters as rules
from portal.extensions import db
from portal.models import RosterRow
from portal.rosters.spreadsheets import template_csv, template_xlsx
from tests.conftest import csrf_token_from
from tests.rosters.conftest import roster_url

TODAY = date(2026, 11, 16)
HEADER = ["STT", "Họ và tên", "Chức vụ", "Vai trò xử lý", "Số điện thoại", "Thư điện tử", "Đã tạo tài khoản iHanoi",
          "Ngày tạo tài khoản"]
GOOD = [
    [1, "Trần Văn Minh", "Chủ tịch UBND phường", "Lãnh đạo phụ trách", "0912 460 193", "minh@hanoi.gov.vn", "Có", "04/11/2026"],
    [2, "Phạm Thị Thu Trang", "Công chức Văn phòng", "cán bộ đầu mối", "+84 983 217 745", "", "", ""],
    [3, "Nguyễn Thị Hồng Nhung", "Công chức Địa chính", "CÁN BỘ XỬ LÝ", "0904558201", "nhung@hanoi.gov.vn", "Không", ""],
]


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER, delimiter=",", bom=True) -> bytes:
    lines = [delimiter.join(str(cell) for cell in line) for line in [header, *rows]]
    text = "\r\n".join(lines) + "\r\n"
    return text.encode("utf-8-sig" if bom else "utf-8")


def messages(result):
    return [(problem.row, problem.column, problem.message) for problem in result.problems]


# --- Reading files --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data", [
    ("danh-sach.xlsx", xlsx_bytes(GOOD)),
    ("danh-sach.csv", csv_bytes(GOOD, bom=True)),
    ("danh-sach.csv", csv_bytes(GOOD, bom=False)),
    ("danh-sach.csv", csv_bytes(GOOD, delimiter=";")),
])
def test_a_good_file_gives_every_person_normalized(name, data):
    result = rules.read_roster_file(name, data, TODAY)
    assert result.ok, messages(result)
    entries = [entry for _, entry in result.entries]
    assert [e.full_name for e in entries] == ["Trần Văn Minh", "Phạm Thị Thu Trang", "Nguyễn Thị Hồng Nhung"]
    assert [e.role for e in entries] == ["leader", "focal", "handler"]
    assert [e.phone for e in entries] == ["0912460193", "0983217745", "0904558201"]
    assert [e.registered_on for e in entries] == [date(2026, 11, 4), None, None]
    assert [row for row, _ in result.entries] == [2, 3, 4]


def test_excel_numbers_and_dates_are_read_as_people_type_them():
    data = xlsx_bytes([[1, "Đỗ Văn Hải", "", "cán bộ xử lý", 912345678, None, "x", datetime(2026, 11, 9)]])
    result = rules.read_roster_file("a.xlsx", data, TODAY)
    (_, entry), = result.entries
    assert entry.phone == "0912345678"  # Excel dropped the leading zero
    assert entry.registered_on == date(2026, 11, 9)


def test_marked_registered_without_a_day_counts_from_the_day_of_import():
    result = rules.read_roster_file("a.csv", csv_bytes([[1, "Đỗ Văn Hải", "", "cán bộ xử lý", "0912345678", "", "Có", ""]]),
                                    TODAY)
    assert result.entries[0][1].registered_on == TODAY


def test_the_downloadable_template_reads_back_once_filled():
    workbook = load_workbook(io.BytesIO(template_xlsx()))
    sheet = workbook["Danh sách"]
    assert [cell.value for cell in sheet[1]] == HEADER
    for row in GOOD:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = rules.read_roster_file("mau-danh-sach-can-bo.xlsx", buffer.getvalue(), TODAY)
    assert result.ok and len(result.entries) == 3
    assert template_csv().decode("utf-8-sig").strip() == ",".join(HEADER)


def test_a_title_above_the_header_and_other_spellings_of_the_columns_are_accepted():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH CÁN BỘ THAM GIA XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ"])
    sheet.append([])
    sheet.append(["TT", "HỌ VÀ TÊN (*)", "Chức danh", "Vai trò", "SĐT", "Email"])
    sheet.append([1, "Trần Văn Minh", "Chủ tịch", "Lãnh đạo phụ trách", "0912460193", "minh@hanoi.gov.vn"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = rules.read_roster_file("ds.xlsx", buffer.getvalue(), TODAY)
    assert result.ok, messages(result)
    assert result.entries[0][0] == 4


def test_wrong_columns_name_the_missing_ones():
    data = xlsx_bytes([["Trần Văn Minh", "0912460193"]], header=["Họ và tên", "Điện thoại cơ quan", "Ghi chú"])
    result = rules.read_roster_file("sai-cot.xlsx", data, TODAY)
    (row, column, message), = messages(result)
    assert row == 1
    assert "thiếu cột “Vai trò xử lý”, “Số điện thoại”" in message


def test_a_sheet_without_any_known_header_says_what_it_found():
    data = csv_bytes([["a", "b"]], header=["Name", "Phone", "Role"])
    (row, column, message), = messages(rules.read_roster_file("english.csv", data, TODAY))
    assert "Không tìm thấy dòng tiêu đề" in message and "“Name”, “Phone”, “Role”" in message


@pytest.mark.parametrize("name, data, expected", [
    ("trong.xlsx", b"", "trống (0 byte)"),
    ("trong.csv", b"", "trống (0 byte)"),
    ("chi-tieu-de.xlsx", xlsx_bytes([]), "chỉ có dòng tiêu đề"),
    ("cu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "định dạng Excel cũ (.xls)"),
    ("anh.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "không phải .xlsx hay .csv"),
    ("hong.xlsx", b"this is not a spreadsheet at all", "không phải bảng tính Excel (.xlsx) hợp lệ"),
    ("windows.csv", unicodedata.normalize("NFD", ",".join(HEADER)).encode("cp1258", "replace"),
     "không dùng bảng mã UTF-8"),
])
def test_unreadable_files_get_a_clear_message(name, data, expected):
    result = rules.read_roster_file(name, data, TODAY)
    assert not result.ok and result.entries == []
    assert expected in result.problems[0].message


def test_an_xlsx_that_is_really_a_zip_of_something_else_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bao-cao.docx", b"not a workbook")
        archive.writestr("anh/chan-dung.jpg", b"\xff\xd8\xff")
    result = rules.read_roster_file("danh-sach.xlsx", buffer.getvalue(), TODAY)
    assert "là tệp nén (.zip) nhưng không chứa bảng tính Excel" in result.problems[0].message


def test_a_phone_like_abc_is_named_by_row_and_column():
    rows = [GOOD[0], [2, "Lê Thị Bình", "", "cán bộ xử lý", "abc", "", "", ""]]
    result = rules.read_roster_file("a.xlsx", xlsx_bytes(rows), TODAY)
    assert messages(result) == [
        (3, "Số điện thoại", "“abc” không phải số điện thoại Việt Nam (ví dụ 0912 345 678).")]
    assert result.entries == []  # all or nothing


def test_every_problem_of_every_row_is_listed():
    rows = [
        [1, "", "", "cán bộ xử lý", "0912000001", "", "", ""],
        [2, "Lê Thị Bình", "", "trưởng phòng", "0912000002", "binh@", "", ""],
        [3, "Đỗ Văn Cường", "", "cán bộ xử lý", "0912000003", "", "Có", "01/12/2026"],
        [4, "Hoàng Thị Dung", "", "cán bộ xử lý", "0912 000 003", "", "", "32/13/2026"],
    ]
    result = rules.read_roster_file("a.xlsx", xlsx_bytes(rows), TODAY)
    assert {(row, column) for row, column, _ in messages(result)} == {
        (2, "Họ và tên"), (3, "Vai trò xử lý"), (3, "Thư điện tử"), (4, "Ngày tạo tài khoản"),
        (5, "Ngày tạo tài khoản")}
    role_message = next(m for r, c, m in messages(result) if c == "Vai trò xử lý")
    assert "“trưởng phòng” không phải vai trò xử lý" in role_message
    assert "lãnh đạo phụ trách, cán bộ đầu mối, cán bộ xử lý" in role_message


def test_the_same_person_twice_is_refused_naming_the_first_row():
    rows = [GOOD[0], [2, "Trần V. Minh", "", "cán bộ xử lý", "0912.460.193", "", "", ""],
            [3, "Ngô Văn Khánh", "", "cán bộ xử lý", "0977000001", "MINH@hanoi.gov.vn", "", ""]]
    result = rules.read_roster_file("a.xlsx", xlsx_bytes(rows), TODAY)
    assert messages(result) == [(3, "Số điện thoại", "Trùng với dòng 2: một người chỉ ghi một lần."),
                                (4, "Thư điện tử", "Trùng với dòng 2: một người chỉ ghi một lần.")]


def _many(count):
    return [[n, f"Cán bộ Số {n}", "Chuyên viên", "cán bộ xử lý", f"09{n:08d}", f"cb{n}@hanoi.gov.vn", "", ""]
            for n in range(1, count + 1)]


def test_more_than_5000_people_is_refused_with_the_limit():
    result = rules.read_roster_file("lon.csv", csv_bytes(_many(5001)), TODAY)
    assert messages(result) == [(None, None, "Tệp có 5.001 người, vượt quá giới hạn 5.000 người một danh sách. "
                                             "Hãy chỉ ghi cán bộ tham gia xử lý phản ánh, kiến nghị.")]


# --- Through the page: all or nothing ---------------------------------------------------------------------

@pytest.fixture
def lead_client(city, make, signed_in):
    roster = city["roster"]
    make.roster_row(roster, full_name="Trần Văn Minh", role="leader", phone="0912460193")
    make.roster_row(roster, full_name="Vũ Văn Giang", phone="0912000009")
    return signed_in(city["lead"])


def _upload(client, roster, name, data):
    token = csrf_token_from(client.get(roster_url(roster)).get_data(as_text=True))
    return client.post(roster_url(roster, "/import"), data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _rows(roster):
    db.session.expire_all()
    return [(row.id, row.full_name, row.phone) for row in roster.rows]


def _bad_files():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return [
        ("sai-cot.xlsx", xlsx_bytes([["Trần Văn Minh"]], header=["Họ và tên", "Ghi chú"]), 422,
         "thiếu cột “Vai trò xử lý”, “Số điện thoại”"),
        ("lon.xlsx", b"PK\x03\x04" + b"\0" * (20 * 1024 * 1024), 413, "có dung lượng 20,0 MB, vượt quá giới hạn 5,0 MB"),
        ("zip.xlsx", buffer.getvalue(), 422, "không chứa bảng tính Excel"),
        ("trong.xlsx", b"", 422, "trống (0 byte)"),
        ("so-dien-thoai.xlsx", xlsx_bytes([GOOD[0], [2, "Lê Thị Bình", "", "cán bộ xử lý", "abc", "", "", ""]]), 422,
         "“abc” không phải số điện thoại Việt Nam"),
    ]


@pytest.mark.parametrize("name, data, status, expected", _bad_files(), ids=[f[0] for f in _bad_files()])
def test_a_bad_file_shows_the_problem_and_leaves_the_roster_unchanged(city, lead_client, name, data, status, expected):
    roster = city["roster"]
    before = _rows(roster)
    response = _upload(lead_client, roster, name, data)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert "Không nhập được tệp" in page and "Danh sách trên cổng không thay đổi" in page
    assert expected in page
    assert _rows(roster) == before


def test_the_phone_problem_is_shown_with_its_row_and_column(city, lead_client):
    data = xlsx_bytes([GOOD[0], [2, "Lê Thị Bình", "", "cán bộ xử lý", "abc", "", "", ""]])
    page = _upload(lead_client, city["roster"], "a.xlsx", data).get_data(as_text=True)
    assert '<td class="num">3</td><td>Số điện thoại</td>' in page


def test_a_good_file_replaces_the_rows_and_keeps_a_known_persons_row(city, lead_client):
    roster = city["roster"]
    kept_id = next(row.id for row in roster.rows if row.phone == "0912460193")
    response = _upload(lead_client, roster, "danh-sach.xlsx", xlsx_bytes(GOOD))
    assert response.status_code == 302
    rows = _rows(roster)
    assert [name for _, name, _ in rows] == ["Trần Văn Minh", "Phạm Thị Thu Trang", "Nguyễn Thị Hồng Nhung"]
    assert rows[0][0] == kept_id  # same phone: same row, so a portal account made from it stays linked
    assert "Vũ Văn Giang" not in [name for _, name, _ in rows]
    assert "Đã nhập 3 người" in lead_client.get(roster_url(roster)).get_data(as_text=True)


def test_5000_people_import_in_reasonable_time(city, lead_client):
    roster = city["roster"]
    data = xlsx_bytes(_many(5000))
    started = time.monotonic()
    response = _upload(lead_client, roster, "5000.xlsx", data)
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert db.session.query(RosterRow).filter_by(roster_id=roster.id).count() == 5000
    assert elapsed < 30, f"importing 5,000 people took {elapsed:.1f} s"


def test_a_submitted_roster_cannot_be_replaced_by_a_file(city, lead_client):
    roster = city["roster"]
    rules.set_headcount(roster, 5, datetime(2026, 11, 16, 2, 0).astimezone())
    rules.submit(roster, city["lead"], datetime(2026, 11, 16, 2, 0).astimezone())
    db.session.commit()
    before = _rows(roster)
    response = _upload(lead_client, roster, "danh-sach.xlsx", xlsx_bytes(GOOD))
    assert response.status_code == 302
    assert "đang chờ Văn phòng UBND Thành phố duyệt" in lead_client.get(roster_url(roster)).get_data(as_text=True)
    assert _rows(roster) == before
