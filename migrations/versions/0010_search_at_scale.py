"""search at scale: a short GIN pending list, the words of citizens' names; one service's requests by date

PostgreSQL's GIN indexes take new entries into an unsorted "pending list" (fastupdate) until it
reaches gin_pending_list_limit (4 MB by default) or a vacuum merges it, and every search reads the
whole list first. With a steady stream of new cases the list is full most of the time (autovacuum
comes after a fifth of the table has been inserted): a hotline search that matched nothing read ~500
pages of it, 6 to 23 ms at 200,000 cases. 128 kB keeps that to 16 pages at most, and new entries still
go in by batches (turning fastupdate off instead made a bulk insertion of 100,000 cases 8 times
slower, 12.7 s against 2.6 s, and the benchmark's seeding inserts with the indexes in place). The list
left by earlier inserts is merged here.

Every hotline search by words asks first whether its words are in any citizen's name (most are not,
and the name finders are then skipped). Asking the name index costs the whole posting list of each
word, milliseconds for a common name word ("kim", "dong", "thai": streets are named after people);
`case_search_name_words`, the distinct words of all names (63 in the benchmark, thousands in life),
answers by primary key. Triggers on case_search add the words of the names each statement writes there
(once per statement, from its transition table: a bulk INSERT of a million rows pays about a second),
and never remove any (a word no longer in any name only means the name finders run for nothing). A
word not found here is asked of the name index, so results never depend on the table (rows loaded with
the triggers off, say).

SQLite: nothing to change (FTS5 merges its own segments as it goes).

Both: Open311's GET requests?service_code= reads one category's cases newest first; with the index
on category_id alone it sorted every case of the category in the 90 days (or walked the date index
past all the others): (category_id, received_at) answers it in order, and any lookup by category_id
as well, so it replaces ix_cases_category_id. Indexes are made and dropped in place: no table is
rebuilt (no batch mode), so the search triggers on SQLite's `cases` stay as migration 0005 made them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 07:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

GIN_INDEXES = ("ix_case_search_name", "ix_case_search_text")

# Kilobytes of new entries a GIN index keeps unsorted before merging them (searches read all of them).
PENDING_LIST_KB = 128

# The words of the names written to case_search, by whatever statement writes them (the search trigger
# on cases, a bulk INSERT … SELECT, search.rebuild_index_postgresql): once per statement, from its rows.
NAME_WORDS_FUNCTION = """CREATE OR REPLACE FUNCTION public.portal_case_search_name_words() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO case_search_name_words (word)
      SELECT DISTINCT unnest(tsvector_to_array(name_vector)) FROM written ON CONFLICT DO NOTHING;
      RETURN NULL;
    END
    $$"""
# A trigger with a transition table answers one kind of event.
NAME_WORDS_TRIGGERS = {event: f"CREATE TRIGGER case_search_name_words_{event.lower()} AFTER {event} ON case_search "
                              "REFERENCING NEW TABLE AS written FOR EACH STATEMENT "
                              "EXECUTE FUNCTION public.portal_case_search_name_words()"
                       for event in ("INSERT", "UPDATE")}


def upgrade():
    op.create_index("ix_cases_category_received", "cases", ["category_id", "received_at"], unique=False)
    op.drop_index("ix_cases_category_id", table_name="cases")
    if op.get_bind().dialect.name == "postgresql":
        for index in GIN_INDEXES:
            op.execute(f"ALTER INDEX {index} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
            op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")
        op.execute("CREATE TABLE case_search_name_words (word text PRIMARY KEY)")
        op.execute("INSERT INTO case_search_name_words (word) "
                   "SELECT DISTINCT unnest(tsvector_to_array(name_vector)) FROM case_search")
        op.execute(NAME_WORDS_FUNCTION)
        for statement in NAME_WORDS_TRIGGERS.values():
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for event in NAME_WORDS_TRIGGERS:
            op.execute(f"DROP TRIGGER case_search_name_words_{event.lower()} ON case_search")
        op.execute("DROP FUNCTION public.portal_case_search_name_words()")
        op.execute("DROP TABLE case_search_name_words")
        for index in GIN_INDEXES:
            op.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
    op.create_index("ix_cases_category_id", "cases", ["category_id"], unique=False)
    op.drop_index("ix_cases_category_received", table_name="cases")
