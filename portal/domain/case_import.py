"""Bulk import of cases from an XLSX or CSV export: every row checked first, then all filed, or none.

The first row names the columns (Vietnamese headers as in the template, or the English keys);
the order of the columns does not matter. Errors say the row number as the spreadsheet shows it
(the header is row 1) and the column's name.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from portal.domain import routing
from portal.domain.formatting import LOCAL_TZ
from portal.domain.intake import NewCase, file_case
from portal.domain.open311 import has_invalid_xml_characters
from portal.domain.phones import phone_digits
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import Case, Category, User
from portal.models.case import PRIORITIES

MAX_ROWS = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024

# key: (header in the template, other headers accepted, folded)
COLUMNS = {
    "category": ("Lĩnh vực", ("linh vuc", "ma linh vuc", "category", "service code")),
    "title": ("Tiêu đề", ("tieu de", "title")),
    "content": ("Nội dung", ("noi dung", "content", "description", "mo ta")),
    "priority": ("Mức độ", ("muc do", "priority")),
    "address": ("Địa chỉ", ("dia chi", "address", "dia diem")),
    "ward": ("Phường, xã", ("phuong xa", "phuong", "ward", "xa phuong")),
    "citizen_name": ("Họ tên người phản ánh", ("ho ten nguoi phan anh", "ho ten", "ho va ten", "nguoi phan anh",
                                               "citizen name")),
    "citizen_phone": ("Điện thoại", ("dien thoai", "so dien thoai", "phone")),
    "citizen_email": ("Email", ("email", "thu dien tu")),
    "received_at": ("Thời điểm tiếp nhận", ("thoi diem tiep nhan", "ngay tiep nhan", "received at")),
}
REQUIRED = ("category", "title", "content")
LIMITS = {"title": 300, "content": 10000, "address": 300, "citizen_name": 120, "citizen_email": 120,
          "citizen_phone": 32}
TEMPLATE_EXAMPLE = {
    "category": "GT", "title": "Ổ gà trên phố Văn Chương",
    "content": "Mặt đường trước số 12 phố Văn Chương có ổ gà sâu, xe máy dễ ngã.", "priority": "Bình thường",
    "address": "Số 12 Văn Chương, Phường Văn Chương, Quận Đống Đa", "ward": "", "citizen_name": "Nguyễn Văn An",
    "citizen_phone": "0912345678", "citizen_email": "", "received_at": "16/11/2026 08:30",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, encoding, no header, too many rows)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class PlannedCase:
    row: int
    new: NewCase
    place: object  # the ward or district found, or None
    received_at: datetime


def template_csv() -> str:
    """The template: the headers and one example row (UTF-8 with BOM so Excel reads the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for label, _ in COLUMNS.values()])
    writer.writerow([TEMPLATE_EXAMPLE[key] for key in COLUMNS])
    return "\ufeff" + buffer.getvalue()


def read_table(filename: str, data: bytes) -> list[list]:
    """The rows of the first sheet of an .xlsx, or of a UTF-8 .csv (comma or semicolon)."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError("Tệp lớn hơn 5 MB; hãy chia thành nhiều tệp nhỏ hơn.")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ImportFileError("Không đọc được tệp Excel: tệp hỏng hoặc không phải định dạng .xlsx.") from None
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError("Tệp CSV phải được lưu với bảng mã UTF-8 (trong Excel: CSV UTF-8).") from None
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    raise ImportFileError("Chỉ nhận tệp .xlsx hoặc .csv.")


def _header_map(header: list) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    unknown = []
    for index, cell in enumerate(header):
        folded = routing.fold(str(cell) if cell is not None else "")
        if not folded:
            continue
        key = next((key for key, (label, aliases) in COLUMNS.items()
                    if folded == routing.fold(label) or folded in aliases), None)
        if key is None:
            unknown.append(str(cell))
        elif key not in columns:
            columns[key] = index
    return columns, unknown


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_moment(value, now: datetime) -> datetime | None:
    """A cell as a moment on Hanoi's clock: an Excel date, or "dd/mm/yyyy" with an optional "HH:MM"."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(8, 0), tzinfo=LOCAL_TZ)
    else:
        text = _cell_text(value)
        moment = None
        for pattern in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = datetime.strptime(text, pattern).replace(tzinfo=LOCAL_TZ)
                break
            except ValueError:
                continue
        if moment is None:
            return None
    return moment.astimezone(now.tzinfo)


