"""Schemas of e-mail: each person's choice of the optional notices."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..models import OPTIONAL_KINDS, MailKind

_WHAT = {
    MailKind.BOOKING_REQUESTED: "A member asks for a vehicle (staff).",
    MailKind.VEHICLE_DUE_BACK: "A vehicle you took out is due back soon, or late.",
    MailKind.CYCLE_OPENED: "A joint order opens for needs.",
    MailKind.CYCLE_CLOSING: "A joint order's needs deadline is less than 48 hours away.",
    MailKind.CYCLE_ALLOCATED: "A joint order's plan: your member's lines.",
    MailKind.CYCLE_DELIVERED: "A joint order arrived: what your member receives.",
    MailKind.INVOICE_DUE_SOON: "An unpaid invoice is due within 3 days.",
}

MailPreferencesSchema = Schema.from_dict(
    {kind.value: fields.Boolean(metadata={"description": _WHAT[kind]}) for kind in sorted(OPTIONAL_KINDS)},
    name="MailPreferencesSchema",
)
MailPreferencesSchema.__doc__ = (
    "Each optional e-mail notice: true to receive it (the default), false to turn it off. Invitations, "
    "booking decisions, issued and overdue invoices are always sent.")
