"""The work queue: which cases a user's queue holds, in what order, and how many in each tab.

Built for a million cases: a unit's list is one indexed range on (unit_id, state, due_at), the
tab counts are one grouped query, handler and category come in the same query (joins), and
pages are LIMIT/OFFSET of a stable order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case as when, func, or_, select
from sqlalchemy.orm import joinedload

from portal.domain.codes import normalize_code
from portal.extensions import db
from portal.models import Case, User
from portal.models.case import OPEN_STATES

# Tabs of a unit's queue: all open cases, each open state, and answered ones waiting for a rating.
UNIT_TABS = {
    "open": "Đang mở",
    "assigned": "Chờ xử lý",
    "in_progress": "Đang xử lý",
    "paused": "Tạm dừng",
    "answered": "Đã trả lời, chờ đánh giá",
}
# The City Office's queue: cases to route to a unit, and extension requests to decide.
OFFICE_TABS = {
    "received": "Chờ phân loại",
    "extensions": "Đề nghị gia hạn",
}
OPEN_TAB_STATES = tuple(OPEN_STATES)


@dataclass
class QueueFilters:
    tab: str = ""
    kind: str = ""
    category_id: int | None = None
    priority: str = ""
    overdue: bool = False
    mine: bool = False
    text: str = ""
    page: int = 1


@dataclass
class QueuePage:
    tabs: dict[str, str]
    tab: str
    counts: dict[str, int]
    cases: list[Case]
    page: int
    pages: int
    total: int
    page_size: int


def is_office_queue(user: User) -> bool:
    return user.role == "city_office"


def overdue_clause(now: datetime):
    """SQL for Case.is_overdue: open and past due (a paused case judged when it paused), or answered late."""
    return or_(
        and_(Case.state.in_(("received", "assigned", "in_progress")), Case.due_at < now),
        and_(Case.state == "paused", Case.paused_at > Case.due_at),
        and_(Case.state.in_(("answered", "closed")), Case.answered_at > Case.due_at),
    )


def _filter_conditions(user: User, filters: QueueFilters, now: datetime) -> list:
    conditions = []
    if filters.kind:
        conditions.append(Case.kind == filters.kind)
    if filters.category_id:
        conditions.append(Case.category_id == filters.category_id)
    if filters.priority:
        conditions.append(Case.priority == filters.priority)
    if filters.overdue:
        conditions.append(overdue_clause(now))
    if filters.mine and not is_office_queue(user):
        conditions.append(Case.handler_id == user.id)
    text = filters.text.strip()
    if text:
        needle = text.lower()
        matches = [func.lower(Case.title).contains(needle, autoescape=True),
                   func.lower(Case.address).contains(needle, autoescape=True)]
        code = normalize_code(text)
        if code:
            matches.append(Case.code == code)
        conditions.append(or_(*matches))
    return conditions


def queue_page(user: User, filters: QueueFilters, now: datetime, page_size: int) -> QueuePage:
    """The user's queue for these filters: tab counts, and one page of cases, most urgent first."""
    conditions = _filter_conditions(user, filters, now)
    if is_office_queue(user):
        tabs = OFFICE_TABS
        tab = filters.tab if filters.tab in tabs else "received"
        in_tab = {"received": Case.state == "received",
                  "extensions": Case.extension_requested_at.isnot(None)}
        row = db.session.execute(
            select(func.coalesce(func.sum(when((in_tab["received"], 1), else_=0)), 0),
                   func.coalesce(func.sum(when((in_tab["extensions"], 1), else_=0)), 0))
            .where(or_(*in_tab.values()), *conditions)
        ).one()
        counts = {"received": int(row[0]), "extensions": int(row[1])}
        where = [in_tab[tab], *conditions]
    else:
        tabs = UNIT_TABS
        tab = filters.tab if filters.tab in tabs else "open"
        shown_states = OPEN_TAB_STATES + ("answered",)
        grouped = db.session.execute(
            select(Case.state, func.count()).where(Case.unit_id == user.unit_id, Case.state.in_(shown_states),
                                                   *conditions)
            .group_by(Case.state)
        ).all()
        by_state = {state: count for state, count in grouped}
        counts = {name: by_state.get(name, 0) for name in tabs if name != "open"}
        counts["open"] = sum(by_state.get(state, 0) for state in OPEN_TAB_STATES)
        states = OPEN_TAB_STATES if tab == "open" else (tab,)
        where = [Case.unit_id == user.unit_id, Case.state.in_(states), *conditions]
    total = counts[tab]
    pages = max(1, -(-total // page_size))
    page = min(max(1, filters.page), pages)
    cases = db.session.scalars(
        select(Case).where(*where)
        .options(joinedload(Case.category), joinedload(Case.handler), joinedload(Case.unit))
        .order_by(Case.due_at, Case.id)
        .limit(page_size).offset((page - 1) * page_size)
    ).unique().all()
    return QueuePage(tabs=tabs, tab=tab, counts=counts, cases=list(cases), page=page, pages=pages, total=total,
                     page_size=page_size)


def export_statement(user: User, filters: QueueFilters, now: datetime):
    """Every case of the tab and filters the user is looking at, most urgent first, as plain columns
    for a streamed spreadsheet (no page limit)."""
    from portal.models import Category, Unit

    conditions = _filter_conditions(user, filters, now)
    if is_office_queue(user):
        tab = filters.tab if filters.tab in OFFICE_TABS else "received"
        where = [Case.state == "received" if tab == "received" else Case.extension_requested_at.isnot(None)]
    else:
        tab = filters.tab if filters.tab in UNIT_TABS else "open"
        states = OPEN_TAB_STATES if tab == "open" else (tab,)
        where = [Case.unit_id == user.unit_id, Case.state.in_(states)]
    return (select(Case.code, Case.title, Category.name.label("category"), Case.priority, Case.received_at,
                   Case.due_at, Case.state, Case.paused_at, User.full_name.label("handler"),
                   Unit.name.label("unit"), Case.transfer_count)
            .join(Category, Category.id == Case.category_id)
            .outerjoin(User, User.id == Case.handler_id)
            .outerjoin(Unit, Unit.id == Case.unit_id)
            .where(*where, *conditions)
            .order_by(Case.due_at, Case.id))
