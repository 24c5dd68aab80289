"""API contract: the first response to each Idempotency-Key (per coordination and user), and a
vehicle booking's revision (sequence, last change) for calendar clients

Revision ID: 0016_api_contract
Revises: 0015_task_queue
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_api_contract'
down_revision = '0015_task_queue'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'idempotent_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coordination_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'],
                                name=op.f('fk_idempotent_request_coordination_id_coordination'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'],
                                name=op.f('fk_idempotent_request_user_id_app_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_request')),
        sa.UniqueConstraint('coordination_id', 'user_id', 'key',
                            name=op.f('uq_idempotent_request_coordination_id_user_id_key')),
    )
    with op.batch_alter_table('idempotent_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotent_request_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_idempotent_request_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('vehicle_booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    bookings = sa.table('vehicle_booking', sa.column('created_at'), sa.column('updated_at'))
    op.execute(bookings.update().values(updated_at=bookings.c.created_at))
    with op.batch_alter_table('vehicle_booking', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('vehicle_booking', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('sequence')
    op.drop_table('idempotent_request')
