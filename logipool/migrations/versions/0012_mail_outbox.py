"""e-mail outbox: one row per message and recipient with its state, attachments, and each user's
opt-outs of the optional kinds

Revision ID: 0012_mail_outbox
Revises: 0011_bank_statements
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_mail_outbox'
down_revision = '0011_bank_statements'
branch_labels = None
depends_on = None

_KINDS = ('invitation', 'booking_requested', 'booking_confirmed', 'booking_rejected', 'vehicle_due_back',
          'cycle_opened', 'cycle_closing', 'cycle_allocated', 'cycle_delivered', 'invoice_issued',
          'invoice_due_soon', 'invoice_overdue')


def upgrade() -> None:
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum(*_KINDS, name='mail_kind', native_enum=False, create_constraint=True, length=32),
              nullable=False),
    sa.Column('event', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'sent', 'failed', 'refused', name='outbox_state', native_enum=False,
                               create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('smtp_reply', sa.String(length=1000), nullable=True),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_message_attempts')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'],
                            name=op.f('fk_outbox_message_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_outbox_message_user_id_app_user'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('event', 'recipient', name=op.f('uq_outbox_message_event_recipient'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index('ix_outbox_message_due', ['state', 'next_attempt_at'], unique=False)

    op.create_table('outbox_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(content IS NULL) <> (invoice_id IS NULL)', name=op.f('ck_outbox_attachment_one_source')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_outbox_attachment_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'],
                            name=op.f('fk_outbox_attachment_message_id_outbox_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachment'))
    )
    with op.batch_alter_table('outbox_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attachment_message_id'), ['message_id'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_opt_outs', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('mail_opt_outs')
    with op.batch_alter_table('outbox_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attachment_message_id'))
    op.drop_table('outbox_attachment')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_due')
        batch_op.drop_index(batch_op.f('ix_outbox_message_coordination_id'))
    op.drop_table('outbox_message')
