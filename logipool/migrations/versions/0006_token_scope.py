"""token scope: platform administration as an explicit scope, child tokens tied to their parent

Revision ID: 0006_token_scope
Revises: 0005_route_rounds
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_token_scope'
down_revision = '0005_route_rounds'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_token_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_token_parent_id_api_token'), 'api_token', ['parent_id'],
                                    ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_token_parent_id_api_token'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_token_parent_id'))
        batch_op.drop_column('parent_id')
        batch_op.drop_column('platform')
