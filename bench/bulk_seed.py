"""Bulk seeding for the benchmark: Hanoi's units, the demo accounts, and SCALE cases over a year.

Fast by construction: rows are generated in plain Python, already as COPY text, with the real working
calendar for the deadlines, in chunks of CHUNK_CASES cases (each chunk its own random stream, so the
data does not depend on who generates it).

PostgreSQL: two processes generate the chunks while three connections COPY them (cases, events, and
the search index rows), with the secondary indexes dropped and the triggers off; then two connections
build the indexes, the search index's GIN indexes and the compliance roll-ups, and VACUUM. The search
index rows are written here rather than by the trigger's SQL per case: each distinct word is folded
once, by the trigger's own function (`portal_search_vector`), and the case's vectors are the words'
lexemes numbered in order (the folding never joins or splits across whitespace), so the rows are the
ones the trigger would write (tests/test_bulk_seed.py compares them).

SQLite: the same chunks, inserted in one transaction; the triggers keep the search index and the
roll-ups current.
"""
from __future__ import annotations

import bisect
import itertools
import multiprocessing
import queue
import random
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import psycopg
import psycopg.conninfo
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal import seed
from portal.domain import codes, rollups, tab_counts
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
SEARCH_COLUMNS = ("case_id", "name_vector", "text_vector")
# Cases per chunk: a chunk is the unit of work of a generating process and one write to a COPY.
CHUNK_CASES = 20_000
GENERATORS = 2
# Chunks waiting per COPY connection: enough to keep it busy, little enough to bound the memory.
WAITING_CHUNKS = 4
NULL = "\\N"  # NULL in COPY's text format
MAX_POSITION = 16383  # a tsvector position; to_tsvector writes later words at this one too
# Each distinct word of the search text, folded by the trigger's function: its lexemes in order.
FOLD_SQL = ("SELECT w.word, ARRAY(SELECT v.lexeme FROM unnest(public.portal_search_vector(w.word)) AS v, "
            "unnest(v.positions) AS p ORDER BY p) FROM unnest(%s::text[]) AS w(word)")


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
    plan = _plan(scale, now, rng_seed, units, handlers)
    log(f"  reference data and accounts in {time.monotonic() - started:.1f} s")
    if db.engine.dialect.name == "postgresql":
        made = _load_postgresql(plan, log)
    else:
        made = _load_sqlite(plan, log)
    seconds = time.monotonic() - started
    made["seed_seconds"] = round(seconds, 1)
    log(f"  seed total {seconds:.1f} s")
    if "copy_seconds" in made:
        log(f"  breakdown: {made['cases']:,} cases, {made['events']:,} events; generate + COPY "
            f"{made['copy_seconds']:.1f} s, indexes + roll-ups + VACUUM {made['build_seconds']:.1f} s, "
            f"total {seconds:.1f} s")
    return made


# -- generating ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What the cases are drawn from, as plain values (the generating processes have no session)."""

    scale: int
    now: datetime
    rng_seed: int
    categories: list[tuple]
    cumulative: list[int]
    wards: list[tuple[int, int, str]]
    fixed_units: dict[str, int]
    backlog_unit: int
    office_targets: list[int]
    handlers: dict[int, list[int]]

    @property
    def chunks(self) -> int:
        return -(-self.scale // CHUNK_CASES)


@dataclass
class Chunk:
    cases: list[str] = field(default_factory=list)  # COPY lines in CASE_COLUMNS order
    events: list[str] = field(default_factory=list)  # COPY lines in EVENT_COLUMNS order
    # (case id, citizen name, the rest of the searched text: address, title, content, in pieces)
    documents: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)


