"""The register export (/queue/register.xlsx): every case received in a period that the user may see, as a
spreadsheet written while the rows are read; and the streamed .xlsx writer under every export."""
from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta, timezone

import openpyxl
import pytest
from sqlalchemy import event, select, text

from portal.domain.queue import register_statement
from portal.exports import Sheet, _xlsx_chunks
from portal.extensions import db
from portal.models import AuditEntry
from tests.clients import client_for
from tests.conftest import FIXED_NOW, IS_POSTGRES


def hanoi(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 on Hanoi's clock (UTC+7), as an aware UTC datetime."""
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone(timedelta(hours=7))).astimezone(timezone.utc)


@pytest.fixture
def places(make):
    ward = make.unit("UBND Phường Văn Chương", parent=make.unit("UBND Quận Đống Đa", kind="district"))
    other = make.unit("UBND Phường Trúc Bạch")
    office = make.unit("Văn phòng UBND Thành phố", kind="city_office", code="VP-UBND")
    return {"ward": ward, "other": other, "office": office}


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


def test_the_city_office_exports_every_case_received_in_the_period_in_the_order_received(app, make, places):
    handler = make.user("handler", places["ward"], full_name="Nguyễn Thị Hồng Nhung")
    before = make.case(unit=places["ward"], received_at=hanoi(2, 23, 59), title="Ngày trước kỳ")
    late = make.case(unit=places["other"], received_at=hanoi(9, 23, 59), title="Cuối ngày cuối kỳ")
    first = make.case(unit=places["ward"], received_at=hanoi(3, 0, 0), title="Đầu ngày đầu kỳ", state="answered",
                      handler=handler, answered_at=hanoi(5, 10), due_at=hanoi(6, 17), rating="satisfied")
    waiting = make.case(received_at=hanoi(4, 8), state="received", title="Chờ phân loại <khẩn>", due_at=hanoi(4, 16))
    make.case(unit=places["ward"], received_at=hanoi(10, 0, 0), title="Ngày sau kỳ")
    office = client_for(app, make.user("city_office", places["office"]))

    rows = _rows(office.get("/queue/register.xlsx?start=03/11/2026&end=2026-11-09"))

    assert rows[0][0] == ("Sổ theo dõi phản ánh, kiến nghị tiếp nhận từ 03/11/2026 đến 09/11/2026: "
                          "toàn Thành phố")
    header = rows[rows.index(next(row for row in rows if row and row[0] == "Mã"))]
    body = [dict(zip(header, row)) for row in rows[rows.index(header) + 1:]]
    assert [row["Mã"] for row in body] == [first.code, waiting.code, late.code], "the period's days, in order"
    assert before.code not in str(rows)
    answered = body[0]
    assert answered["Tiếp nhận"] == datetime(2026, 11, 3, 0, 0), "moments on Hanoi's clock, as dates"
    assert answered["Trả lời lúc"] == datetime(2026, 11, 5, 10, 0)
    assert (answered["Trạng thái"], answered["Thời hạn"], answered["Đánh giá"], answered["Đơn vị xử lý"],
            answered["Cán bộ xử lý"]) == ("Đã xử lý", "Đúng hạn", "Hài lòng", "UBND Phường Văn Chương",
                                          "Nguyễn Thị Hồng Nhung")
    assert (body[1]["Tiêu đề"], body[1]["Trạng thái"], body[1]["Thời hạn"], body[1]["Đơn vị xử lý"]) == (
        "Chờ phân loại <khẩn>", "Chờ tiếp nhận", "Quá hạn", None)  # due 04/11 16:00, now 16/11
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert entry.target == "queue.register" and "03/11/2026 đến 09/11/2026" in entry.detail


def test_a_units_register_holds_its_own_cases_only(app, make, places):
    own = make.case(unit=places["ward"], received_at=hanoi(5, 9))
    make.case(unit=places["other"], received_at=hanoi(5, 9), title="Vỉa hè Trúc Bạch")
    client = client_for(app, make.user("unit_lead", places["ward"]))
    page = client.get("/queue").get_data(as_text=True)
    assert 'action="/queue/register.xlsx"' in page and 'value="01/11/2026"' in page, "the form starts at this month"
    rows = _rows(client.get("/queue/register.xlsx?start=01/11/2026&end=16/11/2026"))
    assert rows[0][0].endswith(": UBND Phường Văn Chương")
    assert own.code in str(rows) and "Trúc Bạch" not in str(rows)
    unasked = _rows(client.get("/queue/register.xlsx"))
    assert unasked[0][0].startswith("Sổ theo dõi phản ánh, kiến nghị tiếp nhận từ 01/11/2026 đến 16/11/2026")
    assert own.code in str(unasked), "given no days, the export is this month so far, as the form starts"


