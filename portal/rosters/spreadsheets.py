"""Files the rosters pages offer: the import template (.xlsx, .csv) and the exports (.xlsx).

The figures come from portal.domain.rosters, the same functions the pages use.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal.domain import rosters as roster_rules
from portal.domain.formatting import day, local, moment, percent
from portal.models import Roster, RosterCampaign
from portal.models.roster import HANDLING_ROLES

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
_BOLD = Font(bold=True)
_WIDTHS = {"position": 6, "full_name": 28, "job_title": 24, "role": 22, "phone": 16, "email": 30,
           "registered": 14, "registered_on": 16}


def _header(sheet, row: int, headers: list[str], widths: list[int]) -> None:
    for column, (text, width) in enumerate(zip(headers, widths), start=1):
        cell = sheet.cell(row=row, column=column, value=text)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{row + 1}"  # a string: asking for the cell would create an empty row


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx() -> bytes:
    """The import template: the header on row 1, a drop-down for the role, instructions on a second sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    names = [name for name, _ in roster_rules.COLUMNS]
    _header(sheet, 1, [header for _, header in roster_rules.COLUMNS], [_WIDTHS[name] for name in names])
    roles = DataValidation(type="list", formula1='"' + ",".join(HANDLING_ROLES.values()) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="Vai trò xử lý",
                           error="Chọn một trong: " + roster_rules.ROLE_CHOICES_TEXT)
    yes_no = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
    sheet.add_data_validation(roles)
    sheet.add_data_validation(yes_no)
    roles.add(f"D2:D{roster_rules.MAX_ROWS + 1}")
    yes_no.add(f"G2:G{roster_rules.MAX_ROWS + 1}")
    for column in ("E", "H"):  # phones and days as text, so Excel keeps the leading zero and the day order
        for row in range(2, 502):
            sheet[f"{column}{row}"].number_format = "@"
    guide = workbook.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 110
    lines = [
        "Hướng dẫn điền danh sách cán bộ tham gia xử lý phản ánh, kiến nghị",
        "Mỗi dòng một người, bắt đầu từ dòng 2 của trang “Danh sách”; giữ nguyên dòng tiêu đề.",
        "Bắt buộc: Họ và tên, Vai trò xử lý, Số điện thoại.",
        "Vai trò xử lý: một trong " + roster_rules.ROLE_CHOICES_TEXT + ".",
        "Số điện thoại: số Việt Nam, ví dụ 0912 345 678 hoặc +84 912 345 678.",
        "Thư điện tử: không bắt buộc; nếu có phải đúng dạng, ví dụ ten@hanoi.gov.vn.",
        "Đã tạo tài khoản iHanoi: ghi “Có” nếu người đó đã tạo tài khoản; Ngày tạo tài khoản dạng dd/mm/yyyy "
        "(để trống thì lấy ngày nhập).",
        "Mỗi người chỉ ghi một lần (không trùng số điện thoại hoặc thư điện tử).",
        f"Tối đa {roster_rules.MAX_ROWS:,} người; tệp không quá 5 MB. Có thể lưu thành “CSV UTF-8”.".replace(",", "."),
        "Khi nhập, danh sách trên cổng được thay bằng nội dung tệp; nếu tệp có lỗi thì không dòng nào được lưu.",
    ]
    for row, text in enumerate(lines, start=1):
        guide.cell(row=row, column=1, value=text).font = _BOLD if row == 1 else Font()
    return _saved(workbook)


def template_csv() -> bytes:
    """The same header as CSV, UTF-8 with a BOM so Excel opens the Vietnamese correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([header for _, header in roster_rules.COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def roster_xlsx(roster: Roster, now: datetime) -> bytes:
    """One unit's roster as it is now, with its status and registration rate above the table."""
    registration = roster_rules.registration_of(roster)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    campaign = roster.campaign
    facts = [
        (f"DANH SÁCH CÁN BỘ THAM GIA XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ — {roster.unit.name.upper()}",),
        (f"Căn cứ: {campaign.legal_basis}. Hạn nộp: {day(campaign.due_on)}.",),
        (f"Trạng thái: {roster_rules.STATUSES[roster_rules.roster_status(roster)]}"
         + (f", nộp lúc {moment(roster.submitted_at)}" if roster.submitted_at else "") + ".",),
        (f"Tổng số cán bộ, công chức: {roster.headcount if roster.headcount is not None else 'chưa nhập'}; "
         f"đã tạo tài khoản iHanoi: {registration.registered} "
         f"({percent(registration.registered, registration.headcount)}).",),
        (f"Xuất lúc {moment(now)}.",),
    ]
    for row, (text,) in enumerate(facts, start=1):
        sheet.cell(row=row, column=1, value=text).font = _BOLD if row == 1 else Font()
    header_row = len(facts) + 2
    names = [name for name, _ in roster_rules.COLUMNS]
    _header(sheet, header_row, [header for _, header in roster_rules.COLUMNS], [_WIDTHS[name] for name in names])
    for n, person in enumerate(roster.rows, start=1):
        sheet.append([n, person.full_name, person.job_title, person.role_label, person.phone, person.email or "",
                      "Có" if person.registered_on else "Không",
                      person.registered_on.strftime("%d/%m/%Y") if person.registered_on else ""])
    return _saved(workbook)


def campaign_xlsx(campaign: RosterCampaign, standings: list, now: datetime) -> bytes:
    """The overview: every required unit with its status, submission time and registration rate."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tình hình nộp"
    sheet.cell(row=1, column=1, value=f"TÌNH HÌNH GỬI DANH SÁCH CÁN BỘ THEO {campaign.legal_basis.upper()}").font = _BOLD
    sheet.cell(row=2, column=1, value=f"Hạn nộp: {day(campaign.due_on)}. Số liệu đến {moment(now)}.")
    headers = ["STT", "Đơn vị", "Thuộc", "Trạng thái", "Quá hạn", "Thời điểm nộp", "Số lần nộp", "Số người trong danh sách",
               "Tổng số cán bộ", "Đã tạo tài khoản", "Tỷ lệ (%)"]
    _header(sheet, 4, headers, [6, 42, 26, 14, 10, 18, 10, 14, 14, 14, 10])
    for n, standing in enumerate(standings, start=1):
        registration = standing.registration
        submitted = local(standing.roster.submitted_at)
        sheet.append([
            n, standing.unit.name, standing.district.name if standing.district else "",
            standing.status_label, "Quá hạn" if standing.overdue else "",
            submitted.replace(tzinfo=None) if submitted else None,
            standing.submissions,
            standing.rows, registration.headcount if standing.roster.headcount is not None else None,
            registration.registered,
            round(100 * registration.share, 1) if registration.share is not None else None,
        ])
        if submitted:
            sheet.cell(row=sheet.max_row, column=6).number_format = "dd/mm/yyyy hh:mm"
    return _saved(workbook)
