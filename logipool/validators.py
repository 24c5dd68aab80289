"""Checks on French identifiers and other values the schemas share."""

from __future__ import annotations

import re

from invoices.exceptions import DocumentError
from invoices.identifiers import check_bic, check_iban, check_siren, check_siret, check_vat_number

#: every identifier a field may hold, checked by python-stdnum (``invoices.identifiers``)
IDENTIFIERS = {
    "siren": check_siren,
    "siret": check_siret,
    "vat_number": check_vat_number,
    "iban": check_iban,
    "bic": check_bic,
}


class IdentifierError(ValueError):
    """A SIREN, SIRET, VAT number, IBAN or BIC that is not one; the message says why."""


def compact_identifier(kind: str, value: str) -> str:
    """``value`` checked as a ``kind`` (a key of IDENTIFIERS) and written compact, as it is
    stored: ``"FR76 3000 6000 0112 3456 7890 189"`` → ``"FR7630006000011234567890189"``.

    Raises IdentifierError with a sentence for the person who typed it."""
    try:
        return IDENTIFIERS[kind](value, "value")
    except DocumentError as exc:
        text = str(exc).removeprefix("value: ")
        raise IdentifierError(text[0].upper() + text[1:] + ": check for a typo.") from None


def identifier_error(kind: str, value: str) -> str | None:
    """Why ``value`` is not a ``kind``, or None."""
    try:
        compact_identifier(kind, value)
    except IdentifierError as exc:
        return str(exc)
    return None


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")


def opening_hours_errors(hours) -> list[str]:
    """Weekly opening hours: ``{"mon": [["08:00", "12:00"], ...]}``, ordered and disjoint."""
    if not isinstance(hours, dict):
        return ["Opening hours are an object keyed by day (mon … sun)."]
    errors = []
    for day, intervals in hours.items():
        if day not in DAYS:
            errors.append(f"Unknown day {day!r}: use one of {', '.join(DAYS)}.")
            continue
        if not isinstance(intervals, list):
            errors.append(f"{day}: a list of [opens, closes] pairs is expected.")
            continue
        previous_end = ""
        for pair in intervals:
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(t, str) and _HHMM.fullmatch(t) for t in pair)
            ):
                errors.append(f"{day}: each interval is [\"HH:MM\", \"HH:MM\"].")
                break
            start, end = pair
            if start >= end:
                errors.append(f"{day}: {start}–{end} closes before it opens.")
                break
            if start < previous_end:
                errors.append(f"{day}: intervals overlap or are not in order.")
                break
            previous_end = end
    return errors