@pytest.mark.parametrize("query, message", [
    ("start=&end=16/11/2026", "Vui lòng nhập ngày bắt đầu (ô “Từ ngày”)."),
    ("start=31/11/2026&end=01/12/2026", "Ngày không hợp lệ ở ô “Từ ngày”"),
    ("start=10/11/2026&end=09/11/2026", "Ngày kết thúc (ô “Đến ngày”) phải sau hoặc bằng ngày bắt đầu."),
    ("start=01/01/2026&end=30/06/2026", "Mỗi lần xuất sổ theo dõi tối đa 92 ngày"),
])
def test_a_bad_period_is_refused_with_a_message_and_nothing_is_exported(app, make, places, query, message):
    client = client_for(app, make.user("city_office", places["office"]))
    response = client.get(f"/queue/register.xlsx?{query}")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export")) is None


def test_roles_without_a_queue_cannot_export_the_register(app, make, places):
    client = client_for(app, make.user("inspector", places["office"]))
    assert client.get("/queue/register.xlsx?start=01/11/2026&end=16/11/2026").status_code == 403


def test_the_register_is_read_in_one_query_however_many_rows(app, make, places):
    for day in range(1, 9):
        make.case(unit=places["ward"], received_at=hanoi(day, 9))
    client = client_for(app, make.user("city_office", places["office"]))
    seen = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        rows = _rows(client.get("/queue/register.xlsx?start=01/11/2026&end=16/11/2026"))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(rows) == 4 + 8
    assert len([s for s in seen if "FROM cases" in s]) == 1, "one statement for every row, no per-row queries"


def test_the_spreadsheet_is_sent_while_the_rows_are_still_being_read():
    """The first bytes leave before the last row is read: the file is never whole in memory."""
    consumed = 0

    def rows():
        nonlocal consumed
        for n in range(20000):
            consumed += 1
            yield [f"K{n:07d}", os.urandom(40).hex(), datetime(2026, 11, 16, 9, 0) + timedelta(minutes=n), n]

    chunks = _xlsx_chunks([Sheet("Thử", ["Tiêu đề"], ["Mã", "Nội dung", "Lúc", "Số"], rows(), [12, 40, 17, 8],
                                 {2: "dd/mm/yyyy hh:mm"})])
    first = next(chunks)
    assert first.startswith(b"PK") and consumed < 5000, consumed
    data = first + b"".join(chunks)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Tiêu đề" and sheet["A1"].font.b
    assert [cell.value for cell in sheet[3]] == ["Mã", "Nội dung", "Lúc", "Số"]
    assert sheet["C4"].value == datetime(2026, 11, 16, 9, 0) and sheet["C4"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet.max_row == 3 + 20000 and sheet["D20003"].value == 19999


def test_text_a_cell_cannot_hold_is_cleaned_and_markup_is_escaped():
    data = b"".join(_xlsx_chunks([Sheet("Thử", [], ["Tiêu đề"], iter([
        ["Rác <tồn đọng> & nước thải"], [" Đầu dòng có dấu cách"], ["Ký tự\x01 điều khiển"], [0.385], [True]]), [60])]))
    values = [row[0] for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    assert values == ["Tiêu đề", "Rác <tồn đọng> & nước thải", " Đầu dòng có dấu cách", "Ký tự điều khiển", 0.385,
                      True]


@pytest.mark.skipif(not IS_POSTGRES, reason="query plans are checked on PostgreSQL, the production database")
@pytest.mark.parametrize("role, index", [("city_office", "ix_cases_received_at"),
                                         ("handler", "ix_cases_unit_received_at")])
def test_the_register_reads_the_received_index_in_order(app, make, places, role, index):
    make.case(unit=places["ward"], received_at=hanoi(5, 9))
    user = make.user(role, places["office"] if role == "city_office" else places["ward"])
    statement = register_statement(user, FIXED_NOW.date() - timedelta(days=30), FIXED_NOW.date())
    compiled = statement.compile(db.engine)
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))  # a tiny test table would be read whole otherwise
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
    assert re.search(f"Index (Only )?Scan using {index} on cases", plan), plan
    assert "Seq Scan on cases" not in plan
