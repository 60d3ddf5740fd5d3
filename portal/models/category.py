"""Categories (lĩnh vực): decide the default handling unit and the processing time."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

CASE_KINDS = {"field": "Hiện trường", "procedure": "Thủ tục hành chính"}


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # field | procedure
    # The kind of unit that handles it by default: ward for street problems, department for procedures.
    default_unit_kind: Mapped[str] = mapped_column(String(20))
    # A unit that handles every case of the category (a utility, a department), when there is one.
    default_unit_code: Mapped[str | None] = mapped_column(String(32))
    receive_hours: Mapped[int] = mapped_column(default=8)
    urgent_hours: Mapped[int] = mapped_column(default=4)
    normal_days: Mapped[int] = mapped_column(default=10)
    complex_days: Mapped[int] = mapped_column(default=15)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Category {self.code}>"

    @property
    def kind_label(self) -> str:
        return CASE_KINDS.get(self.kind, self.kind)

    def processing_time(self, priority: str) -> dict:
        """The handling deadline for a priority: {"hours": n} or {"days": n} of working time."""
        if priority == "urgent":
            return {"hours": self.urgent_hours}
        if priority == "complex":
            return {"days": self.complex_days}
        return {"days": self.normal_days}
