"""hotline: call log and case search index

The search index is made here by hand, in the database, so that it is kept current whoever writes
to `cases` (the ORM, bulk Core inserts of the demo and the benchmark, plain SQL):
- SQLite: the FTS5 table `case_search` over folded text, filled and kept current by triggers;
- PostgreSQL: `unaccent` behind IMMUTABLE wrappers; the folded text in the table `case_search`, kept
  current by a trigger on cases, with `pg_trgm` GIN indexes.
portal/domain/search.py queries them; it and `is_search_index_object` name the same objects.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 04:41:35.355024

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None

# SQLite: FTS5 folds case and diacritics itself (remove_diacritics 2 also handles NFD input); đ/Đ are
# letters of their own, so they are replaced first. Contentless: the index keeps no second copy of
# the text, and a change is a 'delete' of the old values followed by an insert of the new ones.
_SQLITE_FOLD = "replace(replace({}, 'đ', 'd'), 'Đ', 'D')"
_SQLITE_COLUMNS = ("citizen_name", "address", "title", "content")


def _sqlite_values(row):
    return ", ".join(_SQLITE_FOLD.format(f"{row}.{column}" if row else column) for column in _SQLITE_COLUMNS)


SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE case_search USING fts5(citizen_name, address, title, content, content='', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"INSERT INTO case_search(rowid, citizen_name, address, title, content) SELECT id, {_sqlite_values('')} FROM cases",
    "CREATE TRIGGER case_search_insert AFTER INSERT ON cases BEGIN "
    f"INSERT INTO case_search(rowid, citizen_name, address, title, content) VALUES (new.id, {_sqlite_values('new')}); END",
    "CREATE TRIGGER case_search_update AFTER UPDATE OF citizen_name, address, title, content ON cases BEGIN "
    "INSERT INTO case_search(case_search, rowid, citizen_name, address, title, content) "
    f"VALUES ('delete', old.id, {_sqlite_values('old')}); "
    f"INSERT INTO case_search(rowid, citizen_name, address, title, content) VALUES (new.id, {_sqlite_values('new')}); END",
    "CREATE TRIGGER case_search_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO case_search(case_search, rowid, citizen_name, address, title, content) "
    f"VALUES ('delete', old.id, {_sqlite_values('old')}); END",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS case_search_delete",
    "DROP TRIGGER IF EXISTS case_search_update",
    "DROP TRIGGER IF EXISTS case_search_insert",
    "DROP TABLE IF EXISTS case_search",
)

# PostgreSQL: unaccent is only STABLE (its dictionary could change), so it is wrapped in IMMUTABLE
# functions that name the dictionary and schema. Non-letters become spaces and the text is padded with
# spaces, so LIKE '% dong d%' matches at word starts, as FTS5 prefix phrases do on SQLite. The folded
# text is stored in `case_search` (kept by a trigger) rather than indexed as an expression: checking a
# trigram candidate then reads the stored text instead of folding the case again, which at a million
# cases is the difference between milliseconds and seconds.
POSTGRES_UPGRADE = (
    "CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
    """CREATE OR REPLACE FUNCTION public.portal_fold(value text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary,
             normalize(replace(replace(value, 'đ', 'd'), 'Đ', 'D'), NFC))), '[^[:alnum:]]+', ' ', 'g'))
    $$""",
    """CREATE OR REPLACE FUNCTION public.portal_search_words(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT ' ' || coalesce(public.portal_fold(value), '') || ' '
    $$""",
    """CREATE OR REPLACE FUNCTION public.portal_case_search_text(citizen_name text, address text, title text,
                                                             content text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT public.portal_search_words(coalesce(citizen_name, '') || ' ' || coalesce(address, '') || ' ' ||
                                        coalesce(title, '') || ' ' || coalesce(content, ''))
    $$""",
    """CREATE TABLE case_search (
      case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
      name_words text NOT NULL,
      text_words text NOT NULL
    )""",
    """INSERT INTO case_search (case_id, name_words, text_words)
    SELECT id, public.portal_search_words(citizen_name),
           public.portal_case_search_text(citizen_name, address, title, content) FROM cases""",
    """CREATE OR REPLACE FUNCTION public.portal_case_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO case_search (case_id, name_words, text_words)
      VALUES (NEW.id, public.portal_search_words(NEW.citizen_name),
              public.portal_case_search_text(NEW.citizen_name, NEW.address, NEW.title, NEW.content))
      ON CONFLICT (case_id) DO UPDATE SET name_words = EXCLUDED.name_words, text_words = EXCLUDED.text_words;
      RETURN NULL;
    END
    $$""",
    "CREATE TRIGGER case_search_sync AFTER INSERT OR UPDATE OF citizen_name, address, title, content ON cases "
    "FOR EACH ROW EXECUTE FUNCTION public.portal_case_search_sync()",
    "CREATE INDEX ix_case_search_name ON case_search USING gin (name_words public.gin_trgm_ops)",
    "CREATE INDEX ix_case_search_text ON case_search USING gin (text_words public.gin_trgm_ops)",
)
POSTGRES_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS case_search_sync ON cases",
    "DROP TABLE IF EXISTS case_search",
    "DROP FUNCTION IF EXISTS public.portal_case_search_sync()",
    "DROP FUNCTION IF EXISTS public.portal_case_search_text(text, text, text, text)",
    "DROP FUNCTION IF EXISTS public.portal_search_words(text)",
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
