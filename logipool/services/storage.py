"""Warehouse zones and storage bookings: exact capacity at every instant, and costs.

A zone's occupancy is the step function of the pallets of its confirmed bookings; a new
booking is accepted only if the peak of that function over its period, plus its pallets,
stays within capacity — two bookings one after the other never add up.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

import invoices.i18n as fr
from purchasing import apportion

from ..auth import READERS, STAFF, Principal, require
from ..db import utcnow
from ..errors import Conflict, InvalidInput
from ..models import (
    ChargeSource,
    Funder,
    Member,
    Nature,
    Role,
    Site,
    SiteKind,
    StorageBooking,
    StorageStatus,
    StorageZone,
)
from ..timeline import occupancy, peak
from .crud import Resource, by_start, own_member_only, period_filters, refers
from .directory import member_in_coordination
from .ledger import ChargeDraft, Payer, post_charges
from .vehicles import QuotaExceeded

BOOKERS = (Role.ADMIN, Role.MANAGER, Role.MEMBER_REP)
DAY = 86400


def _check_zone(session: Session, principal: Principal, zone: StorageZone) -> None:
    site = session.get(Site, zone.site_id)
    if site is None or site.coordination_id != principal.coordination_id:
        raise InvalidInput.field("site_id", f"No site {zone.site_id} in this coordination.")
    if site.kind != SiteKind.WAREHOUSE:
        raise InvalidInput.field("site_id", f"Site {site.id} ({site.name}) is not a warehouse.")
    if zone.id is not None:
        _check_capacity_holds(session, zone)


def _check_capacity_holds(session: Session, zone: StorageZone) -> None:
    """A zone's capacity never drops below what its bookings hold from now on (the zone's row is
    locked by the update, as by every booking): the periods over capacity are listed."""
    now = utcnow()
    last_end = session.scalar(select(func.max(StorageBooking.end_at)).where(
        StorageBooking.zone_id == zone.id, StorageBooking.status == StorageStatus.CONFIRMED,
        StorageBooking.end_at > now))
    if last_end is None:
        return
    over = [x for x in zone_occupancy(session, zone, now, last_end) if x.level > zone.capacity_pallets]
    if over:
        top = max(x.level for x in over)
        raise Conflict(
            f"Zone {zone.name}'s bookings hold up to {top} positions from now on: its capacity cannot be "
            f"{zone.capacity_pallets}. End or cancel the bookings listed first.",
            extra={"conflicts": [{"start": x.start.isoformat(), "end": x.end.isoformat(),
                                  "occupied_pallets": x.level, "booking_ids": list(x.items)} for x in over]},
        )


def _zone_in_use(session: Session, zone: StorageZone) -> str | None:
    return "it has bookings." if refers(session, StorageBooking, StorageBooking.zone_id, zone.id) else None


ZONES = Resource(
    model=StorageZone,
    label="storage zone",
    write_roles=STAFF,
    read_roles=READERS,
    check=_check_zone,
    in_use=_zone_in_use,
)


def _visible(principal: Principal, stmt: Select) -> Select:
    return own_member_only(principal, stmt, StorageBooking.member_id)


BOOKINGS = Resource(
    model=StorageBooking,
    label="storage booking",
    write_roles=(),
    read_roles=READERS,
    visible=_visible,
    filters=period_filters(StorageBooking),
    ordering=by_start,
)


def list_bookings(session: Session, principal: Principal, args: dict) -> dict:
    return BOOKINGS.list(session, principal, args)


def get_booking(session: Session, principal: Principal, booking_id: int) -> StorageBooking:
    return BOOKINGS.get(session, principal, booking_id)


def lock_zone(session: Session, principal: Principal, zone_id: int) -> StorageZone:
    zone = session.scalars(
        select(StorageZone)
        .where(StorageZone.id == zone_id, StorageZone.coordination_id == principal.coordination_id)
        .with_for_update()
    ).first()
    if zone is None:
        raise InvalidInput.field("zone_id", f"No storage zone {zone_id} in this coordination.")
    return zone


def _confirmed_in(session: Session, zone_id: int, start: datetime, end: datetime, exclude_id=None):
    stmt = select(StorageBooking).where(
        StorageBooking.zone_id == zone_id,
        StorageBooking.status == StorageStatus.CONFIRMED,
        StorageBooking.start_at < end,
        StorageBooking.end_at > start,
    )
    if exclude_id is not None:
        stmt = stmt.where(StorageBooking.id != exclude_id)
    return session.scalars(stmt).all()


def _check_period(principal: Principal, zone: StorageZone, start: datetime, end: datetime, now: datetime) -> None:
    """The zone's rules of fair use: no past for members, a maximum length and horizon."""
    if start < now - timedelta(minutes=5) and principal.role not in STAFF:
        raise InvalidInput.field("start", "This is in the past: only staff record past bookings.")
    if end - start > timedelta(days=zone.max_booking_days):
        raise InvalidInput.field(
            "end", f"A booking of zone {zone.name} lasts at most {zone.max_booking_days} days: book again later.")
    if start > now + timedelta(days=zone.max_horizon_days):
        raise InvalidInput.field(
            "start", f"Zone {zone.name} is booked at most {zone.max_horizon_days} days ahead.")


