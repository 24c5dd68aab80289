"""Numbers, money and dates for pages: Babel, in the user's locale and the coordination's time zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from flask_babel import format_currency, format_date, format_datetime, format_decimal, format_percent

from purchasing import format_cents
from purchasing.money import to_cents


def money(value) -> str:
    """Integer cents, or a decimal string in euros as the API writes it ("12.34"), as "1 234,56 €"."""
    if value is None or value == "":
        return ""
    cents = value if isinstance(value, int) else to_cents(str(value))
    return format_currency(Decimal(cents).scaleb(-2), "EUR")


def euros(cents: int | None) -> str:
    """Cents as the decimal string a money input takes back ("250.00")."""
    return "" if cents is None else format_cents(cents)


def day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "EEE d MMM y")
    if isinstance(value, date):
        return format_date(value, "medium")
    return str(value)


def moment(value: datetime | None) -> str:
    """A datetime in the coordination's time zone, e.g. "mar. 8 déc. 2026, 09:00"."""
    return "" if value is None else format_datetime(value, "EEE d MMM y, HH:mm")


def clock(value: datetime | None) -> str:
    return "" if value is None else format_datetime(value, "HH:mm")


def number(value) -> str:
    return "" if value is None else format_decimal(Decimal(str(value)))


def percent(value) -> str:
    return "" if value is None else format_percent(Decimal(str(value)))


def input_format(kind: str) -> str:
    """What a date field expects, shown by it: browsers draw date inputs in their own locale."""
    from babel import dates
    from flask_babel import get_locale, gettext

    example = datetime(2026, 11, 30, 8, 0)  # a day above 12, so the order of day and month is plain
    if kind == "date":
        return gettext("Date, e.g. %(example)s", example=dates.format_date(example, "short", locale=get_locale()))
    if kind == "datetime-local":
        return gettext("Date and time, e.g. %(example)s",
                       example=dates.format_datetime(example, "short", locale=get_locale()))
    return ""


def payment_reference(value: str | None) -> str:
    """An ISO 11649 reference in groups of four, as printed on the invoice."""
    from invoices import format_reference

    return "" if not value else format_reference(value)


def register(app: Flask) -> None:
    for name, fn in (("money", money), ("euros", euros), ("day", day), ("moment", moment), ("clock", clock),
                     ("number", number), ("percent", percent), ("payment_reference", payment_reference)):
        app.jinja_env.filters[name] = fn
    app.jinja_env.globals["input_format"] = input_format
