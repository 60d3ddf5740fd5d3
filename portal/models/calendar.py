"""Days the city declares off, and make-up days that are worked though the calendar says off."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

EXCEPTION_KINDS = {"day_off": "Ngày nghỉ bổ sung", "working_day": "Ngày làm việc bù"}


class CalendarException(db.Model):
    __tablename__ = "calendar_exceptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # day_off | working_day
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def days_of_kind(kind: str):
        return select(CalendarException.day).where(CalendarException.kind == kind)
