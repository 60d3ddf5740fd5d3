"""Bulk seeding for the benchmark: Hanoi's units, the demo accounts, and SCALE cases over a year.

Fast by construction: rows are generated in plain Python with the real working calendar for the
deadlines, then loaded with COPY on PostgreSQL (secondary indexes dropped and rebuilt around the
load, with their exact definitions) or one executemany transaction on SQLite.
"""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from portal import seed
from portal.domain import codes
from portal.domain.phones import phone_digits
from portal.domain.working_time import WorkingCalendar
from portal.extensions import db
from portal.models import Category, Unit
from portal.models.case import RATINGS

# The department whose queue the benchmark reads: 5,000 open cases, as the issue asks.
BACKLOG_UNIT = "SO-XD"
BACKLOG_OPEN = 5000
CASE_COLUMNS = (
    "id", "code", "source", "kind", "category_id", "priority", "title", "content", "address", "ward_id",
    "latitude", "longitude", "citizen_name", "citizen_phone", "citizen_phone_digits", "citizen_email",
    "unit_id", "handler_id", "state", "received_at", "assigned_at", "due_at", "paused_at", "answered_at",
    "closed_at", "answer", "rating", "reject_reason", "transfer_count", "extension_count", "updated_at", "version",
)
EVENT_COLUMNS = ("case_id", "at", "actor_id", "type", "from_state", "to_state", "from_unit_id", "to_unit_id", "note")


def seed_bulk(scale: int, now: datetime, *, rng_seed: int = 20251123, log=print) -> dict:
    """Load reference data, accounts and `scale` cases received over the year before `now`."""
    started = time.monotonic()
    rng = random.Random(rng_seed)
    units, handlers = seed.load_reference_and_accounts(rng)
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


