"""getting paid: payment references, SEPA mandates and direct-debit files, refunds of credit
notes, reminder letters and their schedule

Existing invoices keep no payment reference (they were issued without one); coordinations get
the default reminder schedule (10 and 30 days after the due date).

Revision ID: 0013_getting_paid
Revises: 0012_mail_outbox
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_getting_paid'
down_revision = '0012_mail_outbox'
branch_labels = None
depends_on = None


def _created() -> list:
    return [sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table('coordination', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sepa_creditor_id', sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column('reminder_first_days', sa.Integer(), nullable=False, server_default='10'))
        batch_op.add_column(sa.Column('reminder_second_days', sa.Integer(), nullable=False, server_default='30'))
    op.create_table(
        'sepa_mandate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coordination_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=35), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=False),
        sa.Column('iban', sa.String(length=34), nullable=False),
        sa.Column('bic', sa.String(length=11), nullable=False),
        sa.Column('account_holder', sa.String(length=70), nullable=False),
        sa.Column('sequence', sa.Enum('FRST', 'RCUR', name='mandate_sequence', native_enum=False,
                                      create_constraint=True, length=32), nullable=False),
        sa.Column('revoked_on', sa.Date(), nullable=True),
        *_created(),
        sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'],
                                name=op.f('fk_sepa_mandate_coordination_id_coordination')),
        sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_sepa_mandate_member_id_member')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sepa_mandate')),
        sa.UniqueConstraint('coordination_id', 'reference', name=op.f('uq_sepa_mandate_coordination_id_reference')),
    )
    op.create_index(op.f('ix_sepa_mandate_coordination_id'), 'sepa_mandate', ['coordination_id'])
    op.create_index(op.f('ix_sepa_mandate_member_id'), 'sepa_mandate', ['member_id'])
    op.create_table(
        'direct_debit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coordination_id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=35), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('total_cents', sa.BigInteger(), nullable=False),
        sa.Column('xml', sa.LargeBinary(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        *_created(),
        sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'],
                                name=op.f('fk_direct_debit_coordination_id_coordination')),
        sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_direct_debit_created_by_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_direct_debit')),
    )
    op.create_index(op.f('ix_direct_debit_coordination_id'), 'direct_debit', ['coordination_id'])
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_reference', sa.String(length=25), nullable=True))
        batch_op.add_column(sa.Column('mandate_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('debit_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('direct_debit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refunded_cents', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('late_penalty_rate', sa.Numeric(precision=5, scale=2), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_invoice_payment_reference'), ['payment_reference'])
        batch_op.create_index(batch_op.f('ix_invoice_mandate_id'), ['mandate_id'])
        batch_op.create_index(batch_op.f('ix_invoice_direct_debit_id'), ['direct_debit_id'])
        batch_op.create_foreign_key(batch_op.f('fk_invoice_mandate_id_sepa_mandate'), 'sepa_mandate',
                                    ['mandate_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_invoice_direct_debit_id_direct_debit'), 'direct_debit',
                                    ['direct_debit_id'], ['id'])
    op.create_table(
        'refund',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coordination_id', sa.Integer(), nullable=False),
        sa.Column('credit_note_id', sa.Integer(), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('method', sa.String(length=30), nullable=False),
        sa.Column('reference', sa.String(length=100), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        *_created(),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_refund_positive')),
        sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'],
                                name=op.f('fk_refund_coordination_id_coordination')),
        sa.ForeignKeyConstraint(['credit_note_id'], ['invoice.id'], name=op.f('fk_refund_credit_note_id_invoice')),
        sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_refund_created_by_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    )
    op.create_index(op.f('ix_refund_coordination_id'), 'refund', ['coordination_id'])
    op.create_index(op.f('ix_refund_credit_note_id'), 'refund', ['credit_note_id'])
    op.create_table(
        'invoice_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coordination_id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.Column('days_late', sa.Integer(), nullable=False),
        sa.Column('remaining_cents', sa.BigInteger(), nullable=False),
        sa.Column('penalty_cents', sa.BigInteger(), nullable=False),
        sa.Column('indemnity_cents', sa.BigInteger(), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        *_created(),
        sa.CheckConstraint('level IN (1, 2)', name=op.f('ck_invoice_reminder_level')),
        sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'],
                                name=op.f('fk_invoice_reminder_coordination_id_coordination')),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_reminder_invoice_id_invoice')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_reminder')),
        sa.UniqueConstraint('invoice_id', 'level', name=op.f('uq_invoice_reminder_invoice_id_level')),
    )
    op.create_index(op.f('ix_invoice_reminder_coordination_id'), 'invoice_reminder', ['coordination_id'])
    op.create_index(op.f('ix_invoice_reminder_invoice_id'), 'invoice_reminder', ['invoice_id'])


def downgrade() -> None:
    op.drop_table('invoice_reminder')
    op.drop_table('refund')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invoice_direct_debit_id_direct_debit'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_invoice_mandate_id_sepa_mandate'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invoice_direct_debit_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_mandate_id'))
        batch_op.drop_constraint(batch_op.f('uq_invoice_payment_reference'), type_='unique')
        batch_op.drop_column('late_penalty_rate')
        batch_op.drop_column('refunded_cents')
        batch_op.drop_column('direct_debit_id')
        batch_op.drop_column('debit_on')
        batch_op.drop_column('mandate_id')
        batch_op.drop_column('payment_reference')
    op.drop_table('direct_debit')
    op.drop_table('sepa_mandate')
    with op.batch_alter_table('coordination', schema=None) as batch_op:
        batch_op.drop_column('reminder_second_days')
        batch_op.drop_column('reminder_first_days')
        batch_op.drop_column('sepa_creditor_id')
