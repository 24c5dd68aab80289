"""The services' and schemas' messages in the page's language.

Services and schemas word their messages in English for every caller (the API's problem
documents are English unless the request asks French: ``logipool.errors``, through the same
:func:`translate`). A page shows them through :func:`translate` (the ``message`` filter of the
templates): the message itself is a gettext id, or it matches one of the templates below,
whose ``%(name)s`` parts are the values the service put in. Each template is written as the
service words it, so the catalogue's French follows the same sentence; a message that matches
nothing is shown as the service worded it. A new message a page shows gets its line here.
"""

from __future__ import annotations

import re
from functools import cache

from flask_babel import gettext


def N_(message: str) -> str:  # noqa: N802 — the usual name of gettext's "mark only" function
    """Marks a message for the catalogue (``pybabel extract -k N_``) without translating it here."""
    return message


TEMPLATES = (
    # schemas (marshmallow)
    N_("Missing data for required field."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid email address."),
    N_("Field may not be null."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Must be one of: %(choices)s."),
    # sign-in, passwords, CSRF, rate limits
    N_("This e-mail and password do not match an account."),
    N_("Too many failed attempts: this account is locked for a few minutes."),
    N_("The two passwords differ."),
    N_("Choose at least 10 characters."),
    N_("The CSRF token is missing."),
    N_("The CSRF token is invalid."),
    N_("Too many requests (%(limit)s: at most %(count)s); retry in %(seconds)s s."),
    # vehicle bookings
    N_("A booking must end after it starts."),
    N_("A booking lasts at most 31 days; book a series for longer needs."),
    N_("This is in the past: only staff record past bookings."),
    N_("The vehicle is already booked then (booking %(id)s, %(start)s–%(end)s UTC with its buffer)."),
    N_("The vehicle is unavailable then: %(reason)s (%(start)s–%(end)s UTC)."),
    N_("Vehicle %(id)s (%(name)s) is inactive."),
    N_("No vehicle %(id)s in this coordination."),
    N_("A representative books for its own member only."),
    N_("Fair-use quota: at most %(most)s h per week of %(kind)s for this member; this booking would bring the "
       "week of %(week)s to %(hours)s h."),
    # storage bookings
    N_("A storage booking must end after it starts."),
    N_("The period must end after it starts."),
    N_("Zone %(zone)s has %(capacity)s pallet positions in all."),
    N_("Zone %(zone)s is full then: from %(start)s to %(end)s UTC, %(taken)s of %(capacity)s positions are taken, "
       "%(free)s free, %(asked)s asked."),
    N_("A booking of zone %(zone)s lasts at most %(days)s days: book again later."),
    N_("Zone %(zone)s is booked at most %(days)s days ahead."),
    N_("Fair use: a member holds at most %(most)s positions of zone %(zone)s at once; this member already "
       "holds %(held)s then and asks %(asked)s."),
    N_("Zone %(id)s (%(zone)s) is closed."),
    N_("No storage zone %(id)s in this coordination."),
    # joint orders: needs, budget, the needs file
    N_("The need is positive."),
    N_("The minimum %(minimum)s is above the target %(target)s."),
    N_("The maximum %(maximum)s is below the target %(target)s."),
    N_("%(product)s is counted in whole %(unit)s."),
    N_("Name at least one offer."),
    N_("An offer is listed twice."),
    N_("The cycle is %(status)s: members declare needs while it is open."),
    N_("The cycle is %(status)s: needs change while it is open, closed or allocated."),
    N_("Representatives declare the needs and budget of their own member only."),
    N_("Representatives import the needs of their own member only."),
    N_("No member %(name)s here."),
    N_("%(reference)s is not in the cycle's catalogue."),
    N_("%(reference)s is sold by several of the cycle's suppliers."),
    N_("Choose a CSV or XLSX file."),
    N_("The file is empty."),
    # the statement
    N_("The period starts after it ends (or after today)."),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """Each template as a regular expression whose named groups are its ``%(name)s`` parts."""
    patterns = []
    for template in TEMPLATES:
        if "%(" not in template:
            continue
        parts = re.split(r"%\((\w+)\)s", template)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        patterns.append((re.compile(regex, re.DOTALL), template))
    return tuple(patterns)


def translate(message) -> str:
    """``message`` in the page's language; a problem's detail ``"field: message"`` keeps its field."""
    text = str(message)
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern, template in _patterns():
        match = pattern.fullmatch(text)
        if match:
            return gettext(template, **match.groupdict())
    field, colon, rest = text.partition(": ")
    if colon and re.fullmatch(r"[\w.]+", field):
        return f"{field}: {translate(rest)}"
    return text


def register(app) -> None:
    app.jinja_env.filters["message"] = translate
