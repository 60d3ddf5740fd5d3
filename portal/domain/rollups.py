"""Per-unit, per-day compliance figures, kept current by the database in the transaction of each change.

The city's table cannot count a million cases on every request, so the database keeps the counts:
`figure_rollups` holds, for every unit *and its whole subtree* and every day (grain "d") and month
(grain "m") on which cases were received, the counts `portal.domain.figures` defines: received,
answered, on time, late, open, paused, rejected, ratings, extensions granted, transfers out, and the
answered cases by handling time in whole working days (the classes the median is read from).

Correct by construction:
- Triggers on `cases` subtract a case's old contribution and add its new one on every insert, update
  and delete, whoever writes (the workflow, a unit merge's bulk UPDATE, an import); a trigger on
  `case_events` counts each transfer out. They run inside the writer's transaction, so the counts
  commit or roll back with the change that made them.
- A case's contribution is one set of SQL expressions (`CASE_COLUMNS`), used by the triggers and by
  `rebuild()`, which recounts everything from the cases (after a bulk load with triggers off, or when
  units move in the tree: rows are kept per subtree).
- The tests replay random event sequences and compare every row with a direct count.

Open and overdue cases are not rolled up: whether a case is overdue changes with the clock, not with
an event. They are few, and counted directly through a partial index (`ix_cases_open_due`).

Days are Hanoi's: received_at is stored in UTC and Vietnam has kept UTC+7 without daylight saving
since 1975, so the local day is the UTC moment plus seven hours.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text

from portal.extensions import db

ANSWERED = "('answered', 'closed')"
OPEN = "('received', 'assigned', 'in_progress', 'paused')"
TRANSFER_OUT = "('transferred', 'returned')"
SECONDS_PER_DAY = 8 * 3600  # a working day: 07:30–11:30 and 13:30–17:30 (WorkingHours)
# Handling time classes: whole working days 0, 1, …, 29, and 30 or more.
HANDLING_CLASSES = 31
UNROUTED_KEY = 0  # the row key of the cases no unit holds yet


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _handling_class(r: str) -> str:
    return (f"CASE WHEN {r}.handling_seconds >= {SECONDS_PER_DAY * (HANDLING_CLASSES - 1)} THEN {HANDLING_CLASSES - 1}"
            f" ELSE {r}.handling_seconds / {SECONDS_PER_DAY} END")


def count_columns() -> list[str]:
    return COUNT_NAMES + [f"handled_{k:02d}" for k in range(HANDLING_CLASSES)]


COUNT_NAMES = ["received", "answered", "answered_on_time", "answered_late", "open", "paused", "rejected",
               "rated_satisfied", "rated_accepted", "rated_unsatisfied", "extensions_granted", "transferred_out"]


def case_columns(r: str) -> list[str]:
    """A case's contribution to its rows, as SQL over the row alias `r` (a table alias, NEW or OLD),
    in `count_columns()` order: the figures' rules of `portal.domain.figures`, written once."""
    answered = f"{r}.state IN {ANSWERED}"
    late = f"{answered} AND {r}.answered_at IS NOT NULL AND {r}.due_at IS NOT NULL AND {r}.answered_at > {r}.due_at"
    on_time = f"{answered} AND ({r}.answered_at IS NULL OR {r}.due_at IS NULL OR {r}.answered_at <= {r}.due_at)"
    columns = [
        "1",
        _flag(answered),
        _flag(on_time),
        _flag(late),
        _flag(f"{r}.state IN {OPEN}"),
        _flag(f"{r}.state = 'paused'"),
        _flag(f"{r}.state = 'rejected'"),
        _flag(f"{r}.rating = 'satisfied'"),
        _flag(f"{r}.rating = 'accepted'"),
        _flag(f"{r}.rating = 'unsatisfied'"),
        f"{r}.extension_count",
        "0",  # transfers out are counted from the events
    ]
    measured = f"{answered} AND {r}.handling_seconds IS NOT NULL"
    columns += [_flag(f"{measured} AND {_handling_class(r)} = {k}") for k in range(HANDLING_CLASSES)]
    return columns


def _days(dialect: str, moment: str) -> tuple[str, str]:
    """The local day and the first day of its month, as SQL, of a UTC moment column."""
    if dialect == "postgresql":
        local = f"({moment} + INTERVAL '7 hours')"
        return f"CAST({local} AS DATE)", f"CAST(date_trunc('month', {local}) AS DATE)"
    return f"date({moment}, '+7 hours')", f"date({moment}, '+7 hours', 'start of month')"


def _ancestors(unit: str) -> str:
    """The unit and every unit above it (its subtree rows), or the unrouted key for no unit."""
    return (f"SELECT a.id AS unit_id FROM units x JOIN units a ON substr(x.path, 1, length(a.path)) = a.path "
            f"WHERE x.id = {unit} UNION ALL SELECT {UNROUTED_KEY} WHERE {unit} IS NULL")


