"""The compliance figures: one function per figure, and its docstring is its definition.

Pages, exports and letters all read their numbers from here, so a figure means the same thing
on the screen, in the spreadsheet and in the City Office's letter.

Which cases (the period)
    A period is [start, end) in whole days on Hanoi's calendar. Every figure is about the cases
    *received* in the period (the period's cases): "Tiếp nhận 5.700; đã xử lý 3.940 (69,1%)" reads
    "of the 5,700 received, 3,940 are answered", so received = answered + open + rejected, always.
    "Since launch" has no start.

When they are judged
    Answers, ratings, rejections and extensions are read as they stand now. Open, open and overdue,
    and paused are judged at a moment `at`: now for pages (the case's own columns, exactly
    `Case.is_overdue(now)`), the end of a day for the overdue letter, the end of a week for the
    trend. For a past moment the state is read back from the events (the state a case left by its
    first event after the moment), and the deadline is the one the case has now.

Who a case counts for (attribution)
    A case counts for the unit that holds it (`Case.unit_id`): where it was routed, transferred or
    merged last. A case not routed yet counts for no unit; the city-wide view shows it on a line of
    its own ("Chờ phân loại"), so the city's total is still the sum of its lines. Transfers out are
    counted by events instead: a "transferred" or "returned" event counts for the unit that passed
    the case on (`CaseEvent.from_unit_id`), since the case no longer sits there.

Subtrees
    A subtree's figures (every unit whose `Unit.path` starts with the root's) are the sum of its
    units' figures: every count adds up, a transfer between two wards of one district counts for the
    district too (its ward passed it on), and the shares and the median are computed again from the
    summed counts and the pooled handling times, never summed themselves.

Queries are grouped: one query per family of figures for all the units of a table (cases, transfers,
extensions, handling times), never one query per unit. A per-unit, per-day roll-up can replace a
family's query later and be tested equal to it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Iterable

from sqlalchemy import ColumnElement, and_, bindparam, case, false, func, literal, or_, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql import Select

from portal.domain import rollups, unit_tree
from portal.domain.formatting import LOCAL_TZ
from portal.domain.unit_tree import UnitRow, UnitTree
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import Case, CaseEvent, Unit, User, overdue_snapshots
from portal.models.case import OPEN_STATES
from portal.models.types import UTCDateTime

ANSWERED_STATES = ("answered", "closed")
TRANSFER_OUT_EVENTS = ("transferred", "returned")
UNROUTED = None  # the key of cases no unit holds yet


# -- periods -------------------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """Midnight at the start of a day on Hanoi's clock, as an aware UTC moment."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


@dataclass(frozen=True)
class Period:
    """The days [first, last] on Hanoi's calendar; `first` None means since the first case."""

    first: date | None
    last: date

    def __post_init__(self):
        if self.first is not None and self.first > self.last:
            raise ValueError("a period's first day is after its last day")

    @property
    def start(self) -> datetime | None:
        return day_start(self.first) if self.first else None

    @property
    def end(self) -> datetime:
        return day_start(self.last + timedelta(days=1))

    def weeks(self, launch: date | None) -> list[Period]:
        """The Monday-to-Sunday weeks that meet the period (from launch when it has no start)."""
        first = self.first or launch or self.last
        monday = first - timedelta(days=first.weekday())
        weeks = []
        while monday <= self.last:
            weeks.append(Period(monday, monday + timedelta(days=6)))
            monday += timedelta(days=7)
        return weeks

    def months(self, launch: date | None) -> list[Period]:
        """The calendar months that meet the period (from launch when it has no start)."""
        first = (self.first or launch or self.last).replace(day=1)
        months = []
        while first <= self.last:
            following = (first + timedelta(days=32)).replace(day=1)
            months.append(Period(first, following - timedelta(days=1)))
            first = following
        return months


def launch_day() -> date | None:
    """The day the first case was received: where "since launch" begins."""
    first = db.session.scalar(select(func.min(Case.received_at)))
    return local_day(first) if first else None


def in_period(period: Period) -> ColumnElement[bool]:
    """The period's cases: received on or after its first day and before the day after its last."""
    condition = Case.received_at < period.end
    if period.start is not None:
        condition = and_(Case.received_at >= period.start, condition)
    return condition


# -- the figures: each one a rule on a case (or an event), its docstring the definition -----------


def received() -> ColumnElement[bool]:
    """Tiếp nhận: every case received in the period, whatever has happened to it since."""
    return true()


def answered() -> ColumnElement[bool]:
    """Đã xử lý: the answer is published (state answered, or closed after the rating). A case
    reopened after "chưa hài lòng" is open again and no longer counts here until answered again."""
    return Case.state.in_(ANSWERED_STATES)


