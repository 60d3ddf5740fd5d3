"""compliance figures rolled up per unit subtree and day, kept by triggers; handling time per case

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-23 08:00:00

The trigger and recount SQL come from portal.domain.rollups, the one place a case's contribution to
the figures is written; this migration installs them and counts the cases already there.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from portal.domain import rollups
from portal.domain.working_time import WorkingCalendar

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN_CONDITION = "state IN ('received', 'assigned', 'in_progress', 'paused')"


def upgrade():
    dialect = op.get_bind().dialect.name
    # Plain ALTER TABLE ADD COLUMN: no batch copy of `cases`, so the search triggers of 0005 stay.
    op.add_column('cases', sa.Column('handling_seconds', sa.Integer(), nullable=True))
    op.create_index('ix_cases_open_due', 'cases', ['due_at', 'unit_id', 'received_at', 'paused_at', 'state'], unique=False,
                    sqlite_where=sa.text(OPEN_CONDITION), postgresql_where=sa.text(OPEN_CONDITION))
    op.create_table(
        'figure_rollups',
        sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('grain', sa.String(length=1), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in rollups.count_columns()],
        sa.PrimaryKeyConstraint('unit_id', 'grain', 'day', name=op.f('pk_figure_rollups')),
    )
    op.create_table(
        'overdue_snapshots',
        sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('open_overdue', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('unit_id', 'day', name=op.f('pk_overdue_snapshots')),
    )
    _measure_answered_cases()
    for statement in rollups.trigger_ddl(dialect):
        op.execute(statement)
    for statement in rollups.rebuild_sql(dialect):
        op.execute(statement)


def _measure_answered_cases():
    """Working seconds from receipt to answer of the cases answered before this revision."""
    bind = op.get_bind()
    exceptions = bind.execute(sa.text("SELECT day, kind FROM calendar_exceptions")).all()
    as_day = lambda value: value if not isinstance(value, str) else datetime.fromisoformat(value).date()  # noqa: E731
    calendar = WorkingCalendar(days_off=[as_day(day) for day, kind in exceptions if kind == "day_off"],
                               working_days=[as_day(day) for day, kind in exceptions if kind == "working_day"])
    rows = bind.execute(sa.text("SELECT id, received_at, answered_at FROM cases WHERE answered_at IS NOT NULL")).all()

    def aware(value):
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        return value.replace(tzinfo=timezone.utc)

    measured = [{"id": row.id, "seconds": max(0, int(calendar.working_seconds_between(aware(row.received_at),
                                                                                       aware(row.answered_at))))}
                for row in rows]
    if measured:
        bind.execute(sa.text("UPDATE cases SET handling_seconds = :seconds WHERE id = :id"), measured)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in rollups.drop_trigger_ddl(dialect):
        op.execute(statement)
    op.drop_table('overdue_snapshots')
    op.drop_table('figure_rollups')
    op.drop_index('ix_cases_open_due', table_name='cases')
    # DROP COLUMN without a batch copy (SQLite 3.35+), so the search triggers stay.
    op.execute("ALTER TABLE cases DROP COLUMN handling_seconds")