def _contribution(dialect: str, unit: str, moment: str, values: list[str]) -> str:
    """The rows one contribution touches (the unit's subtrees × its day and month), as a SELECT."""
    day, month = _days(dialect, moment)
    names = count_columns()
    return (f"SELECT k.unit_id AS unit_id, g.grain AS grain, g.day AS day, "
            f"{', '.join(f'{value} AS {name}' for value, name in zip(values, names))} "
            f"FROM ({_ancestors(unit)}) AS k "
            f"CROSS JOIN (SELECT 'd' AS grain, {day} AS day UNION ALL SELECT 'm', {month}) AS g")


def _upsert(parts: list[str]) -> str:
    """Add some contributions to their rows in one statement, each row once and in key order: every
    writer locks the rows it changes in the same order, so two writers never wait for each other in a
    circle (a case routed from the unrouted line while another is returned to it, say)."""
    names = count_columns()
    updates = ", ".join(f"{name} = figure_rollups.{name} + excluded.{name}" for name in names)
    return (f"INSERT INTO figure_rollups (unit_id, grain, day, {', '.join(names)}) "
            f"SELECT c.unit_id, c.grain, c.day, {', '.join(f'SUM(c.{name})' for name in names)} "
            f"FROM ({' UNION ALL '.join(parts)}) AS c WHERE true GROUP BY c.unit_id, c.grain, c.day "
            f"ORDER BY c.unit_id, c.grain, c.day ON CONFLICT (unit_id, grain, day) DO UPDATE SET {updates}")


def _case_part(dialect: str, r: str, sign: str) -> str:
    return _contribution(dialect, f"{r}.unit_id", f"{r}.received_at", [f"{sign}({value})" for value in case_columns(r)])


def _case_upsert(dialect: str, *signed: tuple[str, str]) -> str:
    """The statement that moves a case's contribution: ("OLD", "-") takes the old one away, ("NEW", "+")
    adds the new one; an update does both at once."""
    return _upsert([_case_part(dialect, r, sign) for r, sign in signed])


def _transfer_upsert(dialect: str) -> str:
    values = ["0"] * len(count_columns())
    values[COUNT_NAMES.index("transferred_out")] = "1"
    received = "(SELECT c.received_at FROM cases c WHERE c.id = NEW.case_id)"
    return _upsert([_contribution(dialect, "NEW.from_unit_id", received, values)])


