"""How many cases each unit holds in each state, kept current by the database: the queue's tab counts.

A department holds thousands of open cases; counting them by state on every opening of its queue
read some 900 index pages (about 1 ms of the database's time per request, at a million cases). The
database keeps the counts instead, in `queue_counts`: one row per unit (0 for the cases no unit holds
yet) and state, the number of cases.

Correct by construction, as the compliance roll-ups (`portal.domain.rollups`) are:
- Triggers on `cases` take a case away from its old (unit, state) row and add it to its new one on
  every insert, delete and update of `unit_id` or `state`, whoever writes (the workflow, a unit
  merge's bulk UPDATE, an import), inside the writer's transaction: the counts commit or roll back
  with the change. Each change is one statement touching its rows in key order, so two writers never
  wait for each other in a circle.
- `rebuild_sql()` recounts every row from the cases (after a bulk load made with the triggers off).
- The tests replay random histories through the workflow and compare the rows with a direct count.

Only the unfiltered queue reads these rows; a filter (overdue, mine, a text…) counts directly.
"""
from __future__ import annotations

from sqlalchemy import text

from portal.extensions import db

UNROUTED_KEY = 0  # the row key of the cases no unit holds yet


def _change(*signed: tuple[str, str]) -> str:
    """The statement that moves a case between rows: ("OLD", "-1") takes it from its old row, ("NEW", "1")
    adds it to its new one."""
    parts = " UNION ALL ".join(f"SELECT COALESCE({r}.unit_id, {UNROUTED_KEY}) AS unit_id, {r}.state AS state, "
                               f"{sign} AS cases" for r, sign in signed)
    return ("INSERT INTO queue_counts (unit_id, state, cases) "
            f"SELECT c.unit_id, c.state, SUM(c.cases) FROM ({parts}) AS c WHERE true GROUP BY c.unit_id, c.state "
            "ORDER BY c.unit_id, c.state "
            "ON CONFLICT (unit_id, state) DO UPDATE SET cases = queue_counts.cases + excluded.cases")


_MOVED = "NEW.unit_id IS NOT OLD.unit_id OR NEW.state IS NOT OLD.state"


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers keeping `queue_counts` current."""
    remove, add = ("OLD", "-1"), ("NEW", "1")
    if dialect == "postgresql":
        return [
            "CREATE FUNCTION portal_queue_counts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'INSERT' THEN {_change(add)}; "
            f"ELSIF TG_OP = 'DELETE' THEN {_change(remove)}; "
            f"ELSIF NEW.unit_id IS DISTINCT FROM OLD.unit_id OR NEW.state IS DISTINCT FROM OLD.state THEN "
            f"{_change(remove, add)}; END IF; "
            "RETURN NULL; END $$",
            "CREATE TRIGGER queue_counts_case AFTER INSERT OR DELETE OR UPDATE OF unit_id, state ON cases "
            "FOR EACH ROW EXECUTE FUNCTION portal_queue_counts()",
        ]
    return [
        f"CREATE TRIGGER queue_counts_insert AFTER INSERT ON cases BEGIN {_change(add)}; END",
        f"CREATE TRIGGER queue_counts_delete AFTER DELETE ON cases BEGIN {_change(remove)}; END",
        f"CREATE TRIGGER queue_counts_update AFTER UPDATE OF unit_id, state ON cases WHEN {_MOVED} BEGIN "
        f"{_change(remove, add)}; END",
    ]


def drop_trigger_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS queue_counts_case ON cases", "DROP FUNCTION IF EXISTS portal_queue_counts()"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in ("queue_counts_insert", "queue_counts_delete",
                                                          "queue_counts_update")]


def rebuild_sql() -> list[str]:
    """Recount every row from the cases."""
    return ["DELETE FROM queue_counts",
            f"INSERT INTO queue_counts (unit_id, state, cases) SELECT COALESCE(unit_id, {UNROUTED_KEY}), state, "
            f"COUNT(*) FROM cases GROUP BY COALESCE(unit_id, {UNROUTED_KEY}), state"]


def rebuild() -> None:
    """Recount `queue_counts` from the cases, in the caller's transaction."""
    for statement in rebuild_sql():
        db.session.execute(text(statement))