def _generate(rng: random.Random, scale: int, now: datetime, units: dict[str, Unit], handlers):
    calendar = WorkingCalendar()
    categories = list(db.session.scalars(select(Category).order_by(Category.id)))
    weights = [14, 12, 12, 5, 8, 8, 9, 8, 4, 3, 5, 6, 3, 3][: len(categories)]
    wards = [unit for unit in units.values() if unit.kind == "ward"]
    ward_district = {ward.id: ward.parent_id for ward in wards}
    backlog_unit = units[BACKLOG_UNIT].id
    office_targets = [units[code].id for code in ("SO-XD", "SO-TNMT", "SO-GTVT")]
    stories = {
        category.id: [(title, content) for title, content in seed.STORIES[category.code]] for category in categories
    }
    start = now - timedelta(days=365)
    year_seconds = 365 * 86400
    used: set[str] = set()
    cases, events = [], []
    backlog_open = 0
    streets = seed.STREETS
    for case_id in range(1, scale + 1):
        category = rng.choices(categories, weights=weights)[0]
        ward = wards[int(rng.random() * len(wards))]
        priority = "normal" if rng.random() < 0.85 else ("complex" if rng.random() < 0.67 else "urgent")
        received = (start + timedelta(seconds=int(rng.random() * year_seconds)))
        if category.default_unit_code:
            unit_id = units[category.default_unit_code].id
        elif category.default_unit_kind == "ward":
            unit_id = ward.id
        elif category.default_unit_kind == "district":
            unit_id = ward_district[ward.id]
        else:
            unit_id = office_targets[case_id % 3]
        if category.code == "XD" and case_id % 2 == 0:
            unit_id = backlog_unit
        due = calendar.add_working_hours(received, category.urgent_hours) if priority == "urgent" else \
            calendar.add_working_days(received, category.complex_days if priority == "complex" else category.normal_days)
        code = codes.new_code(rng)
        while code in used:
            code = codes.new_code(rng)
        used.add(code)
        street = streets[case_id % len(streets)]
        place = ward.name[5:]
        title, content = stories[category.id][case_id % len(stories[category.id])]
        fill = {"street": street, "place": place, "n": case_id % 170 + 2}
        phone = "09" + f"{rng.randrange(100_000_000):08d}"
        staff = handlers.get(unit_id) or [None]
        handler_id = staff[case_id % len(staff)]
        routed_at = received + timedelta(minutes=30 + case_id % 240)
        taken_at = routed_at + timedelta(minutes=60 + case_id % 600)
        span = (due - received).total_seconds()
        if rng.random() < 0.035:
            answered_at = due + timedelta(hours=1 + rng.random() * 48)
        else:
            answered_at = received + timedelta(seconds=span * (0.3 + 0.69 * rng.random()))
        if unit_id == backlog_unit and backlog_open < BACKLOG_OPEN and received < now - timedelta(days=20) \
                and rng.random() < 0.25:
            answered_at = now + timedelta(days=30)  # stuck in the department's backlog
            backlog_open += 1
        row = {
            "id": case_id, "code": code, "source": "app" if case_id % 6 else "hotline", "kind": category.kind,
            "category_id": category.id, "priority": priority, "title": title.format(**fill),
            "content": content.format(**fill), "address": f"Số {fill['n']} {street}, {place}", "ward_id": ward.id,
            "latitude": 21.0 + (case_id % 1600) / 10000, "longitude": 105.75 + (case_id % 2000) / 10000,
            "citizen_name": f"{seed.SURNAMES[case_id % 20]} {seed.MIDDLE_NAMES[case_id % 15]} "
                            f"{seed.GIVEN_NAMES[case_id % 35]}",
            "citizen_phone": phone, "citizen_phone_digits": phone_digits(phone), "citizen_email": None,
            "unit_id": unit_id, "handler_id": None, "state": "assigned", "received_at": received,
            "assigned_at": routed_at, "due_at": due, "paused_at": None, "answered_at": None, "closed_at": None,
            "answer": None, "rating": None, "reject_reason": None, "transfer_count": 0, "extension_count": 0,
            "updated_at": routed_at, "version": 1,
        }
        events.append((case_id, received, None, "received", None, "received", None, None, None))
        if routed_at > now:
            row.update(state="received", unit_id=None, assigned_at=None, updated_at=received)
            cases.append(row)
            continue
        events.append((case_id, routed_at, None, "routed", "received", "assigned", None, unit_id, None))
        if taken_at <= now:
            row.update(state="in_progress", handler_id=handler_id, updated_at=taken_at)
            events.append((case_id, taken_at, handler_id, "taken", "assigned", "in_progress", None, None, None))
            if answered_at <= now:
                row.update(state="answered", answered_at=answered_at, answer=seed.ANSWERS[case_id % 3],
                           updated_at=answered_at)
                events.append((case_id, answered_at, handler_id, "answered", "in_progress", "answered",
                               None, None, None))
                rated_at = answered_at + timedelta(hours=2 + case_id % 90)
                if case_id % 8 < 5 and rated_at <= now:
                    rating = ("satisfied", "satisfied", "accepted", "satisfied", "unsatisfied",
                              "accepted", "satisfied", "satisfied")[case_id % 8 + (case_id // 8) % 4]
                    row.update(state="closed", rating=rating, closed_at=rated_at, updated_at=rated_at)
                    events.append((case_id, rated_at, None, "rated", "answered", "closed", None, None,
                                   RATINGS[rating]))
                elif answered_at + timedelta(days=7) <= now:
                    closed_at = answered_at + timedelta(days=7)
                    row.update(state="closed", closed_at=closed_at, updated_at=closed_at)
                    events.append((case_id, closed_at, None, "closed", "answered", "closed", None, None,
                                   "Hết thời hạn đánh giá"))
        cases.append(row)
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
        started = time.monotonic()
        with cursor.copy(f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
            for row in cases:
                copy.write_row([_utc(row[column]) for column in CASE_COLUMNS])
        with cursor.copy(f"COPY case_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for event in events:
                copy.write_row((event[0], _utc(event[1]), *event[2:]))
        log(f"  COPY in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        for table in saved:
            for _, definition in saved[table]:
                cursor.execute(definition)
        cursor.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
        cursor.execute("ANALYZE cases")
        cursor.execute("ANALYZE case_events")
        log(f"  indexes rebuilt and analyzed in {time.monotonic() - started:.1f} s")


def _insert_sqlite(cases, events) -> None:
    from portal.models import Case, CaseEvent
    from sqlalchemy import insert

    db.session.execute(insert(Case), cases)
    db.session.execute(insert(CaseEvent), [dict(zip(EVENT_COLUMNS, event)) for event in events])
    db.session.execute(text("ANALYZE"))


def _utc(value):
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value

