"""What the administrator's lists show: filtered, counted and cut into pages."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from portal.domain.formatting import LOCAL_TZ
from portal.domain.numbers import whole_number
from portal.domain.units import fold, normalize_code
from portal.extensions import db
from portal.models import AuditEntry, Case, Unit, User
from portal.models.case import OPEN_STATES

MAX_PAGE = 100_000


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return min(self.page * self.per_page, self.total)


def page_number(text: str | None) -> int:
    """The page asked for in the query string; anything odd is page 1."""
    return min(whole_number(text, maximum=10**100) or 1, MAX_PAGE)


def paginate_list(items: list, page: int, per_page: int) -> Page:
    pages = max(1, math.ceil(len(items) / per_page))
    page = min(page, pages)
    return Page(items[(page - 1) * per_page: page * per_page], page, per_page, len(items))


# -- units ---------------------------------------------------------------------------------------


def active_units() -> list[Unit]:
    """Every active unit, for the suggestions of a unit field."""
    return list(db.session.scalars(select(Unit).where(Unit.active.is_(True))
                                   .options(joinedload(Unit.parent)).order_by(Unit.path)))


def resolve_unit(text: str | None, *, active_only: bool = True) -> tuple[Unit | None, str | None]:
    """The unit a person meant by a code or a name (accents optional); (None, why) when it is not one unit."""
    text = " ".join((text or "").split())
    if not text:
        return None, None
    # A suggestion may read "P00193 · UBND Phường Văn Chương".
    code = normalize_code(text.split(" · ")[0])
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        wanted = fold(text)
        matches = [candidate for candidate in db.session.scalars(select(Unit))
                   if fold(candidate.name) == wanted or fold(candidate.name.removeprefix("UBND ")) == wanted]
        if active_only:
            matches = [candidate for candidate in matches if candidate.active] or matches
        if len(matches) > 1:
            return None, f"Có {len(matches)} đơn vị tên «{text[:80]}»; hãy chọn theo mã trong danh sách gợi ý."
        unit = matches[0] if matches else None
    if unit is None:
        return None, f"Không tìm thấy đơn vị «{text[:80]}»; hãy chọn trong danh sách gợi ý."
    if active_only and not unit.active:
        heir = f"; đơn vị kế thừa: {unit.successor.name} ({unit.successor.code})" if unit.successor else ""
        return None, f"{unit.name} đã ngừng hoạt động{heir}."
    return unit, None


def unit_matches(unit: Unit, words: str) -> bool:
    return words in fold(unit.name) or words in fold(unit.code)


@dataclass
class UnitRow:
    unit: Unit
    children: int
    users: int
    open_cases: int


def unit_rows(units: list[Unit]) -> list[UnitRow]:
    """Units with their counts of active child units, accounts and open cases (one query each)."""
    ids = [unit.id for unit in units]
    if not ids:
        return []
    children = dict(db.session.execute(select(Unit.parent_id, func.count()).where(
        Unit.parent_id.in_(ids), Unit.active.is_(True)).group_by(Unit.parent_id)).all())
    users = dict(db.session.execute(select(User.unit_id, func.count()).where(
        User.unit_id.in_(ids), User.active.is_(True)).group_by(User.unit_id)).all())
    cases = dict(db.session.execute(select(Case.unit_id, func.count()).where(
        Case.unit_id.in_(ids), Case.state.in_(OPEN_STATES)).group_by(Case.unit_id)).all())
    return [UnitRow(unit, children.get(unit.id, 0), users.get(unit.id, 0), cases.get(unit.id, 0)) for unit in units]


def browse_units(parent: Unit | None, words: str, show_all: bool) -> list[Unit]:
    """A search across the whole tree, or the units directly under `parent` (the root's when None)."""
    query = select(Unit).options(joinedload(Unit.parent), joinedload(Unit.successor))
    if not show_all:
        query = query.where(Unit.active.is_(True))
    if words:
        folded = fold(words)
        return sorted((unit for unit in db.session.scalars(query) if unit_matches(unit, folded)),
                      key=lambda unit: (not unit.active, unit.depth, fold(unit.name)))
    if parent is None:
        query = query.where(Unit.parent_id.is_(None))
    else:
        query = query.where(Unit.parent_id == parent.id)
    return sorted(db.session.scalars(query), key=lambda unit: (not unit.active, _kind_order(unit), fold(unit.name)))


def _kind_order(unit: Unit) -> int:
    order = ("city", "city_office", "department", "agency", "company", "district", "ward")
    return order.index(unit.kind) if unit.kind in order else len(order)


def ancestors(unit: Unit) -> list[Unit]:
    """The unit's ancestors from the root down (for the breadcrumb)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part.isdigit()][:-1]
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


# -- users ---------------------------------------------------------------------------------------


def filter_users(*, words: str, unit: Unit | None, unit_words: str, role: str, status: str) -> list[User]:
    """Accounts matching the filters, by unit then name. `unit` keeps its subtree; otherwise `unit_words`
    is matched against unit names and codes, accents optional."""
    query = select(User).options(joinedload(User.unit))
    if unit is not None:
        query = query.join(User.unit).where(Unit.path.startswith(unit.path, autoescape=True))
    if role:
        query = query.where(User.role == role)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "locked":
        query = query.where(User.active.is_(False))
    elif status == "first_login":
        query = query.where(User.must_change_password.is_(True), User.active.is_(True))
    users = list(db.session.scalars(query))
    if words:
        folded = fold(words)
        users = [user for user in users if folded in fold(user.username) or folded in fold(user.full_name)
                 or folded in fold(user.email)]
    if unit is None and unit_words:
        folded = fold(unit_words)
        users = [user for user in users if unit_matches(user.unit, folded)]
    return sorted(users, key=lambda user: (not user.active, fold(user.unit.name), fold(user.full_name)))


# -- audit ---------------------------------------------------------------------------------------


def audit_page(*, action: str, words: str, date_from: date | None, date_to: date | None, page: int,
               per_page: int) -> Page:
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if words:
        needle = words.lower()
        query = query.where(or_(func.lower(AuditEntry.username).contains(needle, autoescape=True),
                                func.lower(AuditEntry.target).contains(needle, autoescape=True),
                                func.lower(AuditEntry.detail).contains(needle, autoescape=True)))
    if date_from:
        query = query.where(AuditEntry.at >= _local_midnight(date_from))
    if date_to:
        query = query.where(AuditEntry.at < _local_midnight(date_to + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(page, pages)
    items = list(db.session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                    .offset((page - 1) * per_page).limit(per_page)))
    return Page(items, page, per_page, total)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
