"""Files attached to a case (photos and PDFs of the answer), stored under the upload folder."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.user import User

CONTENT_TYPES = {"image/jpeg": "Ảnh JPEG", "image/png": "Ảnh PNG", "application/pdf": "Tài liệu PDF"}


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_case_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The name shown and offered on download (sanitized); the file on disk has a random name.
    file_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))

    uploaded_by: Mapped[User | None] = relationship()

    @property
    def type_label(self) -> str:
        return CONTENT_TYPES.get(self.content_type, self.content_type)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
