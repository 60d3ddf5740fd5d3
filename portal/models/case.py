"""Cases (phản ánh, kiến nghị) and their append-only events."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, event, false, inspect, select, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models.calendar import CalendarException
from portal.models.category import CASE_KINDS, Category
from portal.models.types import UTCDateTime, utcnow
from portal.models.unit import Unit
from portal.models.user import User

STATES = {
    "received": "Chờ tiếp nhận",
    "assigned": "Chờ xử lý",
    "in_progress": "Đang xử lý",
    "paused": "Tạm dừng (chờ bổ sung)",
    "answered": "Đã xử lý",
    "closed": "Hoàn thành",
    "rejected": "Từ chối",
}
OPEN_STATES = ("received", "assigned", "in_progress", "paused")
OPEN_CONDITION = "state IN ('received', 'assigned', 'in_progress', 'paused')"
DONE_STATES = ("answered", "closed", "rejected")

PRIORITIES = {"urgent": "Khẩn", "complex": "Phức tạp", "normal": "Bình thường"}
SOURCES = {"app": "Ứng dụng iHanoi", "hotline": "Tổng đài 1022", "web": "Cổng thông tin", "import": "Nhập từ tệp"}
RATINGS = {"satisfied": "Hài lòng", "accepted": "Chấp nhận", "unsatisfied": "Chưa hài lòng"}

# Event types: one vocabulary for the timeline, the compliance figures and the audit.
EVENT_TYPES = {
    "received": "Tiếp nhận phản ánh",
    "routed": "Chuyển đơn vị xử lý",
    "assigned": "Giao cán bộ xử lý",
    "taken": "Nhận xử lý",
    "note": "Ghi chú nội bộ",
    "answer_drafted": "Lưu dự thảo trả lời",
    "answer_submitted": "Trình duyệt trả lời",
    "answered": "Trả lời, công khai kết quả",
    "paused": "Tạm dừng",
    "resumed": "Tiếp tục xử lý",
    "extension_requested": "Đề nghị gia hạn",
    "extension_granted": "Đồng ý gia hạn",
    "extension_denied": "Không đồng ý gia hạn",
    "returned": "Trả lại (không thuộc thẩm quyền)",
    "transferred": "Chuyển đơn vị khác",
    "rejected": "Từ chối tiếp nhận",
    "rated": "Người dân đánh giá",
    "reopened": "Mở lại do chưa hài lòng",
    "closed": "Hoàn thành",
    "unit_merged": "Chuyển do sắp xếp đơn vị hành chính",
    "approval_required": "Yêu cầu trình duyệt trả lời",
    "answer_returned": "Trả lại dự thảo trả lời",
}


def is_overdue(state: str, due_at: datetime | None, paused_at: datetime | None, answered_at: datetime | None,
               now: datetime) -> bool:
    """Case.is_overdue from the columns alone (for lists read as plain rows)."""
    if due_at is None or state == "rejected":
        return False
    if state in OPEN_STATES:
        # A paused case's clock is stopped: it is judged at the moment it was paused.
        moment = paused_at if state == "paused" and paused_at else now
        return moment > due_at
    return answered_at is not None and answered_at > due_at


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        # The queue: a unit's cases in a state, most urgent first.
        Index("ix_cases_unit_state_due", "unit_id", "state", "due_at"),
        # A handler's own work.
        Index("ix_cases_handler_state", "handler_id", "state"),
        # The City Office's routing queue and compliance by period.
        Index("ix_cases_state_due", "state", "due_at"),
        Index("ix_cases_received_at", "received_at"),
        # The open cases by deadline, with what the overdue count reads: a small index however many
        # cases are answered (portal.domain.figures counts open and overdue cases through it).
        Index("ix_cases_open_due", "due_at", "unit_id", "received_at", "paused_at", "state",
              sqlite_where=text(OPEN_CONDITION), postgresql_where=text(OPEN_CONDITION)),
        # One service's requests, newest first (Open311 GET requests?service_code=); any category lookup.
        Index("ix_cases_category_received", "category_id", "received_at"),
        # The City Office's extension requests waiting for a decision.
        Index("ix_cases_extension_requested_at", "extension_requested_at"),
        # A unit's open cases, most urgent first, read a page at a time without sorting the backlog
        # (queries name the open states literally, see portal.domain.queue.OPEN_STATE).
        Index("ix_cases_unit_open_due", "unit_id", "due_at", "id",
              postgresql_where=text(OPEN_CONDITION), sqlite_where=text(OPEN_CONDITION)),
        # A unit's cases received in a period, in that order (the unit's register export).
        Index("ix_cases_unit_received_at", "unit_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="app")
    kind: Mapped[str] = mapped_column(String(20))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(300))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    citizen_name: Mapped[str | None] = mapped_column(String(120))
    citizen_phone: Mapped[str | None] = mapped_column(String(32))
    # Digits only, national form (0912345678): how the hotline finds a caller however it was typed.
    citizen_phone_digits: Mapped[str | None] = mapped_column(String(16), index=True)
    citizen_email: Mapped[str | None] = mapped_column(String(120))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16), default="received")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[str | None] = mapped_column(String(16))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    transfer_count: Mapped[int] = mapped_column(default=0)
    extension_count: Mapped[int] = mapped_column(default=0)
    # Working seconds from receipt to the published answer (pauses included), measured when answered
    # on the working calendar then in force; None while not answered.
    handling_seconds: Mapped[int | None] = mapped_column()
    # The answer being written: a draft until published; with approval required the lead publishes it.
    answer_draft: Mapped[str | None] = mapped_column(Text)
    approval_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    answer_pending_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    # An extension request waiting for the City Office (cleared when granted or denied).
    extension_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extension_proposed_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rejected as a duplicate of this case.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: every UPDATE says "where version = what I read" and bumps it.
    version: Mapped[int] = mapped_column(default=1)

    category: Mapped[Category] = relationship()
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    ward: Mapped[Unit | None] = relationship(foreign_keys=[ward_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    extension_requested_by: Mapped[User | None] = relationship(foreign_keys=[extension_requested_by_id])
    duplicate_of: Mapped[Case | None] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    # Whether the case has files, when the query that loaded it asked (None otherwise): the case page
    # reads its files only when there are some.
    has_files: Mapped[bool | None] = query_expression()
    # The case's events as [id, type, at, note, actor's name, unit's name] lists, when the query that loaded
    # it asked (the case page reads them in the case's own statement: portal.cases.views); None otherwise.
    timeline_events: Mapped[list | None] = query_expression()
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Case {self.code} {self.state}>"

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def kind_label(self) -> str:
        return CASE_KINDS.get(self.kind, self.kind)

    @property
    def priority_label(self) -> str:
        return PRIORITIES.get(self.priority, self.priority)

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def rating_label(self) -> str | None:
        return RATINGS.get(self.rating) if self.rating else None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_flagged_for_transfers(self) -> bool:
        """Passed on more than once between units (đùn đẩy)."""
        return self.transfer_count > 1

    @property
    def has_pending_extension(self) -> bool:
        return self.extension_requested_at is not None

    def is_overdue(self, now: datetime) -> bool:
        """Open and past its deadline, or answered after it. Derived, never stored."""
        return is_overdue(self.state, self.due_at, self.paused_at, self.answered_at, now)


class CaseEvent(db.Model):
    """One change to a case. Never edited, never deleted (the database refuses too)."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case_id", "case_id", "id"),
        Index("ix_case_events_type_at", "type", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    type: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    from_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    from_unit: Mapped[Unit | None] = relationship(foreign_keys=[from_unit_id])
    to_unit: Mapped[Unit | None] = relationship(foreign_keys=[to_unit_id])

    @property
    def type_label(self) -> str:
        return EVENT_TYPES.get(self.type, self.type)


@event.listens_for(Case, "before_insert")
@event.listens_for(Case, "before_update")
def _measure_handling(mapper, connection, case: Case) -> None:
    """`handling_seconds` follows `answered_at`: measured on the working calendar when the answer is
    published (or a case arrives already answered), cleared when the case is reopened."""
    if case.answered_at is None:
        case.handling_seconds = None
        return
    changes = inspect(case).attrs
    if case.handling_seconds is not None and not (changes.answered_at.history.has_changes()
                                                  or changes.received_at.history.has_changes()):
        return
    rows = connection.execute(select(CalendarException.day, CalendarException.kind)).all()
    calendar = WorkingCalendar(days_off=[day for day, kind in rows if kind == "day_off"],
                               working_days=[day for day, kind in rows if kind == "working_day"])
    case.handling_seconds = max(0, int(calendar.working_seconds_between(case.received_at, case.answered_at)))


@event.listens_for(CaseEvent, "before_update")
def _refuse_event_update(mapper, connection, target):
    raise ValueError("case events are append-only")


@event.listens_for(CaseEvent, "before_delete")
def _refuse_event_delete(mapper, connection, target):
    raise ValueError("case events are append-only")
