"""Bulk seeding for the benchmark: Hanoi's units, the demo accounts, and SCALE cases over a year.

Fast by construction: rows are generated in plain Python with the real working calendar for the
deadlines, then loaded with COPY on PostgreSQL (secondary indexes dropped and rebuilt around the
load, with their exact definitions) or one executemany transaction on SQLite.
"""
from __future__ import annotations

import bisect
import itertools
import random
import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from portal import seed
from portal.domain import codes, rollups, search
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import Category, Unit, User
from portal.models.case import RATINGS

# The department whose queue the benchmark reads: 5,000 open cases, as the issue asks.
BACKLOG_UNIT = "SO-XD"
BACKLOG_OPEN = 5000
CASE_COLUMNS = (
    "id", "code", "source", "kind", "category_id", "priority", "title", "content", "address", "ward_id",
    "latitude", "longitude", "citizen_name", "citizen_phone", "citizen_phone_digits", "citizen_email",
    "unit_id", "handler_id", "state", "received_at", "assigned_at", "due_at", "paused_at", "answered_at",
    "closed_at", "answer", "rating", "reject_reason", "transfer_count", "extension_count", "updated_at", "version",
    "handling_seconds",
)
# Shares among rated cases, like the demo: mostly hài lòng.
RATING_CYCLE = ("satisfied", "satisfied", "accepted", "satisfied", "unsatisfied", "accepted", "satisfied", "satisfied")
EVENT_COLUMNS = ("case_id", "at", "actor_id", "type", "from_state", "to_state", "from_unit_id", "to_unit_id", "note")


def seed_bulk(scale: int, now: datetime, *, rng_seed: int = 20251123, log=print) -> dict:
    """Load reference data, accounts and `scale` cases received over the year before `now`."""
    started = time.monotonic()
    rng = random.Random(rng_seed)
    units, handlers = seed.load_reference_and_accounts(rng)
    # The benchmark reads the department's queue as one of its handlers.
    department_handler = User(username="bench.department", full_name="Cán bộ Sở Xây dựng", role="handler",
                              unit=units[BACKLOG_UNIT], password_hash=generate_password_hash(seed.DEMO_PASSWORD))
    db.session.add(department_handler)
    db.session.flush()
    handlers.setdefault(units[BACKLOG_UNIT].id, []).append(department_handler.id)
    db.session.commit()
    cases, events = _generate(rng, scale, now, units, handlers)
    generated = time.monotonic()
    log(f"  generated {len(cases):,} cases and {len(events):,} events in {generated - started:.1f} s")
    if db.engine.dialect.name == "postgresql":
        _copy_postgresql(cases, events, log)
    else:
        _insert_sqlite(cases, events)
    db.session.commit()
    seconds = time.monotonic() - started
    log(f"  loaded in {time.monotonic() - generated:.1f} s; seed total {seconds:.1f} s")
    return {"cases": len(cases), "events": len(events), "seed_seconds": round(seconds, 1)}


def _code(case_id: int) -> str:
    """A unique code per id: an odd multiplier is a bijection modulo 2**40, spread over 8 base-32 symbols."""
    scrambled = (case_id * 0x9E3779B97F4A7C15 + 0x632BE5AB) % (1 << 40)
    symbols = [codes.ALPHABET[(scrambled >> (5 * position)) & 31] for position in range(8)]
    return "".join(symbols[:4]) + "-" + "".join(symbols[4:])


