"""Routing rules (category and place → unit) and ward centroids for placing coordinates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.category import Category
from portal.models.types import UTCDateTime, utcnow
from portal.models.unit import Unit


class RoutingRule(db.Model):
    """Cases of `category` (any when empty) in `place` (a ward or a district, any when empty) go to `unit`.

    Rules are tried in `position` order (smallest first, then oldest); the first active one that
    matches decides.
    """

    __tablename__ = "routing_rules"
    __table_args__ = (Index("ix_routing_rules_active_position", "active", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    position: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    place: Mapped[Unit | None] = relationship(foreign_keys=[place_id])
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])

    def __repr__(self) -> str:
        return f"<RoutingRule {self.position} {self.category_id}/{self.place_id} → {self.unit_id}>"


class WardCentroid(db.Model):
    """Where a ward lies, as one point: coordinates without an address go to the nearest ward."""

    __tablename__ = "ward_centroids"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
