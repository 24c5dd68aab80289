"""vehicle bookings made for the pooled rounds

Revision ID: 0005_rounds_bookings
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_rounds_bookings'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('vehicle_booking') as batch:
        batch.add_column(sa.Column('for_rounds', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('vehicle_booking') as batch:
        batch.drop_column('for_rounds')
