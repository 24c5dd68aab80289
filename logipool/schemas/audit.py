"""Schemas of the audit trail (read only)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema

from ..audit import ENTITIES
from .common import PageArgs, UtcDateTime, Whole

AUDIT_ENTITIES = tuple(ENTITIES.values())
AUDIT_ACTIONS = ("create", "update", "delete")


class AuditActorSchema(Schema):
    kind = fields.String(attribute="actor_kind", metadata={
        "description": "token (an API token), session (the web pages), system (command line or background job), "
                       "public (a page open to anyone: signing in, setting a password from an invitation)",
        "enum": ["token", "session", "system", "public"]})
    user_id = Whole(attribute="actor_user_id", allow_none=True,
                    metadata={"description": "A pseudonymous reference once the user is erased."})
    token_id = Whole(attribute="actor_token_id", allow_none=True)
    platform = fields.Boolean(attribute="actor_platform",
                              metadata={"description": "The token carried the platform-administration scope."})
    detail = fields.String(attribute="actor_detail",
                           metadata={"description": "The request id (X-Request-ID), or cli / job."})


class AuditEventSchema(Schema):
    id = Whole()
    at = UtcDateTime()
    entity = fields.String(metadata={"enum": list(AUDIT_ENTITIES), "description": "The table of the row."})
    entity_id = Whole()
    action = fields.String(metadata={"enum": list(AUDIT_ACTIONS)})
    member_id = Whole(allow_none=True, metadata={"description": "The member whose data this is, if any."})
    changes = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)),
        metadata={"description": "Column → [before, after] of the changed columns (before null for a new row, "
                                 "after null for a deleted one). Amounts are in cents or decimal strings, "
                                 "instants ISO 8601 UTC; secrets, files and a person's name and e-mail read "
                                 "\"[withheld]\"."})
    actor = fields.Nested(AuditActorSchema, metadata={"description": "Who made the change."})

    @pre_dump
    def _with_actor(self, event, **kwargs):
        """The actor's columns, nested as one object."""
        return {**{name: getattr(event, name) for name in ("id", "at", "entity", "entity_id", "action",
                                                           "member_id", "changes")}, "actor": event}


class AuditQuery(PageArgs):
    entity = fields.String(validate=validate.OneOf(AUDIT_ENTITIES))
    entity_id = Whole(metadata={"description": "With entity: the history of one row."})
    action = fields.String(validate=validate.OneOf(AUDIT_ACTIONS))
    member_id = Whole(metadata={"description": "Events on this member's data."})
    user_id = Whole(metadata={"description": "Events made by this user."})
    start = UtcDateTime(metadata={"description": "Events at or after this instant."})
    end = UtcDateTime(metadata={"description": "Events before this instant."})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "entity_id" in data and "entity" not in data:
            raise ValidationError("Give the entity of this id.", "entity")
        if "start" in data and "end" in data and data["end"] <= data["start"]:
            raise ValidationError("The period must end after it starts.", "end")
