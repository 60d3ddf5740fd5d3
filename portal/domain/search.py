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
phone, then the citizen's name, then address, title and text. Within a rank the newest cases (highest
id) are the ones taken, shown latest received first.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlalchemy import column, func, select, table, text
from sqlalchemy.orm import selectinload

from portal.domain import access
from portal.domain.codes import normalize_code
from portal.domain.phones import phone_digits
from portal.domain.text import words as folded_words
from portal.extensions import db
from portal.models import Case, CaseEvent, User

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
DEFAULT_LIMIT = 30

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


@dataclass
class Hit:
    """One case found, with what matched and its latest event."""

    case: Case
    match: str
    last_event: CaseEvent | None = None

    @property
    def match_label(self) -> str:
        return MATCH_LABELS[self.match]


@dataclass
class SearchOutcome:
    query: str
    hits: list[Hit] = field(default_factory=list)
    # The case whose code is exactly the query: the page opens it directly.
    exact_case: Case | None = None
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
    """Fill PostgreSQL's case_search from every case: after a bulk load that bypassed the triggers."""
    db.session.execute(text("DELETE FROM case_search"))
    db.session.execute(text(REBUILD_POSTGRESQL_SQL))


def search_cases(query: str, user: User, *, limit: int = DEFAULT_LIMIT) -> SearchOutcome:
    """Cases the user may see that match what the operator typed, best match first, at most `limit`."""
    query = (query or "").strip()
    outcome = SearchOutcome(query=query)
    if len(query) > MAX_QUERY_CHARS:
        query = query[:MAX_QUERY_CHARS]
        outcome.truncated = True
    if not query:
        return outcome

    # case id → (rank, what matched), in rank order; the first, best match of a case wins.
    ranked: dict[int, tuple[int, str]] = {}
    ranks = itertools.count()

    def take(ids: list[int], match: str) -> None:
        rank = next(ranks)
        for case_id in ids:
            ranked.setdefault(case_id, (rank, match))

    code = normalize_code(query)
    if code is not None:
        take(list(db.session.scalars(select(Case.id).where(Case.code == code))), "code")
    outcome.phone = phone_digits(query)
    if outcome.phone is not None:
        take(list(db.session.scalars(
            select(Case.id).where(Case.citizen_phone_digits == outcome.phone).order_by(Case.id.desc()).limit(limit + 1)
        )), "phone")

    words = folded_words(query)[:MAX_WORDS]
    if len(words) > 1 and len(words[-1]) == 1 and words[-1].isalpha():
        # One letter just typed after a word narrows nothing yet, and every word starting with it is many.
        words = words[:-1]
    if words and outcome.phone is None and not (code is not None and ranked):
        if sum(len(word) for word in words) < MIN_TEXT_CHARS:
            outcome.too_short = True
        else:
            backend = _backend()
            wanted = limit + 1
            # Whole words before a word still being typed: "dong da" is Đống Đa before Đồng đang.
            finders = [("name", backend.name_matches), ("text", backend.words_matches),
                       ("text", backend.phrase_matches)]
            if len(words) > 1:
                finders.append(("text", backend.all_words_matches))
            for match, finder in finders:
                if len(ranked) >= wanted:
                    break
                take(finder(words, wanted + len(ranked)), match)

    outcome.more = len(ranked) > limit
    chosen = sorted(ranked.items(), key=lambda item: item[1][0])[:limit]
    cases = _load_visible([case_id for case_id, _ in chosen], user)
    last_events = _last_events([case.id for case in cases.values()])
    hits = sorted(
        ((rank, Hit(case=cases[case_id], match=match, last_event=last_events.get(case_id)))
         for case_id, (rank, match) in chosen if case_id in cases),
        key=lambda ranked_hit: (ranked_hit[0], -ranked_hit[1].case.received_at.timestamp()),
    )
    outcome.hits = [hit for _, hit in hits]
    if code is not None:
        outcome.exact_case = next((hit.case for hit in outcome.hits if hit.match == "code"), None)
    return outcome


def _load_visible(ids: list[int], user: User) -> dict[int, Case]:
    if not ids:
        return {}
    cases = db.session.scalars(
        select(Case).where(Case.id.in_(ids), access.case_filter(user))
        .options(selectinload(Case.unit), selectinload(Case.category))
    )
    return {case.id: case for case in cases}


def _last_events(case_ids: list[int]) -> dict[int, CaseEvent]:
    """The latest event of each case: one lookup on the (case_id, id) index per case."""
    if not case_ids:
        return {}
    latest = (select(func.max(CaseEvent.id)).where(CaseEvent.case_id.in_(case_ids))
              .group_by(CaseEvent.case_id).scalar_subquery())
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.id.in_(latest)).options(selectinload(CaseEvent.to_unit))
    )
    return {event.case_id: event for event in events}


def _backend():
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return SqliteSearch()
    if dialect == "postgresql":
        return PostgresSearch()
    raise RuntimeError(f"no case search for the {dialect} database")


class SqliteSearch:
    """FTS5 over folded text; the words are plain letters and digits, quoted, so nothing is FTS syntax.

    Each finder gives case ids, newest first: the citizen's name as a phrase (in `case_search_name`);
    the whole words as a phrase; the phrase with its last word unfinished; every word anywhere.
    """

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
    """

    RECENT_WINDOW = 5_000
    _index = table("case_search", column("case_id"), column("name_vector"), column("text_vector"))

    def name_matches(self, words: list[str], limit: int) -> list[int]:
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

    def _ids(self, vector: str, tsquery: str, limit: int) -> list[int]:
        query = func.to_tsquery("simple", tsquery)
        recent = (select(self._index.c.case_id, self._index.c[vector])
                  .order_by(self._index.c.case_id.desc()).limit(self.RECENT_WINDOW).subquery())
        ids = list(db.session.scalars(
            select(recent.c.case_id).where(recent.c[vector].bool_op("@@")(query))
            .order_by(recent.c.case_id.desc()).limit(limit)
        ))
        if len(ids) >= limit:
            return ids
        # "+ 0": sort the index's candidates rather than walk the primary key hoping to meet them.
        return list(db.session.scalars(
            select(self._index.c.case_id).where(self._index.c[vector].bool_op("@@")(query))
            .order_by((self._index.c.case_id + 0).desc()).limit(limit)
        ))
