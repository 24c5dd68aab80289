"""Shared vehicles: bookings that never double-book, approval, check-out and return, costs.

Every booking write locks the vehicle's row first (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite the write transaction already began with ``BEGIN IMMEDIATE``), then checks blackouts
and the bookings that hold the vehicle, so two requests for the same slot are decided one
after the other. On PostgreSQL an exclusion constraint guards the same rule in the database.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask import current_app
from sqlalchemy import Select, bindparam, literal, select, union_all
from sqlalchemy.orm import Session

import invoices.i18n as fr

from ..auth import READERS, STAFF, Principal, require
from ..db import utcnow
from ..errors import Conflict, InvalidInput, NotFound, ServiceError
from ..models import (
    HOLDING_STATUSES,
    BookingStatus,
    ChargeSource,
    Member,
    Nature,
    Role,
    Site,
    Vehicle,
    VehicleBlackout,
    VehicleBooking,
    VehicleQuota,
)
from ..timeline import free_gaps, overlaps
from . import mail
from .crud import Resource, by_start, own_member_only, period_filters, refers
from .directory import member_in_coordination
from .ledger import ChargeDraft, Payer, post_charges

BOOKERS = (Role.ADMIN, Role.MANAGER, Role.MEMBER_REP)
MAX_OCCURRENCES = 500
# Check-out and return: when they may be recorded, and what distance is plausible
MAX_KMH = 130  # a return reading beyond this average speed since the check-out is refused
ODOMETER_SLACK_KM = 5  # readings are rounded to the km: this much more is always accepted
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of the server's clock a reading's time may be
MEMBER_RECORDS_BACK = timedelta(hours=24)  # a representative records what happened since yesterday
STAFF_RECORDS_BACK = timedelta(days=31)  # staff may record the history of the last month
EARLY_CHECKOUT = timedelta(hours=12)  # a vehicle may leave this long before its booking starts
LATE_RETURN = timedelta(days=7)  # and come back this long after its booking ends


class QuotaExceeded(ServiceError):
    status = 422
    slug = "quota-exceeded"


# Vehicles as a resource ----------------------------------------------------------------------


def _check_vehicle(session: Session, principal: Principal, vehicle: Vehicle) -> None:
    vehicle.plate = vehicle.plate.upper()
    member_in_coordination(session, principal, vehicle.owner_member_id, "owner_member_id")
    if vehicle.home_site_id is not None:
        site = session.get(Site, vehicle.home_site_id)
        if site is None or site.coordination_id != principal.coordination_id:
            raise InvalidInput.field("home_site_id", f"No site {vehicle.home_site_id} in this coordination.")
    if vehicle.id is not None:
        _apply_buffer(session, vehicle)


def _apply_buffer(session: Session, vehicle: Vehicle) -> None:
    """The vehicle's buffer holds for its bookings not yet over: a changed buffer moves their
    ``block_end``, and is refused, with the collisions listed, if they would then overlap each
    other or a blackout. (The update locked the vehicle's row, as every booking write does.)"""
    buffer = timedelta(minutes=vehicle.buffer_minutes)
    with session.no_autoflush:
        upcoming = session.scalars(select(VehicleBooking).where(
            VehicleBooking.vehicle_id == vehicle.id, VehicleBooking.status.in_(HOLDING_STATUSES),
            VehicleBooking.block_end > utcnow()).order_by(VehicleBooking.start_at)).all()
        moved = [(b, b.end_at + buffer) for b in upcoming if b.block_end != b.end_at + buffer]
        collisions = []
        for booking, block_end in moved:
            other, blackout = conflicts(session, vehicle, booking.start_at, block_end, exclude_id=booking.id)
            if other is not None or blackout is not None:
                collisions.append({
                    "booking_id": booking.id, "blocked_until": block_end.isoformat(),
                    "conflicting_booking_id": other.id if other is not None else None,
                    "blackout_id": blackout.id if blackout is not None else None,
                })
    if collisions:
        raise Conflict(
            f"With a buffer of {vehicle.buffer_minutes} min, {len(collisions)} booking(s) of {vehicle.name} would "
            "overlap the next booking or a blackout: move or cancel them first.",
            extra={"conflicts": collisions},
        )
    for booking, block_end in moved:
        booking.block_end = block_end


def _vehicle_in_use(session: Session, vehicle: Vehicle) -> str | None:
    if refers(session, VehicleBooking, VehicleBooking.vehicle_id, vehicle.id):
        return "it has bookings."
    return None


VEHICLES = Resource(
    model=Vehicle, label="vehicle", write_roles=STAFF, read_roles=READERS, check=_check_vehicle, in_use=_vehicle_in_use
)


def _check_quota(session: Session, principal: Principal, quota: VehicleQuota) -> None:
    member_in_coordination(session, principal, quota.member_id)


QUOTAS = Resource(model=VehicleQuota, label="quota", write_roles=STAFF, read_roles=READERS, check=_check_quota)


# Reading bookings ----------------------------------------------------------------------------


def _visible(principal: Principal, stmt: Select) -> Select:
    return own_member_only(principal, stmt, VehicleBooking.member_id)


BOOKINGS = Resource(
    model=VehicleBooking,
    label="booking",
    write_roles=(),
    read_roles=READERS,
    visible=_visible,
    filters=period_filters(VehicleBooking),
    ordering=by_start,
)


def list_bookings(session: Session, principal: Principal, args: dict) -> dict:
    return BOOKINGS.list(session, principal, args)


def get_booking(session: Session, principal: Principal, booking_id: int) -> VehicleBooking:
    return BOOKINGS.get(session, principal, booking_id)


# The rules -----------------------------------------------------------------------------------


_LOCK_VEHICLE = (
    select(Vehicle)
    .where(Vehicle.id == bindparam("vehicle_id"), Vehicle.coordination_id == bindparam("coordination_id"))
    .with_for_update()
)


def lock_vehicle(session: Session, principal: Principal, vehicle_id: int, *, field="vehicle_id") -> Vehicle:
    vehicle = session.scalars(
        _LOCK_VEHICLE, {"vehicle_id": vehicle_id, "coordination_id": principal.coordination_id}
    ).first()
    if vehicle is None:
        raise InvalidInput.field(field, f"No vehicle {vehicle_id} in this coordination.")
    return vehicle


def _booking_member(session: Session, principal: Principal, member_id: int | None) -> Member:
    if principal.role == Role.MEMBER_REP:
        if member_id is not None and member_id != principal.member_id:
            raise InvalidInput.field("member_id", "A representative books for its own member only.")
        member_id = principal.member_id
    if member_id is None:
        raise InvalidInput.field("member_id", "Say which member the booking is for.")
    member = member_in_coordination(session, principal, member_id)
    if not member.active:
        raise InvalidInput.field("member_id", f"Member {member_id} is deactivated.")
    return member


def _check_period(principal: Principal, start: datetime, end: datetime, now: datetime) -> None:
    if end <= start:
        raise InvalidInput.field("end", "A booking must end after it starts.")
    if end - start > timedelta(days=31):
        raise InvalidInput.field("end", "A booking lasts at most 31 days; book a series for longer needs.")
    if start < now - timedelta(minutes=5) and principal.role not in STAFF:
        raise InvalidInput.field("start", "This is in the past: only staff record past bookings.")


# Built once (booking writes are the hot path): what would overlap [start, block_end) on a vehicle.
_CLASHES = union_all(
    select(literal("booking").label("kind"), VehicleBooking.id, VehicleBooking.start_at).where(
        VehicleBooking.vehicle_id == bindparam("vehicle_id"),
        VehicleBooking.status.in_(HOLDING_STATUSES),
        VehicleBooking.start_at < bindparam("block_end"),
        VehicleBooking.block_end > bindparam("start"),
        VehicleBooking.id != bindparam("exclude_id"),
    ),
    select(literal("blackout").label("kind"), VehicleBlackout.id, VehicleBlackout.start_at).where(
        VehicleBlackout.vehicle_id == bindparam("vehicle_id"),
        VehicleBlackout.start_at < bindparam("block_end"),
        VehicleBlackout.end_at > bindparam("start"),
    ),
)


def conflicts(
    session: Session, vehicle: Vehicle, start: datetime, block_end: datetime, *, exclude_id: int | None = None
) -> tuple[VehicleBooking | None, VehicleBlackout | None]:
    """The first holding booking or blackout that ``[start, block_end)`` would overlap."""
    rows = session.execute(
        _CLASHES, {"vehicle_id": vehicle.id, "start": start, "block_end": block_end, "exclude_id": exclude_id or 0}
    ).all()
    if not rows:
        return None, None
    blackout = next((r for r in rows if r.kind == "blackout"), None)
    if blackout is not None:
        return None, session.get(VehicleBlackout, blackout.id)
    first = min(rows, key=lambda r: r.start_at)
    return session.get(VehicleBooking, first.id), None


def _conflict_error(booking: VehicleBooking | None, blackout: VehicleBlackout | None) -> Conflict:
    if blackout is not None:
        return Conflict(
            f"The vehicle is unavailable then: {blackout.reason} "
            f"({blackout.start_at:%Y-%m-%d %H:%M}–{blackout.end_at:%Y-%m-%d %H:%M} UTC).",
            extra={
                "conflict": {
                    "blackout_id": blackout.id,
                    "start": blackout.start_at.isoformat(),
                    "end": blackout.end_at.isoformat(),
                    "reason": blackout.reason,
                }
            },
        )
    return Conflict(
        f"The vehicle is already booked then (booking {booking.id}, "
        f"{booking.start_at:%Y-%m-%d %H:%M}–{booking.block_end:%Y-%m-%d %H:%M} UTC with its buffer).",
        extra={
            "conflict": {
                "booking_id": booking.id,
                "start": booking.start_at.isoformat(),
                "end": booking.end_at.isoformat(),
                "blocked_until": booking.block_end.isoformat(),
                "status": booking.status.value,
            }
        },
    )


def _week_bounds(moment: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    local = moment.astimezone(tz)
    monday = datetime(local.year, local.month, local.day, tzinfo=tz) - timedelta(days=local.weekday())
    return monday.astimezone(UTC), (monday + timedelta(days=7)).astimezone(UTC)


def _check_quota_for(
    session: Session,
    vehicle: Vehicle,
    member_id: int,
    start: datetime,
    end: datetime,
    pending: list[tuple[datetime, datetime]] | None = None,
) -> None:
    quotas = session.scalars(
        select(VehicleQuota).where(
            VehicleQuota.coordination_id == vehicle.coordination_id,
            (VehicleQuota.member_id == member_id) | VehicleQuota.member_id.is_(None),
            (VehicleQuota.vehicle_kind == vehicle.kind) | VehicleQuota.vehicle_kind.is_(None),
        )
    ).all()
    if not quotas:
        return
    # a quota counts the member's bookings on every vehicle of a kind, which the vehicle's lock
    # does not cover: the member's row is locked too, so one member's bookings are counted one
    # after the other (SQLite's write transactions are serial already)
    session.execute(select(Member.id).where(Member.id == member_id).with_for_update())
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    week_start, week_end = _week_bounds(start, tz)
    for quota in quotas:
        stmt = (
            select(VehicleBooking.start_at, VehicleBooking.end_at)
            .join(Vehicle)
            .where(
                VehicleBooking.member_id == member_id,
                VehicleBooking.status.in_((BookingStatus.REQUESTED, *HOLDING_STATUSES)),
                VehicleBooking.start_at < week_end,
                VehicleBooking.end_at > week_start,
            )
        )
        if quota.vehicle_kind is not None:
            stmt = stmt.where(Vehicle.kind == quota.vehicle_kind)
        spans = list(session.execute(stmt).all()) + list(pending or []) + [(start, end)]
        seconds = sum(
            (min(e, week_end) - max(s, week_start)).total_seconds() for s, e in spans if s < week_end and e > week_start
        )
        hours = Decimal(int(seconds)) / 3600
        if hours > quota.max_hours_per_week:
            kind = quota.vehicle_kind.value if quota.vehicle_kind else "any vehicle"
            raise QuotaExceeded(
                f"Fair-use quota: at most {quota.max_hours_per_week} h per week of {kind} for this member; "
                f"this booking would bring the week of {week_start.astimezone(tz):%Y-%m-%d} to "
                f"{hours.quantize(Decimal('0.1'))} h.",
                extra={
                    "quota_id": quota.id,
                    "max_hours_per_week": quota.max_hours_per_week,
                    "hours_with_this_booking": str(hours.quantize(Decimal("0.1"))),
                },
            )


_PENDING_OVERLAPS = select(VehicleBooking).where(
    VehicleBooking.vehicle_id == bindparam("vehicle_id"),
    VehicleBooking.status == BookingStatus.REQUESTED,
    VehicleBooking.id != bindparam("booking_id"),
    VehicleBooking.start_at < bindparam("block_end"),
    VehicleBooking.block_end > bindparam("start"),
)


def _reject_overlapping_requests(session: Session, booking: VehicleBooking) -> None:
    pending = session.scalars(
        _PENDING_OVERLAPS,
        {
            "vehicle_id": booking.vehicle_id,
            "booking_id": booking.id,
            "block_end": booking.block_end,
            "start": booking.start_at,
        },
    ).all()
    for other in pending:
        other.status = BookingStatus.REJECTED
        other.decision_reason = (
            f"Créneau attribué à la réservation {booking.id} "
            f"({booking.start_at:%Y-%m-%d %H:%M}–{booking.end_at:%H:%M} UTC)."
        )
        mail.booking_decided(session, other, decided_by=None)


# Writing bookings ----------------------------------------------------------------------------


def create_booking(
    session: Session, principal: Principal, data: dict, *, now: datetime | None = None, series_id: str | None = None
) -> VehicleBooking:
    require(principal, *BOOKERS)
    now = now or utcnow()
    member = _booking_member(session, principal, data.get("member_id"))
    vehicle = lock_vehicle(session, principal, data["vehicle_id"])
    if not vehicle.active:
        raise InvalidInput.field("vehicle_id", f"Vehicle {vehicle.id} ({vehicle.name}) is inactive.")
    start, end = data["start_at"], data["end_at"]
    _check_period(principal, start, end, now)
    block_end = end + timedelta(minutes=vehicle.buffer_minutes)
    booking, blackout = conflicts(session, vehicle, start, block_end)
    if booking or blackout:
        raise _conflict_error(booking, blackout)
    if not (data.get("override_quota") and principal.role in STAFF):
        _check_quota_for(session, vehicle, member.id, start, end)
    confirmed = principal.role in STAFF or vehicle.auto_confirm
    row = VehicleBooking(
        coordination_id=principal.coordination_id,
        vehicle_id=vehicle.id,
        member_id=member.id,
        start_at=start,
        end_at=end,
        block_end=block_end,
        purpose=data.get("purpose", ""),
        for_rounds=data.get("for_rounds", False),
        status=BookingStatus.CONFIRMED if confirmed else BookingStatus.REQUESTED,
        series_id=series_id,
        created_by_id=principal.user_id,
    )
    session.add(row)
    session.flush()
    if confirmed:
        _reject_overlapping_requests(session, row)
        session.flush()
    else:
        mail.booking_requested(session, row)
    return row


def _for_update(session: Session, principal: Principal, booking_id: int) -> tuple[VehicleBooking, Vehicle]:
    booking = get_booking(session, principal, booking_id)
    vehicle = lock_vehicle(session, principal, booking.vehicle_id)
    session.refresh(booking)
    return booking, vehicle


def _expect_status(booking: VehicleBooking, *allowed: BookingStatus) -> None:
    if booking.status not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise Conflict(f"Booking {booking.id} is {booking.status.value}; this needs it {wanted}.")


def confirm_booking(session: Session, principal: Principal, booking_id: int) -> VehicleBooking:
    require(principal, *STAFF)
    booking, vehicle = _for_update(session, principal, booking_id)
    _expect_status(booking, BookingStatus.REQUESTED)
    other, blackout = conflicts(session, vehicle, booking.start_at, booking.block_end, exclude_id=booking.id)
    if other or blackout:
        raise _conflict_error(other, blackout)
    booking.status = BookingStatus.CONFIRMED
    booking.decision_reason = None
    _reject_overlapping_requests(session, booking)
    session.flush()
    mail.booking_decided(session, booking, decided_by=principal.user_id)
    return booking


def reject_booking(session: Session, principal: Principal, booking_id: int, reason: str | None) -> VehicleBooking:
    require(principal, *STAFF)
    booking, _ = _for_update(session, principal, booking_id)
    _expect_status(booking, BookingStatus.REQUESTED)
    if not reason:
        raise InvalidInput.field("reason", "Say why the request is rejected: the member will read it.")
    booking.status, booking.decision_reason = BookingStatus.REJECTED, reason
    session.flush()
    mail.booking_decided(session, booking, decided_by=principal.user_id)
    return booking


def cancel_booking(session: Session, principal: Principal, booking_id: int, reason: str | None) -> VehicleBooking:
    require(principal, *BOOKERS)
    booking, _ = _for_update(session, principal, booking_id)
    _expect_status(booking, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
    booking.status, booking.decision_reason = BookingStatus.CANCELLED, reason
    session.flush()
    return booking


def _reading_time(principal: Principal, data: dict, now: datetime) -> datetime:
    """When a check-out or return happened (default now): never in the future, and no further
    back than a representative (a day) or staff (a month, to record history) may record."""
    moment = data.get("at") or now
    if moment > now + CLOCK_SKEW:
        raise InvalidInput.field("at", "This is in the future: record a check-out or return when it happens.")
    back = STAFF_RECORDS_BACK if principal.role in STAFF else MEMBER_RECORDS_BACK
    if moment < now - back:
        limit = f"{back.days} days" if back >= timedelta(days=2) else f"{int(back.total_seconds() // 3600)} hours"
        raise InvalidInput.field("at", f"This is more than {limit} ago: ask the platform's staff to record it.")
    return moment


def check_out(session: Session, principal: Principal, booking_id: int, data: dict) -> VehicleBooking:
    require(principal, *BOOKERS)
    booking, vehicle = _for_update(session, principal, booking_id)
    _expect_status(booking, BookingStatus.CONFIRMED)
    left_at = _reading_time(principal, data, utcnow())
    if not booking.start_at - EARLY_CHECKOUT <= left_at < booking.end_at:
        raise InvalidInput.field(
            "at",
            f"A check-out lies between {EARLY_CHECKOUT.total_seconds() / 3600:.0f} h before the booking starts "
            f"({booking.start_at:%Y-%m-%d %H:%M} UTC) and its end ({booking.end_at:%Y-%m-%d %H:%M} UTC).",
        )
    km = data["odometer_km"]
    if km < vehicle.odometer_km:
        raise InvalidInput.field(
            "odometer_km", f"The odometer cannot go backwards: it read {vehicle.odometer_km} km at the last return."
        )
    if km - vehicle.odometer_km > 5000:
        raise InvalidInput.field(
            "odometer_km",
            f"{km} km is {km - vehicle.odometer_km} km more than at the last "
            f"return ({vehicle.odometer_km} km): check the reading.",
        )
    booking.status = BookingStatus.CHECKED_OUT
    booking.checkout_at = left_at
    booking.checkout_odometer_km = km
    booking.notes = _append(booking.notes, "Départ", data.get("notes"))
    session.flush()
    return booking


def return_vehicle(session: Session, principal: Principal, booking_id: int, data: dict) -> VehicleBooking:
    require(principal, *BOOKERS)
    booking, vehicle = _for_update(session, principal, booking_id)
    _expect_status(booking, BookingStatus.CHECKED_OUT)
    km = data["odometer_km"]
    returned_at = _reading_time(principal, data, utcnow())
    if returned_at < booking.checkout_at:
        raise InvalidInput.field("at", "The vehicle cannot come back before it left.")
    if returned_at > booking.end_at + LATE_RETURN:
        raise InvalidInput.field(
            "at", f"A return lies at most {LATE_RETURN.days} days after the booking's end "
            f"({booking.end_at:%Y-%m-%d %H:%M} UTC)."
        )
    distance = km - booking.checkout_odometer_km
    if distance < 0:
        raise InvalidInput.field(
            "odometer_km", f"The odometer cannot go backwards: it read {booking.checkout_odometer_km} km at check-out."
        )
    hours = (returned_at - booking.checkout_at).total_seconds() / 3600
    plausible = math.ceil(MAX_KMH * hours) + ODOMETER_SLACK_KM
    if distance > plausible:
        raise InvalidInput.field(
            "odometer_km",
            f"{distance} km in {hours:.1f} h since the check-out is not plausible (at most {plausible} km "
            f"at {MAX_KMH} km/h): check the reading.",
        )
    booking.status = BookingStatus.RETURNED
    booking.return_at, booking.return_odometer_km = returned_at, km
    booking.notes = _append(booking.notes, "Retour", data.get("notes"))
    vehicle.odometer_km = km
    session.flush()
    if not booking.for_rounds:  # a round's vehicle costs are shared by its executed route plan
        post_charges(session, principal.coordination_id, [usage_charge(booking, vehicle)], principal.user_id)
    return booking


def _append(notes: str, label: str, text: str | None) -> str:
    if not text:
        return notes
    return f"{notes}\n{label} : {text}".strip()


def _euros(cents: int | Decimal) -> str:
    return fr.money(int(cents), "fr")


def usage_charge(booking: VehicleBooking, vehicle: Vehicle) -> ChargeDraft:
    """fixed × booked days + booked hours × rate + km × rate, with its computation spelled out.

    Days are started 24-hour periods of the booking; hours are the booked hours (the vehicle
    was held for the member), to the minute; the hourly part is rounded half-up to the cent.
    """
    duration = booking.end_at - booking.start_at
    days = math.ceil(duration.total_seconds() / 86400)
    hours = Decimal(int(duration.total_seconds() // 60)) / 60
    km = booking.distance_km or 0
    fixed = days * vehicle.fixed_cost_per_day_cents
    hourly = int((hours * vehicle.cost_per_hour_cents).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    per_km = km * vehicle.cost_per_km_cents
    lent_by_payer = vehicle.owner_member_id == booking.member_id
    total = 0 if lent_by_payer else fixed + hourly + per_km
    basis = (
        f"{vehicle.name} ({vehicle.plate}) : forfait {days} j × {_euros(vehicle.fixed_cost_per_day_cents)}"
        f" + {fr.number(hours.quantize(Decimal('0.01')), 'fr')} h × {_euros(vehicle.cost_per_hour_cents)}"
        f" + {km} km × {_euros(vehicle.cost_per_km_cents)} = {_euros(fixed + hourly + per_km)}"
    )
    if lent_by_payer:
        basis += " ; véhicule prêté par ce membre : rien à payer."
    return ChargeDraft(
        payer=Payer(member_id=booking.member_id),
        source_type=ChargeSource.VEHICLE_BOOKING,
        source_id=booking.id,
        posting_key=f"vehicle_booking:{booking.id}",
        label=f"Utilisation {vehicle.name} – réservation {booking.id}",
        period_start=booking.start_at,
        period_end=booking.end_at,
        allocation_key="usage",
        basis=basis,
        amount_cents=total,
        nature=Nature.SERVICES,
        measure=None if lent_by_payer else tuple(part for part in (
            {"what": "jours commencés", "quantity": str(days), "unit": "DAY",
             "unit_price": str(Decimal(vehicle.fixed_cost_per_day_cents) / 100), "cents": fixed},
            {"what": "heures réservées", "quantity": str(hours.quantize(Decimal("0.0001"))), "unit": "HUR",
             "unit_price": str(Decimal(vehicle.cost_per_hour_cents) / 100), "cents": hourly},
            {"what": "kilomètres parcourus", "quantity": str(km), "unit": "KMT",
             "unit_price": str(Decimal(vehicle.cost_per_km_cents) / 100), "cents": per_km},
        ) if part["cents"]),
    )


# Recurring bookings --------------------------------------------------------------------------

_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)


def expand_rrule(
    rule: str, first_start: datetime, duration: timedelta, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """Occurrences of an RFC 5545 rule in local wall-clock time, as UTC ``[start, end)``.

    The rule is read with a naive local start, so each occurrence keeps its local time across
    daylight-saving changes (08:00 stays 08:00 in winter and summer).
    """
    rule = rule.strip().removeprefix("RRULE:")

    def local_until(match: re.Match) -> str:
        utc = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return f"UNTIL={utc.astimezone(tz).replace(tzinfo=None):%Y%m%dT%H%M%S}"

    rule = _UNTIL_UTC.sub(local_until, rule)
    if "COUNT=" not in rule.upper() and "UNTIL=" not in rule.upper():
        raise InvalidInput.field("rrule", "The rule needs COUNT or UNTIL: a series must end.")
    try:
        occurrences = list(islice(rrulestr(rule, dtstart=first_start), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput.field("rrule", f"Not a valid RFC 5545 rule: {exc}") from None
    if len(occurrences) > MAX_OCCURRENCES:
        raise InvalidInput.field("rrule", f"The rule expands to more than {MAX_OCCURRENCES} occurrences.")
    if not occurrences:
        raise InvalidInput.field("rrule", "The rule has no occurrence on or after first_start.")
    spans = []
    for local in occurrences:
        start = local.replace(tzinfo=tz)
        end = (local + duration).replace(tzinfo=tz)
        spans.append((start.astimezone(UTC), end.astimezone(UTC)))
    return spans


def create_series(session: Session, principal: Principal, data: dict) -> dict:
    require(principal, *BOOKERS)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    spans = expand_rrule(data["rrule"], data["first_start"], timedelta(minutes=data["duration_minutes"]), tz)
    member = _booking_member(session, principal, data.get("member_id"))
    vehicle = lock_vehicle(session, principal, data["vehicle_id"])
    if not vehicle.active:
        raise InvalidInput.field("vehicle_id", f"Vehicle {vehicle.id} ({vehicle.name}) is inactive.")
    now = utcnow()
    buffer = timedelta(minutes=vehicle.buffer_minutes)
    quota_free = data.get("override_quota") and principal.role in STAFF
    accepted: list[tuple[datetime, datetime]] = []
    skipped = []
    for start, end in spans:
        reason, other_id = None, None
        try:
            _check_period(principal, start, end, now)
        except InvalidInput as exc:
            reason = exc.detail
        if reason is None:
            booking, blackout = conflicts(session, vehicle, start, end + buffer)
            clash = next(((s, e) for s, e in accepted if overlaps(s, e + buffer, start, end + buffer)), None)
            if booking or blackout:
                err = _conflict_error(booking, blackout)
                reason, other_id = err.detail, booking.id if booking else None
            elif clash:
                reason = "The series overlaps itself (occurrences closer than the booking plus its buffer)."
        if reason is None and not quota_free:
            try:
                _check_quota_for(session, vehicle, member.id, start, end, accepted)
            except QuotaExceeded as exc:
                reason = exc.detail
        if reason is None:
            accepted.append((start, end))
        else:
            skipped.append({"start": start, "end": end, "reason": reason, "conflicting_booking_id": other_id})
    if skipped and data["on_conflict"] == "all_or_none":
        raise Conflict(
            f"{len(skipped)} of {len(spans)} occurrences cannot be booked; nothing was booked. "
            "Send on_conflict=skip to book the others.",
            extra={"occurrences": [_jsonable(s) for s in skipped]},
        )
    series_id = uuid.uuid4().hex
    created = [
        create_booking(
            session,
            principal,
            {
                "vehicle_id": vehicle.id,
                "member_id": member.id,
                "start_at": s,
                "end_at": e,
                "purpose": data["purpose"],
                "for_rounds": data.get("for_rounds", False),
                "override_quota": True,
            },
            now=now,
            series_id=series_id,
        )
        for s, e in accepted
    ]
    return {"series_id": series_id, "created": created, "skipped": skipped}


def _jsonable(occurrence: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in occurrence.items()}


# Blackouts -----------------------------------------------------------------------------------


def add_blackout(session: Session, principal: Principal, vehicle_id: int, data: dict) -> VehicleBlackout:
    require(principal, *STAFF)
    VEHICLES.get(session, principal, vehicle_id)  # the vehicle named by the path: 404 outside the coordination
    vehicle = lock_vehicle(session, principal, vehicle_id)
    booking = session.scalars(
        select(VehicleBooking)
        .where(
            VehicleBooking.vehicle_id == vehicle.id,
            VehicleBooking.status.in_((BookingStatus.CONFIRMED, BookingStatus.CHECKED_OUT)),
            VehicleBooking.start_at < data["end_at"],
            VehicleBooking.block_end > data["start_at"],
        )
        .limit(1)
    ).first()
    if booking is not None:
        raise _conflict_error(booking, None)
    row = VehicleBlackout(coordination_id=principal.coordination_id, vehicle_id=vehicle.id, **data)
    session.add(row)
    session.flush()
    return row


def list_blackouts(session: Session, principal: Principal, vehicle_id: int) -> list[VehicleBlackout]:
    VEHICLES.get(session, principal, vehicle_id)
    return session.scalars(
        select(VehicleBlackout).where(VehicleBlackout.vehicle_id == vehicle_id).order_by(VehicleBlackout.start_at)
    ).all()


def remove_blackout(session: Session, principal: Principal, vehicle_id: int, blackout_id: int) -> None:
    require(principal, *STAFF)
    row = session.get(VehicleBlackout, blackout_id)
    if row is None or row.vehicle_id != vehicle_id or row.coordination_id != principal.coordination_id:
        raise NotFound(f"No blackout {blackout_id} on vehicle {vehicle_id}.")
    session.delete(row)
    session.flush()


# Availability --------------------------------------------------------------------------------


def available_vehicles(session: Session, principal: Principal, args: dict) -> list[Vehicle]:
    """Active vehicles that meet the needs and are free over ``[start, end)`` plus their buffer."""
    require(principal, *READERS)
    start, end = args["start"], args["end"]
    stmt = select(Vehicle).where(Vehicle.coordination_id == principal.coordination_id, Vehicle.active)
    for arg, column in (
        ("min_pallets", Vehicle.capacity_pallets),
        ("min_kg", Vehicle.capacity_kg),
        ("min_m3", Vehicle.capacity_m3),
    ):
        if args.get(arg) is not None:
            stmt = stmt.where(column >= args[arg])
    for flag in ("chilled", "frozen"):
        if args.get(flag):
            stmt = stmt.where(getattr(Vehicle, flag).is_(True))
    if args.get("kind") is not None:
        stmt = stmt.where(Vehicle.kind == args["kind"])
    candidates = {v.id: v for v in session.scalars(stmt.order_by(Vehicle.id)).all()}
    if not candidates:
        return []
    horizon = end + timedelta(minutes=max(v.buffer_minutes for v in candidates.values()))
    busy = session.execute(
        select(VehicleBooking.vehicle_id, VehicleBooking.start_at, VehicleBooking.block_end).where(
            VehicleBooking.vehicle_id.in_(candidates),
            VehicleBooking.status.in_(HOLDING_STATUSES),
            VehicleBooking.start_at < horizon,
            VehicleBooking.block_end > start,
        )
    ).all()
    busy += session.execute(
        select(VehicleBlackout.vehicle_id, VehicleBlackout.start_at, VehicleBlackout.end_at).where(
            VehicleBlackout.vehicle_id.in_(candidates),
            VehicleBlackout.start_at < horizon,
            VehicleBlackout.end_at > start,
        )
    ).all()
    taken = {
        vid for vid, s, e in busy if overlaps(s, e, start, end + timedelta(minutes=candidates[vid].buffer_minutes))
    }
    return [v for vid, v in candidates.items() if vid not in taken]


def free_busy(session: Session, principal: Principal, vehicle_id: int, args: dict) -> dict:
    vehicle = VEHICLES.get(session, principal, vehicle_id)
    return free_busy_of(session, principal, [vehicle], args)[vehicle.id]


def free_busy_of(session: Session, principal: Principal, vehicles: Sequence[Vehicle], args: dict) -> dict[int, dict]:
    """Busy and free time of vehicles the principal already sees, by vehicle id: two queries
    whatever their number (the weekly calendar shows every vehicle)."""
    start, end = args["start"], args["end"]
    ids = [v.id for v in vehicles]
    bookings = session.scalars(
        select(VehicleBooking)
        .where(
            VehicleBooking.vehicle_id.in_(ids),
            VehicleBooking.status.in_(HOLDING_STATUSES),
            VehicleBooking.start_at < end,
            VehicleBooking.block_end > start,
        )
        .order_by(VehicleBooking.start_at)
    ).all()
    blackouts = session.scalars(
        select(VehicleBlackout).where(
            VehicleBlackout.vehicle_id.in_(ids), VehicleBlackout.start_at < end, VehicleBlackout.end_at > start
        )
    ).all()
    busy: dict[int, list[dict]] = {i: [] for i in ids}
    for b in bookings:
        mine = principal.sees_all_members or b.member_id == principal.member_id
        busy[b.vehicle_id].append(
            {
                "start": b.start_at,
                "end": b.end_at,
                "kind": "booking",
                "booking_id": b.id if mine else None,
                "member_id": b.member_id if mine else None,
                "status": b.status.value,
            }
        )
        if b.block_end > b.end_at:
            busy[b.vehicle_id].append({"start": b.end_at, "end": b.block_end, "kind": "buffer"})
    for x in blackouts:
        busy[x.vehicle_id].append({"start": x.start_at, "end": x.end_at, "kind": "blackout", "reason": x.reason})
    out = {}
    for vid, items in busy.items():
        items.sort(key=lambda x: x["start"])
        free = [{"start": s, "end": e} for s, e in free_gaps([(x["start"], x["end"]) for x in items], start, end)]
        out[vid] = {"vehicle_id": vid, "busy": items, "free": free}
    return out
