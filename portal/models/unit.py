"""Units: the tree of bodies that receive and handle cases."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db

UNIT_KINDS = {
    "city": "Thành phố",
    "city_office": "Văn phòng UBND",
    "department": "Sở, ngành",
    "agency": "Ban, cơ quan",
    "company": "Doanh nghiệp",
    "district": "Quận, huyện, thị xã",
    "ward": "Phường, xã, thị trấn",
}


class Unit(db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Materialized path "/1/30/75/" (ids from the root): a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Set when the unit was merged or retired: its open cases moved to this unit.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    parent: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    successor: Mapped[Unit | None] = relationship(remote_side=[id], foreign_keys=[successor_id])

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def set_parent(self, parent: Unit | None) -> None:
        """Attach under parent and compute the path; the unit must have its id (flush first)."""
        self.parent = parent
        self.path = f"{parent.path if parent else '/'}{self.id}/"

    def is_within(self, ancestor: Unit) -> bool:
        """True when this unit is ancestor itself or lies in ancestor's subtree."""
        return self.path.startswith(ancestor.path)

    @staticmethod
    def subtree_of(ancestor: Unit):
        """A select of the units in ancestor's subtree, ancestor included."""
        return select(Unit).where(Unit.path.startswith(ancestor.path, autoescape=True))

    def children_query(self):
        return select(Unit).where(Unit.parent_id == self.id).order_by(Unit.name)
