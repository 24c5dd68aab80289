"""invoice lines with their real quantities and the computation behind them; public funders' B2G details

Revision ID: 0007_invoice_line_detail
Revises: 0006_token_scope
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_invoice_line_detail'
down_revision = '0006_token_scope'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('funder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('siret', sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column('service_code', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('commitment_number', sa.String(length=50), nullable=True))
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('measure', sa.JSON(), nullable=True))
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_label', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('basis', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.drop_column('basis')
        batch_op.drop_column('unit_label')
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.drop_column('measure')
    with op.batch_alter_table('funder', schema=None) as batch_op:
        batch_op.drop_column('commitment_number')
        batch_op.drop_column('service_code')
        batch_op.drop_column('siret')
