"""queue_counts: how many cases each unit holds in each state, kept by triggers (the queue's tab counts)

The triggers and the recount come from portal.domain.tab_counts; the rows start from a recount of
the cases already there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from portal.domain import tab_counts

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'queue_counts',
        sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('cases', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('unit_id', 'state', name=op.f('pk_queue_counts')),
    )
    dialect = op.get_bind().dialect.name
    for statement in tab_counts.trigger_ddl(dialect):
        op.execute(statement)
    for statement in tab_counts.rebuild_sql():
        op.execute(statement)


def downgrade():
    for statement in tab_counts.drop_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('queue_counts')