def _plan(scale: int, now: datetime, rng_seed: int, units: dict[str, Unit], handlers) -> Plan:
    categories = [
        (c.id, c.code, c.kind, c.default_unit_code, c.default_unit_kind, c.urgent_hours, c.normal_days,
         c.complex_days, seed.STORIES[c.code])
        for c in db.session.scalars(select(Category).order_by(Category.id))
    ]
    wards = [(unit.id, unit.parent_id, unit.name[5:]) for unit in units.values() if unit.kind == "ward"]
    # Lines are written without escaping: every piece of text they are made of is checked here once.
    pieces = [place for _, _, place in wards] + list(seed.STREETS) + list(seed.ANSWERS) + list(RATINGS.values()) + [
        part for c in categories for story in c[8] for part in story] + list(
        seed.SURNAMES + seed.MIDDLE_NAMES + seed.GIVEN_NAMES)
    unsafe = [piece for piece in pieces if any(mark in piece for mark in "\\\t\n\r")]
    if unsafe:
        raise ValueError(f"text that COPY would need escaped: {unsafe[:3]}")
    return Plan(
        scale=scale, now=now.astimezone(timezone.utc), rng_seed=rng_seed, categories=categories,
        cumulative=list(itertools.accumulate([14, 12, 12, 5, 8, 8, 9, 8, 4, 3, 5, 6, 3, 3][: len(categories)])),
        wards=wards, fixed_units={code: unit.id for code, unit in units.items()},
        backlog_unit=units[BACKLOG_UNIT].id, office_targets=[units[code].id for code in ("SO-XD", "SO-TNMT", "SO-GTVT")],
        handlers={unit_id: list(staff) for unit_id, staff in handlers.items()})


# Two code symbols for each 10 bits: a code is four lookups.
_CODE_PAIRS = [codes.ALPHABET[bits & 31] + codes.ALPHABET[bits >> 5] for bits in range(1024)]


def _code(case_id: int) -> str:
    """A unique code per id: an odd multiplier is a bijection modulo 2**40, spread over 8 base-32 symbols."""
    scrambled = (case_id * 0x9E3779B97F4A7C15 + 0x632BE5AB) % (1 << 40)
    return (_CODE_PAIRS[scrambled & 1023] + _CODE_PAIRS[(scrambled >> 10) & 1023] + "-"
            + _CODE_PAIRS[(scrambled >> 20) & 1023] + _CODE_PAIRS[scrambled >> 30])


def _or_null(value) -> str:
    return NULL if value is None else str(value)


