"""The audit trail: one append-only row per change of an audited row

An UPDATE of an event is refused by a trigger on both databases.

Revision ID: 0014_audit_trail
Revises: 0013_getting_paid
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_audit_trail'
down_revision = '0013_getting_paid'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('coordination_id', sa.Integer(), nullable=True),
        sa.Column('member_id', sa.Integer(), nullable=True),
        sa.Column('entity', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('actor_kind', sa.String(length=10), nullable=False),
        sa.Column('actor_user_id', sa.Integer(), nullable=True),
        sa.Column('actor_token_id', sa.Integer(), nullable=True),
        sa.Column('actor_platform', sa.Boolean(), nullable=False),
        sa.Column('actor_detail', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(op.f('ix_audit_event_actor_user_id'), ['actor_user_id'], unique=False)
        batch_op.create_index('ix_audit_event_coordination_entity', ['coordination_id', 'entity', 'entity_id'],
                              unique=False)
        batch_op.create_index('ix_audit_event_coordination_member', ['coordination_id', 'member_id'], unique=False)
        batch_op.create_index('ix_audit_event_coordination_at', ['coordination_id', 'at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$")
        op.execute("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_event_no_update" + (
        " ON audit_event" if op.get_bind().dialect.name == 'postgresql' else ""))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION audit_event_append_only()")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_coordination_at')
        batch_op.drop_index('ix_audit_event_coordination_member')
        batch_op.drop_index('ix_audit_event_coordination_entity')
        batch_op.drop_index(op.f('ix_audit_event_actor_user_id'))
    op.drop_table('audit_event')
