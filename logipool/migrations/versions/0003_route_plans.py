"""route plans

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('route_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'solved', 'failed', 'accepted', 'executed', name='plan_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('share_method', sa.String(length=40), nullable=False),
    sa.Column('time_limit_s', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('problem', sa.JSON(), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('geojson', sa.JSON(), nullable=True),
    sa.Column('svg', sa.Text(), nullable=True),
    sa.Column('runsheet_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_route_plan_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_route_plan_created_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_plan'))
    )
    with op.batch_alter_table('route_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_route_plan_coordination_id'), ['coordination_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('route_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_route_plan_coordination_id'))

    op.drop_table('route_plan')
