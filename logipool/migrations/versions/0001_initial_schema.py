"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('platform_admin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('email', name=op.f('uq_app_user_email'))
    )
    op.create_table('coordination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('siren', sa.String(length=9), nullable=True),
    sa.Column('siret', sa.String(length=14), nullable=True),
    sa.Column('vat_regime', sa.Enum('outside_vat', 'franchise_293b', 'cost_sharing_261b', 'vat_registered', name='vat_regime', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('vat_number', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordination')),
    sa.UniqueConstraint('slug', name=op.f('uq_coordination_slug'))
    )
    op.create_table('funder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('foundation', 'state', 'region', 'department', 'town', 'other', name='funder_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('siren', sa.String(length=9), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_funder_coordination_id_coordination')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funder'))
    )
    with op.batch_alter_table('funder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funder_coordination_id'), ['coordination_id'], unique=False)

    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.Enum('social_grocery', 'parcel_distribution', 'street_outreach', 'community_kitchen', 'network_antenna', 'neighbourhood', 'other', name='member_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('siren', sa.String(length=9), nullable=False),
    sa.Column('siret', sa.String(length=14), nullable=False),
    sa.Column('vat_regime', sa.Enum('outside_vat', 'franchise_293b', 'cost_sharing_261b', 'vat_registered', name='vat_regime', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('vat_number', sa.String(length=20), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('people_served_per_week', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_member_coordination_id_coordination')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('coordination_id', 'siret', name=op.f('uq_member_coordination_id_siret'))
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_coordination_id'), ['coordination_id'], unique=False)

    op.create_table('charge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('funder_id', sa.Integer(), nullable=True),
    sa.Column('source_type', sa.Enum('vehicle_booking', 'storage_booking', 'warehouse_costs', 'order_cycle', 'route_plan', 'manual', name='charge_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('posting_key', sa.String(length=120), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('allocation_key', sa.String(length=60), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('nature', sa.Enum('goods', 'services', name='nature', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('vat_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(member_id IS NULL) <> (funder_id IS NULL)', name=op.f('ck_charge_one_payer')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_charge_period_order')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_charge_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_charge_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['funder_id'], ['funder.id'], name=op.f('fk_charge_funder_id_funder')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_charge_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge')),
    sa.UniqueConstraint('coordination_id', 'posting_key', name=op.f('uq_charge_coordination_id_posting_key'))
    )
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charge_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_funder_id'), ['funder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_charge_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index('ix_charge_member_invoice', ['member_id', 'invoice_id'], unique=False)

    op.create_table('role_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('admin', 'manager', 'member_rep', 'treasurer', 'auditor', name='role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role IN ('member_rep', 'treasurer')) = (member_id IS NOT NULL)", name=op.f('ck_role_grant_member_scope')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_role_grant_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_role_grant_member_id_member')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_role_grant_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant')),
    sa.UniqueConstraint('user_id', 'coordination_id', name=op.f('uq_role_grant_user_id_coordination_id'))
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grant_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_grant_user_id'), ['user_id'], unique=False)

    op.create_table('site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('warehouse', 'supplier', 'supermarket', 'distribution_point', name='site_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('longitude', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=True),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.CheckConstraint('latitude BETWEEN -90 AND 90', name=op.f('ck_site_latitude_range')),
    sa.CheckConstraint('longitude BETWEEN -180 AND 180', name=op.f('ck_site_longitude_range')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_site_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_site_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site'))
    )
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_site_member_id'), ['member_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['grant_id'], ['role_grant.id'], name=op.f('fk_api_token_grant_id_role_grant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_grant_id'), ['grant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_grant_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_member_id'))
        batch_op.drop_index(batch_op.f('ix_site_coordination_id'))

    op.drop_table('site')
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grant_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_grant_coordination_id'))

    op.drop_table('role_grant')
    with op.batch_alter_table('charge', schema=None) as batch_op:
        batch_op.drop_index('ix_charge_member_invoice')
        batch_op.drop_index(batch_op.f('ix_charge_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_charge_funder_id'))
        batch_op.drop_index(batch_op.f('ix_charge_coordination_id'))

    op.drop_table('charge')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_coordination_id'))

    op.drop_table('member')
    with op.batch_alter_table('funder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funder_coordination_id'))

    op.drop_table('funder')
    op.drop_table('coordination')
    op.drop_table('app_user')
