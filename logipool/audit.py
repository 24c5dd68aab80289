"""The audit trail, recorded by one session hook: every flush that creates, changes or deletes a
row of an audited model writes one ``audit_event`` per row, on the flush's own connection, so the
events commit with the change and vanish with its rollback. No view or service records anything
itself; a new model is audited by adding it to :data:`AUDITED`.

The actor comes from the request (the API token's or the web session's principal), else from the
command line or a background job ("system"). Secrets (password, token and invitation hashes),
binary columns (logos, PDFs) and a person's name and e-mail are never copied into an event: the
column shows as changed, its values as ``"[withheld]"`` (so erasing a person leaves the trail
pseudonymous and intact).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import click
from flask import Flask, g, has_app_context, has_request_context
from sqlalchemy import LargeBinary, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import NO_VALUE

from .models import (
    AccountCredit,
    ApiToken,
    AuditEvent,
    BankLine,
    Charge,
    Coordination,
    CycleBudget,
    DirectDebit,
    Funder,
    Invoice,
    InvoiceReminder,
    Member,
    Offer,
    OrderCycle,
    OrderNeed,
    Payment,
    Refund,
    RoleGrant,
    SepaMandate,
    Site,
    StorageBooking,
    StorageZone,
    Supplier,
    User,
    Vehicle,
    VehicleBlackout,
    VehicleBooking,
    VehicleQuota,
)

# bookings, needs, budgets, allocations (an order cycle's allocation), charges, invoices,
# payments, bank lines and their matching, account credits, and the settings: coordination,
# members, sites, funders, vehicles, zones, suppliers and prices, users, roles and tokens
AUDITED: tuple[type, ...] = (
    VehicleBooking, StorageBooking, OrderNeed, CycleBudget, OrderCycle, Charge, Invoice, Payment,
    BankLine, AccountCredit, SepaMandate, Refund, DirectDebit, InvoiceReminder,
    Coordination, Member, Site, Funder, Vehicle, VehicleBlackout, VehicleQuota, StorageZone, Supplier,
    Offer, User, RoleGrant, ApiToken,
)
ENTITIES = {model: model.__tablename__ for model in AUDITED}
WITHHELD = "[withheld]"
# a person's identity: recorded as changed, never copied (an erased person stays erased)
PERSONAL = {User: frozenset({"name", "email"})}
# bookkeeping of sign-in attempts: not a change anyone needs to audit
IGNORED = {User: frozenset({"failed_sign_ins", "locked_until"})}


def _columns(model: type) -> list[tuple[str, bool]]:
    """(attribute, withheld) for every column of an audited model, computed once per model."""
    cached = _COLUMNS.get(model)
    if cached is None:
        personal, ignored = PERSONAL.get(model, frozenset()), IGNORED.get(model, frozenset())
        cached = []
        for prop in inspect(model).column_attrs:
            column = prop.columns[0]
            if prop.key in ignored:
                continue
            withheld = (prop.key in personal or column.name.endswith("_hash")
                        or isinstance(column.type, LargeBinary))
            cached.append((prop.key, withheld))
        _COLUMNS[model] = cached
    return cached


_COLUMNS: dict[type, list[tuple[str, bool]]] = {}


def plain(value):
    """A column value as JSON: money stays exact (Decimal as a string), instants in ISO 8601."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    for key, withheld in _columns(type(obj)):
        attr = state.attrs[key]
        if action == "update":
            history = attr.history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
        else:
            value = attr.loaded_value
            if value is NO_VALUE or value is None:
                continue
            before, after = (None, value) if action == "create" else (value, None)
        changes[key] = [WITHHELD, WITHHELD] if withheld else [plain(before), plain(after)]
    return changes


def _scope(session: Session, obj, actor_coordination: int | None) -> tuple[int | None, int | None]:
    """Whose data the row is: (coordination, member). Readers see events by these two."""
    if isinstance(obj, Coordination):
        return obj.id, None
    if isinstance(obj, Member):
        return obj.coordination_id, obj.id
    if isinstance(obj, User):
        return actor_coordination, None
    if isinstance(obj, ApiToken):
        grant = session.get(RoleGrant, obj.grant_id)
        return (grant.coordination_id, grant.member_id) if grant else (actor_coordination, None)
    if isinstance(obj, Payment):
        invoice = session.get(Invoice, obj.invoice_id)
        return obj.coordination_id, invoice.member_id if invoice else None
    if isinstance(obj, Vehicle):
        return obj.coordination_id, obj.owner_member_id
    return obj.coordination_id, getattr(obj, "member_id", None)


def _actor() -> dict:
    """Who is writing: the request's principal, else the command line or a background job."""
    if has_request_context():
        principal = g.get("principal")
        detail = g.get("request_id", "")[:64]
        if principal is not None:
            return {"actor_kind": "token" if principal.token_id else "session", "actor_user_id": principal.user_id,
                    "actor_token_id": principal.token_id or None, "actor_platform": principal.platform_admin,
                    "actor_detail": detail, "coordination": principal.coordination_id}
        # a page open to anyone: signing in, setting one's password from an invitation
        return {"actor_kind": "public", "actor_detail": detail}
    if has_app_context() and g.get("audit_actor_user_id") is not None:
        return {"actor_kind": "system", "actor_user_id": g.audit_actor_user_id, "actor_detail": "cli"}
    return {"actor_kind": "system", "actor_detail": "cli" if click.get_current_context(silent=True) else "job"}


def _id(obj) -> int:
    # new rows have their id from the insert, but no identity key until the flush is finalised
    state = inspect(obj)
    return state.identity[0] if state.identity else state.dict["id"]


def record(session: Session, _flush_context) -> None:
    """``after_flush``: one event per audited row written by this flush (ids are known by now,
    and the attributes' history still holds what the flush wrote)."""
    pending = [(obj, "create") for obj in session.new if type(obj) in ENTITIES]
    pending += [(obj, "update") for obj in session.dirty if type(obj) in ENTITIES]
    pending += [(obj, "delete") for obj in session.deleted if type(obj) in ENTITIES]
    if not pending:
        return
    actor = _actor()
    actor_coordination = actor.pop("coordination", None)
    rows = []
    for obj, action in pending:
        changes = _changes(obj, action)
        if action == "update" and not changes:
            continue
        coordination_id, member_id = _scope(session, obj, actor_coordination)
        rows.append({"coordination_id": coordination_id, "member_id": member_id, "entity": ENTITIES[type(obj)],
                     "entity_id": _id(obj), "action": action, "changes": changes,
                     "actor_kind": actor["actor_kind"], "actor_user_id": actor.get("actor_user_id"),
                     "actor_token_id": actor.get("actor_token_id"),
                     "actor_platform": bool(actor.get("actor_platform")),
                     "actor_detail": actor.get("actor_detail", "")})
    if rows:
        session.connection().execute(AuditEvent.__table__.insert(), rows)


def init_app(app: Flask) -> None:
    """Record the trail on every session the application opens (requests, CLI, background jobs)."""
    from .db import database

    database(app).listen("after_flush", record)
