"""storage zones: booking length, horizon and a per-member share

Revision ID: 0008_storage_limits
Revises: 0007_invoice_line_detail
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_storage_limits'
down_revision = '0007_invoice_line_detail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('storage_zone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_booking_days', sa.Integer(), nullable=False, server_default='92'))
        batch_op.add_column(sa.Column('max_horizon_days', sa.Integer(), nullable=False, server_default='365'))
        batch_op.add_column(sa.Column('max_pallets_per_member', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('storage_zone', schema=None) as batch_op:
        batch_op.drop_column('max_pallets_per_member')
        batch_op.drop_column('max_horizon_days')
        batch_op.drop_column('max_booking_days')