def _check_member_share(session: Session, zone: StorageZone, member_id: int, start: datetime, end: datetime,
                        pallets: int) -> None:
    """At most ``max_pallets_per_member`` positions held by one member at any instant (the zone's
    row is locked, so simultaneous bookings are counted one after the other)."""
    if zone.max_pallets_per_member is None:
        return
    rows = [b for b in _confirmed_in(session, zone.id, start, end) if b.member_id == member_id]
    top = peak(occupancy(((b.start_at, b.end_at, b.pallets, b.id) for b in rows), start, end))
    held = top.level if top is not None else 0
    if held + pallets > zone.max_pallets_per_member:
        raise QuotaExceeded(
            f"Fair use: a member holds at most {zone.max_pallets_per_member} positions of zone {zone.name} at "
            f"once; this member already holds {held} then and asks {pallets}.",
            extra={"max_pallets_per_member": zone.max_pallets_per_member, "held_pallets": held,
                   "booking_ids": list(top.items) if top is not None else []},
        )


def zone_occupancy(session: Session, zone: StorageZone, start: datetime, end: datetime):
    rows = _confirmed_in(session, zone.id, start, end)
    return occupancy(((b.start_at, b.end_at, b.pallets, b.id) for b in rows), start, end)


def create_booking(session: Session, principal: Principal, data: dict) -> StorageBooking:
    require(principal, *BOOKERS)
    member_id = data.get("member_id")
    if principal.role == Role.MEMBER_REP:
        if member_id not in (None, principal.member_id):
            raise InvalidInput.field("member_id", "A representative books for its own member only.")
        member_id = principal.member_id
    if member_id is None:
        raise InvalidInput.field("member_id", "Say which member the storage is for.")
    member = member_in_coordination(session, principal, member_id)
    zone = lock_zone(session, principal, data["zone_id"])
    if not zone.active:
        raise InvalidInput.field("zone_id", f"Zone {zone.id} ({zone.name}) is closed.")
    if data["pallets"] > zone.capacity_pallets:
        raise InvalidInput.field("pallets", f"Zone {zone.name} has {zone.capacity_pallets} pallet positions in all.")
    start, end = data["start_at"], data["end_at"]
    _check_period(principal, zone, start, end, utcnow())
    _check_member_share(session, zone, member.id, start, end, data["pallets"])
    top = peak(zone_occupancy(session, zone, start, end))
    if top is not None and top.level + data["pallets"] > zone.capacity_pallets:
        free = zone.capacity_pallets - top.level
        raise Conflict(
            f"Zone {zone.name} is full then: from {top.start:%Y-%m-%d %H:%M} to {top.end:%Y-%m-%d %H:%M} UTC, "
            f"{top.level} of {zone.capacity_pallets} positions are taken, {free} free, {data['pallets']} asked.",
            extra={
                "conflict": {
                    "start": top.start.isoformat(),
                    "end": top.end.isoformat(),
                    "occupied_pallets": top.level,
                    "free_pallets": free,
                    "booking_ids": list(top.items),
                }
            },
        )
    row = StorageBooking(
        coordination_id=principal.coordination_id,
        zone_id=zone.id,
        member_id=member.id,
        pallets=data["pallets"],
        start_at=start,
        end_at=end,
        status=StorageStatus.CONFIRMED,
        notes=data.get("notes", ""),
        created_by_id=principal.user_id,
    )
    session.add(row)
    session.flush()
    return row


def _for_update(session: Session, principal: Principal, booking_id: int) -> StorageBooking:
    require(principal, *BOOKERS)
    booking = get_booking(session, principal, booking_id)
    lock_zone(session, principal, booking.zone_id)
    session.refresh(booking)
    if booking.status != StorageStatus.CONFIRMED:
        raise Conflict(f"Storage booking {booking.id} is {booking.status.value}.")
    return booking