def answered_late() -> ColumnElement[bool]:
    """Trễ hạn: answered, and the answer came after the deadline in force (extensions and pauses
    moved the deadline). The same rule as `Case.is_overdue` for an answered case."""
    return and_(answered(), Case.answered_at.is_not(None), Case.due_at.is_not(None),
                Case.answered_at > Case.due_at)


def answered_on_time() -> ColumnElement[bool]:
    """Đúng hạn: answered and not late (at or before the deadline, or with no deadline).
    Answered = on time + late."""
    return and_(answered(), or_(Case.answered_at.is_(None), Case.due_at.is_(None),
                                Case.answered_at <= Case.due_at))


def open_at(at: datetime | None = None) -> ColumnElement[bool]:
    """Đang xử lý: still open at the moment (waiting for routing, in a unit's queue, being handled,
    or paused): not answered, not closed, not rejected. Includes the open and overdue."""
    return _state_at(at).in_(OPEN_STATES)


def open_overdue_at(at: datetime | ColumnElement | None = None, *, now: datetime) -> ColumnElement[bool]:
    """Quá hạn chưa xử lý: open at the moment and past its deadline then. A paused case's clock is
    stopped, so it is judged at the moment it was paused. The same rule as `Case.is_overdue(now)`."""
    # The moment may be a column: several day ends judged in one query (record_day_ends).
    moment = at if isinstance(at, ColumnElement) else literal(at or now, UTCDateTime)
    # Judged no later than the moment, so only a case due before it can be overdue; the state is
    # read once (a simple CASE), which matters when it is read back from the events.
    judged = case(
        {"paused": func.coalesce(_paused_since(at), moment) > Case.due_at,
         **{state: true() for state in OPEN_STATES if state != "paused"}},
        value=_state_at(at), else_=false())
    return and_(Case.due_at.is_not(None), Case.due_at < moment, judged)


def paused_at(at: datetime | None = None) -> ColumnElement[bool]:
    """Tạm dừng: paused at the moment (waiting for the citizen or another body; the clock is stopped).
    Paused cases are also open."""
    return _state_at(at) == "paused"


def rejected() -> ColumnElement[bool]:
    """Từ chối: not accepted (duplicate, spam, a complaint that belongs elsewhere)."""
    return Case.state == "rejected"


def rated_satisfied() -> ColumnElement[bool]:
    """Hài lòng: the citizen's latest rating of the answer is "hài lòng"."""
    return Case.rating == "satisfied"


def rated_accepted() -> ColumnElement[bool]:
    """Chấp nhận: the citizen's latest rating is "chấp nhận"."""
    return Case.rating == "accepted"


def rated_unsatisfied() -> ColumnElement[bool]:
    """Chưa hài lòng: the citizen's latest rating is "chưa hài lòng" (the case may have been
    reopened and be open again)."""
    return Case.rating == "unsatisfied"


def transfer_out_event() -> ColumnElement[bool]:
    """Chuyển đi / trả lại: each time a unit passed one of the period's cases on to another unit
    ("transferred") or back to the City Office ("returned"). Counts for the unit that passed it on;
    a case passed on twice counts twice. Merges of units are not transfers."""
    return CaseEvent.type.in_(TRANSFER_OUT_EVENTS)


def extension_granted_event() -> ColumnElement[bool]:
    """Gia hạn: each extension the City Office granted on one of the period's cases (a case extended
    twice counts twice). Counts for the unit that holds the case."""
    return CaseEvent.type == "extension_granted"


