"""Which unit handles a new case, from its category and place."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import Category, Unit


def default_unit(category: Category, ward: Unit | None) -> Unit | None:
    """The unit a category's cases go to by default, or None when the City Office must route it.

    A category with a fixed unit (a utility, a department) goes there; a ward category goes to
    the case's ward; a district category goes to the ward's district. An inactive unit is
    replaced by its successor (units merged in a re-organisation).
    """
    unit = None
    if category.default_unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == category.default_unit_code))
    elif ward is not None and category.default_unit_kind == "ward":
        unit = ward
    elif ward is not None and category.default_unit_kind == "district":
        unit = ward.parent if ward.parent is not None and ward.parent.kind == "district" else ward
    return current_successor(unit)


def current_successor(unit: Unit | None) -> Unit | None:
    """Follow successors from a merged or retired unit to the unit that exists today."""
    seen = set()
    while unit is not None and not unit.active and unit.successor is not None and unit.id not in seen:
        seen.add(unit.id)
        unit = unit.successor
    return unit if unit is None or unit.active else None
