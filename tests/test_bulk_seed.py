"""The benchmark's bulk seed writes what the portal's own paths would: the search index rows the
trigger writes, cases whose state is their events' last, and the week ends the trend records."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from bench import bulk_seed
from portal.domain import figures, search
from portal.extensions import db
from portal.models import Case, CaseEvent, overdue_snapshots
from tests.conftest import IS_POSTGRES

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)  # a Monday, 14:00 in Hanoi
SCALE = 1200


@pytest.fixture
def seeded(app, monkeypatch):
    # Small chunks, so both generating processes write several and the COPYs interleave them.
    monkeypatch.setattr(bulk_seed, "CHUNK_CASES", 150)
    made = bulk_seed.seed_bulk(SCALE, NOW, log=lambda line: None)
    db.session.remove()
    return made


def _search_rows() -> tuple[list, list]:
    rows = db.session.execute(text(
        "SELECT case_id, name_vector::text, text_vector::text FROM case_search ORDER BY case_id")).all()
    words = db.session.scalars(text("SELECT word FROM case_search_name_words ORDER BY word")).all()
    return rows, words


@pytest.mark.skipif(not IS_POSTGRES, reason="the search rows are written by the seed only on PostgreSQL")
def test_search_rows_written_by_the_seed_equal_the_triggers(seeded):
    written = _search_rows()
    db.session.execute(text("TRUNCATE case_search_name_words"))
    search.rebuild_index_postgresql()  # the trigger's folding, per case, in SQL
    db.session.commit()
    rebuilt = _search_rows()
    assert len(written[0]) == SCALE
    assert written == rebuilt
    assert len(written[1]) > 50  # the words of the names, for the name finders


def test_seed_writes_every_case_in_the_state_its_last_event_left(seeded):
    assert seeded["cases"] == SCALE
    assert db.session.scalar(select(func.count()).select_from(Case)) == SCALE
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == seeded["events"]
    last = (select(CaseEvent.to_state).where(CaseEvent.case_id == Case.id)
            .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).limit(1).correlate(Case).scalar_subquery())
    assert db.session.scalar(select(func.count()).where(Case.state != last)) == 0
    assert db.session.scalar(select(func.count(func.distinct(Case.code)))) == SCALE
    # Answered ones carry their answer and handling time; open ones neither.
    assert db.session.scalar(select(func.count()).where(
        Case.state.in_(("answered", "closed")), Case.handling_seconds.is_(None))) == 0
    assert db.session.scalar(select(func.count()).where(
        Case.state.in_(("assigned", "in_progress")), Case.answered_at.is_not(None))) == 0


def test_seed_leaves_the_queue_counts_equal_to_the_cases(seeded):
    """On PostgreSQL the COPY bypasses the triggers and the seed recounts; on SQLite the triggers count."""
    kept = db.session.execute(text("SELECT unit_id, state, cases FROM queue_counts WHERE cases <> 0")).all()
    counted = db.session.execute(text(
        "SELECT COALESCE(unit_id, 0), state, COUNT(*) FROM cases GROUP BY COALESCE(unit_id, 0), state")).all()
    assert sorted(map(tuple, kept)) == sorted(map(tuple, counted))
    assert sum(row[2] for row in kept) == SCALE


def test_seed_is_the_same_whichever_process_makes_each_chunk(seeded):
    plan = bulk_seed._plan(SCALE, NOW, 20251123, *_units_and_handlers())
    calendar = bulk_seed.WorkingCalendar()
    lines = [line for index in range(plan.chunks) for line in bulk_seed._generate_chunk(plan, calendar, index).cases]
    codes = [line.split("\t")[1] for line in lines]
    assert codes == list(db.session.scalars(select(Case.code).order_by(Case.id)))
    states = [line.split("\t")[18] for line in lines]
    assert states == list(db.session.scalars(select(Case.state).order_by(Case.id)))


def _units_and_handlers():
    from portal.models import Unit, User

    units = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    handlers: dict[int, list[int]] = {}
    for user_id, unit_id in db.session.execute(select(User.id, User.unit_id).where(User.role == "handler")
                                               .order_by(User.id)):
        handlers.setdefault(unit_id, []).append(user_id)
    return units, handlers


def _counted_directly(day) -> dict:
    """The open overdue cases at the day's end by unit, counted by the rule itself for that one moment."""
    moment = figures.day_start(day + timedelta(days=1))
    statement = (select(Case.unit_id, func.count()).where(figures.open_overdue_at(moment, now=NOW))
                 .group_by(Case.unit_id))
    return {unit_id: count for unit_id, count in db.session.execute(statement) if count}


def test_week_ends_recorded_in_one_pass_equal_each_day_counted_alone(seeded):
    last_sunday = figures.local_day(NOW) - timedelta(days=figures.local_day(NOW).weekday() + 1)
    days = [last_sunday - timedelta(weeks=n) for n in range(27)]
    recorded = figures.record_day_ends(days, now=NOW)
    assert sorted(recorded) == sorted(days)
    for day in days:
        by_unit = _counted_directly(day)
        assert recorded[day][figures.RECORDED_MARK] == sum(by_unit.values())
    assert recorded[last_sunday][figures.RECORDED_MARK] > 0
    # What the table holds: one city-wide mark per day, and each day's keys as returned.
    kept = db.session.execute(select(overdue_snapshots.c.day, overdue_snapshots.c.unit_id,
                                     overdue_snapshots.c.open_overdue)).all()
    assert {(figures.rollups._as_date(day), key): count for day, key, count in kept} == {
        (day, key): count for day, by_key in recorded.items() for key, count in by_key.items()}
    # The one-day wrapper reads the same as its day in the pass (a second writer changes nothing).
    assert figures.record_day_end(days[3], now=NOW) == recorded[days[3]]