def _generate_chunk(plan: Plan, calendar: WorkingCalendar, index: int) -> Chunk:
    """The cases of one chunk, and their events, as COPY lines."""
    first = index * CHUNK_CASES + 1
    last = min(plan.scale, first + CHUNK_CASES - 1)
    rng = random.Random(plan.rng_seed * 1_000_003 + index)
    random_ = rng.random
    # The department's stuck backlog, shared out by ids so that it adds up to BACKLOG_OPEN at any scale.
    backlog_quota = BACKLOG_OPEN * last // plan.scale - BACKLOG_OPEN * (first - 1) // plan.scale
    backlog_open = 0
    # Naive UTC moments: their arithmetic and text cost half what aware ones do (the calendar gets aware ones).
    now = plan.now.replace(tzinfo=None)
    categories, cumulative, wards = plan.categories, plan.cumulative, plan.wards
    total_weight = cumulative[-1]
    start = now - timedelta(days=365)
    backlog_since = now - timedelta(days=20)
    stuck_until = now + timedelta(days=30)
    year_seconds = 365 * 86400
    routed_after = [timedelta(minutes=30 + n) for n in range(240)]
    taken_after = [timedelta(minutes=60 + n) for n in range(600)]
    rated_after = [timedelta(hours=2 + n) for n in range(90)]
    rating_window = timedelta(days=7)
    streets = seed.STREETS
    utc = timezone.utc
    chunk = Chunk()
    add_case, add_event, add_document = chunk.cases.append, chunk.events.append, chunk.documents.append
    for case_id in range(first, last + 1):
        (category_id, category_code, kind, fixed_code, unit_kind, urgent_hours, normal_days, complex_days,
         stories) = categories[bisect.bisect(cumulative, random_() * total_weight)]
        ward_id, district_id, place = wards[int(random_() * len(wards))]
        draw = random_()
        priority = "normal" if draw < 0.85 else ("complex" if draw < 0.95 else "urgent")
        received = start + timedelta(seconds=int(random_() * year_seconds))
        if fixed_code:
            unit_id = plan.fixed_units[fixed_code]
        elif unit_kind == "ward":
            unit_id = ward_id
        elif unit_kind == "district":
            unit_id = district_id
        else:
            unit_id = plan.office_targets[case_id % 3]
        if category_code == "XD" and case_id % 2 == 0:
            unit_id = plan.backlog_unit
        if priority == "urgent":
            due = calendar.add_working_hours(received.replace(tzinfo=utc), urgent_hours)
        else:
            due = calendar.add_working_days(received.replace(tzinfo=utc),
                                            complex_days if priority == "complex" else normal_days)
        due = due.astimezone(utc).replace(tzinfo=None)
        street = streets[case_id % len(streets)]
        title, content = stories[case_id % len(stories)]
        number = case_id % 170 + 2
        phone = f"09{int(random_() * 100_000_000):08d}"
        staff = plan.handlers.get(unit_id) or (None,)
        handler_id = staff[case_id % len(staff)]
        routed_at = received + routed_after[case_id % 240]
        taken_at = routed_at + taken_after[case_id % 600]
        if random_() < 0.035:
            answered_at = due + timedelta(hours=1 + random_() * 48)
        else:
            answered_at = received + (due - received) * (0.3 + 0.69 * random_())
        if unit_id == plan.backlog_unit and backlog_open < backlog_quota and received < backlog_since \
                and random_() < 0.25:
            answered_at = stuck_until  # stuck in the department's backlog
            backlog_open += 1
        received_text = received.isoformat(" ", "microseconds")
        state, handler, assigned, answered, answer, rating, closed, updated, handling = (
            "assigned", NULL, NULL, NULL, NULL, NULL, NULL, None, NULL)
        add_event(f"{case_id}\t{received_text}\t\\N\treceived\t\\N\treceived\t\\N\t\\N\t\\N\n")
        if routed_at > now:
            state, unit_id, updated = "received", None, received_text
        else:
            assigned = updated = routed_at.isoformat(" ", "microseconds")
            add_event(f"{case_id}\t{assigned}\t\\N\trouted\treceived\tassigned\t\\N\t{unit_id}\t\\N\n")
            if taken_at <= now:
                state, handler, updated = "in_progress", _or_null(handler_id), taken_at.isoformat(" ", "microseconds")
                add_event(f"{case_id}\t{updated}\t{handler}\ttaken\tassigned\tin_progress\t\\N\t\\N\t\\N\n")
                if answered_at <= now:
                    state, answer = "answered", seed.ANSWERS[case_id % 3]
                    answered = updated = answered_at.isoformat(" ", "microseconds")
                    handling = max(0, int(calendar.working_seconds_between(received.replace(tzinfo=utc),
                                                                           answered_at.replace(tzinfo=utc))))
                    add_event(f"{case_id}\t{answered}\t{handler}\tanswered\tin_progress\tanswered\t\\N\t\\N\t\\N\n")
                    rated_at = answered_at + rated_after[case_id % 90]
                    if case_id % 8 < 5 and rated_at <= now:
                        rating = RATING_CYCLE[(case_id + case_id // 8) % len(RATING_CYCLE)]
                        state, closed = "closed", rated_at.isoformat(" ", "microseconds")
                        updated = closed
                        add_event(f"{case_id}\t{closed}\t\\N\trated\tanswered\tclosed\t\\N\t\\N\t{RATINGS[rating]}\n")
                    elif answered_at + rating_window <= now:
                        state, closed = "closed", (answered_at + rating_window).isoformat(" ", "microseconds")
                        updated = closed
                        add_event(f"{case_id}\t{closed}\t\\N\tclosed\tanswered\tclosed\t\\N\t\\N\tHết thời hạn đánh giá\n")
        fill = {"street": street, "place": place, "n": number}
        title, content = title.format(**fill), content.format(**fill)
        address = f"Số {number} {street}, {place}"  # the search document below cuts it at the space
        name = f"{seed.SURNAMES[case_id % 20]} {seed.MIDDLE_NAMES[case_id % 15]} {seed.GIVEN_NAMES[case_id % 35]}"
        # In CASE_COLUMNS order.
        add_case(
            f"{case_id}\t{_code(case_id)}\t{'app' if case_id % 6 else 'hotline'}\t{kind}\t{category_id}\t{priority}\t"
            f"{title}\t{content}\t{address}\t{ward_id}\t{21.0 + (case_id % 1600) / 10000}\t"
            f"{105.75 + (case_id % 2000) / 10000}\t{name}\t{phone}\t{phone}\t\\N\t{_or_null(unit_id)}\t{handler}\t"
            f"{state}\t{received_text}\t{assigned}\t{due.isoformat(' ', 'microseconds')}\t\\N\t{answered}\t{closed}\t{answer}\t"
            f"{rating}\t\\N\t0\t0\t{updated}\t1\t{handling}\n")
        # The searched text after the name, in pieces that many cases share (the address cut at its space).
        add_document((case_id, name, (f"Số {number} {street},", place, title, content)))
    return chunk


# -- the search index rows -------------------------------------------------------------------------


class SearchRows:
    """`case_search` rows as COPY lines, from the words folded by PostgreSQL: each distinct word once.

    `portal_search_vector` folds a text character by character (đ/Đ, NFC, unaccent, lower case) and
    then cuts it into words at every run of non-alphanumeric characters, whitespace among them; so a
    text's lexemes are the lexemes of its whitespace-separated words, one after the other, numbered
    from 1 as to_tsvector numbers them. A lexeme written twice in a literal is merged by PostgreSQL.
    A case's text is written from pieces (a name, a street, a story) whose numbered lexemes are kept
    for the position they start at: most cases share them.
    """

    def __init__(self, conninfo: str):
        self._conninfo = conninfo
        self._lexemes: dict[str, tuple[str, ...]] = {}  # word → its lexemes
        self._quoted: dict[str, tuple[str, ...]] = {}  # word → its lexemes as tsvector literals
        self._names: dict[str, tuple[str, int]] = {}  # name → (its vector, its lexemes' count)
        self._pieces: dict[tuple[str, int], tuple[str, int]] = {}  # (piece, first position) → (part, count)
        self._positions = [f":{min(n, MAX_POSITION)}" for n in range(1, 257)]
        self.name_words: set[str] = set()  # the lexemes of every name, for case_search_name_words

    def lines(self, documents: list[tuple[int, str, tuple[str, ...]]]) -> str:
        """The COPY lines of (case id, citizen name, the rest of the text in whitespace-separated pieces)."""
        while True:
            try:
                return "".join([self._line(*document) for document in documents])
            except KeyError:  # words not folded yet: all of this chunk's at once, then again
                missing = {word for _, name, pieces in documents for text in (name, *pieces) for word in text.split()}
                missing -= self._lexemes.keys()
                if not missing:
                    raise
                self._fold(sorted(missing))

    def _fold(self, words: list[str]) -> None:
        with psycopg.connect(self._conninfo, autocommit=True) as connection:
            for word, lexemes in connection.execute(FOLD_SQL, (words,)):
                self._lexemes[word] = tuple(lexemes)
                self._quoted[word] = tuple(_tsvector_lexeme(lexeme) for lexeme in lexemes)

    def _line(self, case_id: int, name: str, pieces: tuple[str, ...]) -> str:
        named = self._names.get(name)
        if named is None:
            named = self._names[name] = self._numbered(name, 0)
            self.name_words.update(itertools.chain.from_iterable(map(self._lexemes.__getitem__, name.split())))
        parts, position = [named[0]] if named[1] else [], named[1]
        for piece in pieces:
            key = (piece, position)
            numbered = self._pieces.get(key)
            if numbered is None:
                numbered = self._pieces[key] = self._numbered(piece, position)
            if numbered[1]:
                parts.append(numbered[0])
                position += numbered[1]
        return f"{case_id}\t{named[0]}\t{' '.join(parts)}\n"

    def _numbered(self, text: str, position: int) -> tuple[str, int]:
        """A text's lexemes numbered from position + 1, as a tsvector literal ('dong':4 'da':5), and their count."""
        quoted = tuple(itertools.chain.from_iterable(map(self._quoted.__getitem__, text.split())))
        while position + len(quoted) > len(self._positions):
            self._positions += [f":{min(n, MAX_POSITION)}" for n in range(len(self._positions) + 1,
                                                                         2 * len(self._positions) + 1)]
        return " ".join(map(str.__add__, quoted, self._positions[position:])), len(quoted)


def _tsvector_lexeme(lexeme: str) -> str:
    """A lexeme quoted for a tsvector literal, escaped for COPY's text format."""
    quoted = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# -- PostgreSQL ----------------------------------------------------------------------------------


def _conninfo() -> str:
    url = db.engine.url
    parts = {"host": url.host, "port": url.port, "user": url.username, "password": url.password, "dbname": url.database}
    return psycopg.conninfo.make_conninfo(**{key: value for key, value in parts.items() if value is not None})


def _generate_into(plan: Plan, generator: int, conninfo: str, outlets: dict, results) -> None:
    """A generating process: every GENERATORS-th chunk, its lines sent to the COPY connections."""
    try:
        calendar, search, cases, events = WorkingCalendar(), SearchRows(conninfo), 0, 0
        for index in range(generator, plan.chunks, GENERATORS):
            chunk = _generate_chunk(plan, calendar, index)
            outlets["cases"].put("".join(chunk.cases).encode())
            outlets["case_events"].put("".join(chunk.events).encode())
            outlets["case_search"].put(search.lines(chunk.documents).encode())
            cases, events = cases + len(chunk.cases), events + len(chunk.events)
        results.put(("done", cases, events, search.name_words))
    except BaseException:  # reported by the parent, which waits for every generator's end
        results.put(("failed", traceback.format_exc()))
    finally:
        for outlet in outlets.values():
            outlet.put(None)


def _copy_from(conninfo: str, table: str, columns: tuple[str, ...], inlet, failures: list) -> None:
    """One COPY connection: the table's lines as the generators send them, until each has ended."""
    ended = 0
    try:
        with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
            # Rows are generated consistent; skip per-row foreign-key triggers as pg_restore does.
            cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                while ended < GENERATORS:
                    lines = inlet.get()
                    if lines is None:
                        ended += 1
                    else:
                        copy.write(lines)
    except Exception as error:
        failures.append(f"COPY {table}: {error}")
        while ended < GENERATORS:  # keep the generators from waiting on a full queue
            ended += inlet.get() is None


def _load_postgresql(plan: Plan, log) -> dict:
    conninfo = _conninfo()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        # Rebuilt after the load, with their exact definitions: one pass each instead of a million insertions.
        indexes = connection.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() "
            "AND tablename IN ('cases', 'case_events', 'case_search') AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)").fetchall()
        for _, name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
    db.session.remove()
    db.engine.dispose()  # no pooled connection is shared with the forked generators
    started = time.monotonic()
    context = multiprocessing.get_context("fork")
    tables = {"cases": CASE_COLUMNS, "case_events": EVENT_COLUMNS, "case_search": SEARCH_COLUMNS}
    outlets = {table: context.Queue(WAITING_CHUNKS) for table in tables}
    results = context.Queue()
    generators = [context.Process(target=_generate_into, args=(plan, n, conninfo, outlets, results), daemon=True)
                  for n in range(GENERATORS)]
    for generator in generators:
        generator.start()
    failures: list[str] = []
    copies = [threading.Thread(target=_copy_from, args=(conninfo, table, columns, outlets[table], failures))
              for table, columns in tables.items()]
    for copy in copies:
        copy.start()
    made = {"cases": 0, "events": 0}
    name_words: set[str] = set()
    for _ in generators:
        outcome = results.get()
        if outcome[0] == "failed":
            failures.append(f"generating: {outcome[1]}")
            continue
        made["cases"] += outcome[1]
        made["events"] += outcome[2]
        name_words |= outcome[3]
    for copy in copies:
        copy.join()
    for generator in generators:
        generator.join()
    if failures:
        raise RuntimeError("bulk seeding failed:\n" + "\n".join(failures))
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
        # What the search index's statement trigger would have added (it does not fire during the COPY).
        connection.execute("INSERT INTO case_search_name_words (word) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
                           (sorted(name_words),))
    made["copy_seconds"] = time.monotonic() - started
    log(f"  generated and COPY'd {made['cases']:,} cases, {made['events']:,} events and their search rows "
        f"in {made['copy_seconds']:.1f} s")

    started = time.monotonic()
    # What the bypassed triggers keep, and the indexes, on two connections taking the longest jobs first;
    # VACUUM once every index of a table is there (it sets the visibility map the covering indexes read,
    # and ANALYZE reads the expression indexes).
    by_name = {name: definition for _, name, definition in indexes}
    jobs = [[by_name["ix_case_search_text"]], rollups.rebuild_sql("postgresql"), tab_counts.rebuild_sql()]
    jobs += [[definition] for table in ("case_events", "cases") for t, name, definition in indexes if t == table]
    jobs.append([by_name["ix_case_search_name"]])
    _run_jobs(conninfo, jobs, log)
    _run_jobs(conninfo, [[f"VACUUM (ANALYZE) {table}"] for table in
                         ("case_events", "cases", "case_search", "figure_rollups", "queue_counts",
                          "case_search_name_words")], log)
    made["build_seconds"] = time.monotonic() - started
    log(f"  indexes, search index, roll-ups and VACUUM in {made['build_seconds']:.1f} s")
    return made


def _run_jobs(conninfo: str, jobs: list[list[str]], log, connections: int = 2) -> None:
    """Run each job's statements in order, jobs in the order given, on `connections` connections at once."""
    waiting: queue.SimpleQueue = queue.SimpleQueue()
    for job in jobs:
        waiting.put(job)
    failures: list[str] = []

    def work() -> None:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute("SET maintenance_work_mem = '256MB'")
            # The two connections are the two cores: no parallel workers beside them.
            connection.execute("SET max_parallel_maintenance_workers = 0")
            while True:
                try:
                    job = waiting.get_nowait()
                except queue.Empty:
                    return
                started = time.monotonic()
                try:
                    for statement in job:
                        connection.execute(statement)
                except Exception as error:
                    failures.append(f"{job[-1][:80]}: {error}")
                    return
                log(f"    {time.monotonic() - started:5.1f} s  {job[-1][:90]}")

    threads = [threading.Thread(target=work) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError("bulk seeding failed: " + "; ".join(failures))


# -- SQLite --------------------------------------------------------------------------------------


def _load_sqlite(plan: Plan, log) -> dict:
    """The same chunks in one transaction; the triggers fill the search index and the roll-ups."""
    started = time.monotonic()
    calendar = WorkingCalendar()
    raw = db.session.connection().connection.driver_connection
    insert_case = f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' * len(CASE_COLUMNS))})"
    insert_event = (f"INSERT INTO case_events ({', '.join(EVENT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})")
    made = {"cases": 0, "events": 0}
    for index in range(plan.chunks):
        chunk = _generate_chunk(plan, calendar, index)
        raw.executemany(insert_case, map(_copy_row, chunk.cases))
        raw.executemany(insert_event, map(_copy_row, chunk.events))
        made["cases"] += len(chunk.cases)
        made["events"] += len(chunk.events)
    raw.execute("ANALYZE")
    db.session.commit()
    log(f"  generated and inserted {made['cases']:,} cases and {made['events']:,} events "
        f"in {time.monotonic() - started:.1f} s")
    return made


def _copy_row(line: str) -> list[str | None]:
    """A COPY line back into values (the lines carry no escapes: see _plan); SQLite's column types
    turn the digits into numbers."""
    return [None if value == NULL else value for value in line[:-1].split("\t")]
