"""How the figures are laid out for people: the table's columns, the period chosen, the headline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup

from portal.domain import figures as f
from portal.domain.formatting import day, number, percent
from portal.domain.text import fold

MAX_TREND_WEEKS = 26
MIN_TREND_WEEKS = 8
MAX_HISTORY_MONTHS = 12


@dataclass(frozen=True)
class Column:
    key: str  # a Figures attribute
    label: str  # the header under its group (or alone)
    group: str | None = None  # the header above, shared by neighbouring columns
    kind: str = "count"  # count | days | share
    title: str = ""  # the definition shown on hover

    def display(self, figures: f.Figures) -> str:
        value = figures.value(self.key)
        if self.kind == "share":
            return percent(value, 1) if value is not None else "–"
        if self.kind == "days":
            return number(value, 1) if value is not None else "–"
        return number(value)

    def raw(self, figures: f.Figures):
        """The value as a spreadsheet cell: a count, days to one decimal, a share as a fraction."""
        value = figures.value(self.key)
        if value is None:
            return None
        if self.kind == "days":
            return round(value, 1)
        if self.kind == "share":
            return round(value, 4)
        return value


COLUMNS = (
    Column("received", "Tiếp nhận", title="Phản ánh, kiến nghị tiếp nhận trong kỳ"),
    Column("answered", "Tổng", "Đã xử lý", title="Đã trả lời, công khai kết quả"),
    Column("answered_on_time", "Đúng hạn", "Đã xử lý", title="Trả lời không muộn hơn hạn xử lý"),
    Column("answered_late", "Trễ hạn", "Đã xử lý", title="Trả lời sau hạn xử lý"),
    Column("open", "Tổng", "Đang xử lý", title="Chưa trả lời, chưa từ chối (kể cả quá hạn, tạm dừng)"),
    Column("open_overdue", "Quá hạn", "Đang xử lý", title="Đang xử lý và đã quá hạn xử lý"),
    Column("paused", "Tạm dừng", "Đang xử lý", title="Tạm dừng chờ bổ sung, không tính thời gian"),
    Column("rejected", "Từ chối", title="Không tiếp nhận (trùng lặp, không thuộc phạm vi)"),
    Column("transferred_out", "Chuyển đi, trả lại", title="Số lần đơn vị chuyển phản ánh sang đơn vị khác hoặc trả lại"),
    Column("extensions_granted", "Gia hạn", title="Số lần được đồng ý gia hạn"),
    Column("median_handling_days", "Thời gian xử lý (ngày)", kind="days",
           title="Trung vị số ngày làm việc từ khi tiếp nhận đến khi trả lời"),
    Column("rated_satisfied", "Hài lòng", "Người dân đánh giá"),
    Column("rated_accepted", "Chấp nhận", "Người dân đánh giá"),
    Column("rated_unsatisfied", "Chưa hài lòng", "Người dân đánh giá"),
    Column("satisfied_share", "Tỷ lệ hài lòng", "Người dân đánh giá", kind="share",
           title="(Hài lòng + chấp nhận) / số lượt đánh giá"),
)


def cells(figures: f.Figures) -> Markup:
    """A line's cells as the table shows them, written once in Python: a table of 56 lines has 900 of
    them. Safe as written: the keys are ours, and the texts are numbers formatted by `display`."""
    return Markup("".join([f'<td class="num" data-key="{column.key}">{column.display(figures)}</td>'
                           for column in COLUMNS]))

COLUMN_KEYS = {column.key for column in COLUMNS}
DEFAULT_SORT = "name"


def header_groups() -> list[tuple[str | None, list[Column]]]:
    """Neighbouring columns under one group header, in order (a lone column has group None)."""
    groups: list[tuple[str | None, list[Column]]] = []
    for column in COLUMNS:
        if column.group is not None and groups and groups[-1][0] == column.group:
            groups[-1][1].append(column)
        else:
            groups.append((column.group, [column]))
    return groups


def full_label(column: Column) -> str:
    if column.group and column.label == "Tổng":
        return column.group
    return f"{column.group}: {column.label}" if column.group else column.label


def chosen_period(preset: str, start: date | None, end: date | None, today: date) -> f.Period:
    """The period a preset names on Hanoi's calendar, ending today; or the custom days."""
    if preset == "week":
        return f.Period(today - timedelta(days=today.weekday()), today)
    if preset == "month":
        return f.Period(today.replace(day=1), today)
    if preset == "custom" and start is not None and end is not None:
        return f.Period(start, end)
    return f.Period(None, today)


def period_label(period: f.Period, launch: date | None) -> str:
    if period.first is None:
        since = f" ({day(launch)})" if launch else ""
        return f"từ khi triển khai{since} đến {day(period.last)}"
    if period.first == period.last:
        return f"ngày {day(period.first)}"
    return f"từ {day(period.first)} đến {day(period.last)}"


def name_key(text: str) -> tuple[str, str]:
    """Vietnamese alphabetical order, near enough: accents folded (đ as d), then the exact name."""
    return (fold(text), text)


def sort_lines(lines: list[f.Line], key: str, descending: bool) -> list[f.Line]:
    """Lines by a column (missing values last) or by name; the unrouted line always last."""
    def by(line: f.Line):
        if key == "name":
            return (0, name_key(line.label))
        value = line.figures.value(key)
        return (0 if value is not None else 1, value if value is not None else 0)

    units = [line for line in lines if line.kind != "unrouted"]
    rest = [line for line in lines if line.kind == "unrouted"]
    present = sorted((line for line in units if key == "name" or line.figures.value(key) is not None),
                     key=by, reverse=descending)
    missing = [line for line in units if key != "name" and line.figures.value(key) is None]
    return present + missing + rest


def headline(figures: f.Figures) -> str:
    """The figures in the words the newspapers use."""
    received = figures.received
    parts = [
        f"Tiếp nhận {number(received)} phản ánh, kiến nghị",
        f"đã xử lý {number(figures.answered)} ({percent(figures.answered, received)})",
        f"đang xử lý {number(figures.open_on_time)} ({percent(figures.open_on_time, received)})",
        f"quá hạn {number(figures.open_overdue)} ({percent(figures.open_overdue, received)})",
    ]
    if figures.rejected:
        parts.append(f"từ chối {number(figures.rejected)} ({percent(figures.rejected, received)})")
    return "; ".join(parts) + "."


def trend_weeks(period: f.Period, launch: date | None) -> list[f.Period]:
    """The weeks of the period for the trend: at least the 8 weeks ending with it, at most the last 26."""
    weeks = period.weeks(launch)
    while len(weeks) < MIN_TREND_WEEKS:
        first = weeks[0].first
        weeks.insert(0, f.Period(first - timedelta(days=7), first - timedelta(days=1)))
    return weeks[-MAX_TREND_WEEKS:]


def history_months(today: date, launch: date | None) -> list[f.Period]:
    """The months from launch to this one (at most the last 12), latest first."""
    months = f.Period(None, today).months(launch)
    return list(reversed(months[-MAX_HISTORY_MONTHS:]))
