"""vehicle bookings made for the pooled rounds; route plans' heartbeat

Revision ID: 0005_route_rounds
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_route_rounds'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('vehicle_booking') as batch:
        batch.add_column(sa.Column('for_rounds', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('route_plan') as batch:
        batch.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('route_plan') as batch:
        batch.drop_column('heartbeat_at')
    with op.batch_alter_table('vehicle_booking') as batch:
        batch.drop_column('for_rounds')
