"""Checks on French identifiers and other values the schemas share."""

from __future__ import annotations

import re

LA_POSTE_SIREN = "356000000"  # La Poste's establishments follow a digit-sum rule, not Luhn


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def siren_error(value: str) -> str | None:
    if not re.fullmatch(r"\d{9}", value or ""):
        return "A SIREN is exactly 9 digits."
    if not luhn_ok(value):
        return "This SIREN fails the Luhn check digit: check for a typo."
    return None


def siret_error(value: str) -> str | None:
    if not re.fullmatch(r"\d{14}", value or ""):
        return "A SIRET is exactly 14 digits."
    if value.startswith(LA_POSTE_SIREN):
        if sum(int(c) for c in value) % 5 != 0:
            return "This SIRET of La Poste fails its check digit rule: check for a typo."
        return None
    if not luhn_ok(value):
        return "This SIRET fails the Luhn check digit: check for a typo."
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
