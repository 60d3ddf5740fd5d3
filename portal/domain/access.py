"""The one place that decides what a user may see and use, from role and unit.

Views never decide access from what a page shows: they ask here. Every rule is a plain
function of the user (role, unit) and the thing, so tests call them directly.
"""
from __future__ import annotations

from sqlalchemy import false, select, true

from portal.extensions import db
from portal.models import Case, Unit, User

# Features of the portal and the roles that may open them.
FEATURES: dict[str, frozenset[str]] = {
    "queue": frozenset({"handler", "unit_lead", "city_office"}),
    "cases": frozenset({"handler", "unit_lead", "chair", "city_office", "inspector", "hotline", "admin"}),
    "compliance": frozenset({"unit_lead", "chair", "city_office", "inspector"}),
    "rosters": frozenset({"unit_lead", "city_office", "inspector", "chair"}),
    "hotline": frozenset({"hotline", "city_office", "admin"}),
    "admin": frozenset({"admin"}),
    "intake": frozenset({"city_office", "admin"}),
}

# Where each role lands after signing in.
ROLE_HOME = {
    "handler": "queue",
    "unit_lead": "queue",
    "chair": "compliance",
    "city_office": "queue",
    "inspector": "compliance",
    "hotline": "hotline",
    "admin": "admin",
}

# Roles that see every unit's cases (the city-wide roles).
CITY_WIDE_ROLES = frozenset({"city_office", "inspector", "hotline", "admin"})
# Roles that handle or look up a case, and so may see the citizen's name, phone and email.
CONTACT_ROLES = frozenset({"handler", "unit_lead", "city_office", "hotline"})


def may_use(user: User, feature: str) -> bool:
    """True when the user's role may open the feature at all."""
    return user.is_authenticated and user.role in FEATURES.get(feature, ())


def scope_root(user: User) -> Unit | None:
    """The unit whose subtree the user sees; None means the whole city. The ORM unit (the signed-in user
    carries a light copy of its unit): pages go on to its parent, its children, its records."""
    if user.role in CITY_WIDE_ROLES:
        return None
    return db.session.get(Unit, user.unit_id)


def scope_root_id(user: User) -> int | None:
    """The id of `scope_root(user)`, without loading the unit."""
    if user.role in CITY_WIDE_ROLES:
        return None
    return user.unit_id


def can_see_unit(user: User, unit: Unit, home: Unit | None = None) -> bool:
    """True when the unit is inside what the user may see (their unit, or their subtree for a chair).
    `home`: the user's unit when the caller has it already (a row of the unit tree, say)."""
    if user.role in CITY_WIDE_ROLES:
        return True
    if user.role == "chair":
        return unit.is_within(home or user.unit)
    return unit.id == user.unit_id


def case_filter(user: User):
    """A WHERE clause on Case that keeps exactly the cases the user may see."""
    if user.role in CITY_WIDE_ROLES:
        return true()
    if user.role == "chair":
        subtree = select(Unit.id).where(Unit.path.startswith(user.unit.path, autoescape=True))
        return Case.unit_id.in_(subtree)
    if user.role in ("handler", "unit_lead"):
        return Case.unit_id == user.unit_id
    return false()


def can_view_case(user: User, case: Case) -> bool:
    """True when the user may open the case page."""
    if not may_use(user, "cases"):
        return False
    if user.role in CITY_WIDE_ROLES:
        return True
    if case.unit is None:
        return False
    return can_see_unit(user, case.unit)


def can_see_contact(user: User, case: Case) -> bool:
    """Citizen's name, phone and email: only for those who handle or look up the case."""
    return user.role in CONTACT_ROLES and can_view_case(user, case)


def can_see_callers(user: User) -> bool:
    """A caller's phone on the hotline's call log is a citizen's contact too: the same roles see it."""
    return user.is_authenticated and user.role in CONTACT_ROLES