def _generate(rng: random.Random, scale: int, now: datetime, units: dict[str, Unit], handlers):
    """Cases (tuples in CASE_COLUMNS order) and events (tuples in EVENT_COLUMNS order)."""
    calendar = WorkingCalendar()
    categories = [
        (c.id, c.code, c.kind, c.default_unit_code, c.default_unit_kind, c.urgent_hours, c.normal_days,
         c.complex_days, seed.STORIES[c.code])
        for c in db.session.scalars(select(Category).order_by(Category.id))
    ]
    cumulative = list(itertools.accumulate([14, 12, 12, 5, 8, 8, 9, 8, 4, 3, 5, 6, 3, 3][: len(categories)]))
    total_weight = cumulative[-1]
    wards = [(unit.id, unit.parent_id, unit.name[5:]) for unit in units.values() if unit.kind == "ward"]
    fixed_units = {code: unit.id for code, unit in units.items()}
    backlog_unit = units[BACKLOG_UNIT].id
    office_targets = [units[code].id for code in ("SO-XD", "SO-TNMT", "SO-GTVT")]
    start = now - timedelta(days=365)
    year_seconds = 365 * 86400
    streets = seed.STREETS
    cases, events = [], []
    add_event = events.append
    backlog_open = 0
    backlog_since = now - timedelta(days=20)
    random_ = rng.random
    for case_id in range(1, scale + 1):
        (category_id, category_code, kind, fixed_code, unit_kind, urgent_hours, normal_days, complex_days,
         stories) = categories[bisect.bisect(cumulative, random_() * total_weight)]
        ward_id, district_id, place = wards[int(random_() * len(wards))]
        draw = random_()
        priority = "normal" if draw < 0.85 else ("complex" if draw < 0.95 else "urgent")
        received = start + timedelta(seconds=int(random_() * year_seconds))
        if fixed_code:
            unit_id = fixed_units[fixed_code]
        elif unit_kind == "ward":
            unit_id = ward_id
        elif unit_kind == "district":
            unit_id = district_id
        else:
            unit_id = office_targets[case_id % 3]
        if category_code == "XD" and case_id % 2 == 0:
            unit_id = backlog_unit
        if priority == "urgent":
            due = calendar.add_working_hours(received, urgent_hours)
        else:
            due = calendar.add_working_days(received, complex_days if priority == "complex" else normal_days)
        street = streets[case_id % len(streets)]
        title, content = stories[case_id % len(stories)]
        number = case_id % 170 + 2
        phone = f"09{int(random_() * 100_000_000):08d}"
        staff = handlers.get(unit_id) or (None,)
        handler_id = staff[case_id % len(staff)]
        routed_at = received + timedelta(minutes=30 + case_id % 240)
        taken_at = routed_at + timedelta(minutes=60 + case_id % 600)
        if random_() < 0.035:
            answered_at = due + timedelta(hours=1 + random_() * 48)
        else:
            answered_at = received + (due - received) * (0.3 + 0.69 * random_())
        if unit_id == backlog_unit and backlog_open < BACKLOG_OPEN and received < backlog_since and random_() < 0.25:
            answered_at = now + timedelta(days=30)  # stuck in the department's backlog
            backlog_open += 1
        state, handler, answered, answer, rating, closed_at, updated_at = (
            "assigned", None, None, None, None, None, routed_at)
        add_event((case_id, received, None, "received", None, "received", None, None, None))
        if routed_at > now:
            state, unit_id, assigned_at, updated_at = "received", None, None, received
        else:
            assigned_at = routed_at
            add_event((case_id, routed_at, None, "routed", "received", "assigned", None, unit_id, None))
            if taken_at <= now:
                state, handler, updated_at = "in_progress", handler_id, taken_at
                add_event((case_id, taken_at, handler_id, "taken", "assigned", "in_progress", None, None, None))
                if answered_at <= now:
                    state, answered, answer, updated_at = "answered", answered_at, seed.ANSWERS[case_id % 3], answered_at
                    add_event((case_id, answered_at, handler_id, "answered", "in_progress", "answered",
                               None, None, None))
                    rated_at = answered_at + timedelta(hours=2 + case_id % 90)
                    if case_id % 8 < 5 and rated_at <= now:
                        rating = RATING_CYCLE[(case_id + case_id // 8) % len(RATING_CYCLE)]
                        state, closed_at, updated_at = "closed", rated_at, rated_at
                        add_event((case_id, rated_at, None, "rated", "answered", "closed", None, None,
                                   RATINGS[rating]))
                    elif answered_at + timedelta(days=7) <= now:
                        state = "closed"
                        closed_at = updated_at = answered_at + timedelta(days=7)
                        add_event((case_id, closed_at, None, "closed", "answered", "closed", None, None,
                                   "Hết thời hạn đánh giá"))
        fill = {"street": street, "place": place, "n": number}
        cases.append((
            case_id, _code(case_id), "app" if case_id % 6 else "hotline", kind, category_id, priority,
            title.format(**fill), content.format(**fill), f"Số {number} {street}, {place}", ward_id,
            21.0 + (case_id % 1600) / 10000, 105.75 + (case_id % 2000) / 10000,
            f"{seed.SURNAMES[case_id % 20]} {seed.MIDDLE_NAMES[case_id % 15]} {seed.GIVEN_NAMES[case_id % 35]}",
            phone, phone, None, unit_id, handler, state, received, assigned_at, due, None, answered, closed_at,
            answer, rating, None, 0, 0, updated_at, 1,
            max(0, int(calendar.working_seconds_between(received, answered))) if answered else None,
        ))
    return cases, events


def _copy_postgresql(cases, events, log) -> None:
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor:
        saved = {}
        for table in ("cases", "case_events"):
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = %s AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", (table,))
            saved[table] = cursor.fetchall()
            for name, _ in saved[table]:
                cursor.execute(f'DROP INDEX "{name}"')
        # Rows are generated consistent; skip per-row foreign-key triggers as pg_restore does.
        cursor.execute("SET session_replication_role = replica")
        started = time.monotonic()
        with cursor.copy(f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
            for chunk in _chunks(cases):
                copy.write(_copy_text(chunk))
        with cursor.copy(f"COPY case_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for chunk in _chunks(events):
                copy.write(_copy_text(chunk))
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
        # The search index's GIN indexes, built in one pass after the vectors (as search.rebuild does).
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case_search' "
                       "AND indexname LIKE 'ix_case_search_%'")
        search_indexes = cursor.fetchall()
        for name, _ in search_indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    db.session.commit()
    log(f"  COPY in {time.monotonic() - started:.1f} s")
    # What the bypassed triggers keep, and the indexes, built from the loaded rows on both cores at once.
    started = time.monotonic()
    # The search vectors are the heaviest part (unaccent and a regular expression per case): half each,
    # by id parity, next to the indexes and roll-ups.
    jobs = [
        ("search index (odd ids)", [search.REBUILD_POSTGRESQL_SQL + " WHERE id % 2 = 1"]),
        ("search index (even ids)", [search.REBUILD_POSTGRESQL_SQL + " WHERE id % 2 = 0"]),
        ("indexes, compliance roll-ups", [definition for table in saved for _, definition in saved[table]]
         + rollups.rebuild_sql("postgresql")
         # VACUUM sets the visibility map, so the covering indexes answer without reading the table.
         + ["VACUUM (ANALYZE) cases", "VACUUM (ANALYZE) case_events", "VACUUM (ANALYZE) figure_rollups"]),
    ]
    engine, failures = db.engine, []  # the engine outside the app context, for the threads
    threads = [threading.Thread(target=_run_statements, args=(engine, name, statements, log, failures))
               for name, statements in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"bulk seeding failed: {failures}")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SET maintenance_work_mem = '256MB'"))
        for _, definition in search_indexes:
            connection.execute(text(definition))
        connection.execute(text("VACUUM (ANALYZE) case_search"))
    log(f"  search index, indexes and roll-ups built in {time.monotonic() - started:.1f} s")


def _run_statements(engine, name: str, statements: list[str], log, failures: list) -> None:
    started = time.monotonic()
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for statement in statements:
                connection.execute(text(statement))
    except Exception as error:  # reported by the main thread
        failures.append(f"{name}: {error}")
        return
    log(f"    {name}: {time.monotonic() - started:.1f} s")


def _chunks(rows, size=20000):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return str(value.astimezone(timezone.utc).replace(tzinfo=None))
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def _copy_text(rows) -> bytes:
    """Rows in COPY's text format."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows).encode()


def _insert_sqlite(cases, events) -> None:
    from sqlalchemy import insert

    from portal.models import Case, CaseEvent

    db.session.execute(insert(Case), [dict(zip(CASE_COLUMNS, row)) for row in cases])
    db.session.execute(insert(CaseEvent), [dict(zip(EVENT_COLUMNS, event)) for event in events])
    db.session.execute(text("ANALYZE"))
