"""How fresh a computed compliance page is: the mark it was computed at, read in one statement.

A page computed from the database may be kept and served again only while nothing it read has
changed. Two things change it:

- Writes. Triggers (migration 0011) bump `figure_marks.version` in the writer's own transaction,
  before the first row of any statement that writes cases, case events, units, inspections, the
  overdue snapshots or the roll-ups' recount, or renames a user (an inspection names who recorded it);
  `units_version` moves with the units alone. The row is updated, never appended to: every writer
  holds its lock until it commits, so writers commit in the order of their versions, and a version
  read under a snapshot counts every write that snapshot sees and no other. A writer still in
  progress has bumped a version nobody sees yet; once it commits, every reader sees a higher version
  than the one a page was computed at. (A sequence or the newest event id would not do: an id taken
  earlier may commit later, after a reader has read the newest one.) SQLite has one writer at a time,
  and its triggers bump the row for each row written.
- The clock. Whether an open case is overdue changes when its deadline passes, without any write:
  figures computed at a moment hold until the next deadline of an open case of their scope (the
  earliest `due_at` not yet passed, `next_deadline`), after which open-and-overdue is out of date.

The mark is read before anything the page computes, so what the page shows is at least as new as the
mark (a write committed in between only makes the page newer and the next mark higher); the next
deadline may be read after the figures: a write in between moves the mark, and the kept page with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text

from portal.domain import rollups
from portal.extensions import db
from portal.models import Case, Unit, figure_marks

MARK_ROW = 1

# Every table whose rows the compliance pages read, and the writes that bump the mark.
WATCHED_WRITES = {
    "cases": ("INSERT", "UPDATE", "DELETE"),
    "case_events": ("INSERT",),  # append-only: the database refuses the rest
    "units": ("INSERT", "UPDATE", "DELETE"),
    "inspections": ("INSERT", "UPDATE", "DELETE"),
    "overdue_snapshots": ("INSERT", "UPDATE", "DELETE"),
    # The recount (`rollups.rebuild`) starts by emptying the roll-ups; the triggers on cases and
    # case_events cover every other change to them.
    "figure_rollups": ("DELETE",),
    "users": ("UPDATE OF full_name",),
}


@dataclass(frozen=True)
class Mark:
    version: int  # every write the pages read
    units_version: int  # the units' tree


# Built once: SQLAlchemy keeps the compiled statement, psycopg prepares it.
_VERSION = select(figure_marks.c.version).where(figure_marks.c.id == MARK_ROW).scalar_subquery()
_UNITS_VERSION = select(figure_marks.c.units_version).where(figure_marks.c.id == MARK_ROW).scalar_subquery()
_MARK = select(_VERSION, _UNITS_VERSION)


def read() -> Mark:
    """The mark now, in one statement (no row yet, on an empty database: version 0)."""
    version, units_version = db.session.connection().execute(_MARK).one()
    return Mark(version or 0, units_version or 0)


def next_deadline(scope, now: datetime) -> datetime | None:
    """The earliest deadline not passed yet (at or after `now`) of an open case a unit's subtree holds
    (any open case, routed or not, for None): until then, no open case of the scope turns overdue.
    The open states are written out as in the partial index `ix_cases_open_due`, so the planner
    walks it from `now` (a parameter list would not match the index's condition)."""
    statement = select(func.min(Case.due_at)).where(text(f"cases.state IN {rollups.OPEN}"), Case.due_at >= now)
    if scope is not None:
        statement = statement.where(Case.unit_id.in_(
            select(Unit.id).where(Unit.path.startswith(scope.path, autoescape=True))))
    return db.session.scalar(statement)


def bump() -> None:
    """Move the mark by hand, in the caller's transaction (the triggers do it for ordinary writes)."""
    db.session.execute(text(_BUMP_SQL.format(units="0")))


_BUMP_SQL = ("INSERT INTO figure_marks (id, version, units_version) VALUES (1, 1, {units}) "
             "ON CONFLICT (id) DO UPDATE SET version = figure_marks.version + 1, "
             "units_version = figure_marks.units_version + {units}")


def _trigger_name(table: str, event: str) -> str:
    return f"figure_marks_{table}_{event.split()[0].lower()}"


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers bumping the mark.

    PostgreSQL: once per statement, BEFORE it writes a row, so a writer takes the mark's row lock
    before any roll-up row its row triggers lock next (every writer locks in the same order)."""
    if dialect == "postgresql":
        statements = [
            "CREATE FUNCTION portal_figure_marks() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + _BUMP_SQL.format(units="CASE WHEN TG_TABLE_NAME = 'units' THEN 1 ELSE 0 END")
            + "; RETURN NULL; END $$"]
        for table, events in WATCHED_WRITES.items():
            statements.append(f"CREATE TRIGGER figure_marks_{table} BEFORE {' OR '.join(events)} ON {table} "
                              "FOR EACH STATEMENT EXECUTE FUNCTION portal_figure_marks()")
        return statements
    statements = []
    for table, events in WATCHED_WRITES.items():
        units = "1" if table == "units" else "0"
        for event in events:
            statements.append(f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} "
                              f"BEGIN {_BUMP_SQL.format(units=units)}; END")
    return statements


def drop_trigger_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS figure_marks_{table} ON {table}" for table in WATCHED_WRITES] + [
            "DROP FUNCTION IF EXISTS portal_figure_marks()"]
    return [f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}"
            for table, events in WATCHED_WRITES.items() for event in events]
