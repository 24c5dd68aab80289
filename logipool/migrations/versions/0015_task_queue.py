"""task queue: background jobs, the workers seen, a billing run's stored ZIP

Revision ID: 0015_task_queue
Revises: 0014_audit_trail
"""

import sqlalchemy as sa
from alembic import op

revision = '0015_task_queue'
down_revision = '0014_audit_trail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coordination_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('dedupe_key', sa.String(length=120), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('acting_as', sa.JSON(), nullable=True),
        sa.Column('state', sa.Enum('queued', 'running', 'succeeded', 'failed', name='job_state',
                                   native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('progress', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('result_url', sa.String(length=300), nullable=True),
        sa.Column('error', sa.JSON(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('time_limit_s', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_job_coordination_id_coordination')),
        sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_job_created_by_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_job_dedupe_key')),
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_state'), ['state'], unique=False)
    op.create_table(
        'queue_worker',
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_queue_worker')),
    )
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archive', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('billing_run', schema=None) as batch_op:
        batch_op.drop_column('archive')
    op.drop_table('queue_worker')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_state'))
        batch_op.drop_index(batch_op.f('ix_job_coordination_id'))
    op.drop_table('job')
