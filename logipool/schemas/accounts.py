"""Schemas of people and machines: users, API tokens, sign-in, passwords, invitations, language."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import Role
from .common import Email, PageArgs, UtcDateTime, Whole
from .mail import MailPreferencesSchema


class UserSchema(Schema):
    """A user as seen in one coordination: identity plus the role granted there."""

    id = Whole(dump_only=True)
    email = Email(required=True)
    name = fields.String(validate=validate.Length(max=200))
    role = fields.Enum(Role, by_value=True, required=True)
    member_id = Whole(allow_none=True, metadata={"description": "Required for member_rep and treasurer."})
    active = fields.Boolean(metadata={"description": "The person's own state, on every coordination: set when the "
                                                     "person is new; changed only by the person or a platform "
                                                     "administrator."})
    created_at = UtcDateTime(dump_only=True)


class UserUpdateSchema(UserSchema):
    email = fields.Email(dump_only=True)


class MeSchema(UserSchema):
    """The signed-in person: as a user of the coordination, plus their own settings."""

    locale = fields.String(dump_only=True, allow_none=True,
                           metadata={"description": "Pages and e-mails in this language (null: French)."})
    mail = fields.Nested(MailPreferencesSchema, dump_only=True)


class MeUpdateSchema(Schema):
    """What a person changes about themselves."""

    name = fields.String(validate=validate.Length(max=200))
    locale = fields.String(validate=validate.OneOf(["fr_FR", "en_GB"]))
    mail = fields.Nested(MailPreferencesSchema, metadata={"description": "Only the kinds given change."})


class UserQuery(PageArgs):
    role = fields.Enum(Role, by_value=True)


class TokenSchema(Schema):
    id = Whole(dump_only=True)
    name = fields.String(validate=validate.Length(max=100))
    prefix = fields.String(dump_only=True, metadata={"description": "First characters, to recognise it."})
    user_id = Whole(dump_only=True)
    platform = fields.Boolean(dump_only=True, metadata={"description": "Carries the platform-administration scope."})
    parent_id = Whole(dump_only=True, allow_none=True, metadata={"description": "The token that created this one."})
    created_at = UtcDateTime(dump_only=True)
    expires_at = UtcDateTime(dump_only=True)
    revoked_at = UtcDateTime(dump_only=True, allow_none=True)


class TokenCreateSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=100))
    expires_in_days = Whole(load_default=90, validate=validate.Range(min=1, max=365), metadata={
        "description": "Capped at the expiry of the token that creates it."})
    platform = fields.Boolean(load_default=False, metadata={
        "description": "The platform-administration scope; only a platform-scoped token may ask for it."})


class TokenCreatedSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "The secret, shown this once."})


class SignInSchema(Schema):
    """A person's sign-in to the pages (machines use API tokens)."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class NewPasswordSchema(Schema):
    password = fields.String(required=True, load_only=True,
                             metadata={"description": "Its length is checked by the sign-in service."})
    confirm = fields.String(required=True, load_only=True)

    @validates_schema
    def _same(self, data, **kwargs):
        if data.get("password") != data.get("confirm"):
            raise ValidationError("The two passwords differ.", "confirm")


class InvitationSchema(Schema):
    url = fields.String(metadata={"description": "The password-setting page; shown this once."})
    expires_in_days = Whole()
    mailed = fields.Boolean(metadata={"description": "Also put in the outbox to the user (mail is configured)."})


class AdministratorSchema(Schema):
    """A coordination's administrator named by a platform administrator, with the link where
    they set their password (shown this once; logipool sends no mail)."""

    email = Email(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    user_id = Whole(dump_only=True)
    invitation_url = fields.String(dump_only=True, metadata={"description": "The password-setting page."})
    expires_in_days = Whole(dump_only=True)


class LanguageSchema(Schema):
    locale = fields.String(required=True, validate=validate.OneOf(["fr_FR", "en_GB"]))
