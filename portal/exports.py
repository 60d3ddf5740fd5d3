"""Spreadsheets streamed row by row, and the overdue letter as a Word document."""
from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator
from urllib.parse import quote

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from portal.domain.formatting import LOCAL_TZ

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHUNK = 64 * 1024


def local_naive(value: datetime | None) -> datetime | None:
    """Spreadsheet cells hold no time zone: the moment on Hanoi's wall clock."""
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value else None


@dataclass
class Sheet:
    title: str
    heading: list[str]  # lines above the table (what, where, when)
    header: list[str]
    rows: Iterable[list]  # consumed lazily, while the file is written
    widths: list[int]
    formats: dict[int, str] | None = None  # column index → number format


def _xlsx_chunks(sheets: list[Sheet]) -> Iterator[bytes]:
    # Write-only mode keeps each row in a temporary file, never the whole sheet in memory.
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        for index, width in enumerate(spec.widths):
            sheet.column_dimensions[_letter(index)].width = width
        for line in spec.heading:
            cell = WriteOnlyCell(sheet, value=line)
            cell.font = bold
            sheet.append([cell])
        if spec.heading:
            sheet.append([])
        header = []
        for title in spec.header:
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        sheet.append(header)
        for row in spec.rows:
            if spec.formats:
                row = list(row)
                for index, number_format in spec.formats.items():
                    if row[index] is not None:
                        cell = WriteOnlyCell(sheet, value=row[index])
                        cell.number_format = number_format
                        row[index] = cell
            sheet.append(row)
    with tempfile.TemporaryFile() as buffer:
        workbook.save(buffer)
        buffer.seek(0)
        while chunk := buffer.read(CHUNK):
            yield chunk


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "tai-xuong"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(filename: str, sheets: list[Sheet]) -> Response:
    """A spreadsheet streamed to the browser as it is written (rows are read from the database lazily)."""
    response = Response(stream_with_context(_xlsx_chunks(sheets)), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = _attachment(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@dataclass
class LetterLine:
    name: str
    parent: str
    count: int


@dataclass
class Letter:
    issuer: str  # the issuing body, e.g. "Văn phòng UBND Thành phố"
    superior: str  # the body above it, e.g. "UBND Thành phố Hà Nội"
    place_date: str  # "Hà Nội, ngày 16 tháng 11 năm 2026"
    title: str
    opening: str  # "… đơn vị để phản ánh, kiến nghị quá hạn chưa xử lý gồm: …"
    request: str
    lines: list[LetterLine]
    total: int


def docx_response(filename: str, letter: Letter) -> Response:
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)

    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(letter.superior.upper()).bold = False
    left.add_paragraph().add_run(letter.issuer.upper()).bold = True
    left.add_paragraph("Số:        /TB")
    right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold = True
    right.add_paragraph().add_run("Độc lập - Tự do - Hạnh phúc").bold = True
    right.add_paragraph().add_run(letter.place_date).italic = True
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("THÔNG BÁO").bold = True
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.add_run(letter.title).bold = True
    for text in (letter.opening, letter.request):
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.first_line_indent = Cm(1)

    if letter.lines:
        table = document.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("STT", "Đơn vị", "Trực thuộc", "Số phản ánh, kiến nghị quá hạn")):
            cell.paragraphs[0].add_run(text).bold = True
        for index, line in enumerate(letter.lines, start=1):
            cells = table.add_row().cells
            cells[0].text, cells[1].text, cells[2].text, cells[3].text = str(index), line.name, line.parent, str(line.count)
            cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        cells = table.add_row().cells
        cells[1].paragraphs[0].add_run("Tổng cộng").bold = True
        cells[3].paragraphs[0].add_run(str(letter.total)).bold = True
        cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT

    closing = document.add_table(rows=1, cols=2)
    receivers, signature = closing.rows[0].cells
    receivers.paragraphs[0].add_run("Nơi nhận:").bold = True
    for text in ("- Như trên;", "- Lãnh đạo UBND (để báo cáo);", "- Lưu: VT."):
        receivers.add_paragraph(text)
    signature.paragraphs[0].add_run(letter.issuer.upper()).bold = True
    signature.add_paragraph("(Ký, ghi rõ họ tên, đóng dấu)")
    for paragraph in signature.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    buffer = io.BytesIO()
    document.save(buffer)
    response = Response(buffer.getvalue(), mimetype=DOCX_MIMETYPE)
    response.headers["Content-Disposition"] = _attachment(filename)
    response.headers["Cache-Control"] = "no-store"
    return response
