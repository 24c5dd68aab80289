"""The words pages show for the stored codes (statuses, charge sources, allocation keys…), translated.

Every code a page shows goes through one of the maps below and :func:`label`, so a new code is
named in one place; a code without a word shows as itself."""

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

#: the key a charge was shared by (``Charge.allocation_key``, a joint order's ``fee_key``)
ALLOCATION_KEY = {
    # a vehicle's own use, storage, the warehouse's costs
    "usage": _l("use of the vehicle (days, hours, km)"), "pallet_days": _l("pallet-days"),
    "m2_days": _l("square-metre-days"), "funder_percent": _l("funder's percentage"),
    # joint orders: the goods received, the fees' key
    "received_quantity": _l("quantity received"), "weight": _l("people served"), "value": _l("value ordered"),
    "equal": _l("equal shares"),
    # shared rounds
    "shapley": _l("Shapley value"), "nucleolus": _l("nucleolus"),
    "proportional_standalone": _l("pro rata of the stand-alone cost"), "by_load": _l("pro rata of the load"),
    # set by hand
    "people_served_per_week": _l("people served per week"), "manual": _l("set by the coordination"),
}

TEMPERATURE = {"ambient": _l("ambient"), "chilled": _l("chilled"), "frozen": _l("frozen")}

KIND = {"invoice": _l("invoice"), "credit_note": _l("credit note"), "payment": _l("payment")}

#: why a need got less than its target (``purchasing.Reason``)
REASON = {"budget": _l("the budget was reached"), "availability": _l("the supplier had no more"),
          "pack_rounding": _l("whole packs: one more would leave units over"),
          "supplier_minimum": _l("the supplier's minimum order was not reached")}

#: an offer's unit as a catalogue stores it (other units show as written)
UNIT = {"unit": _l("units"), "l": _l("L"), "kg": _l("kg")}

MAPS = {"status": STATUS, "source": SOURCE, "key": ALLOCATION_KEY, "temperature": TEMPERATURE, "kind": KIND,
        "unit": UNIT, "reason": REASON}


def label(value, words: dict) -> str:
    """The word for a code (an enum or its value) in the page's language; the code if it has none."""
    value = getattr(value, "value", value)
    return str(words.get(value, value))


def status_label(value) -> str:
    return label(value, STATUS)


def locale_lang() -> str:
    return get_locale().language if get_locale() else "fr"


def register(app) -> None:
    app.jinja_env.globals.update(current_locale_lang=locale_lang,
                                 **{f"{name}_label": (lambda v, words=words: label(v, words))
                                    for name, words in MAPS.items()})
