"""The hotline's call log: one open call per operator at a time, today's calls, counts per topic per day."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from portal.domain.formatting import LOCAL_TZ, local
from portal.domain.phones import phone_digits
from portal.extensions import db
from portal.models import Call, User
from portal.models.call import CALL_OUTCOMES, CALL_TOPICS

# Calls not yet given a topic (still on the line, or never classified) are counted apart.
UNCLASSIFIED = "Chưa phân loại"
# A report over more days than this is refused: a year of days is already a long sheet.
MAX_REPORT_DAYS = 366


class CallError(ValueError):
    """A call cannot be saved as asked; the message says why, in Vietnamese."""


def open_call(operator: User) -> Call | None:
    """The operator's call still on the line, if any (the latest one when several were left open)."""
    return db.session.scalar(
        select(Call).where(Call.operator_id == operator.id, Call.ended_at.is_(None))
        .options(selectinload(Call.case)).order_by(Call.started_at.desc(), Call.id.desc()).limit(1)
    )


# Asked on every keystroke of a phone number in the search box: plain SQL made once (ix_calls_operator_ended).
_OPEN_CALL = text("SELECT 1 FROM calls WHERE operator_id = :operator AND ended_at IS NULL LIMIT 1")


def has_open_call(operator: User) -> bool:
    """Whether the operator has a call on the line (what the search results need to know of it)."""
    return db.session.execute(_OPEN_CALL, {"operator": operator.id}).first() is not None


# "Leave this field as it is" (None is a value: it clears the field).
KEEP = object()


def record_call(operator: User, *, now: datetime, caller_phone=KEEP, topic=KEEP, case=KEEP, notes=KEEP,
                outcome=KEEP, end: bool = False) -> Call:
    """Start the operator's call, or update the one on the line; `end` closes it at `now`.

    Only the fields given are changed. A call is ended only with a topic and an outcome, so every
    logged call counts somewhere. Adds to the session; the caller commits.
    """
    if topic is not KEEP and topic is not None and topic not in CALL_TOPICS:
        raise CallError("Chủ đề cuộc gọi không hợp lệ.")
    if outcome is not KEEP and outcome is not None and outcome not in CALL_OUTCOMES:
        raise CallError("Kết quả cuộc gọi không hợp lệ.")
    if caller_phone is not KEEP and caller_phone and phone_digits(caller_phone) is None:
        raise CallError("Số điện thoại người gọi không đúng (ví dụ 0912 345 678).")
    call = open_call(operator)
    if call is None:
        call = Call(operator_id=operator.id, started_at=now, notes="")
        db.session.add(call)
    if caller_phone is not KEEP:
        call.caller_phone = (caller_phone or "").strip() or None
        call.caller_phone_digits = phone_digits(call.caller_phone)
    if topic is not KEEP:
        call.topic = topic
    if case is not KEEP:
        call.case = case
    if notes is not KEEP:
        call.notes = (notes or "").strip()
    if outcome is not KEEP:
        call.outcome = outcome
    if end:
        if call.topic is None or call.outcome is None:
            raise CallError("Chọn chủ đề và kết quả trước khi kết thúc cuộc gọi.")
        call.ended_at = max(now, call.started_at)
    return call


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC moments at which a day on Hanoi's clock starts and ends (end exclusive)."""
    start = datetime.combine(day, time.min, LOCAL_TZ).astimezone(timezone.utc)
    return start, start + timedelta(days=1)


def calls_on(day: date, operator: User | None = None) -> list[Call]:
    """Calls started on a day (Hanoi's clock), newest first; only one operator's when given."""
    start, end = day_bounds(day)
    query = (select(Call).where(Call.started_at >= start, Call.started_at < end)
             .options(selectinload(Call.case), selectinload(Call.operator))
             .order_by(Call.started_at.desc(), Call.id.desc()))
    if operator is not None:
        query = query.where(Call.operator_id == operator.id)
    return list(db.session.scalars(query))


@dataclass
class DayCounts:
    day: date
    by_topic: dict[str, int]  # topic label → calls, every topic present (0 when none)

    @property
    def total(self) -> int:
        return sum(self.by_topic.values())


def topic_labels() -> list[str]:
    return [*CALL_TOPICS.values(), UNCLASSIFIED]


def topic_counts(first: date, last: date) -> list[DayCounts]:
    """Calls per topic for each day from `first` to `last` (Hanoi's clock), days without calls included.

    A call counts on the day it started, under its topic, or UNCLASSIFIED when it has none yet.
    The one definition used by the page and the export.
    """
    if last < first:
        raise CallError("Ngày kết thúc phải sau ngày bắt đầu.")
    if (last - first).days + 1 > MAX_REPORT_DAYS:
        raise CallError(f"Chỉ thống kê tối đa {MAX_REPORT_DAYS} ngày mỗi lần.")
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    days = {first + timedelta(days=n): DayCounts(first + timedelta(days=n), dict.fromkeys(topic_labels(), 0))
            for n in range((last - first).days + 1)}
    rows = db.session.execute(select(Call.started_at, Call.topic).where(Call.started_at >= start,
                                                                        Call.started_at < end))
    for started_at, topic in rows:
        label = CALL_TOPICS.get(topic, UNCLASSIFIED) if topic else UNCLASSIFIED
        days[local(started_at).date()].by_topic[label] += 1
    return list(days.values())


def totals(counts: list[DayCounts]) -> dict[str, int]:
    """Each topic's calls over the period."""
    summed = dict.fromkeys(topic_labels(), 0)
    for day in counts:
        for label, n in day.by_topic.items():
            summed[label] += n
    return summed


def topic_counts_workbook(counts: list[DayCounts], first: date, last: date) -> bytes:
    """The counts as an XLSX sheet: one row per day, one column per topic, totals at the bottom."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Cuộc gọi theo chủ đề"
    sheet.append([f"Tổng đài 1022: số cuộc gọi theo chủ đề, từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([])
    labels = topic_labels()
    sheet.append(["Ngày", *labels, "Tổng"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for day in counts:
        sheet.append([day.day, *(day.by_topic[label] for label in labels), day.total])
        sheet.cell(row=sheet.max_row, column=1).number_format = "DD/MM/YYYY"
    summed = totals(counts)
    sheet.append(["Cộng", *(summed[label] for label in labels), sum(summed.values())])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 12
    for index in range(2, len(labels) + 3):
        sheet.column_dimensions[sheet.cell(row=3, column=index).column_letter].width = 20
    sheet.freeze_panes = "B4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
