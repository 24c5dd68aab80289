"""VAT treatment per charge nature: the coordination's choices, each invoice line's treatment,
and disbursements at cost ("débours") as a nature of charge

Existing coordinations choose nothing: every nature follows their VAT regime, as before.

Revision ID: 0010_vat_by_nature
Revises: 0009_web_sign_in
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_vat_by_nature'
down_revision = '0009_web_sign_in'
branch_labels = None
depends_on = None

_TREATMENTS = ('outside_vat', 'franchise_293b', 'cost_sharing_261b', 'vat_registered', 'disbursement')


def _natures(table: str, values: tuple[str, ...]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_nature'), type_='check')
        batch_op.create_check_constraint(
            op.f(f'ck_{table}_nature'), sa.column('nature').in_(values))


def upgrade() -> None:
    with op.batch_alter_table('coordination', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vat_treatments', sa.JSON(), nullable=False, server_default='{}'))
    for table in ('invoice_line', 'invoice_deduction'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('vat_treatment', sa.Enum(
                *_TREATMENTS, name='vat_treatment', native_enum=False, create_constraint=True, length=32),
                nullable=True))
    for table in ('charge', 'invoice_line'):
        _natures(table, ('goods', 'services', 'disbursement'))


def downgrade() -> None:
    for table in ('charge', 'invoice_line'):
        rows = sa.table(table, sa.column('nature'))
        op.execute(rows.update().where(rows.c.nature == 'disbursement').values(nature='services'))
        _natures(table, ('goods', 'services'))
    for table in ('invoice_line', 'invoice_deduction'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_vat_treatment'), type_='check')
            batch_op.drop_column('vat_treatment')
    with op.batch_alter_table('coordination', schema=None) as batch_op:
        batch_op.drop_column('vat_treatments')