def handling_class(seconds: int) -> int:
    """Thời gian xử lý of one answered case, as its class: whole working days (8 office hours each, on
    the city's working calendar) from receipt to the published answer, the last class "30 days or
    more". Paused time is included: it is the wait the citizen saw. The seconds are measured when the
    answer is published and kept on the case (`Case.handling_seconds`); the figure is the median over
    the period's answered cases (`Figures.median_handling_days`)."""
    return min(max(seconds, 0) // rollups.SECONDS_PER_DAY, rollups.HANDLING_CLASSES - 1)


def grouped_median(classes: list[int]) -> float | None:
    """The median of values grouped in classes [k, k + 1): k plus the share of the class below the middle."""
    total = sum(classes)
    if total <= 0:
        return None
    half, below = total / 2, 0
    for k, count in enumerate(classes):
        if count > 0 and below + count >= half:
            if k == len(classes) - 1:
                return float(k)  # "30 days or more": its lower bound
            return k + (half - below) / count
        below += count
    return None


# The case rules counted per unit in one query, in table order.
CASE_COUNTS: dict[str, Callable[..., ColumnElement[bool]]] = {
    "received": received,
    "answered": answered,
    "answered_on_time": answered_on_time,
    "answered_late": answered_late,
    "open": open_at,
    "open_overdue": open_overdue_at,
    "paused": paused_at,
    "rejected": rejected,
    "rated_satisfied": rated_satisfied,
    "rated_accepted": rated_accepted,
    "rated_unsatisfied": rated_unsatisfied,
}
MOMENT_FIGURES = ("open", "open_overdue", "paused")


def _state_at(at: datetime | None) -> ColumnElement[str]:
    """The case's state at a past moment: the state its first later event left; now: its state.

    A case answered or closed now, since before the moment, was already so then; a case not touched
    since the moment (every action sets `updated_at`, and writes its events at that time) is in the
    state it was then: their columns say it without reading the events."""
    if at is None:
        return Case.state
    # Correlated with whatever holds the moment too (a column of day ends, in record_day_ends).
    left = (select(CaseEvent.from_state)
            .where(CaseEvent.case_id == Case.id, CaseEvent.at > at, CaseEvent.from_state.is_not(None))
            .order_by(CaseEvent.at, CaseEvent.id).limit(1).correlate_except(CaseEvent).scalar_subquery())
    settled = or_(and_(Case.state == "closed", Case.closed_at <= at),
                  and_(Case.state == "answered", Case.answered_at <= at))
    return case((settled, Case.state), (Case.updated_at <= at, Case.state), else_=func.coalesce(left, Case.state))


def _paused_since(at: datetime | None) -> ColumnElement[datetime]:
    """When a case paused at the moment was paused: its column now, its latest pause event before."""
    if at is None:
        return Case.paused_at
    since = (select(func.max(CaseEvent.at))
             .where(CaseEvent.case_id == Case.id, CaseEvent.to_state == "paused", CaseEvent.at <= at)
             .correlate_except(CaseEvent).scalar_subquery())
    return func.coalesce(since, Case.paused_at)


# -- the figures of a unit, added up -------------------------------------------------------------


@dataclass
class Figures:
    """Every figure of one unit, a line of a table or a whole subtree, for one period."""

    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    open: int = 0
    open_overdue: int = 0
    paused: int = 0
    rejected: int = 0
    transferred_out: int = 0
    extensions_granted: int = 0
    rated_satisfied: int = 0
    rated_accepted: int = 0
    rated_unsatisfied: int = 0
    # The answered cases by handling time in whole working days (0, 1, …, 29, 30 or more): added up
    # class by class, so a subtree's median is the median of its cases.
    handled: list[int] = field(default_factory=lambda: [0] * rollups.HANDLING_CLASSES, repr=False)

    COUNTS = ("received", "answered", "answered_on_time", "answered_late", "open", "open_overdue", "paused",
              "rejected", "transferred_out", "extensions_granted", "rated_satisfied", "rated_accepted",
              "rated_unsatisfied")

    def __add__(self, other: Figures) -> Figures:
        total = Figures(**{name: getattr(self, name) + getattr(other, name) for name in self.COUNTS})
        total.handled = [mine + theirs for mine, theirs in zip(self.handled, other.handled)]
        return total

    def __sub__(self, other: Figures) -> Figures:
        rest = Figures(**{name: getattr(self, name) - getattr(other, name) for name in self.COUNTS})
        rest.handled = [mine - theirs for mine, theirs in zip(self.handled, other.handled)]
        return rest

    @classmethod
    def from_rollup(cls, values: list[int]) -> Figures:
        """Figures from a roll-up row (`rollups.count_columns()` order); open and overdue is not in it."""
        named = dict(zip(rollups.COUNT_NAMES, values))
        figures = cls(**named)
        figures.handled = list(values[len(rollups.COUNT_NAMES):])
        return figures

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COUNTS}

    @property
    def open_on_time(self) -> int:
        """Đang xử lý trong hạn: open and not overdue."""
        return self.open - self.open_overdue

    @property
    def rated(self) -> int:
        """Đã đánh giá: cases with a rating of any kind."""
        return self.rated_satisfied + self.rated_accepted + self.rated_unsatisfied

    @property
    def satisfied_share(self) -> float | None:
        """Tỷ lệ hài lòng: (hài lòng + chấp nhận) over the rated cases; None when nothing is rated."""
        if not self.rated:
            return None
        return (self.rated_satisfied + self.rated_accepted) / self.rated

    @property
    def median_handling_days(self) -> float | None:
        """Thời gian xử lý (trung vị): the median of the answered cases' handling times, read from their
        classes of whole working days as a grouped median (the class that holds the middle case, and
        how far into it by linear interpolation); None when none is answered."""
        return grouped_median(self.handled)

    @property
    def is_overdue(self) -> bool:
        """A unit is marked overdue when it has open cases past their deadline."""
        return self.open_overdue > 0

    def value(self, key: str):
        """A figure by its column key, for sorting tables and writing exports."""
        return getattr(self, key)


