"""a unit's open cases by deadline: partial index for the queue's first page

The queue's default tab lists a unit's open cases (four states) most urgent first. With only
(unit_id, state, due_at) the database reads every open case of the unit and sorts them to show 25;
a department with 5,000 open cases paid that on every request. This index holds the open cases
alone, in (unit_id, due_at, id) order, so a page is a short index range.

Plain CREATE/DROP INDEX: no table rebuild (on SQLite a batch rebuild of `cases` would drop the
hotline search triggers).

Revision ID: 0008_queue_open
Revises: 0005
Create Date: 2026-11-23 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_queue_open'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN_PREDICATE = "state IN ('received', 'assigned', 'in_progress', 'paused')"


def upgrade():
    op.create_index('ix_cases_unit_open_due', 'cases', ['unit_id', 'due_at', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_PREDICATE), sqlite_where=sa.text(OPEN_PREDICATE))


def downgrade():
    op.drop_index('ix_cases_unit_open_due', table_name='cases')
