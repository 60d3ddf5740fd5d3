"""figure_marks: one row the triggers bump on every write the compliance pages read

The compliance pages keep what they computed per worker (portal.compliance.cache) and serve it again
while `figure_marks.version` and the clock say nothing it read has changed (portal.domain.freshness
explains why a row updated in the writer's transaction, not a sequence, makes that exact). The
triggers come from portal.domain.freshness; the row starts at version 1.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 15:00:00

"""
from alembic import op
import sqlalchemy as sa

from portal.domain import freshness

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'figure_marks',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('units_version', sa.BigInteger(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_marks')),
    )
    op.execute(f"INSERT INTO figure_marks (id, version, units_version) VALUES ({freshness.MARK_ROW}, 1, 1)")
    for statement in freshness.trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in freshness.drop_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('figure_marks')
