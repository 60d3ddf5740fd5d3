"""The work queue: which cases a user's queue holds, in what order, and how many in each tab.

Built for a million cases: a page and the tab counts are one statement. The counts of a unit's tabs
are the rows the database keeps per unit and state (`portal.domain.tab_counts`); filtered, a count per
state, each an index range of (unit_id, state, due_at) read from the index alone. A page of the
default tab is a short range of the partial index of open cases in (unit_id, due_at, id) order, never
a sort of the unit's backlog; a page reads only the columns a row shows, with category and handler
names looked up for its rows alone; rows come as QueueRow with their labels and moments worked out
once (the markup only places them). The unfiltered queue runs statements built once; pages are
LIMIT/OFFSET of a stable order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Integer, and_, bindparam, func, literal_column, or_, select

from portal.domain import access
from portal.domain.codes import normalize_code
from portal.domain.deadlines import load_calendar
from portal.domain.formatting import LOCAL_TZ, day, moment
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import Case, Category, Unit, User, queue_counts
from portal.models.case import OPEN_STATES, STATES, is_overdue

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
SHOWN_STATES = OPEN_TAB_STATES + ("answered",)


def _written(state: str):
    """A state written into the SQL, not bound: a prepared statement's generic plan then still seeks the
    index on it (with bound values PostgreSQL filters every case of the unit instead). Written when the
    statement is compiled, once, not rendered again on every execution as a literal_execute parameter
    is. The states are the portal's own words (STATES), never what a request sent."""
    assert state in STATES
    return literal_column(f"'{state}'")


# "Open" as the partial index ix_cases_unit_open_due states it, so a unit's open cases are read from
# it in deadline order.
OPEN_STATE = Case.state.in_([_written(state) for state in OPEN_TAB_STATES])


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


@dataclass(slots=True)
class QueueRow:
    """One line of the list as it reads: what the row shows, worked out once in Python."""
    code: str
    title: str
    version: int
    state: str
    state_label: str
    is_open: bool
    overdue: bool
    urgent: bool
    transfer_count: int
    extension_until: str | None  # the proposed day of a pending extension request, None when none
    pending_approval: bool
    category: str
    received: str
    due: str
    remaining: str  # working time left or past ("" when not shown, "tạm dừng" for a paused case)
    handler_id: int | None
    handler_name: str | None
    unit_name: str | None

    @property
    def flagged(self) -> bool:
        """Passed on more than once between units (Case.is_flagged_for_transfers)."""
        return self.transfer_count > 1


@dataclass
class QueuePage:
    tabs: dict[str, str]
    tab: str
    counts: dict[str, int]
    cases: list[QueueRow]
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


