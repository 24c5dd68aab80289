"""web sign-in: password hash, failed attempts, language and invitation link on the user

Revision ID: 0009_web_sign_in
Revises: 0008_storage_limits
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_web_sign_in'
down_revision = '0008_storage_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('invitation_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('invitation_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_app_user_invitation_hash'), ['invitation_hash'])
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.alter_column('failed_sign_ins', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_app_user_invitation_hash'), type_='unique')
        batch_op.drop_column('invitation_expires_at')
        batch_op.drop_column('invitation_hash')
        batch_op.drop_column('locale')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')
        batch_op.drop_column('password_hash')