def _scope(root: Unit | None, subtree: bool) -> ColumnElement[bool]:
    """The cases a unit (or its subtree) holds; the whole city, unrouted cases included, for None."""
    if root is None:
        return true()
    if not subtree:
        return Case.unit_id == root.id
    return Case.unit_id.in_(select(Unit.id).where(Unit.path.startswith(root.path, autoescape=True)))


def _event_scope(root: Unit | None, subtree: bool) -> ColumnElement[bool]:
    if root is None:
        return CaseEvent.from_unit_id.is_not(None)
    if not subtree:
        return CaseEvent.from_unit_id == root.id
    return CaseEvent.from_unit_id.in_(select(Unit.id).where(Unit.path.startswith(root.path, autoescape=True)))


def _sum(condition: ColumnElement[bool]):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _grouped(statement: Select, key) -> Select:
    return statement.add_columns(key).group_by(key) if key is not None else statement


def case_counts(where: ColumnElement[bool], period: Period, *, now: datetime, at: datetime | None = None,
                key=None) -> dict:
    """The case family (every rule of CASE_COUNTS) in one query: {key value: {figure: count}}."""
    columns = []
    for name, rule in CASE_COUNTS.items():
        if name == "open_overdue":
            columns.append(_sum(rule(at, now=now)).label(name))
        elif name in MOMENT_FIGURES:
            columns.append(_sum(rule(at)).label(name))
        else:
            columns.append(_sum(rule()).label(name))
    statement = _grouped(select(*columns).where(where, in_period(period)), key)
    result = {}
    for row in db.session.execute(statement):
        values = row._mapping
        result[values[key] if key is not None else None] = {name: int(values[name]) for name in CASE_COUNTS}
    return result


def _event_counts(rule: ColumnElement[bool], where, period: Period, key) -> dict:
    statement = select(func.count(CaseEvent.id).label("n")).join(Case, Case.id == CaseEvent.case_id)
    statement = _grouped(statement.where(rule, where, in_period(period)), key)
    return {(row._mapping[key] if key is not None else None): int(row.n) for row in db.session.execute(statement)}


def _handling_classes(where, period: Period, key) -> dict[object, list[int]]:
    statement = select(Case.handling_seconds).where(where, in_period(period), answered(),
                                                    Case.handling_seconds.is_not(None))
    if key is not None:
        statement = statement.add_columns(key)
    pooled: dict[object, list[int]] = {}
    for row in db.session.execute(statement.execution_options(yield_per=2000)):
        group = row._mapping[key] if key is not None else None
        classes = pooled.setdefault(group, [0] * rollups.HANDLING_CLASSES)
        classes[handling_class(row.handling_seconds)] += 1
    return pooled


def _assemble(counts: dict, transfers: dict, extensions: dict, times: dict) -> dict:
    keys = set(counts) | set(transfers) | set(extensions) | set(times)
    assembled = {}
    for key in keys:
        figures = Figures(**counts.get(key, {}))
        figures.transferred_out = transfers.get(key, 0)
        figures.extensions_granted = extensions.get(key, 0)
        figures.handled = times.get(key, [0] * rollups.HANDLING_CLASSES)
        assembled[key] = figures
    return assembled


def counted_figures_for(root: Unit | None, period: Period, *, now: datetime, subtree: bool = True) -> Figures:
    """Every figure of a unit (subtree=False), of its whole subtree, or of the city (root None),
    counted directly from the cases in one query per family: what the roll-ups must equal."""
    where = _scope(root, subtree)
    result = _assemble(
        case_counts(where, period, now=now),
        _event_counts(transfer_out_event(), _event_scope(root, subtree), period, None),
        _event_counts(extension_granted_event(), where, period, None),
        _handling_classes(where, period, None),
    )
    return result.get(None, Figures())


def figures_for(root: Unit | None, period: Period, *, now: datetime, calendar: WorkingCalendar | None = None,
                subtree: bool = True) -> Figures:
    """Every figure of a unit (subtree=False), of its whole subtree, or of the city (root None), read
    from the roll-ups (`portal.domain.rollups`), open and overdue counted from the open cases."""
    today = local_day(now)
    if root is None:
        keys = list(db.session.scalars(select(Unit.id).where(Unit.parent_id.is_(None)))) + [rollups.UNROUTED_KEY]
        sums = rollups.sums(keys, period.first, period.last, today)
        figures = Figures()
        for values in sums.values():
            figures = figures + Figures.from_rollup(values)
    else:
        children = list(db.session.scalars(select(Unit.id).where(Unit.parent_id == root.id))) if not subtree else []
        sums = rollups.sums([root.id] + children, period.first, period.last, today)
        figures = Figures.from_rollup(sums[root.id]) if root.id in sums else Figures()
        for child in children:
            if child in sums:
                figures = figures - Figures.from_rollup(sums[child])
    overdue = open_overdue_by_unit(_scope(root, subtree), period, now=now)
    figures.open_overdue = sum(overdue.values())
    return figures


