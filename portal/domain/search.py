"""Finding any case while the citizen waits on the line: by code, phone, name, or words, without accents.

One interface, `search_cases`, over two back ends chosen by the database:

- SQLite: the FTS5 tables `case_search` (the citizen's name, address, title and content) and
  `case_search_name` (the name alone), tokenizer `unicode61 remove_diacritics 2`, with đ/Đ replaced by
  d/D in SQL before FTS5 folds the rest. Triggers on `cases` keep them current, so rows inserted by bulk
  Core inserts (the demo, the benchmark) are found too.
- PostgreSQL: the table `case_search` holds each case's folded name and folded text as tsvectors
  (`portal_fold`, an IMMUTABLE wrapper around `unaccent`, then the 'simple' configuration), written by
  a trigger on `cases`, with GIN indexes that answer phrases such as 'dong <-> da:*'.

Both are made by migration 0005. Codes and phones are index hits on `cases.code` and
`cases.citizen_phone_digits`; words are matched as word prefixes ("dong d" finds "Đống Đa") through
the indexes above, never by reading the table. Results are ranked by what matched: exact code, then
phone, then the citizen's name (its whole words, then with the last word unfinished), then address,
title and text. Within a rank the newest cases (highest id) are the ones taken, shown latest received
first. The cases found are read in one plain-SQL query as FoundCase rows (see _FOUND_SQL); migration
0010 keeps PostgreSQL's GIN pending lists short and the words of names in a table of their own
(docs/perf-search.md has the figures and plans).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, text

from portal.domain import access
from portal.domain.codes import normalize_code
from portal.domain.phones import phone_digits
from portal.domain.text import words as folded_words
from portal.extensions import db
from portal.models import Case, Unit, User
from portal.models.case import EVENT_TYPES
from portal.models.types import UTCDateTime

# What matched, best first; the labels are what the operator reads beside a result.
MATCH_LABELS = {
    "code": "Mã phản ánh",
    "phone": "Số điện thoại",
    "name": "Tên người phản ánh",
    "text": "Địa chỉ, tiêu đề, nội dung",
}
# A query longer than this is cut (an operator types a few words; a pasted page is not a search).
MAX_QUERY_CHARS = 200
# At most this many words are looked for; more add nothing but cost.
MAX_WORDS = 12
# Words need at least this many letters in all before the text indexes are asked.
MIN_TEXT_CHARS = 2
# An operator with a caller on the line reads the best few; typing another word narrows faster than scrolling.
DEFAULT_LIMIT = 20

# Made by the migration by hand, outside the models: schema comparison must leave them alone.
SEARCH_TABLE = "case_search"


def is_search_index_object(name: str | None, type_: str) -> bool:
    """True for the search table (on SQLite also FTS5's shadow tables) and its indexes."""
    if not name:
        return False
    if type_ == "table":
        return name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")
    if type_ == "index":
        return name.startswith("ix_" + SEARCH_TABLE + "_")
    return False


class LastEvent(NamedTuple):
    """What the results show of a case's latest event."""

    type: str
    at: datetime

    @property
    def type_label(self) -> str:
        return EVENT_TYPES.get(self.type, self.type)


class FoundUnit:
    """What a result needs of the handling unit: its name, and its place in the tree for access rules."""

    __slots__ = ("id", "name", "path")

    def __init__(self, id: int, name: str, path: str):
        self.id, self.name, self.path = id, name, path

    is_within = Unit.is_within


class FoundCase:
    """What a result shows of a case, read as plain columns (twenty ORM objects, their units and
    events cost a search more than its index lookups). The rules are the case's own, not copies."""

    __slots__ = ("id", "code", "state", "title", "address", "citizen_name", "citizen_phone", "unit_id",
                 "received_at", "due_at", "paused_at", "answered_at", "unit")

    def __init__(self, row):
        # In _FOUND_SQL's order; the latest event, last, is the Hit's.
        (self.id, self.code, self.state, self.title, self.address, self.citizen_name, self.citizen_phone,
         self.unit_id, self.received_at, self.due_at, self.paused_at, self.answered_at, unit_name, unit_path,
         *_) = row
        self.unit = FoundUnit(self.unit_id, unit_name, unit_path) if self.unit_id is not None else None

    is_overdue = Case.is_overdue
    is_open = Case.is_open
    state_label = Case.state_label


@dataclass
class Hit:
    """One case found, with what matched and its latest event."""

    case: FoundCase
    match: str
    last_event: LastEvent | None = None

    @property
    def match_label(self) -> str:
        return MATCH_LABELS[self.match]


@dataclass
class SearchOutcome:
    query: str
    hits: list[Hit] = field(default_factory=list)
    # The case whose code is exactly the query: the page opens it directly.
    exact_case: FoundCase | None = None
    # The query read as a phone number (national digits), when it is one.
    phone: str | None = None
    # True when the query was longer than MAX_QUERY_CHARS and only its start was searched.
    truncated: bool = False
    # True when more cases matched than were returned.
    more: bool = False
    # True when the query had letters but too few to search the text.
    too_short: bool = False

    @property
    def searched(self) -> bool:
        return bool(self.query.strip())


REBUILD_POSTGRESQL_SQL = (
    "INSERT INTO case_search (case_id, name_vector, text_vector) "
    "SELECT id, public.portal_search_vector(citizen_name), "
    "public.portal_search_vector(concat_ws(' ', citizen_name, address, title, content)) FROM cases")


def rebuild_index_postgresql() -> None:
    """Fill PostgreSQL's case_search from every case: after a bulk load that bypassed the triggers.

    The GIN indexes are dropped and made again around the load, with their exact definitions: built in
    one pass they take a fraction of the time of a million insertions, and come out compact (the words of
    the names reach case_search_name_words by its triggers). Takes the table for itself (TRUNCATE): not
    while the portal serves.
    """
    indexes = db.session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = 'case_search' AND indexname LIKE 'ix_case_search_%'")).all()
    for name, _ in indexes:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    db.session.execute(text("TRUNCATE case_search"))
    db.session.execute(text(REBUILD_POSTGRESQL_SQL))
    db.session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for _, definition in indexes:
        db.session.execute(text(definition))
    db.session.execute(text("ANALYZE case_search"))


def search_cases(query: str, user: User, *, limit: int = DEFAULT_LIMIT) -> SearchOutcome:
    """Cases the user may see that match what the operator typed, best match first, at most `limit`."""
    query = (query or "").strip()
    outcome = SearchOutcome(query=query)
    if len(query) > MAX_QUERY_CHARS:
        query = query[:MAX_QUERY_CHARS]
        outcome.truncated = True
    if not query:
        return outcome

    code = normalize_code(query)
    if code is not None:
        # A whole code is the case itself, when there is one; the words are not searched then, even when
        # the user may not see it (a code cannot also be a phone number: 8 letters and digits, never 0 or 1).
        found = _load(user, _FOUND_BY_CODE, code=code)
        if found.matched:
            outcome.hits = [Hit(case=case, match="code", last_event=event) for case, event in found.cases]
            outcome.exact_case = outcome.hits[0].case if outcome.hits else None
            return outcome
    outcome.phone = phone_digits(query)
    if outcome.phone is not None:
        # The newest cases from this number; one more than shown says whether there are more.
        found = _load(user, _FOUND_BY_PHONE, phone=outcome.phone, limit=limit + 1)
        outcome.more = found.matched > limit
        outcome.hits = sorted((Hit(case=case, match="phone", last_event=event) for case, event in found.cases[:limit]),
                              key=_latest_received_first)
        return outcome

    words = folded_words(query)[:MAX_WORDS]
    if len(words) > 1 and len(words[-1]) == 1 and words[-1].isalpha():
        # One letter just typed after a word narrows nothing yet, and every word starting with it is many.
        words = words[:-1]
    if not words:
        return outcome
    if sum(len(word) for word in words) < MIN_TEXT_CHARS:
        outcome.too_short = True
        return outcome

    # case id → (rank, what matched), in rank order; the first, best match of a case wins.
    ranked: dict[int, tuple[int, str]] = {}
    backend = _backend()
    wanted = limit + 1
    # Whole words before a word still being typed: "dong da" is Đống Đa before Đồng đang, "nguyen van an"
    # is Nguyễn Văn An before Nguyễn Văn Anh.
    finders = [("name", backend.name_words_matches), ("name", backend.name_matches),
               ("text", backend.words_matches), ("text", backend.phrase_matches)]
    if len(words) > 1:
        finders.append(("text", backend.all_words_matches))
    for rank, (match, finder) in enumerate(finders):
        if len(ranked) >= wanted:
            break
        for case_id in finder(words, wanted + len(ranked)):
            ranked.setdefault(case_id, (rank, match))

    outcome.more = len(ranked) > limit
    chosen = dict(sorted(ranked.items(), key=lambda item: item[1][0])[:limit])
    found = _load(user, _FOUND_BY_IDS, ids=list(chosen))
    hits = sorted(((chosen[case.id][0], Hit(case=case, match=chosen[case.id][1], last_event=event))
                   for case, event in found.cases if case.id in chosen),
                  key=lambda ranked_hit: (ranked_hit[0], _latest_received_first(ranked_hit[1])))
    outcome.hits = [hit for _, hit in hits]
    return outcome


def _latest_received_first(hit: Hit) -> tuple:
    return -hit.case.received_at.timestamp(), -hit.case.id


# What a result shows (hotline/_results.html, FoundCase): the case's columns, its unit's, its latest
# event's (one step back along ix_case_events_case_id). Plain SQL, the same on both databases, made once:
# the statement SQLAlchemy would build for this costs a search more than the database takes to answer it.
# Looked up beside each row rather than joined: PostgreSQL plans it in half the time, and plans it anew
# on every request (the request's closing ROLLBACK drops psycopg's prepared statements).
_FOUND_SQL = (
    "SELECT c.id, c.code, c.state, c.title, c.address, c.citizen_name, c.citizen_phone, c.unit_id, c.received_at, "
    "c.due_at, c.paused_at, c.answered_at, "
    "(SELECT name FROM units WHERE id = c.unit_id) AS unit_name, "
    "(SELECT path FROM units WHERE id = c.unit_id) AS unit_path, "
    "(SELECT type FROM case_events WHERE case_id = c.id ORDER BY id DESC LIMIT 1) AS event_type, "
    "(SELECT at FROM case_events WHERE case_id = c.id ORDER BY id DESC LIMIT 1) AS event_at "
    "FROM cases AS c "
)
_MOMENTS = {name: UTCDateTime() for name in ("received_at", "due_at", "paused_at", "answered_at", "event_at")}
_FOUND_BY_CODE = text(_FOUND_SQL + "WHERE c.code = :code").columns(**_MOMENTS)
_FOUND_BY_PHONE = text(_FOUND_SQL + "WHERE c.citizen_phone_digits = :phone ORDER BY c.id DESC LIMIT :limit"
                       ).columns(**_MOMENTS)
_FOUND_BY_IDS = text(_FOUND_SQL + "WHERE c.id IN :ids").bindparams(bindparam("ids", expanding=True)
                                                                   ).columns(**_MOMENTS)


@dataclass
class _Found:
    cases: list[tuple[FoundCase, LastEvent | None]]  # the ones the user may see
    matched: int  # how many matched, seen or not


def _load(user: User, statement, **params) -> _Found:
    """The cases a _FOUND_BY_* statement finds, with their unit and latest event, in one query; those the
    user may not open (access.can_view_case, the rule of the case page the results link to) are left out."""
    rows = db.session.execute(statement, params).all()
    found = []
    for row in rows:
        case = FoundCase(row)
        if access.can_view_case(user, case):
            event_type, event_at = row[-2:]
            found.append((case, LastEvent(event_type, event_at) if event_type is not None else None))
    return _Found(cases=found, matched=len(rows))


def _backend():
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return SqliteSearch()
    if dialect == "postgresql":
        return PostgresSearch()
    raise RuntimeError(f"no case search for the {dialect} database")


class SqliteSearch:
    """FTS5 over folded text; the words are plain letters and digits, quoted, so nothing is FTS syntax.

    Each finder gives case ids, newest first: the citizen's name as a phrase of whole words, then with its
    last word unfinished (in `case_search_name`); the whole words as a phrase; the phrase with its last
    word unfinished; every word anywhere.
    """

    def name_words_matches(self, words: list[str], limit: int) -> list[int]:
        return self._match("case_search_name", self._phrase(words, prefix=False), limit)

    def name_matches(self, words: list[str], limit: int) -> list[int]:
        return self._match("case_search_name", self._phrase(words, prefix=True), limit)

    def words_matches(self, words: list[str], limit: int) -> list[int]:
        return self._match("case_search", self._phrase(words, prefix=False), limit)

    def phrase_matches(self, words: list[str], limit: int) -> list[int]:
        return self._match("case_search", self._phrase(words, prefix=True), limit)

    def all_words_matches(self, words: list[str], limit: int) -> list[int]:
        *whole, last = words
        return self._match("case_search", " AND ".join([*(f'"{word}"' for word in whole), f'"{last}"*']), limit)

    @staticmethod
    def _phrase(words: list[str], *, prefix: bool) -> str:
        # With prefix, the last word may be unfinished: the operator is still typing it.
        return '"' + " ".join(words) + ('"*' if prefix else '"')

    @staticmethod
    def _match(index: str, expression: str, limit: int) -> list[int]:
        # `index` is one of the two table names above, never user input.
        rows = db.session.execute(
            text(f"SELECT rowid FROM {index} WHERE {index} MATCH :expression ORDER BY rowid DESC LIMIT :limit"),
            {"expression": expression, "limit": limit},
        )
        return [row[0] for row in rows]


class PostgresSearch:
    """tsvector phrases over the folded words in `case_search` (GIN-indexed); the words are plain letters
    and digits, so nothing is tsquery syntax. Each finder gives case ids, newest first, as SqliteSearch's do.

    Newest first is asked in two steps, because the planner cannot tell how many cases a phrase matches:
    first among the most recent cases only (a common phrase fills the page there at once), then, when
    that is not enough, through the index over all cases (a rare phrase has few candidates to sort).

    Before either step, the name finders ask whether the words before the last are words of any
    citizen's name at all (`case_search_name_words`, by primary key; migration 0010). Most searches are
    not names, and this spares them both the recent cases and the unfinished last word, for which
    PostgreSQL collects every name word it begins (all the "dong…" of a million names: milliseconds).
    A word missing there (rows loaded with the triggers off) is asked of the name index, which answers
    at once for a word in no name. The statements are plain SQL made once: this runs as
    the operator types.
    """

    RECENT_WINDOW = 5_000
    _RECENT = {vector: text(
        f"SELECT case_id FROM (SELECT case_id, {vector} FROM case_search ORDER BY case_id DESC LIMIT :window) "
        f"AS recent WHERE {vector} @@ to_tsquery('simple', :query) ORDER BY case_id DESC LIMIT :limit")
        for vector in ("name_vector", "text_vector")}
    # "+ 0": sort the index's candidates rather than walk the primary key hoping to meet them.
    _ALL = {vector: text(
        f"SELECT case_id FROM case_search WHERE {vector} @@ to_tsquery('simple', :query) "
        "ORDER BY case_id + 0 DESC LIMIT :limit")
        for vector in ("name_vector", "text_vector")}
    # The listed words first; for a word not listed, the name index (through it whatever the planner guesses:
    # with a bare EXISTS or LIMIT 1 it may read the table hoping to meet a match soon, which for words in
    # no name means reading all of it). One statement: CASE asks the index only when the list falls short.
    _NAME_WORDS = text(
        "SELECT CASE WHEN (SELECT count(*) FROM case_search_name_words WHERE word IN :words) = :count THEN true "
        "ELSE EXISTS (WITH found AS MATERIALIZED (SELECT 1 FROM case_search "
        "WHERE name_vector @@ to_tsquery('simple', :query)) SELECT 1 FROM found) END"
    ).bindparams(bindparam("words", expanding=True))

    def __init__(self):
        self._name_words: dict[frozenset[str], bool] = {}

    def name_words_matches(self, words: list[str], limit: int) -> list[int]:
        if not self._are_name_words(words[:-1]):
            return []
        return self._ids("name_vector", self._phrase(words, prefix=False), limit)

    def name_matches(self, words: list[str], limit: int) -> list[int]:
        if not self._are_name_words(words[:-1]):
            return []
        return self._ids("name_vector", self._phrase(words, prefix=True), limit)

    def words_matches(self, words: list[str], limit: int) -> list[int]:
        return self._ids("text_vector", self._phrase(words, prefix=False), limit)

    def phrase_matches(self, words: list[str], limit: int) -> list[int]:
        return self._ids("text_vector", self._phrase(words, prefix=True), limit)

    def all_words_matches(self, words: list[str], limit: int) -> list[int]:
        *whole, last = words
        return self._ids("text_vector", " & ".join([*whole, f"{last}:*"]), limit)

    @staticmethod
    def _phrase(words: list[str], *, prefix: bool) -> str:
        return " <-> ".join(words) + (":*" if prefix else "")

    def _are_name_words(self, words: list[str]) -> bool:
        """Whether these whole words can be in a citizen's name (the words before the last, which both name
        finders need whole; asked once a search)."""
        key = frozenset(words)
        if key not in self._name_words:
            self._name_words[key] = not key or db.session.scalar(
                self._NAME_WORDS, {"words": sorted(key), "count": len(key), "query": " & ".join(sorted(key))})
        return self._name_words[key]

    def _ids(self, vector: str, tsquery: str, limit: int) -> list[int]:
        ids = list(db.session.scalars(self._RECENT[vector],
                                      {"window": self.RECENT_WINDOW, "query": tsquery, "limit": limit}))
        if len(ids) >= limit:
            return ids
        return list(db.session.scalars(self._ALL[vector], {"query": tsquery, "limit": limit}))
