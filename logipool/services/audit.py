"""Reading the audit trail: auditors and staff see their coordination's events, a member's
representatives and treasurers the events on their own member's data; nobody another
coordination's. The events themselves are written by :mod:`logipool.audit`, never here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import READERS, Principal, require
from ..models import AuditEvent
from .crud import own_member_only, paginate


def list_events(session: Session, principal: Principal, args: dict) -> dict:
    require(principal, *READERS)
    stmt = select(AuditEvent).where(AuditEvent.coordination_id == principal.coordination_id)
    stmt = own_member_only(principal, stmt, AuditEvent.member_id)
    filters = {"entity": AuditEvent.entity, "entity_id": AuditEvent.entity_id, "action": AuditEvent.action,
               "member_id": AuditEvent.member_id, "user_id": AuditEvent.actor_user_id}
    for name, column in filters.items():
        if name in args:
            stmt = stmt.where(column == args[name])
    if "start" in args:
        stmt = stmt.where(AuditEvent.at >= args["start"])
    if "end" in args:
        stmt = stmt.where(AuditEvent.at < args["end"])
    return paginate(session, stmt.order_by(AuditEvent.id.desc()), args["limit"], args["offset"])
