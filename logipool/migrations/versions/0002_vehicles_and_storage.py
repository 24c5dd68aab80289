"""vehicles and storage

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vehicle_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_kind', sa.Enum('van', 'truck', 'refrigerated_truck', name='vehicle_kind', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('max_hours_per_week', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_vehicle_quota_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_vehicle_quota_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle_quota'))
    )
    with op.batch_alter_table('vehicle_quota', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_quota_coordination_id'), ['coordination_id'], unique=False)

    op.create_table('storage_zone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('temperature_class', sa.Enum('ambient', 'chilled', 'frozen', name='temperature_class', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('capacity_pallets', sa.Integer(), nullable=False),
    sa.Column('area_m2', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('cost_per_pallet_day_cents', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('capacity_pallets > 0', name=op.f('ck_storage_zone_capacity')),
    sa.CheckConstraint('cost_per_pallet_day_cents >= 0', name=op.f('ck_storage_zone_cost')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_storage_zone_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_storage_zone_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_zone'))
    )
    with op.batch_alter_table('storage_zone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_zone_coordination_id'), ['coordination_id'], unique=False)

    op.create_table('vehicle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('plate', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.Enum('van', 'truck', 'refrigerated_truck', name='vehicle_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('capacity_kg', sa.Integer(), nullable=False),
    sa.Column('capacity_m3', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('capacity_pallets', sa.Integer(), nullable=False),
    sa.Column('chilled', sa.Boolean(), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('home_site_id', sa.Integer(), nullable=True),
    sa.Column('owner_member_id', sa.Integer(), nullable=True),
    sa.Column('fixed_cost_per_day_cents', sa.Integer(), nullable=False),
    sa.Column('cost_per_hour_cents', sa.Integer(), nullable=False),
    sa.Column('cost_per_km_cents', sa.Integer(), nullable=False),
    sa.Column('buffer_minutes', sa.Integer(), nullable=False),
    sa.Column('auto_confirm', sa.Boolean(), nullable=False),
    sa.Column('odometer_km', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('buffer_minutes >= 0', name=op.f('ck_vehicle_buffer')),
    sa.CheckConstraint('capacity_kg >= 0 AND capacity_pallets >= 0 AND capacity_m3 >= 0', name=op.f('ck_vehicle_capacities')),
    sa.CheckConstraint('fixed_cost_per_day_cents >= 0 AND cost_per_hour_cents >= 0 AND cost_per_km_cents >= 0', name=op.f('ck_vehicle_costs')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_vehicle_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['home_site_id'], ['site.id'], name=op.f('fk_vehicle_home_site_id_site')),
    sa.ForeignKeyConstraint(['owner_member_id'], ['member.id'], name=op.f('fk_vehicle_owner_member_id_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle')),
    sa.UniqueConstraint('coordination_id', 'plate', name=op.f('uq_vehicle_coordination_id_plate'))
    )
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_coordination_id'), ['coordination_id'], unique=False)

    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(vehicle_id IS NULL) <> (member_id IS NULL)', name=op.f('ck_calendar_feed_one_subject')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_calendar_feed_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_calendar_feed_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_calendar_feed_member_id_member')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_calendar_feed_vehicle_id_vehicle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash'))
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_coordination_id'), ['coordination_id'], unique=False)

    op.create_table('storage_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('pallets', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'cancelled', name='storage_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('charged_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_storage_booking_period_order')),
    sa.CheckConstraint('pallets > 0', name=op.f('ck_storage_booking_pallets')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_storage_booking_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_storage_booking_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_storage_booking_member_id_member')),
    sa.ForeignKeyConstraint(['zone_id'], ['storage_zone.id'], name=op.f('fk_storage_booking_zone_id_storage_zone')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_booking'))
    )
    with op.batch_alter_table('storage_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_booking_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storage_booking_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_storage_booking_zone_period', ['zone_id', 'start_at', 'end_at'], unique=False)

    op.create_table('vehicle_blackout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_vehicle_blackout_period_order')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_vehicle_blackout_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_vehicle_blackout_vehicle_id_vehicle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle_blackout'))
    )
    with op.batch_alter_table('vehicle_blackout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_blackout_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_blackout_vehicle_id'), ['vehicle_id'], unique=False)

    op.create_table('vehicle_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coordination_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('block_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('requested', 'confirmed', 'checked_out', 'returned', 'rejected', 'cancelled', name='booking_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('series_id', sa.String(length=32), nullable=True),
    sa.Column('decision_reason', sa.String(length=300), nullable=True),
    sa.Column('checkout_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checkout_odometer_km', sa.Integer(), nullable=True),
    sa.Column('return_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_odometer_km', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('block_end >= end_at', name=op.f('ck_vehicle_booking_block_after_end')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_vehicle_booking_period_order')),
    sa.ForeignKeyConstraint(['coordination_id'], ['coordination.id'], name=op.f('fk_vehicle_booking_coordination_id_coordination')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_vehicle_booking_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_vehicle_booking_member_id_member')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['vehicle.id'], name=op.f('fk_vehicle_booking_vehicle_id_vehicle')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle_booking'))
    )
    with op.batch_alter_table('vehicle_booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_booking_coordination_id'), ['coordination_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_booking_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_booking_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_vehicle_booking_vehicle_period', ['vehicle_id', 'start_at', 'block_end'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # Second guard behind the row lock: two bookings holding the same vehicle can never
        # overlap, whatever the application does.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE vehicle_booking ADD CONSTRAINT ex_vehicle_booking_no_overlap "
            "EXCLUDE USING gist (vehicle_id WITH =, tstzrange(start_at, block_end, '[)') WITH &&) "
            "WHERE (status IN ('confirmed', 'checked_out', 'returned'))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE vehicle_booking DROP CONSTRAINT ex_vehicle_booking_no_overlap")
    with op.batch_alter_table('vehicle_booking', schema=None) as batch_op:
        batch_op.drop_index('ix_vehicle_booking_vehicle_period')
        batch_op.drop_index(batch_op.f('ix_vehicle_booking_series_id'))
        batch_op.drop_index(batch_op.f('ix_vehicle_booking_member_id'))
        batch_op.drop_index(batch_op.f('ix_vehicle_booking_coordination_id'))

    op.drop_table('vehicle_booking')
    with op.batch_alter_table('vehicle_blackout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_blackout_vehicle_id'))
        batch_op.drop_index(batch_op.f('ix_vehicle_blackout_coordination_id'))

    op.drop_table('vehicle_blackout')
    with op.batch_alter_table('storage_booking', schema=None) as batch_op:
        batch_op.drop_index('ix_storage_booking_zone_period')
        batch_op.drop_index(batch_op.f('ix_storage_booking_member_id'))
        batch_op.drop_index(batch_op.f('ix_storage_booking_coordination_id'))

    op.drop_table('storage_booking')
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_coordination_id'))

    op.drop_table('calendar_feed')
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_coordination_id'))

    op.drop_table('vehicle')
    with op.batch_alter_table('storage_zone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storage_zone_coordination_id'))

    op.drop_table('storage_zone')
    with op.batch_alter_table('vehicle_quota', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_quota_coordination_id'))

    op.drop_table('vehicle_quota')
