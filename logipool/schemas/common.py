"""Field types and base schemas every capability uses: whole numbers, UTC instants, days, money,
identifiers, pagination, addresses, periods, the document language."""

from __future__ import annotations

import re
from datetime import UTC, date
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from purchasing import MoneyError, format_cents, to_cents

from ..exports import DIALECTS
from ..validators import IdentifierError, compact_identifier, opening_hours_errors

_WHOLE = re.compile(r"[+-]?[0-9]{1,30}", re.ASCII)


class Whole(fields.Integer):
    """An integer that refuses 1.5 instead of truncating it to 1 (and refuses booleans)."""

    default_error_messages = {"fraction": "A whole number is expected.", "range": "This number is out of range."}
    LIMIT = 2**31 - 1  # every id, count and quantity fits a 32-bit integer column

    def _validated(self, value):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise self.make_error("fraction")
        if isinstance(value, str) and not _WHOLE.fullmatch(value):  # ASCII digits only, as money
            raise self.make_error("invalid")
        number = super()._validated(value)
        if number is not None and abs(number) > self.LIMIT:
            raise self.make_error("range")
        return number


class UtcDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset on the way in (naive refused), UTC on the way out.

    An instant whose UTC value falls outside years 1–9999 (``0001-01-01T00:00+01:00``) is refused:
    no date type can hold it."""

    default_error_messages = {"range": "This instant is out of range: its UTC time must lie in years 1 to 9999."}

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        try:
            instant.astimezone(UTC)
        except OverflowError:
            raise self.make_error("range") from None
        return instant

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Day(fields.Date):
    """An ISO date whose whole day is an instant in every time zone: 0001-01-02 to 9999-12-30
    (the first and last days of the calendar start or end outside it somewhere)."""

    FIRST, LAST = date(1, 1, 2), date(9999, 12, 30)
    default_error_messages = {"range": "This date is out of range: use a day from 0001-01-02 to 9999-12-30."}

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not self.FIRST <= day <= self.LAST:
            raise self.make_error("range")
        return day


MAX_CENTS = 10**13


MONEY_PATTERN = r"^[+-]?[0-9]+(\.[0-9]{1,2})?$"


DECIMAL_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"


_MONEY = re.compile(MONEY_PATTERN, re.ASCII)


class Money(fields.String):
    r"""Euros as a decimal string (``"12.34"``, ``"-5"``) on the wire, integer cents inside.

    Only ``[+-]?[0-9]+(\.[0-9]{1,2})?``: no exponent, no other script's digits, no ``_``
    separators, no surrounding space — what one reads is what is booked."""

    default_error_messages = {
        "invalid": 'An amount is a decimal string with at most two decimals, e.g. "12.34".',
    }

    def __init__(self, **kwargs):
        metadata = {"pattern": MONEY_PATTERN, "example": "12.34", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_cents(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40 or not _MONEY.fullmatch(value):
            raise self.make_error("invalid")
        try:
            cents = to_cents(value)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None
        if abs(cents) > MAX_CENTS:
            raise ValidationError("This amount is out of range (at most 100 billion euros).")
        return cents


def decimal_between(low: str, high: str):
    """Bounds of a decimal field (a plain function, so the OpenAPI type of the field stays valid)."""
    lo, hi = Decimal(low), Decimal(high)

    def validator(value):
        if not lo <= value <= hi:
            raise ValidationError(f"Must be between {lo} and {hi}.")

    return validator


def _check_hours(value):
    errors = opening_hours_errors(value)
    if errors:
        raise ValidationError(errors)


class Identifier(fields.String):
    """A SIREN, SIRET, VAT number, IBAN or BIC: accepted as people type it (spaces, dots, lower
    case), checked by python-stdnum, stored and returned compact."""

    KINDS = {
        "siren": ("a SIREN: 9 digits with a Luhn key", "732 829 320"),
        "siret": ("a SIRET: the SIREN and 5 digits, Luhn key", "732 829 320 00074"),
        "vat_number": ("an EU VAT number: country code then the number (French: key + SIREN)", "FR44732829320"),
        "iban": ("an IBAN: its country's length and format, mod-97 check digits", "FR76 3000 6000 0112 3456 7890 189"),
        "bic": ("a BIC (ISO 9362): 8 or 11 characters", "AGRIFRPP"),
    }

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        description, example = self.KINDS[kind]
        metadata = {"description": description[0].upper() + description[1:] + "; spaces accepted, stored compact.",
                    "example": example, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > 60:
            raise ValidationError("Too long for an identifier.")
        try:
            return compact_identifier(self.kind, text)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None


Siren = lambda **kw: Identifier("siren", **kw)  # noqa: E731


Siret = lambda **kw: Identifier("siret", **kw)  # noqa: E731


VatNumber = lambda **kw: Identifier("vat_number", **kw)  # noqa: E731


Iban = lambda **kw: Identifier("iban", **kw)  # noqa: E731


Bic = lambda **kw: Identifier("bic", **kw)  # noqa: E731


Name = lambda **kw: fields.String(validate=validate.Length(min=1, max=200), **kw)  # noqa: E731


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def printable(value: str) -> None:
    """Text printed on a document (PDF and its Factur-X XML): no control character but tab and
    line breaks, which XML cannot carry."""
    if _CONTROL.search(value):
        raise ValidationError("Text printed on a document cannot contain control characters.")


Email = lambda **kw: fields.Email(validate=validate.Length(max=254), **kw)  # noqa: E731


class PageArgs(Schema):
    limit = Whole(
        load_default=50, validate=validate.Range(min=1, max=200), metadata={"description": "Page size (at most 200)."}
    )
    offset = Whole(load_default=0, validate=validate.Range(min=0))


def page_of(item_schema: type[Schema]) -> type[Schema]:
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": Whole(required=True, metadata={"description": "Rows matching, all pages."}),
            "limit": Whole(required=True),
            "offset": Whole(required=True),
        },
    )


class AddressFields(Schema):
    street = fields.String(validate=validate.Length(max=200))
    postcode = fields.String(validate=validate.Regexp(r"^([0-9A-Z -]{2,10})?$"),
                             metadata={"description": "Empty when not known."})
    city = fields.String(validate=validate.Length(max=100))
    country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$"), metadata={"description": "ISO 3166-1 alpha-2"})


class PeriodArgs(Schema):
    start = UtcDateTime(required=True)
    end = UtcDateTime(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["end"] <= data["start"]:
            raise ValidationError("The period must end after it starts.", "end")
        if (data["end"] - data["start"]).days > 370:
            raise ValidationError("Ask for at most a year at a time.", "end")


class CsvQuery(Schema):
    dialect = fields.String(load_default="excel-fr", validate=validate.OneOf(sorted(DIALECTS)), metadata={
        "description": "excel-fr (default): UTF-8 with BOM, `;`, decimal comma, French headers, for French "
                       "spreadsheets; plain: UTF-8, `,`, decimal point, English headers, for machines."})

    @post_load
    def _dialect(self, data, **kwargs):
        data["dialect"] = DIALECTS[data["dialect"]]
        return data


class LangQuery(Schema):
    lang = fields.String(load_default=None, validate=validate.OneOf(["fr", "en"]), metadata={
        "description": "Language of the printed document; by default the language of the service's "
                       "locale (LOGIPOOL_LOCALE, French unless set otherwise)."})

    @post_load
    def _default_lang(self, data, **kwargs):
        if data.get("lang") is None:
            data["lang"] = _document_lang()
        return data


def _document_lang() -> str:
    """The documents' language by default: that of LOGIPOOL_LOCALE (``fr_FR`` → ``fr``)."""
    from flask import current_app, has_app_context

    locale = current_app.config["LOCALE"] if has_app_context() else "fr_FR"
    return "fr" if locale.startswith("fr") else "en"
