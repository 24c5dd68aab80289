"""The words pages show for the stored codes (statuses, charge sources), translated."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

STATUS = {
    # vehicle and storage bookings
    "requested": _l("requested"), "confirmed": _l("confirmed"), "rejected": _l("rejected"),
    "cancelled": _l("cancelled"), "checked_out": _l("checked out"), "returned": _l("returned"),
    "ended": _l("ended"),
    # invoices
    "draft": _l("draft"), "issued": _l("issued"), "partly_paid": _l("partly paid"), "paid": _l("paid"),
    "credited": _l("credited"),
    # order cycles
    "open": _l("open"), "closed": _l("closed"), "allocated": _l("allocated"), "ordered": _l("ordered"),
    "received": _l("received"), "settled": _l("settled"),
}

SOURCE = {
    "vehicle_booking": _l("vehicle booking"), "storage_booking": _l("storage"),
    "warehouse_costs": _l("warehouse costs"), "order_cycle": _l("joint order"), "route_plan": _l("shared round"),
    "manual": _l("manual charge"),
}

TEMPERATURE = {"ambient": _l("ambient"), "chilled": _l("chilled"), "frozen": _l("frozen")}

KIND = {"invoice": _l("invoice"), "credit_note": _l("credit note"), "payment": _l("payment")}


def status_label(value) -> str:
    value = getattr(value, "value", value)
    return str(STATUS.get(value, value))


def source_label(value) -> str:
    value = getattr(value, "value", value)
    return str(SOURCE.get(value, value))


def kind_label(value) -> str:
    value = getattr(value, "value", value)
    return str(KIND.get(value, value))


def temperature_label(value) -> str:
    value = getattr(value, "value", value)
    return str(TEMPERATURE.get(value, value))


def locale_lang() -> str:
    return get_locale().language if get_locale() else "fr"


def register(app) -> None:
    app.jinja_env.globals.update(status_label=status_label, source_label=source_label, kind_label=kind_label,
                                 current_locale_lang=locale_lang,
                                 temperature_label=temperature_label)


# Messages of the services and schemas that people meet most on the pages: listed here so the
# catalogue translates them where a page shows them (others show as the services word them).
SERVICE_MESSAGES = (
    _l("This e-mail and password do not match an account."),
    _l("Too many failed attempts: this account is locked for a few minutes."),
    _l("Missing data for required field."),
    _l("Not a valid integer."),
    _l("Not a valid number."),
    _l("Not a valid email address."),
    _l("Not a valid datetime."),
    _l("Must be greater than or equal to 1 and less than or equal to 100000."),
    _l("A booking must end after it starts."),
    _l("A storage booking must end after it starts."),
    _l("The period must end after it starts."),
    _l("The two passwords differ."),
    _l("Choose at least 10 characters."),
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
)