def cancel_booking(session: Session, principal: Principal, booking_id: int) -> StorageBooking:
    booking = _for_update(session, principal, booking_id)
    if booking.charged_until is not None:
        raise Conflict(f"Storage booking {booking.id} has been charged already; end it instead.")
    booking.status = StorageStatus.CANCELLED
    session.flush()
    return booking


def end_booking(session: Session, principal: Principal, booking_id: int, end: datetime) -> StorageBooking:
    """End a booking (possibly early) and charge what is not charged yet."""
    booking = _for_update(session, principal, booking_id)
    if end > booking.end_at:
        raise InvalidInput.field("end", "A booking can end earlier than booked, not later: book the extension.")
    if end <= booking.start_at or (booking.charged_until and end < booking.charged_until):
        raise InvalidInput.field("end", "The end must be after the start and after what was already charged.")
    booking.end_at = end
    _charge(session, principal, booking, end)
    session.flush()
    return booking


def charge_until(session: Session, principal: Principal, until: datetime) -> list:
    """Period close: charge every confirmed booking for its time not yet charged, up to ``until``."""
    require(principal, *STAFF)
    rows = session.scalars(
        select(StorageBooking)
        .where(
            StorageBooking.coordination_id == principal.coordination_id,
            StorageBooking.status == StorageStatus.CONFIRMED,
            StorageBooking.start_at < until,
        )
        .order_by(StorageBooking.id)
        .with_for_update()
    ).all()
    charges = []
    for booking in rows:
        charge = _charge(session, principal, booking, min(until, booking.end_at))
        if charge is not None:
            charges.append(charge)
    session.flush()
    return charges


def _charge(session: Session, principal: Principal, booking: StorageBooking, upto: datetime):
    start = booking.charged_until or booking.start_at
    if upto <= start:
        return None
    zone = session.get(StorageZone, booking.zone_id)
    days = math.ceil((upto - start).total_seconds() / DAY)
    amount = booking.pallets * days * zone.cost_per_pallet_day_cents
    basis = (
        f"{zone.name} : {booking.pallets} palette(s) × {days} jour(s) commencé(s) "
        f"× {fr.money(zone.cost_per_pallet_day_cents, 'fr')} = {fr.money(amount, 'fr')}"
    )
    draft = ChargeDraft(
        payer=Payer(member_id=booking.member_id),
        source_type=ChargeSource.STORAGE_BOOKING,
        source_id=booking.id,
        posting_key=f"storage_booking:{booking.id}:{start.isoformat()}",
        label=f"Stockage {zone.name} – réservation {booking.id}",
        period_start=start,
        period_end=upto,
        allocation_key="pallet_days",
        basis=basis,
        amount_cents=amount,
        nature=Nature.SERVICES,
        measure=({"what": "", "quantity": str(booking.pallets * days), "unit": "DAY", "unit_label": "palette-jour",
                  "unit_price": str(Decimal(zone.cost_per_pallet_day_cents) / 100), "cents": amount},),
    )
    booking.charged_until = upto
    return post_charges(session, principal.coordination_id, [draft], principal.user_id)[0]


# Shared warehouse costs ----------------------------------------------------------------------


