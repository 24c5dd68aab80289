"""Bank statements and their lines, credits on a customer's account, payments linked to where
their money came from, and each coordination's chart of accounts for the FEC export

Revision ID: 0011_bank_statements
Revises: 0010_vat_by_nature
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_bank_statements'
down_revision = '0010_vat_by_nature'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('file_format', sa.String(length=40), nullable=False),
    sa.Column('statement_id', sa.String(length=140), nullable=False),
    sa.Column('account_iban', sa.String(length=34), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=True),
    sa.Column('to_date', sa.Date(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('lines_count', sa.Integer(), nullable=False),
    sa.Column('duplicates_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_bank_statement_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_bank_statement_created_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement')),
    sa.UniqueConstraint('coordination_id', 'sha256', name=op.f('uq_bank_statement_coordination_id_sha256'))
    )
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_statement_coordination_id'), ['coordination_id'], unique=False)

    op.create_table('chart_of_accounts',
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_chart_of_accounts_coordination_id_coordination')),
    sa.PrimaryKeyConstraint('coordination_id', name=op.f('pk_chart_of_accounts'))
    )
    op.create_table('bank_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('line_key', sa.String(length=200), nullable=False),
    sa.Column('booking_date', sa.Date(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('counterparty_name', sa.String(length=200), nullable=False),
    sa.Column('counterparty_iban', sa.String(length=34), nullable=False),
    sa.Column('remittance', sa.Text(), nullable=False),
    sa.Column('bank_reference', sa.String(length=140), nullable=False),
    sa.Column('state', sa.Enum('unmatched', 'matched', 'ignored', 'debit', name='bank_line_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('match_rule', sa.String(length=20), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('funder_id', sa.Integer(), nullable=True),
    sa.Column('matched_by_id', sa.Integer(), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_cents <> 0', name=op.f('ck_bank_line_nonzero')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_bank_line_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['funder_id'], ['funder.id'], name=op.f('fk_bank_line_funder_id_funder')),
    sa.ForeignKeyConstraint(['matched_by_id'], ['app_user.id'], name=op.f('fk_bank_line_matched_by_id_app_user')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_bank_line_member_id_member')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id'], name=op.f('fk_bank_line_statement_id_bank_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_line')),
    sa.UniqueConstraint('coordination_id', 'line_key', name=op.f('uq_bank_line_coordination_id_line_key'))
    )
    with op.batch_alter_table('bank_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_line_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_funder_id'), ['funder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_statement_id'), ['statement_id'], unique=False)

    op.create_table('account_credit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('funder_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('remaining_cents', sa.BigInteger(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('bank_line_id', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(member_id IS NULL) <> (funder_id IS NULL)', name=op.f('ck_account_credit_one_customer')),
    sa.CheckConstraint('remaining_cents >= 0 AND remaining_cents <= amount_cents', name=op.f('ck_account_credit_remaining')),
    sa.ForeignKeyConstraint(['bank_line_id'], ['bank_line.id'], name=op.f('fk_account_credit_bank_line_id_bank_line')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_account_credit_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['funder_id'], ['funder.id'], name=op.f('fk_account_credit_funder_id_funder')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_account_credit_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_credit'))
    )
    with op.batch_alter_table('account_credit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_credit_bank_line_id'), ['bank_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_credit_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_credit_funder_id'), ['funder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_credit_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('account_credit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_account_credit_id'), ['account_credit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_bank_line_id'), ['bank_line_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_payment_account_credit_id_account_credit'), 'account_credit', ['account_credit_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_payment_bank_line_id_bank_line'), 'bank_line', ['bank_line_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payment_bank_line_id_bank_line'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_payment_account_credit_id_account_credit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payment_bank_line_id'))
        batch_op.drop_index(batch_op.f('ix_payment_account_credit_id'))
        batch_op.drop_column('account_credit_id')
        batch_op.drop_column('bank_line_id')

    with op.batch_alter_table('account_credit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_credit_member_id'))
        batch_op.drop_index(batch_op.f('ix_account_credit_funder_id'))
        batch_op.drop_index(batch_op.f('ix_account_credit_coordination_id'))
        batch_op.drop_index(batch_op.f('ix_account_credit_bank_line_id'))

    op.drop_table('account_credit')
    with op.batch_alter_table('bank_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_line_statement_id'))
        batch_op.drop_index(batch_op.f('ix_bank_line_state'))
        batch_op.drop_index(batch_op.f('ix_bank_line_member_id'))
        batch_op.drop_index(batch_op.f('ix_bank_line_funder_id'))
        batch_op.drop_index(batch_op.f('ix_bank_line_coordination_id'))

    op.drop_table('bank_line')
    op.drop_table('chart_of_accounts')
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_statement_coordination_id'))

    op.drop_table('bank_statement')
