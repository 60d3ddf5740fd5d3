"""The units as plain rows, read once and shared by a worker's requests until the tree changes.

Compliance tables walk the tree (a scope's children, who has children, the line a unit's cases count
on, the crumbs): the ~600 units read as ORM objects several times a request cost more than the figures.
Here they are read in one statement into frozen rows, kept per app under `figure_marks.units_version`,
which the triggers of migration 0011 move in the transaction of any write to `units` (so a kept tree
is never older than the version it is kept under: see portal.domain.freshness).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import Unit, figure_marks


@dataclass(frozen=True, slots=True)
class UnitRow:
    """A unit as the compliance pages read it (the fields of `Unit` they use, nothing lazy)."""

    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    active: bool

    def is_within(self, ancestor) -> bool:
        """True when this unit is ancestor itself or lies in ancestor's subtree (as `Unit.is_within`)."""
        return self.path.startswith(ancestor.path)


class UnitTree:
    def __init__(self, rows: list[UnitRow]):
        self._by_id = {row.id: row for row in rows}
        # Children in the order the rows came: by name, as the database sorts them (`Unit.children_query`).
        self._children: dict[int | None, list[UnitRow]] = {}
        for row in rows:
            self._children.setdefault(row.parent_id, []).append(row)

    def get(self, unit_id: int | None) -> UnitRow | None:
        return self._by_id.get(unit_id) if unit_id is not None else None

    def children(self, unit_id: int | None) -> list[UnitRow]:
        """The units directly below one, by name; the top units for None."""
        return list(self._children.get(unit_id, ()))

    def has_children(self, unit_id: int) -> bool:
        return unit_id in self._children

    def __len__(self) -> int:
        return len(self._by_id)


_ROWS = select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.parent_id, Unit.path, Unit.active).order_by(Unit.name, Unit.id)
_VERSION = select(figure_marks.c.units_version).where(figure_marks.c.id == 1)


def current(units_version: int | None = None) -> UnitTree:
    """The tree as committed now. `units_version`: the mark the caller has read already (or None: read
    it here). The version is read before the rows, so a tree is never kept under a newer version than
    it shows."""
    if units_version is None:
        units_version = db.session.scalar(_VERSION) or 0
    kept = current_app.extensions.get("unit_tree")
    if kept is not None and kept[0] == units_version:
        return kept[1]
    tree = UnitTree([UnitRow(*row) for row in db.session.execute(_ROWS)])
    current_app.extensions["unit_tree"] = (units_version, tree)
    return tree
