"""Checks on French identifiers and other values the schemas share."""

from __future__ import annotations

import re

from invoices.exceptions import DocumentError
from invoices.identifiers import check_siren, check_siret


def _message(check, value) -> str | None:
    try:
        check(value, "value")
    except DocumentError as exc:
        text = str(exc).removeprefix("value: ")
        return text[0].upper() + text[1:] + ": check for a typo."
    return None


def siren_error(value: str) -> str | None:
    """Why ``value`` is not a SIREN (9 digits, Luhn key), or None."""
    return _message(check_siren, value)


def siret_error(value: str) -> str | None:
    """Why ``value`` is not a SIRET (14 digits, Luhn key; La Poste's digit-sum rule), or None."""
    return _message(check_siret, value)


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
