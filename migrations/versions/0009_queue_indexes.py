"""queue indexes: a unit's open cases by deadline, a unit's cases by day received

The queue's default tab lists a unit's open cases (four states) most urgent first. With only
(unit_id, state, due_at) the database reads every open case of the unit and sorts them to show 25;
a department with 5,000 open cases paid that on every request. ix_cases_unit_open_due holds the
open cases alone, in (unit_id, due_at, id) order, so a page is a short index range.

A unit's register (every case it received in a period) read the period's cases of the whole city
and kept the unit's; ix_cases_unit_received_at reads the unit's alone, in the order received.

Plain CREATE/DROP INDEX: no table rebuild (on SQLite a batch rebuild of `cases` would drop the
hotline search triggers).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 07:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OPEN_CONDITION = "state IN ('received', 'assigned', 'in_progress', 'paused')"


def upgrade():
    op.create_index('ix_cases_unit_open_due', 'cases', ['unit_id', 'due_at', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_CONDITION), sqlite_where=sa.text(OPEN_CONDITION))
    op.create_index('ix_cases_unit_received_at', 'cases', ['unit_id', 'received_at'], unique=False)


def downgrade():
    op.drop_index('ix_cases_unit_received_at', table_name='cases')
    op.drop_index('ix_cases_unit_open_due', table_name='cases')
