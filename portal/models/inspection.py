"""Inspections of a unit's handling of cases by the Department of Home Affairs (Sở Nội vụ)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow
from portal.models.unit import Unit
from portal.models.user import User


class Inspection(db.Model):
    """One inspection: who inspected which unit on which day, what they found and concluded, and by
    when the unit must follow up. Recorded by an inspector; counted in year-end ratings."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_unit_day", "unit_id", "inspected_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    inspected_on: Mapped[date]
    inspectors: Mapped[str] = mapped_column(String(500))
    findings: Mapped[str] = mapped_column(Text)
    conclusion: Mapped[str] = mapped_column(Text)
    follow_up_due: Mapped[date | None]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    recorded_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Inspection {self.unit_id} {self.inspected_on}>"

    @staticmethod
    def history_of(unit: Unit):
        """A unit's inspections, latest first."""
        return select(Inspection).where(Inspection.unit_id == unit.id).order_by(
            Inspection.inspected_on.desc(), Inspection.id.desc())
