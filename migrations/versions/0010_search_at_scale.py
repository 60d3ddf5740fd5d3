"""search at scale: the case search's GIN indexes without a pending list; one service's requests by date

PostgreSQL's GIN indexes take new entries into an unsorted "pending list" (fastupdate) until it
reaches gin_pending_list_limit (4 MB) or a vacuum merges it; every search reads that whole list
first. With bulk loads and a steady stream of new cases the list is full most of the time, and a
hotline search that matches nothing read ~500 pages of it (6 to 20 ms at 200,000 cases). With
fastupdate off each new case updates the index at once (a fraction of a millisecond per case, at
the rate cases are filed), and searches read only the index. The list left by earlier inserts is
merged here. Bulk loads rebuild the indexes instead (portal/domain/search.py,
rebuild_index_postgresql).

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


def upgrade():
    op.create_index("ix_cases_category_received", "cases", ["category_id", "received_at"], unique=False)
    op.drop_index("ix_cases_category_id", table_name="cases")
    if op.get_bind().dialect.name == "postgresql":
        for index in GIN_INDEXES:
            op.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
            op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for index in GIN_INDEXES:
            op.execute(f"ALTER INDEX {index} RESET (fastupdate)")
    op.create_index("ix_cases_category_id", "cases", ["category_id"], unique=False)
    op.drop_index("ix_cases_category_received", table_name="cases")