# The columns whose change moves a case's contribution.
WATCHED = "unit_id, state, received_at, answered_at, due_at, rating, extension_count, handling_seconds"


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers keeping `figure_rollups` current."""
    transfer = f"NEW.type IN {TRANSFER_OUT} AND NEW.from_unit_id IS NOT NULL"
    if dialect == "postgresql":
        return [
            "CREATE FUNCTION portal_figures_case() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {_case_upsert(dialect, ('NEW', '+'))}; "
            f"ELSIF TG_OP = 'DELETE' THEN {_case_upsert(dialect, ('OLD', '-'))}; "
            f"ELSE {_case_upsert(dialect, ('OLD', '-'), ('NEW', '+'))}; END IF; "
            "RETURN NULL; END $$",
            "CREATE TRIGGER figures_case AFTER INSERT OR DELETE OR UPDATE OF " + WATCHED +
            " ON cases FOR EACH ROW EXECUTE FUNCTION portal_figures_case()",
            "CREATE FUNCTION portal_figures_transfer() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_transfer_upsert(dialect)}; RETURN NULL; END $$",
            f"CREATE TRIGGER figures_transfer AFTER INSERT ON case_events FOR EACH ROW WHEN ({transfer}) "
            "EXECUTE FUNCTION portal_figures_transfer()",
        ]
    return [
        f"CREATE TRIGGER figures_case_insert AFTER INSERT ON cases BEGIN {_case_upsert(dialect, ('NEW', '+'))}; END",
        f"CREATE TRIGGER figures_case_delete AFTER DELETE ON cases BEGIN {_case_upsert(dialect, ('OLD', '-'))}; END",
        f"CREATE TRIGGER figures_case_update AFTER UPDATE OF {WATCHED} ON cases BEGIN "
        f"{_case_upsert(dialect, ('OLD', '-'), ('NEW', '+'))}; END",
        f"CREATE TRIGGER figures_transfer AFTER INSERT ON case_events WHEN {transfer} BEGIN "
        f"{_transfer_upsert(dialect)}; END",
    ]


def drop_trigger_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS figures_case ON cases", "DROP TRIGGER IF EXISTS figures_transfer ON case_events",
                "DROP FUNCTION IF EXISTS portal_figures_case()", "DROP FUNCTION IF EXISTS portal_figures_transfer()"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in
            ("figures_case_insert", "figures_case_delete", "figures_case_update", "figures_transfer")]


def rebuild_sql(dialect: str) -> list[str]:
    """Recount every row from the cases and events: the leaves first, then each subtree and grain."""
    names = count_columns()
    day, month = _days(dialect, "c.received_at")
    per_case = ", ".join(f"SUM({value}) AS {name}" for value, name in zip(case_columns("c"), names))
    transfers = ", ".join("COUNT(*)" if name == "transferred_out" else "0" for name in names)
    leaves = (f"SELECT c.unit_id AS unit_id, {day} AS day, {month} AS month, {per_case} "
              f"FROM cases c GROUP BY c.unit_id, {day}, {month} "
              f"UNION ALL SELECT e.from_unit_id, {day}, {month}, {transfers} "
              f"FROM case_events e JOIN cases c ON c.id = e.case_id "
              f"WHERE e.type IN {TRANSFER_OUT} AND e.from_unit_id IS NOT NULL GROUP BY e.from_unit_id, {day}, {month}")
    ancestors = "SELECT x.id AS unit_id, a.id AS ancestor FROM units x JOIN units a ON substr(x.path, 1, length(a.path)) = a.path"
    sums = ", ".join(f"SUM(l.{name})" for name in names)
    return [
        "DELETE FROM figure_rollups",
        f"INSERT INTO figure_rollups (unit_id, grain, day, {', '.join(names)}) "
        f"SELECT COALESCE(k.ancestor, {UNROUTED_KEY}), g.grain, CASE WHEN g.grain = 'd' THEN l.day ELSE l.month END, "
        f"{sums} FROM ({leaves}) AS l LEFT JOIN ({ancestors}) AS k ON k.unit_id = l.unit_id "
        f"CROSS JOIN (SELECT 'd' AS grain UNION ALL SELECT 'm') AS g "
        f"WHERE l.unit_id IS NULL OR k.ancestor IS NOT NULL GROUP BY 1, 2, 3",
    ]


def rebuild() -> None:
    """Recount `figure_rollups` from the cases, in the caller's transaction: after a bulk load made
    with the triggers off, and whenever units move in the tree (rows are kept per subtree)."""
    for statement in rebuild_sql(db.engine.dialect.name):
        db.session.execute(text(statement))


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spans:
    """The rows that add up to a period: whole months, and the days at either end."""

    months: tuple[date, date] | None
    days: tuple[tuple[date, date], ...]


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def spans(first: date | None, last: date, today: date) -> Spans:
    """Split [first, last] into whole months and loose days. A month that reaches today counts whole:
    no case is received after today."""
    first = first or date(1970, 1, 1)
    start = first if first.day == 1 else _next_month(first)
    # The last month taken whole: the one ending by `last`, or the month of `last` when it reaches today.
    end = _month_start(last) if (_next_month(last) - timedelta(days=1) == last or last >= today) \
        else _month_start(_month_start(last) - timedelta(days=1))
    if start > end:
        return Spans(None, ((first, last),))
    days = []
    if first < start:
        days.append((first, start - timedelta(days=1)))
    after = _next_month(end)
    if after <= last:
        days.append((after, last))
    return Spans((start, end), tuple(days))


def sums(unit_keys: list[int], first: date | None, last: date, today: date) -> dict[int, list[int]]:
    """The summed rows of each unit key over the period: {key: counts in `count_columns()` order}."""
    if not unit_keys:
        return {}
    chosen = spans(first, last, today)
    names = count_columns()
    conditions, params = [], {}
    if chosen.months:
        conditions.append("(grain = 'm' AND day BETWEEN :m0 AND :m1)")
        params.update(m0=chosen.months[0], m1=chosen.months[1])
    for index, (start, end) in enumerate(chosen.days):
        conditions.append(f"(grain = 'd' AND day BETWEEN :d{index}a AND :d{index}b)")
        params.update({f"d{index}a": start, f"d{index}b": end})
    keys = ", ".join(str(int(key)) for key in unit_keys)
    statement = (f"SELECT unit_id, {', '.join(f'SUM({name})' for name in names)} FROM figure_rollups "
                 f"WHERE unit_id IN ({keys}) AND ({' OR '.join(conditions)}) GROUP BY unit_id")
    return {row[0]: [int(value or 0) for value in row[1:]] for row in db.session.execute(text(statement), params)}


def monthly(unit_key: int, months: list[date]) -> dict[date, list[int]]:
    """The month rows of one unit key: {first day of the month: counts}."""
    if not months:
        return {}
    names = count_columns()
    statement = (f"SELECT day, {', '.join(names)} FROM figure_rollups WHERE unit_id = :unit AND grain = 'm' "
                 f"AND day BETWEEN :first AND :last")
    rows = db.session.execute(text(statement), {"unit": unit_key, "first": min(months), "last": max(months)})
    return {_as_date(row[0]): [int(value) for value in row[1:]] for row in rows}


def daily(unit_keys: list[int], first: date, last: date, names: list[str] | None = None) -> dict[date, list[int]]:
    """The day rows of some unit keys added together: {day: counts} of the named columns (all of
    `count_columns()` for None), in that order."""
    names = names or count_columns()
    keys = ", ".join(str(int(key)) for key in unit_keys)
    statement = (f"SELECT day, {', '.join(f'SUM({name})' for name in names)} FROM figure_rollups "
                 f"WHERE unit_id IN ({keys}) AND grain = 'd' AND day BETWEEN :first AND :last GROUP BY day")
    rows = db.session.execute(text(statement), {"first": first, "last": last})
    return {_as_date(row[0]): [int(value or 0) for value in row[1:]] for row in rows}


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
