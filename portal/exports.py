"""Spreadsheets streamed row by row, and the overdue letter as a Word document."""
from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterable, Iterator
from urllib.parse import quote

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from flask import Response, stream_with_context

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
    """The workbook as bytes, sent while it is written: a zip (the .xlsx container) written to no file,
    each sheet's XML made row by row as the rows come (from the database, for a long list). Nothing is
    kept but the chunk on its way out, so memory stays flat however many rows; plain strings are
    written (no cell objects), so a hundred thousand rows take seconds."""
    sink = _Sink()
    styles = _Styles(sheets)
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _content_types(len(sheets)))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook(sheets))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        archive.writestr("xl/styles.xml", styles.xml())
        for number, spec in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                for text in _sheet_xml(spec, styles):
                    part.write(text.encode())
                    if sink.size >= CHUNK:
                        yield sink.take()
    yield sink.take()


class _Sink:
    """A write-only stream the zip is written to; what it holds is taken away chunk by chunk."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ROOT_RELS = (_XML + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
              'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_DEFAULT_FORMATS = {datetime: "dd/mm/yyyy hh:mm", date: "dd/mm/yyyy"}
_EPOCH = datetime(1899, 12, 30)
# Characters XML 1.0 cannot hold (a spreadsheet cell cannot either); dropped from text.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Text that needs more than wrapping: a character to drop or escape, or a space to keep at an end.
_CAREFUL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff&<>]|^\\s|\\s$")


def _content_types(count: int) -> str:
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    return (_XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet}"/>'
                      for n in range(1, count + 1))
            + "</Types>")


def _workbook(sheets: list[Sheet]) -> str:
    names = "".join(f'<sheet name="{_attribute(spec.title[:31])}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, spec in enumerate(sheets, start=1))
    return f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>{names}</sheets></workbook>'


def _workbook_rels(count: int) -> str:
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    links = "".join(f'<Relationship Id="rId{n}" Type="{kind}worksheet" Target="worksheets/sheet{n}.xml"/>'
                    for n in range(1, count + 1))
    return (f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{links}'
            f'<Relationship Id="rId{count + 1}" Type="{kind}styles" Target="styles.xml"/></Relationships>')


class _Styles:
    """The workbook's few cell styles: plain, bold (the heading), the header (bold, wrapped, top), and
    one per number format the sheets use (their `formats`, and the default for dates)."""

    PLAIN, BOLD, HEADER, DATETIME, DATE = 0, 1, 2, 3, 4  # the date styles: _DEFAULT_FORMATS, in order

    def __init__(self, sheets: list[Sheet]) -> None:
        formats = list(_DEFAULT_FORMATS.values())
        for spec in sheets:
            for number_format in (spec.formats or {}).values():
                if number_format not in formats:
                    formats.append(number_format)
        self.formats = formats
        self.of_format = {number_format: 3 + index for index, number_format in enumerate(formats)}

    def xml(self) -> str:
        formats = "".join(f'<numFmt numFmtId="{164 + index}" formatCode="{_attribute(code)}"/>'
                          for index, code in enumerate(self.formats))
        number_xfs = "".join(f'<xf numFmtId="{164 + index}" fontId="0" fillId="0" borderId="0" xfId="0" '
                             'applyNumberFormat="1"/>' for index in range(len(self.formats)))
        return (f'{_XML}<styleSheet xmlns="{_MAIN}">'
                f'<numFmts count="{len(self.formats)}">{formats}</numFmts>'
                '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
                '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{3 + len(self.formats)}">'
                '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
                '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
                '<alignment vertical="top" wrapText="1"/></xf>'
                f'{number_xfs}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                '</styleSheet>')


def _sheet_xml(spec: Sheet, styles: _Styles) -> Iterator[str]:
    columns = "".join(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
                      for n, width in enumerate(spec.widths, start=1))
    yield (f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
           + (f"<cols>{columns}</cols>" if columns else "") + "<sheetData>")
    number = 0
    for line in spec.heading:
        number += 1
        yield f'<row r="{number}">{_cell("A", number, line, styles.BOLD)}</row>'
    if spec.heading:
        number += 1  # a blank line between the heading and the table
    number += 1
    yield (f'<row r="{number}">'
           + "".join(_cell(_letter(index), number, title, styles.HEADER) for index, title in enumerate(spec.header))
           + "</row>")
    letters = [_letter(index) for index in range(max(len(spec.header), 1))]
    column_style = {index: styles.of_format[code] for index, code in (spec.formats or {}).items()}
    batch: list[str] = []
    for row in spec.rows:
        number += 1
        cells = []
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            while index >= len(letters):
                letters.append(_letter(len(letters)))
            cells.append(_cell(letters[index], number, value, column_style.get(index, 0)))
        batch.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(batch) >= 200:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch) + "</sheetData></worksheet>"


def _cell(column: str, number: int, value, style: int) -> str:
    """One cell: text inline, numbers and booleans as values, days and moments as Excel serial days
    (shown with the column's format, or dd/mm/yyyy [hh:mm])."""
    kind = type(value)
    if kind is str:
        return f'<c r="{column}{number}"{_STYLE[style]} t="inlineStr"><is>{_text(value)}</is></c>'
    if kind is int:
        return f'<c r="{column}{number}"{_STYLE[style]}><v>{value}</v></c>'
    if kind is datetime:
        if value.tzinfo is not None:
            raise TypeError("a spreadsheet cell holds no time zone: give the moment on Hanoi's clock (local_naive)")
        serial = (value - _EPOCH) / _DAY
        return f'<c r="{column}{number}"{_STYLE[style or _Styles.DATETIME]}><v>{serial!r}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{column}{number}"{_STYLE[style]} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        if not math.isfinite(value):
            return _cell(column, number, str(value), style)
        shown = repr(float(value)) if isinstance(value, float) else str(int(value) if isinstance(value, int) else value)
        return f'<c r="{column}{number}"{_STYLE[style]}><v>{shown}</v></c>'
    if isinstance(value, datetime):
        return _cell(column, number, datetime(*value.timetuple()[:6], value.microsecond, value.tzinfo), style)
    if isinstance(value, date):
        return f'<c r="{column}{number}"{_STYLE[style or _Styles.DATE]}><v>{(value - _EPOCH.date()).days}</v></c>'
    return _cell(column, number, str(value), style)


# The style attribute of each style number (none for the plain style).
_STYLE = ["", *(f' s="{n}"' for n in range(1, 256))]
_DAY = timedelta(days=1)


def _text(value: str) -> str:
    if _CAREFUL.search(value) is None:  # most text: nothing to escape, drop or keep
        return f"<t>{value}</t>"
    value = _ILLEGAL.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _attribute(value: str) -> str:
    return (_ILLEGAL.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


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