def check_rows(rows: list[list], *, now: datetime) -> tuple[list[PlannedCase], list[RowError]]:
    """Every row checked against the rules of a case; nothing is written.

    Returns the cases to file and the errors, by row and column. Raises ImportFileError when the
    file has no usable header or too many rows.
    """
    rows = [row for row in rows]
    while rows and not any(_cell_text(cell) for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise ImportFileError("Tệp trống: cần một dòng tiêu đề và ít nhất một dòng dữ liệu.")
    columns, unknown = _header_map(rows[0])
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in columns]
    if missing:
        raise ImportFileError("Dòng 1 thiếu cột bắt buộc: " + ", ".join(missing)
                              + (". Cột không nhận ra: " + ", ".join(unknown) if unknown else "")
                              + ". Hãy dùng tệp mẫu.")
    data = rows[1:]
    if not data:
        raise ImportFileError("Tệp chỉ có dòng tiêu đề, không có phản ánh nào.")
    if len(data) > MAX_ROWS:
        raise ImportFileError(f"Tệp có {len(data):,} dòng; mỗi lần nhập tối đa {MAX_ROWS:,} dòng.".replace(",", "."))

    categories = list(db.session.scalars(select(Category).where(Category.active.is_(True))))
    by_code = {category.code.upper(): category for category in categories}
    by_name = {routing.fold(category.name): category for category in categories}
    priorities = {routing.fold(label): key for key, label in PRIORITIES.items()} | {key: key for key in PRIORITIES}
    places = routing.PlaceIndex.load()
    planned, errors = [], []

    for offset, row in enumerate(data):
        number = offset + 2  # as the spreadsheet numbers it: the header is row 1
        if not any(_cell_text(cell) for cell in row):
            continue
        values = {key: (row[index] if index < len(row) else None) for key, index in columns.items()}
        texts = {key: _cell_text(value) for key, value in values.items()}
        row_errors = []

        def error(key: str, message: str):
            row_errors.append(RowError(number, COLUMNS[key][0], message))

        for key, text in texts.items():
            if has_invalid_xml_characters(text):
                error(key, "có ký tự điều khiển không hợp lệ.")
            elif key in LIMITS and len(text) > LIMITS[key]:
                error(key, f"dài {len(text):,} ký tự, tối đa {LIMITS[key]:,}.".replace(",", "."))
        for key in REQUIRED:
            if not texts.get(key):
                error(key, "bắt buộc, đang để trống.")

        category = None
        if texts.get("category"):
            category = by_code.get(texts["category"].upper()) or by_name.get(routing.fold(texts["category"]))
            if category is None:
                error("category", f"không có lĩnh vực \"{texts['category']}\" (ghi mã như GT hoặc tên lĩnh vực).")
        priority = "normal"
        if texts.get("priority"):
            priority = priorities.get(routing.fold(texts["priority"]))
            if priority is None:
                error("priority", "chỉ nhận Bình thường, Khẩn hoặc Phức tạp.")
        place = None
        if texts.get("ward"):
            place = places.ward_from_address(texts["ward"])
            if place is None:
                error("ward", f"không tìm thấy đúng một phường, xã \"{texts['ward']}\" "
                              "(ghi kèm quận, huyện nếu tên trùng).")
        elif texts.get("address"):
            place = places.place_of(texts["address"])
        phone = texts.get("citizen_phone") or None
        if phone and phone_digits(phone) is None:
            error("citizen_phone", f"\"{phone}\" không phải số điện thoại Việt Nam hợp lệ.")
        email = texts.get("citizen_email") or None
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                error("citizen_email", f"\"{email}\" không phải địa chỉ thư điện tử hợp lệ.")
        received_at = now
        if texts.get("received_at"):
            moment = _parse_moment(values["received_at"], now)
            if moment is None:
                error("received_at", f"\"{texts['received_at']}\" không phải ngày giờ dd/mm/yyyy hh:mm.")
            elif moment > now + timedelta(minutes=5):
                error("received_at", "ở tương lai.")
            else:
                received_at = moment

        if row_errors:
            errors.extend(row_errors)
            continue
        planned.append(PlannedCase(number, NewCase(
            source="import", category=category, title=texts["title"], content=texts["content"], priority=priority,
            address=texts.get("address") or None, ward=place if place is not None and place.kind == "ward" else None,
            citizen_name=texts.get("citizen_name") or None, citizen_phone=phone, citizen_email=email,
        ), place, received_at))
    if not planned and not errors:
        raise ImportFileError("Tệp không có dòng dữ liệu nào.")
    order = {label: index for index, (label, _) in enumerate(COLUMNS.values())}
    errors.sort(key=lambda error: (error.row, order[error.column]))
    return planned, errors


def file_all(planned: list[PlannedCase], *, calendar: WorkingCalendar, actor: User | None) -> list[Case]:
    """File every planned case, routed by the rules; the caller commits (or rolls back) all of them."""
    return [file_case(item.new, now=item.received_at, calendar=calendar, actor=actor,
                      unit=routing.route(item.new.category, item.place)) for item in planned]