# Open, as the partial index ix_cases_open_due states it: the states written into the SQL, not bound, so
# that the generic plan PostgreSQL adopts for a prepared statement still sees the index's predicate
# (with bound states it read every case received in the period: 5.6 ms instead of 0.4 at 200,000).
IS_OPEN = Case.state.in_(bindparam("open_states", tuple(OPEN_STATES), expanding=True, literal_execute=True))


def monthly_figures(root: Unit, months: list[Period], *, now: datetime) -> list[Figures]:
    """`figures_for` of a unit's subtree for each of some calendar months, in two queries: the month
    roll-ups, and the open overdue cases by the month they were received."""
    if not months:
        return []
    rows = rollups.monthly(root.id, [month.first for month in months])
    result = {month.first: Figures.from_rollup(rows[month.first]) if month.first in rows else Figures()
              for month in months}
    # All the subtree's open overdue cases (a few hundred at most), sorted into the months here: with the
    # months' span in the SQL, the generic plan of the prepared statement read every case received in the
    # span from (unit_id, received_at) instead of the open ones from ix_cases_unit_open_due (13 ms, not 0.4).
    statement = select(Case.received_at).where(IS_OPEN, Case.due_at < now, _scope(root, True),
                                               open_overdue_at(None, now=now))
    for received_at in db.session.scalars(statement):
        first = local_day(received_at).replace(day=1)
        if first in result:
            result[first].open_overdue += 1
    return [result[month.first] for month in months]


def open_overdue_by_unit(where: ColumnElement[bool], period: Period, *, now: datetime) -> dict[int | None, int]:
    """Quá hạn chưa xử lý now, by the unit that holds the cases: counted from the open cases through
    the partial index `ix_cases_open_due` (the rule is `open_overdue_at`)."""
    statement = (select(Case.unit_id, func.count())
                 .where(IS_OPEN, Case.due_at < now, where, in_period(period),
                        open_overdue_at(None, now=now))
                 .group_by(Case.unit_id))
    return {unit_id: int(count) for unit_id, count in db.session.execute(statement)}


def figures_by_unit(root: Unit | None, period: Period, *, now: datetime,
                    calendar: WorkingCalendar) -> dict[int | None, Figures]:
    """Every figure of each unit of a subtree (the city for None), by the unit that holds the cases:
    {unit id: Figures}; key None holds the city's cases not routed yet. One query per family."""
    where = _scope(root, True)
    return _assemble(
        case_counts(where, period, now=now, key=Case.unit_id),
        _event_counts(transfer_out_event(), _event_scope(root, True), period, CaseEvent.from_unit_id),
        _event_counts(extension_granted_event(), where, period, Case.unit_id),
        _handling_classes(where, period, Case.unit_id),
    )


# -- tables: the lines below a unit --------------------------------------------------------------


@dataclass
class Line:
    """One line of a compliance table: a unit below the root with its subtree, the root's own cases,
    or (city-wide) the cases not routed yet."""

    kind: str  # "unit" | "own" | "unrouted"
    unit: UnitRow | None
    figures: Figures
    has_children: bool = False

    @property
    def label(self) -> str:
        if self.kind == "unrouted":
            return "Chờ phân loại, chuyển đơn vị xử lý"
        if self.kind == "own":
            return f"{self.unit.name} (trực tiếp xử lý)"
        return self.unit.name


@dataclass
class Table:
    root: UnitRow | None  # the unit whose lines these are; None: the city
    lines: list[Line]
    total: Figures


def table_root(root: Unit | UnitRow | None, tree: UnitTree | None = None) -> Unit | UnitRow | None:
    """The unit a table opens on: the city's single top unit when the scope is the whole city."""
    if root is not None:
        return root
    tops = (tree or unit_tree.current()).children(None)
    return tops[0] if len(tops) == 1 else None


