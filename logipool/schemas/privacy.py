"""Schemas of a person's data: the export (GDPR articles 15 and 20) and the erasure (article 17)."""

from __future__ import annotations

from marshmallow import Schema, fields

from .common import Email, UtcDateTime, Whole


class PersonSchema(Schema):
    id = Whole()
    email = Email()
    name = fields.String()
    locale = fields.String(allow_none=True)
    active = fields.Boolean()
    platform_admin = fields.Boolean()
    created_at = UtcDateTime()
    password_set = fields.Boolean()
    invitation_pending = fields.Boolean()


class PersonRoleSchema(Schema):
    coordination_id = Whole()
    coordination = fields.String()
    role = fields.String()
    member_id = Whole(allow_none=True)
    member = fields.String(allow_none=True)
    granted_at = UtcDateTime()


class PersonTokenSchema(Schema):
    id = Whole()
    name = fields.String()
    prefix = fields.String()
    platform = fields.Boolean()
    created_at = UtcDateTime()
    expires_at = UtcDateTime()
    revoked_at = UtcDateTime(allow_none=True)


class PersonActionSchema(Schema):
    at = UtcDateTime()
    entity = fields.String()
    entity_id = Whole()
    action = fields.String()
    via = fields.String(metadata={"description": "token, session, system or public"})


class PersonalDataSchema(Schema):
    """Everything logipool holds about one person, machine-readable."""

    format = fields.String(metadata={"example": "logipool-personal-data/1"})
    exported_at = UtcDateTime()
    user = fields.Nested(PersonSchema)
    roles = fields.List(fields.Nested(PersonRoleSchema))
    tokens = fields.List(fields.Nested(PersonTokenSchema), metadata={"description": "Never the secrets."})
    created = fields.Dict(keys=fields.String(), values=fields.List(Whole()), metadata={
        "description": "Ids of the rows the person created, by table (bookings, needs, payments…)."})
    actions = fields.List(fields.Nested(PersonActionSchema), metadata={
        "description": "The person's changes, from the audit trail."})


class ErasureSchema(Schema):
    id = Whole()
    email = fields.String(metadata={"description": "The pseudonymous address the user now has."})
    erased = fields.Boolean()
