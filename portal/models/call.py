"""Calls to hotline 1022: who called, about what, which case, how it ended."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.case import Case
from portal.models.types import UTCDateTime
from portal.models.user import User

CALL_TOPICS = {
    "app_account": "Cài đặt / tài khoản",
    "case_status": "Tra cứu tình trạng",
    "new_case": "Phản ánh mới",
    "other": "Khác",
}
CALL_OUTCOMES = {
    "resolved": "Đã giải đáp xong",
    "case_filed": "Đã tạo phản ánh mới",
    "call_back": "Hẹn gọi lại",
    "referred": "Hướng dẫn liên hệ đơn vị khác",
    "dropped": "Cuộc gọi bị ngắt",
}


class Call(db.Model):
    __tablename__ = "calls"
    __table_args__ = (
        # Today's calls, and counts per day.
        Index("ix_calls_started_at", "started_at"),
        # An operator's call still in progress.
        Index("ix_calls_operator_ended", "operator_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    # Digits only, national form, as for cases: "who called before" is one index lookup.
    caller_phone_digits: Mapped[str | None] = mapped_column(String(16), index=True)
    topic: Mapped[str | None] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str | None] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    operator: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.topic} {self.caller_phone}>"

    @property
    def topic_label(self) -> str:
        return CALL_TOPICS.get(self.topic, "Chưa chọn") if self.topic else "Chưa chọn"

    @property
    def outcome_label(self) -> str:
        return CALL_OUTCOMES.get(self.outcome, self.outcome) if self.outcome else "–"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return max(0, int((self.ended_at - self.started_at).total_seconds()))