def table(scope: Unit | UnitRow | None, period: Period, *, now: datetime, calendar: WorkingCalendar | None = None,
          tree: UnitTree | None = None) -> Table:
    """The lines below a unit (or the city for None) with every figure: each child unit with its
    whole subtree, the unit's own cases, and city-wide the cases not routed yet. The total is the
    sum of the lines, which is the scope's own figures.

    Read from the roll-ups: one row per line (a child's subtree row; the unit's own cases are its
    subtree less its children's), and the open overdue cases counted by the unit holding them. The
    units come from the unit tree (`tree`, or the one in force), as plain rows."""
    tree = tree or unit_tree.current()
    root = table_root(scope, tree)
    if root is not None:
        root = tree.get(root.id) or root
    children = tree.children(root.id if root is not None else None)
    depth = len(_path_ids(root.path)) if root is not None else 0
    keys = [child.id for child in children] + ([root.id] if root is not None else [])
    if scope is None:
        keys.append(rollups.UNROUTED_KEY)
    sums = {key: Figures.from_rollup(values)
            for key, values in rollups.sums(keys, period.first, period.last, local_day(now)).items()}
    per_line: dict[int | None, Figures] = {child.id: sums.get(child.id, Figures()) for child in children}
    if root is not None:
        own = sums.get(root.id, Figures())
        for child in children:
            own = own - per_line[child.id]
        per_line[None] = own
    unrouted = sums.get(rollups.UNROUTED_KEY, Figures()) if scope is None else Figures()

    # Open and overdue now, by the line that holds each unit's cases.
    overdue = open_overdue_by_unit(_scope(scope, True), period, now=now)
    if overdue:
        for unit_id, count in overdue.items():
            if unit_id is UNROUTED:
                unrouted.open_overdue += count
                continue
            holder = tree.get(unit_id)
            ids = _path_ids(holder.path if holder is not None else "")
            line = ids[depth] if len(ids) > depth else None
            if line in per_line:
                per_line[line].open_overdue += count

    lines = []
    for child in children:
        figures = per_line[child.id]
        if not child.active and not figures.received and not figures.transferred_out:
            continue  # a retired unit with nothing in the period
        lines.append(Line("unit", child, figures, has_children=tree.has_children(child.id)))
    if root is not None and (per_line[None].received or per_line[None].transferred_out or per_line[None].open):
        lines.append(Line("own", root, per_line[None]))
    if scope is None and (unrouted.received or unrouted.open):
        lines.append(Line("unrouted", None, unrouted))
    total = Figures()
    for line in lines:
        total = total + line.figures
    # Units whose lines were skipped (retired, empty) add nothing, so the total stays the scope's.
    return Table(root=root, lines=lines, total=total)


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


# -- lists built on the same rules ---------------------------------------------------------------


@dataclass
class OverdueUnit:
    unit: Unit
    open_overdue: int


def overdue_units(scope: Unit | None, at: datetime | None, *, now: datetime) -> list[OverdueUnit]:
    """The units holding open overdue cases at a moment (now for None), most first: the list the
    City Office's letter names. Counts by the unit that holds each case (`open_overdue_at`)."""
    until = at or now
    statement = (select(Case.unit_id, _sum(open_overdue_at(at, now=now)).label("n"))
                 .where(_scope(scope, True), Case.unit_id.is_not(None), Case.received_at <= until)
                 .group_by(Case.unit_id))
    counts = {unit_id: int(n) for unit_id, n in db.session.execute(statement) if n}
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(list(counts))))}
    listed = [OverdueUnit(units[unit_id], n) for unit_id, n in counts.items()]
    listed.sort(key=lambda item: (-item.open_overdue, item.unit.name))
    return listed


def overdue_cases_where(scope: Unit | None, period: Period | None = None, *, now: datetime) -> ColumnElement[bool]:
    """The open overdue cases a unit's subtree holds now (the city's for None), of the period when one
    is given: the cases behind `open_overdue_at`, for lists and exports."""
    condition = and_(_scope(scope, True), open_overdue_at(None, now=now))
    return and_(condition, in_period(period)) if period is not None else condition


def overdue_cases(scope: Unit | None, period: Period | None = None, *, now: datetime) -> Select:
    """`overdue_cases_where` as a select of cases, oldest deadline first."""
    return select(Case).where(overdue_cases_where(scope, period, now=now)).order_by(Case.due_at, Case.id)


@dataclass
class WeekPoint:
    week: Period
    received: int
    answered: int
    open_overdue: int  # open and overdue at the week's end (or now, for the week in progress)


def weekly_trend(scope: Unit | None, weeks: Iterable[Period], *, now: datetime,
                 open_overdue_now: int | None = None) -> list[WeekPoint]:
    """By week: the week's cases received and how many of them are answered (from the day roll-ups),
    and the open overdue cases at the week's end: recorded once for a week that has ended
    (`open_overdue_at_day_ends`), counted now for the week in progress."""
    weeks = list(weeks)
    if not weeks:
        return []
    keys = _scope_keys(scope)
    days = rollups.daily(keys, weeks[0].first, weeks[-1].last, ["received", "answered"])
    received_at, answered_at = 0, 1
    ended = [week.last for week in weeks if day_start(week.last + timedelta(days=1)) <= now]
    recorded = open_overdue_at_day_ends(scope, ended, now=now)
    current = open_overdue_now  # the caller may have counted it already (the table since launch)
    points = []
    for week in weeks:
        inside = [values for day, values in days.items() if week.first <= day <= week.last]
        if week.last in recorded:
            overdue = recorded[week.last]
        else:
            if current is None:
                current = sum(open_overdue_by_unit(_scope(scope, True), Period(None, local_day(now)), now=now).values())
            overdue = current
        points.append(WeekPoint(week, sum(values[received_at] for values in inside),
                                sum(values[answered_at] for values in inside), overdue))
    return points


