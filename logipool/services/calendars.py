"""Read-only iCalendar feeds of a vehicle's or a member's bookings, behind a revocable token."""

from __future__ import annotations

import secrets
from datetime import timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import READERS, STAFF, Principal, hash_token, require
from ..db import utcnow
from ..errors import Forbidden, InvalidInput, NotFound
from ..models import (
    HOLDING_STATUSES,
    BookingStatus,
    CalendarFeed,
    Coordination,
    Role,
    RoleGrant,
    Site,
    User,
    Vehicle,
    VehicleBooking,
)
from .crud import paginate
from .directory import member_in_coordination

FEED_PREFIX = "cal_"
FEED_WINDOW = timedelta(days=400)


def create_feed(session: Session, principal: Principal, data: dict) -> tuple[CalendarFeed, str]:
    require(principal, *READERS)
    if data.get("vehicle_id") is not None:
        if principal.role not in (*STAFF, Role.AUDITOR):
            raise Forbidden("A vehicle's calendar shows every member's bookings: staff only.")
        vehicle = session.get(Vehicle, data["vehicle_id"])
        if vehicle is None or vehicle.coordination_id != principal.coordination_id:
            raise InvalidInput.field("vehicle_id", f"No vehicle {data['vehicle_id']} in this coordination.")
    else:
        if not principal.sees_all_members and data["member_id"] != principal.member_id:
            raise InvalidInput.field("member_id", "You may subscribe to your own member's calendar only.")
        member_in_coordination(session, principal, data["member_id"])
    secret = FEED_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed(coordination_id=principal.coordination_id, vehicle_id=data.get("vehicle_id"),
                        member_id=data.get("member_id"), token_hash=hash_token(secret),
                        created_by_id=principal.user_id)
    session.add(feed)
    session.flush()
    return feed, secret


def _feeds(principal: Principal):
    stmt = select(CalendarFeed).where(CalendarFeed.coordination_id == principal.coordination_id)
    if principal.role != Role.ADMIN:
        stmt = stmt.where(CalendarFeed.created_by_id == principal.user_id)
    return stmt.order_by(CalendarFeed.id)


def list_feeds(session: Session, principal: Principal, args: dict) -> dict:
    require(principal, *READERS)
    return paginate(session, _feeds(principal), args["limit"], args["offset"])


def revoke_feed(session: Session, principal: Principal, feed_id: int) -> None:
    require(principal, *READERS)
    feed = session.scalars(_feeds(principal).where(CalendarFeed.id == feed_id)).first()
    if feed is None:
        raise NotFound(f"No calendar feed {feed_id} here.")
    feed.revoked_at = feed.revoked_at or utcnow()
    session.flush()


def _creator_may_still_read(session: Session, feed: CalendarFeed) -> bool:
    """A feed acts for the person who made it: it works only while that person is active and still
    holds, in the feed's coordination, a role that may subscribe to that calendar."""
    grant = session.scalars(
        select(RoleGrant).join(User, RoleGrant.user_id == User.id).where(
            RoleGrant.user_id == feed.created_by_id, RoleGrant.coordination_id == feed.coordination_id,
            User.active.is_(True))
    ).first()
    if grant is None:
        return False
    if feed.vehicle_id is not None:
        return grant.role in (*STAFF, Role.AUDITOR)
    return grant.role in (*STAFF, Role.AUDITOR) or grant.member_id == feed.member_id


def site_address(site: Site) -> str:
    """Where the vehicle is collected, in one line as calendar clients show (and map) it."""
    town = " ".join(part for part in (site.postcode, site.city) if part)
    return ", ".join(part for part in (site.name, site.street, town) if part)


def render_feed(session: Session, secret: str) -> bytes:
    """The ``.ics`` body; an unknown or revoked token, or one whose creator has lost access, is
    simply not found."""
    feed = session.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(secret))).first()
    if feed is None or feed.revoked_at is not None or not _creator_may_still_read(session, feed):
        raise NotFound("No such calendar.")
    coordination = session.get(Coordination, feed.coordination_id)
    now = utcnow()
    stmt = select(VehicleBooking).where(
        VehicleBooking.coordination_id == feed.coordination_id,
        VehicleBooking.status.in_((BookingStatus.REQUESTED, *HOLDING_STATUSES)),
        VehicleBooking.end_at > now - FEED_WINDOW, VehicleBooking.start_at < now + FEED_WINDOW)
    if feed.vehicle_id is not None:
        stmt = stmt.where(VehicleBooking.vehicle_id == feed.vehicle_id)
        title = session.get(Vehicle, feed.vehicle_id).name
    else:
        stmt = stmt.where(VehicleBooking.member_id == feed.member_id)
        title = "Réservations"
    cal = Calendar()
    cal.add("prodid", "-//logipool//calendar feed//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{title} – {coordination.name}")
    sites: dict[int, Site | None] = {}
    for b in session.scalars(stmt.order_by(VehicleBooking.start_at)).all():
        home = b.vehicle.home_site_id
        if home is not None and home not in sites:
            sites[home] = session.get(Site, home)
        location = site_address(sites[home]) if sites.get(home) is not None else None
        who = b.vehicle.name if feed.member_id is not None else b.member.short_name
        # without a METHOD, DTSTAMP is when the event was last revised (RFC 5545 3.8.7.2): the
        # feed's bytes change only when a booking does, so a client's If-None-Match gets a 304
        cal.add_component(booking_event(b, coordination, who, b.updated_at, location=location))
    return cal.to_ical()


def booking_event(b: VehicleBooking, coordination: Coordination, who: str, now, *,
                  location: str | None = None) -> Event:
    """The booking as one VEVENT, the same in the feeds and in the e-mails: its UID is stable, so a
    calendar that imported a request sees it confirmed, or removed when it is rejected."""
    event = Event()
    event.add("uid", f"vehicle-booking-{b.id}@{coordination.slug}.logipool")
    event.add("dtstamp", now)
    event.add("created", b.created_at)
    event.add("last-modified", b.updated_at)
    event.add("sequence", b.sequence)  # grows with every change of the booking
    event.add("dtstart", b.start_at)
    event.add("dtend", b.end_at)
    if location:
        event.add("location", location)
    tentative = b.status == BookingStatus.REQUESTED
    event.add("summary", f"{who}{' (demandée)' if tentative else ''}" + (f" – {b.purpose}" if b.purpose else ""))
    ended = b.status in (BookingStatus.REJECTED, BookingStatus.CANCELLED)
    event.add("status", "CANCELLED" if ended else "TENTATIVE" if tentative else "CONFIRMED")
    event.add("description", f"Réservation {b.id}, statut {b.status.value}")
    return event


def booking_ics(b: VehicleBooking, coordination: Coordination) -> bytes:
    """A one-event calendar file for an e-mail: published when confirmed, a cancellation when not."""
    cal = Calendar()
    cal.add("prodid", "-//logipool//booking//FR")
    cal.add("version", "2.0")
    ended = b.status in (BookingStatus.REJECTED, BookingStatus.CANCELLED)
    cal.add("method", "CANCEL" if ended else "PUBLISH")
    cal.add_component(booking_event(b, coordination, b.vehicle.name, utcnow()))
    return cal.to_ical()