def queue_page(user: User, filters: QueueFilters, now: datetime, page_size: int,
               calendar: WorkingCalendar | None = None) -> QueuePage:
    """The user's queue for these filters: tab counts, and one page of rows, most urgent first.

    One statement answers both: the page's rows carry the tab counts as columns (subqueries the
    database runs once per statement). Only a page with no rows (an empty tab, or a page past the
    last) asks for the counts alone, and a page past the last then reads the last page."""
    calendar = calendar or load_calendar()
    conditions = _filter_conditions(user, filters, now)
    office = is_office_queue(user)
    tabs = OFFICE_TABS if office else UNIT_TABS
    tab = filters.tab if filters.tab in tabs else next(iter(tabs))
    params = {} if office else {"unit_id": user.unit_id}
    if conditions:
        counted = _count_columns(office, conditions)
        statement, counts_alone = _page(*_TAB_WHERE[tab], *conditions, counted=counted, with_unit=office), select(*counted)
    else:
        statement, counts_alone = _PAGES[tab], _COUNTS[office]
    # Plain rows: the statements run on the session's connection, past the ORM's handling of results.
    connection = db.session.connection()
    page = max(1, filters.page)
    records = connection.execute(statement, {**params, "limit": page_size, "offset": (page - 1) * page_size}).all()
    counts = _tab_counts(office, records[0] if records else connection.execute(counts_alone, params).one())
    total = counts[tab]
    pages = max(1, -(-total // page_size))
    if page > pages:
        page = pages
        if total:
            records = connection.execute(statement, {**params, "limit": page_size, "offset": (page - 1) * page_size}).all()
    # Read by position: a Row's attributes cost ten times its items, and a page reads some 400 of them.
    width = len(ROW_COLUMNS)
    if office:
        rows = [_row(record[:width], record[width], record[width + 1], record[width + 2], now, calendar)
                for record in records]
    else:
        own_unit = user.unit.name
        rows = [_row(record[:width], record[width], record[width + 1], own_unit, now, calendar) for record in records]
    return QueuePage(tabs=tabs, tab=tab, counts=counts, cases=rows, page=page, pages=pages, total=total,
                     page_size=page_size)


def _tab_counts(office: bool, record) -> dict[str, int]:
    """The tabs' counts from a row whose last columns are `_count_columns`; "open" sums the open states."""
    if office:
        return dict(zip(OFFICE_TABS, (int(n) for n in record[-len(OFFICE_TABS):])))
    # A state no case of the unit has ever been in has no row in queue_counts: NULL, none.
    by_state = dict(zip(SHOWN_STATES, (int(n or 0) for n in record[-len(SHOWN_STATES):])))
    return {"open": sum(by_state[state] for state in OPEN_TAB_STATES),
            **{name: by_state[name] for name in UNIT_TABS if name != "open"}}


# The queue's statements, built once with bound parameters (SQLAlchemy keeps their compiled form).
def _count_columns(office: bool, conditions: list) -> list:
    """The counts the tabs show, as scalar subqueries (each run once per statement).

    A unit's unfiltered tabs read the counts the database keeps per unit and state (`queue_counts`,
    `portal.domain.tab_counts`): a department's thousands of open cases are not counted on every
    request. Filtered, one count per state, so each is the (unit_id, state) range of
    ix_cases_unit_state_due read from the index alone, even in the generic plan PostgreSQL settles on
    for a prepared statement (a single `state IN (…)` GROUP BY is planned generically as a scan of all
    the unit's cases, closed ones included: a year's backlog per request). The City Office's: cases
    waiting to be routed, and extension requests, counted directly."""
    if office:
        return [select(func.count()).where(in_tab, *conditions).correlate(None).scalar_subquery().label(f"count_{tab}")
                for tab, in_tab in _IN_OFFICE_TAB.items()]
    columns = []
    for state in SHOWN_STATES:
        in_state = _written(state)
        if conditions:
            count = select(func.count()).where(_OF_UNIT, Case.state == in_state, *conditions)
        else:
            count = select(queue_counts.c.cases).where(queue_counts.c.unit_id == bindparam("unit_id"),
                                                       queue_counts.c.state == in_state)
        columns.append(count.correlate(None).scalar_subquery().label(f"count_{state}"))
    return columns


_IN_OFFICE_TAB = {"received": Case.state == "received", "extensions": Case.extension_requested_at.isnot(None)}
_OF_UNIT = Case.unit_id == bindparam("unit_id")
ROW_COLUMNS = (Case.code, Case.title, Case.version, Case.state, Case.priority, Case.transfer_count,
               Case.extension_requested_at, Case.extension_proposed_due_at, Case.answer_pending_approval,
               Case.received_at, Case.due_at, Case.paused_at, Case.answered_at, Case.handler_id)


def _page(*where, counted: list, with_unit: bool = False):
    """One page of a tab and the tabs' counts (`counted`, the last columns of every row): the page's
    cases first (only the columns a row shows, read in deadline order from an index), then the
    category's, handler's and, in the City Office's queue, the unit's names, looked up by key for those
    rows alone (never for the rows a later page skips; a unit's queue is all its own unit). Cheaper to
    plan and to run than joins, and the same plan at any size."""
    page = (select(*ROW_COLUMNS, Case.id, Case.category_id, Case.unit_id).where(*where).order_by(Case.due_at, Case.id)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
            .subquery("page"))
    names = [select(Category.name).where(Category.id == page.c.category_id).scalar_subquery().label("category_name"),
             select(User.full_name).where(User.id == page.c.handler_id).scalar_subquery().label("handler_name")]
    if with_unit:
        names.append(select(Unit.name).where(Unit.id == page.c.unit_id).scalar_subquery().label("unit_name"))
    return select(*[page.c[column.key] for column in ROW_COLUMNS], *names, *counted).order_by(page.c.due_at, page.c.id)


_TAB_WHERE = {
    **{tab: (_OF_UNIT, OPEN_STATE if tab == "open" else Case.state == tab) for tab in UNIT_TABS},
    **{tab: (in_tab,) for tab, in_tab in _IN_OFFICE_TAB.items()},
}
_COUNTS = {office: select(*_count_columns(office, [])) for office in (False, True)}
_PAGES = {tab: _page(*where, counted=_count_columns(tab in OFFICE_TABS, []), with_unit=tab in OFFICE_TABS)
          for tab, where in _TAB_WHERE.items()}


def row_of_case(case: Case, now: datetime, calendar: WorkingCalendar) -> QueueRow:
    """The list's row for a case just changed from the list (a quick action)."""
    return _row([getattr(case, column.key) for column in ROW_COLUMNS], case.category.name,
                case.handler.full_name if case.handler else None, case.unit.name if case.unit else None, now, calendar)


def _row(values, category_name: str, handler_name: str | None, unit_name: str | None, now: datetime,
         calendar: WorkingCalendar) -> QueueRow:
    """A row from the values of ROW_COLUMNS, in their order."""
    (code, title, version, state, priority, transfer_count, extension_requested_at, extension_proposed_due_at,
     pending_approval, received_at, due_at, paused_at, answered_at, handler_id) = values
    if not due_at or state == "answered":
        remaining = ""
    elif state == "paused":
        remaining = "tạm dừng"
    else:
        remaining = calendar.describe_remaining(due_at, now)
    return QueueRow(
        code=code, title=title, version=version, state=state, state_label=STATES.get(state, state),
        is_open=state in OPEN_STATES, overdue=is_overdue(state, due_at, paused_at, answered_at, now),
        urgent=priority == "urgent", transfer_count=transfer_count,
        extension_until=day(extension_proposed_due_at) if extension_requested_at is not None else None,
        pending_approval=bool(pending_approval), category=category_name, received=moment(received_at),
        due=moment(due_at), remaining=remaining, handler_id=handler_id, handler_name=handler_name, unit_name=unit_name,
    )


def export_statement(user: User, filters: QueueFilters, now: datetime):
    """Every case of the tab and filters the user is looking at, most urgent first, as plain columns
    for a streamed spreadsheet (no page limit)."""
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


def register_statement(user: User, first: date, last: date):
    """Every case received on the days [first, last] (Hanoi's calendar) that the user may see, in the
    order received, as plain columns for a streamed spreadsheet: the register the City Office (or a
    unit, of its own cases) keeps. Read along the received_at index, so rows come without a sort."""
    start = datetime.combine(first, time(0), tzinfo=LOCAL_TZ)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    return (select(Case.code, Case.title, Case.kind, Category.name.label("category"), Case.priority, Case.source,
                   Case.received_at, Case.due_at, Case.state, Case.paused_at, Case.answered_at,
                   Unit.name.label("unit"), User.full_name.label("handler"), Case.rating, Case.transfer_count,
                   Case.extension_count)
            .join(Category, Category.id == Case.category_id)
            .outerjoin(Unit, Unit.id == Case.unit_id)
            .outerjoin(User, User.id == Case.handler_id)
            .where(access.case_filter(user), Case.received_at >= start, Case.received_at < end)
            .order_by(Case.received_at, Case.id))


def deadline_standing(state: str, due_at: datetime | None, paused_at: datetime | None,
                      answered_at: datetime | None, now: datetime) -> str:
    """Where a case stands against its deadline, in the words of the compliance figures: an open
    case is "Trong hạn" or "Quá hạn", an answered one "Đúng hạn" or "Trễ hạn" (Case.is_overdue's rule)."""
    if due_at is None or state == "rejected":
        return ""
    late = is_overdue(state, due_at, paused_at, answered_at, now)
    if state in OPEN_STATES:
        return "Quá hạn" if late else "Trong hạn"
    return "Trễ hạn" if late else "Đúng hạn"