def _scope_keys(scope: Unit | None) -> list[int]:
    """The roll-up keys whose rows add up to a scope: its subtree, or the city's top units and the
    cases not routed yet."""
    if scope is not None:
        return [scope.id]
    return list(db.session.scalars(select(Unit.id).where(Unit.parent_id.is_(None)))) + [rollups.UNROUTED_KEY]


RECORDED_MARK = -1  # the snapshot key that says a day was recorded (its value: the city's total)


def open_overdue_at_day_ends(scope: Unit | None, days: list[date], *, now: datetime) -> dict[date, int]:
    """Quá hạn chưa xử lý at the end of each past day, for a scope: {day: count}.

    The end of a day is in the past and its count does not change with what happens later, so each
    day is counted once for every unit (the `open_overdue_at` rule, by the unit that holds each case,
    added up each subtree) and kept in `overdue_snapshots`: normally right after midnight by
    `flask figures snapshot`, or the first time a page needs a day that was not recorded. A deadline
    moved after the day does not change the day's count."""
    days = sorted(set(day for day in days if day_start(day + timedelta(days=1)) <= now))
    if not days:
        return {}
    keys = _scope_keys(scope)
    rows = db.session.execute(select(overdue_snapshots.c.day, overdue_snapshots.c.unit_id, overdue_snapshots.c.open_overdue)
                              .where(overdue_snapshots.c.day.in_(days),
                                     overdue_snapshots.c.unit_id.in_(keys + [RECORDED_MARK]))).all()
    recorded = {rollups._as_date(day) for day, unit_id, _ in rows if unit_id == RECORDED_MARK}
    missing = [day for day in days if day not in recorded]
    counts = {day: 0 for day in days}
    for day, unit_id, count in rows:
        if unit_id != RECORDED_MARK:
            counts[rollups._as_date(day)] += count
    for day, by_key in record_day_ends(missing, now=now).items():
        counts[day] = sum(by_key.get(key, 0) for key in keys)
    return counts


def record_day_end(day: date, *, now: datetime) -> dict[int, int]:
    """Count the open overdue cases at the end of a past day for every subtree and keep the counts
    (the first writer wins if two count the same day). Returns {key: count}."""
    return record_day_ends([day], now=now)[day]


def record_day_ends(days: list[date], *, now: datetime) -> dict[date, dict[int, int]]:
    """`record_day_end` for several days in one query (each case judged at each day's end by the
    `open_overdue_at` rule, read back from its events), the counts kept the same way. {day: {key: count}}."""
    days = sorted(set(days))
    if not days:
        return {}
    moments = [select(literal(day).label("day"), literal(day_start(day + timedelta(days=1)), UTCDateTime).label("moment"))
               for day in days]
    def unsettled(moment):
        # Answered or closed by then: not open at the moment (the rule's own first test), never counted.
        return ~func.coalesce(or_(and_(Case.state == "closed", Case.closed_at <= moment),
                                  and_(Case.state == "answered", Case.answered_at <= moment)), false())

    if db.engine.dialect.name == "postgresql":
        # For each case, the day ends after its deadline (LATERAL): one pass over the cases, where a plain
        # join read a range of the received_at index for each day end (46 s rather than a few at 1M cases).
        moments = [each.where(Case.received_at < each.selected_columns.moment, Case.due_at < each.selected_columns.moment,
                              unsettled(each.selected_columns.moment)).correlate(Case) for each in moments]
        day_ends = (moments[0].union_all(*moments[1:]) if len(moments) > 1 else moments[0]).lateral("day_ends")
        joined = true()
    else:
        day_ends = (moments[0].union_all(*moments[1:]) if len(moments) > 1 else moments[0]).subquery("day_ends")
        joined = and_(Case.received_at < day_ends.c.moment, Case.due_at < day_ends.c.moment, unsettled(day_ends.c.moment))
    moment = day_ends.c.moment
    # Answered or closed by its deadline: settled at every later moment, never open overdue (a shortcut
    # the rule itself would take, so it changes no count; it spares joining most cases to every day).
    settled_in_time = or_(and_(Case.state == "answered", Case.answered_at <= Case.due_at),
                          and_(Case.state == "closed", Case.closed_at <= Case.due_at))
    statement = (select(day_ends.c.day, Case.unit_id, _sum(open_overdue_at(moment, now=now)))
                 .select_from(Case)
                 .join(day_ends, joined)
                 .where(Case.due_at < literal(day_start(days[-1] + timedelta(days=1)), UTCDateTime),
                        ~func.coalesce(settled_in_time, false()))
                 .group_by(day_ends.c.day, Case.unit_id))
    by_day: dict[date, dict[int | None, int]] = {day: {} for day in days}
    for day, unit_id, count in db.session.execute(statement):
        if count:
            by_day[rollups._as_date(day)][unit_id] = int(count)
    paths = dict(db.session.execute(select(Unit.id, Unit.path)).all())
    recorded: dict[date, dict[int, int]] = {}
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    for day, by_unit in by_day.items():
        by_key: dict[int, int] = {}
        for unit_id, count in by_unit.items():
            for key in (_path_ids(paths[unit_id]) if unit_id in paths else [rollups.UNROUTED_KEY]):
                by_key[key] = by_key.get(key, 0) + count
        by_key[RECORDED_MARK] = sum(by_unit.values())
        recorded[day] = by_key
        # A statement a day: a few hundred rows each, within SQLite's limit of parameters.
        rows = [{"unit_id": key, "day": day, "open_overdue": count} for key, count in by_key.items()]
        db.session.execute(insert(overdue_snapshots).values(rows).on_conflict_do_nothing())
    db.session.commit()
    return recorded


