"""search at scale: GIN indexes without a pending list, the words of citizens' names; one service by date

PostgreSQL's GIN indexes take new entries into an unsorted "pending list" (fastupdate) until it
reaches gin_pending_list_limit (4 MB) or a vacuum merges it; every search reads that whole list
first. With bulk loads and a steady stream of new cases the list is full most of the time, and a
hotline search that matches nothing read ~500 pages of it (6 to 20 ms at 200,000 cases). With
fastupdate off each new case updates the index at once (a fraction of a millisecond per case, at
the rate cases are filed), and searches read only the index. The list left by earlier inserts is
merged here. Bulk loads rebuild the indexes instead (portal/domain/search.py,
rebuild_index_postgresql).

Every hotline search by words asks first whether its words are in any citizen's name (most are not,
and the name finders are then skipped). Asking the name index costs the whole posting list of each
word, milliseconds for a common name word ("kim", "dong", "thai": streets are named after people);
`case_search_name_words`, the few thousand distinct words of all names, answers by primary key. The
trigger adds a name's words as cases are written (never removes any: a word no longer in any name only
means the name finders run for nothing).

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

# Migration 0005's trigger function, and the same keeping the name words as well.
SYNC_0005 = """CREATE OR REPLACE FUNCTION public.portal_case_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO case_search (case_id, name_vector, text_vector)
      VALUES (NEW.id, public.portal_search_vector(NEW.citizen_name),
              public.portal_search_vector(concat_ws(' ', NEW.citizen_name, NEW.address, NEW.title, NEW.content)))
      ON CONFLICT (case_id) DO UPDATE SET name_vector = EXCLUDED.name_vector, text_vector = EXCLUDED.text_vector;
      RETURN NULL;
    END
    $$"""
SYNC_0009 = """CREATE OR REPLACE FUNCTION public.portal_case_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      name_vector tsvector := public.portal_search_vector(NEW.citizen_name);
    BEGIN
      INSERT INTO case_search (case_id, name_vector, text_vector)
      VALUES (NEW.id, name_vector,
              public.portal_search_vector(concat_ws(' ', NEW.citizen_name, NEW.address, NEW.title, NEW.content)))
      ON CONFLICT (case_id) DO UPDATE SET name_vector = EXCLUDED.name_vector, text_vector = EXCLUDED.text_vector;
      INSERT INTO case_search_name_words (word) SELECT unnest(tsvector_to_array(name_vector))
      ON CONFLICT DO NOTHING;
      RETURN NULL;
    END
    $$"""


def upgrade():
    op.create_index("ix_cases_category_received", "cases", ["category_id", "received_at"], unique=False)
    op.drop_index("ix_cases_category_id", table_name="cases")
    if op.get_bind().dialect.name == "postgresql":
        for index in GIN_INDEXES:
            op.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
            op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")
        op.execute("CREATE TABLE case_search_name_words (word text PRIMARY KEY)")
        op.execute("INSERT INTO case_search_name_words (word) "
                   "SELECT DISTINCT unnest(tsvector_to_array(name_vector)) FROM case_search")
        op.execute(SYNC_0009)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SYNC_0005)
        op.execute("DROP TABLE case_search_name_words")
        for index in GIN_INDEXES:
            op.execute(f"ALTER INDEX {index} RESET (fastupdate)")
    op.create_index("ix_cases_category_id", "cases", ["category_id"], unique=False)
    op.drop_index("ix_cases_category_received", table_name="cases")
