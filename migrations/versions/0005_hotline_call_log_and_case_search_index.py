"""hotline: call log and case search index

The search index is made here by hand, in the database, so that it is kept current whoever writes
to `cases` (the ORM, bulk Core inserts of the demo and the benchmark, plain SQL):
- SQLite: the FTS5 table `case_search` over folded text, filled and kept current by triggers;
- PostgreSQL: `unaccent` behind an IMMUTABLE wrapper; the folded words as tsvectors in the table
  `case_search`, kept current by a trigger on cases, with GIN indexes.
portal/domain/search.py queries them; it and `is_search_index_object` name the same objects.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 04:41:35.355024

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0007'
branch_labels = None
depends_on = None

# SQLite: FTS5 folds case and diacritics itself (remove_diacritics 2 also handles NFD input); đ/Đ are
# letters of their own, so they are replaced first. Two contentless tables (the index keeps no second
# copy of the text; a change is a 'delete' of the old values, then an insert of the new ones):
# `case_search` over name, address, title and content, and `case_search_name` over the name alone, whose
# small word lists answer "is it the caller's name?" without reading every address that says "Đống Đa".
# Prefix indexes of 2 and 3 letters keep "dong da"* as the operator types a few milliseconds at a
# million cases instead of hundreds (the text index is about 2.5 times larger).
_SQLITE_TABLES = {
    "case_search": ("citizen_name", "address", "title", "content"),
    "case_search_name": ("citizen_name",),
}


def _sqlite_folded(columns, row=None):
    return ", ".join(f"replace(replace({row + '.' if row else ''}{column}, 'đ', 'd'), 'Đ', 'D')"
                     for column in columns)


def _sqlite_insert(table, columns, row):
    return (f"INSERT INTO {table}(rowid, {', '.join(columns)}) "
            f"VALUES ({row}.id, {_sqlite_folded(columns, row)});")


def _sqlite_delete(table, columns):
    return (f"INSERT INTO {table}({table}, rowid, {', '.join(columns)}) "
            f"VALUES ('delete', old.id, {_sqlite_folded(columns, 'old')});")


SQLITE_UPGRADE = (
    *(f"CREATE VIRTUAL TABLE {table} USING fts5({', '.join(columns)}, content='', prefix='2 3', "
      "tokenize='unicode61 remove_diacritics 2')" for table, columns in _SQLITE_TABLES.items()),
    *(f"INSERT INTO {table}(rowid, {', '.join(columns)}) SELECT id, {_sqlite_folded(columns)} FROM cases"
      for table, columns in _SQLITE_TABLES.items()),
    "CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN "
    + " ".join(_sqlite_insert(table, columns, "new") for table, columns in _SQLITE_TABLES.items()) + " END",
    "CREATE TRIGGER case_search_update AFTER UPDATE OF citizen_name, address, title, content ON cases BEGIN "
    + " ".join(_sqlite_delete(table, columns) + " " + _sqlite_insert(table, columns, "new")
               for table, columns in _SQLITE_TABLES.items()) + " END",
    "CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN "
    + " ".join(_sqlite_delete(table, columns) for table, columns in _SQLITE_TABLES.items()) + " END",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS case_search_delete",
    "DROP TRIGGER IF EXISTS case_search_update",
    "DROP TRIGGER IF EXISTS case_search_insert",
    "DROP TABLE IF EXISTS case_search_name",
    "DROP TABLE IF EXISTS case_search",
)

# PostgreSQL: unaccent is only STABLE (its dictionary could change), so it is wrapped in an IMMUTABLE
# function that names the dictionary and schema. The folded words of each case are kept as tsvectors
# (configuration 'simple': no stemming, no stop words) in `case_search`, written by a trigger and
# indexed with GIN: phrases ('dong <-> da:*') then match whole words in order, as FTS5 phrases do on
# SQLite, and checking a candidate reads the stored vector instead of folding the case again.
POSTGRES_UPGRADE = (
    "CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public",
    # pg_trgm as agreed for the portal's text search; the case search below needs only unaccent.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
    """CREATE OR REPLACE FUNCTION public.portal_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary,
             normalize(replace(replace(value, 'đ', 'd'), 'Đ', 'D'), NFC))), '[^[:alnum:]]+', ' ', 'g'))
    $$""",
    """CREATE OR REPLACE FUNCTION public.portal_search_vector(value text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT to_tsvector('pg_catalog.simple'::regconfig, coalesce(public.portal_fold(value), ''))
    $$""",
    """CREATE TABLE case_search (
      case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
      name_vector tsvector NOT NULL,
      text_vector tsvector NOT NULL
    )""",
    """INSERT INTO case_search (case_id, name_vector, text_vector)
    SELECT id, public.portal_search_vector(citizen_name),
           public.portal_search_vector(concat_ws(' ', citizen_name, address, title, content)) FROM cases""",
    """CREATE OR REPLACE FUNCTION public.portal_case_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO case_search (case_id, name_vector, text_vector)
      VALUES (NEW.id, public.portal_search_vector(NEW.citizen_name),
              public.portal_search_vector(concat_ws(' ', NEW.citizen_name, NEW.address, NEW.title, NEW.content)))
      ON CONFLICT (case_id) DO UPDATE SET name_vector = EXCLUDED.name_vector, text_vector = EXCLUDED.text_vector;
      RETURN NULL;
    END
    $$""",
    "CREATE TRIGGER case_search_sync AFTER INSERT OR UPDATE OF citizen_name, address, title, content ON cases "
    "FOR EACH ROW EXECUTE FUNCTION public.portal_case_search_sync()",
    "CREATE INDEX ix_case_search_name ON case_search USING gin (name_vector)",
    "CREATE INDEX ix_case_search_text ON case_search USING gin (text_vector)",
)
POSTGRES_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS case_search_sync ON cases",
    "DROP TABLE IF EXISTS case_search",
    "DROP FUNCTION IF EXISTS public.portal_case_search_sync()",
    "DROP FUNCTION IF EXISTS public.portal_search_vector(text)",
    "DROP FUNCTION IF EXISTS public.portal_fold(text)",
    # The extensions stay: other objects may use them, and they cost nothing unused.
)


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('caller_phone', sa.String(length=32), nullable=True),
    sa.Column('caller_phone_digits', sa.String(length=16), nullable=True),
    sa.Column('topic', sa.String(length=16), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_calls_case_id_cases')),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_calls_operator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls'))
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_caller_phone_digits'), ['caller_phone_digits'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_calls_operator_ended', ['operator_id', 'ended_at'], unique=False)
        batch_op.create_index('ix_calls_started_at', ['started_at'], unique=False)

    # ### end Alembic commands ###
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRES_UPGRADE:
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in POSTGRES_DOWNGRADE:
            op.execute(statement)
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_started_at')
        batch_op.drop_index('ix_calls_operator_ended')
        batch_op.drop_index(batch_op.f('ix_calls_case_id'))
        batch_op.drop_index(batch_op.f('ix_calls_caller_phone_digits'))

    op.drop_table('calls')
    # ### end Alembic commands ###