@dataclass
class OverdueHolder:
    """A unit or a handler in the year-end list, with its overdue cases of the year."""

    key: int
    answered_late: int
    open_overdue: int

    @property
    def overdue(self) -> int:
        return self.answered_late + self.open_overdue


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def overdue_holders(scope: Unit | None, period: Period, *, now: datetime, by: str) -> list[OverdueHolder]:
    """For the year-end list: per unit (by="unit") or per handler (by="handler"), the period's cases
    answered late and those open and overdue now (the `answered_late` and `open_overdue_at` rules);
    only those with at least one, most first."""
    key = Case.unit_id if by == "unit" else Case.handler_id
    statement = (select(key, _sum(answered_late()).label("late"), _sum(open_overdue_at(None, now=now)).label("open"))
                 .where(_scope(scope, True), in_period(period), key.is_not(None)).group_by(key))
    holders = [OverdueHolder(int(row[0]), int(row.late), int(row.open)) for row in db.session.execute(statement)]
    holders = [holder for holder in holders if holder.overdue]
    holders.sort(key=lambda holder: (-holder.overdue, holder.key))
    return holders



@dataclass
class YearEndUnit:
    """A line of the year-end list: a unit with overdue cases in the year, or without its roster."""

    unit: Unit
    answered_late: int
    open_overdue: int
    # Whether the unit has not submitted its roster of handlers; None while roster data is not known.
    missing_roster: bool | None = None

    @property
    def overdue(self) -> int:
        return self.answered_late + self.open_overdue


def year_end_units(scope: Unit | None, year: int, *, now: datetime,
                   missing_roster: set[int] | None = None) -> list[YearEndUnit]:
    """The year-end list of units (Sở Nội vụ counts it in the units' ratings): every unit of the scope
    with cases of the year answered late or open and overdue now (`overdue_holders`), and, when the
    roster data is given (`missing_roster`: ids of the units that have not submitted their roster),
    every unit missing its roster too. Most overdue first."""
    holders = {holder.key: holder for holder in overdue_holders(scope, year_period(year), now=now, by="unit")}
    wanted = set(holders) | (set(missing_roster) if missing_roster is not None else set())
    if scope is not None and missing_roster is not None:
        inside = set(db.session.scalars(select(Unit.id).where(Unit.path.startswith(scope.path, autoescape=True))))
        wanted &= inside | set(holders)
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(list(wanted))))}
    lines = []
    for unit_id, unit in units.items():
        holder = holders.get(unit_id)
        lines.append(YearEndUnit(unit, holder.answered_late if holder else 0, holder.open_overdue if holder else 0,
                                 None if missing_roster is None else unit_id in missing_roster))
    lines.sort(key=lambda line: (-line.overdue, -(line.missing_roster or 0), line.unit.name))
    return lines


@dataclass
class YearEndHandler:
    handler: User
    answered_late: int
    open_overdue: int

    @property
    def overdue(self) -> int:
        return self.answered_late + self.open_overdue


def year_end_handlers(scope: Unit | None, year: int, *, now: datetime) -> list[YearEndHandler]:
    """The year-end list of handlers: each handler with cases of the year (held in the scope) that
    were answered late or are open and overdue now, most first."""
    holders = overdue_holders(scope, year_period(year), now=now, by="handler")
    users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_([h.key for h in holders])))}
    return [YearEndHandler(users[holder.key], holder.answered_late, holder.open_overdue)
            for holder in holders if holder.key in users]