def split_warehouse_costs(session: Session, principal: Principal, data: dict) -> dict:
    """Funders pay fixed percentages; members pay the rest pro rata of the space-time used.

    One apportionment splits the total between each funder and the members' pool, a second
    splits the pool by pallet-days (or m²-days): every part is in cents and they sum exactly.
    """
    require(principal, *STAFF)
    site = session.get(Site, data["site_id"])
    if site is None or site.coordination_id != principal.coordination_id or site.kind != SiteKind.WAREHOUSE:
        raise InvalidInput.field("site_id", f"No warehouse {data['site_id']} in this coordination.")
    funders = []
    for i, share in enumerate(data["funders"]):
        funder = session.get(Funder, share["funder_id"])
        if funder is None or funder.coordination_id != principal.coordination_id:
            raise InvalidInput.field(f"funders.{i}.funder_id", f"No funder {share['funder_id']} in this coordination.")
        funders.append((funder, share["percent"]))
    start, end, total, key = data["start"], data["end"], data["total_cost"], data["key"]

    usage: dict[int, Fraction] = {}
    zones = {z.id: z for z in session.scalars(select(StorageZone).where(StorageZone.site_id == site.id)).all()}
    for b in session.scalars(
        select(StorageBooking).where(
            StorageBooking.zone_id.in_(zones),
            StorageBooking.status == StorageStatus.CONFIRMED,
            StorageBooking.start_at < end,
            StorageBooking.end_at > start,
        )
    ).all():
        seconds = int((min(b.end_at, end) - max(b.start_at, start)).total_seconds())
        weight = Fraction(b.pallets * seconds, DAY)
        if key == "m2_days":
            zone = zones[b.zone_id]
            weight *= Fraction(zone.area_m2) / zone.capacity_pallets
        usage[b.member_id] = usage.get(b.member_id, Fraction(0)) + weight

    funder_percent = sum((p for _, p in funders), Decimal(0))
    members_percent = Decimal(100) - funder_percent
    if members_percent > 0 and not usage:
        raise InvalidInput.field(
            "start",
            "No member stored anything in this warehouse during the period: "
            "there is no key to split the members' part by.",
        )
    top = apportion(total, [p for _, p in funders] + [members_percent])
    member_ids = sorted(usage)
    member_parts = apportion(top[-1], [usage[m] for m in member_ids]) if member_ids else []
    names = {m.id: m.short_name for m in session.scalars(select(Member).where(Member.id.in_(member_ids))).all()}

    unit = "palettes-jours" if key == "pallet_days" else "m²-jours"
    parts, drafts = [], []
    common = dict(
        source_type=ChargeSource.WAREHOUSE_COSTS,
        source_id=site.id,
        period_start=start,
        period_end=end,
        nature=Nature.SERVICES,
        label=f"Quote-part des frais d'exploitation — {site.name}",
    )
    posting = f"warehouse_costs:{site.id}:{start.isoformat()}:{end.isoformat()}"
    total_usage = sum(usage.values(), Fraction(0))
    total_txt = (Decimal(total_usage.numerator) / Decimal(total_usage.denominator or 1)).quantize(Decimal("0.01"))
    for (funder, percent), amount in zip(funders, top, strict=False):
        parts.append({"funder_id": funder.id, "weight": f"{percent} %", "amount": amount})
        drafts.append(
            ChargeDraft(
                payer=Payer(funder_id=funder.id),
                posting_key=f"{posting}:f{funder.id}",
                allocation_key="funder_percent",
                amount_cents=amount,
                basis=f"{fr.money(total, 'fr')} × {fr.percent(percent, 'fr')} = {fr.money(amount, 'fr')} "
                f"(part fixe du financeur {funder.name}).",
                **common,
            )
        )
    # each funder's amount, split over the members by the same key: shown on their invoices as
    # the part of their gross share the funder pays (their charge stays the net amount)
    subsidy_parts = [apportion(amount, [usage[m] for m in member_ids]) if member_ids else []
                     for amount in top[:-1]]
    for k, (member_id, amount) in enumerate(zip(member_ids, member_parts, strict=True)):
        subsidies = tuple(
            {"funder_id": funder.id, "funder": funder.name, "cents": parts_f[k]}
            for (funder, _), parts_f in zip(funders, subsidy_parts, strict=True)
            if parts_f[k]
        )
        used = Decimal(usage[member_id].numerator) / Decimal(usage[member_id].denominator)
        used_txt = f"{used.quantize(Decimal('0.01'))}"
        parts.append({"member_id": member_id, "weight": f"{used_txt} {unit}", "amount": amount})
        drafts.append(
            ChargeDraft(
                payer=Payer(member_id=member_id),
                posting_key=f"{posting}:m{member_id}",
                allocation_key=key,
                amount_cents=amount,
                basis=(
                    f"Part des membres {fr.money(top[-1], 'fr')} ({fr.percent(members_percent, 'fr')} de "
                    f"{fr.money(total, 'fr')}) × {fr.number(Decimal(used_txt), 'fr')} / {fr.number(total_txt, 'fr')}"
                    f" {unit} ({names.get(member_id, member_id)}) = {fr.money(amount, 'fr')} "
                    "(arrondi au plus fort reste : la somme des parts égale le total)."
                    + "".join(f" Dont {fr.money(x['cents'], 'fr')} pris en charge par {x['funder']}."
                              for x in subsidies)
                ),
                subsidies=subsidies,
                # the member's use, priced at its gross share (funders' parts included)
                measure=({"what": "", "quantity": used_txt, "unit": "DAY",
                          "unit_label": "palette-jour" if key == "pallet_days" else "m²-jour",
                          "cents": amount + sum(x["cents"] for x in subsidies)},),
                **common,
            )
        )
    posted = not data["dry_run"]
    if posted:
        for part, charge in zip(
            parts, post_charges(session, principal.coordination_id, drafts, principal.user_id), strict=True
        ):
            part["charge_id"] = charge.id
    return {"total_cost": total, "key": key, "posted": posted, "parts": parts}
