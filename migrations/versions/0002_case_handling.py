"""case handling: drafts, approval, extension requests, attachments

Revision ID: 0002
Revises: 0001


"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachments_stored_name'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index('ix_attachments_case_id', ['case_id', 'id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_draft', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('approval_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('answer_pending_approval', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('extension_requested_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('extension_requested_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('extension_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('extension_proposed_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_cases_extension_requested_at', ['extension_requested_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cases_extension_requested_by_id_users'), 'users', ['extension_requested_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_cases_duplicate_of_id_cases'), 'cases', ['duplicate_of_id'], ['id'])



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_duplicate_of_id_cases'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_cases_extension_requested_by_id_users'), type_='foreignkey')
        batch_op.drop_index('ix_cases_extension_requested_at')
        batch_op.drop_column('duplicate_of_id')
        batch_op.drop_column('extension_proposed_due_at')
        batch_op.drop_column('extension_reason')
        batch_op.drop_column('extension_requested_by_id')
        batch_op.drop_column('extension_requested_at')
        batch_op.drop_column('answer_pending_approval')
        batch_op.drop_column('approval_required')
        batch_op.drop_column('answer_draft')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_attachments_case_id')

    op.drop_table('attachments')
