"""French and European identifiers: checked here so that a typo never reaches an issued invoice.

SIREN and SIRET carry a Luhn check digit (INSEE); a French VAT number embeds the SIREN behind a
two-digit key; an IBAN is checked with ISO 13616 mod 97.
"""

from __future__ import annotations

import re

from .exceptions import DocumentError

_DIGITS = re.compile(r"^\d+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_VAT = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,13}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def check_siren(value: str, field: str) -> str:
    """Return the SIREN (9 digits, Luhn key) or raise naming ``field``."""
    if not isinstance(value, str) or len(value) != 9 or not _DIGITS.match(value):
        raise DocumentError(f"{field}: a SIREN is exactly 9 digits, got {value!r}")
    if not luhn_valid(value):
        raise DocumentError(f"{field}: SIREN {value} fails its Luhn check digit")
    return value


def check_siret(value: str, field: str) -> str:
    """Return the SIRET (14 digits, Luhn key; La Poste establishments use a digit-sum rule)."""
    if not isinstance(value, str) or len(value) != 14 or not _DIGITS.match(value):
        raise DocumentError(f"{field}: a SIRET is exactly 14 digits, got {value!r}")
    valid = luhn_valid(value)
    if not valid and value.startswith(_LA_POSTE_SIREN):
        valid = sum(int(c) for c in value) % 5 == 0  # La Poste's establishments
    if not valid:
        raise DocumentError(f"{field}: SIRET {value} fails its Luhn check digit")
    return value


def french_vat_number(siren: str) -> str:
    """The intra-EU VAT number a French SIREN gets: FR + key + SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def check_vat_number(value: str, field: str, siren: str | None = None) -> str:
    """Return the VAT number; a French one must carry the right key and match the SIREN."""
    if not isinstance(value, str) or not _VAT.match(value):
        raise DocumentError(
            f"{field}: a VAT number is a 2-letter country code then 2 to 13 letters or "
            f"digits without spaces, got {value!r}"
        )
    if value.startswith("FR"):
        body = value[4:]
        if len(value) != 13 or not _DIGITS.match(body):
            raise DocumentError(f"{field}: a French VAT number is FR + 2 characters + SIREN")
        if _DIGITS.match(value[2:4]) and value != french_vat_number(body):
            raise DocumentError(f"{field}: {value} has a wrong key for SIREN {body}")
        if siren is not None and body != siren:
            raise DocumentError(f"{field}: {value} does not contain the SIREN {siren}")
    return value


def check_email(value: str, field: str) -> str:
    """Return the e-mail address or raise naming ``field``."""
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise DocumentError(f"{field}: {value!r} is not an e-mail address")
    return value


def check_iban(value: str, field: str) -> str:
    """Return the IBAN without spaces, checked with ISO 13616 mod 97."""
    compact = value.replace(" ", "").upper() if isinstance(value, str) else ""
    if not _IBAN.match(compact):
        raise DocumentError(f"{field}: {value!r} is not an IBAN")
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    if int(number) % 97 != 1:
        raise DocumentError(f"{field}: IBAN {value} fails its check digits")
    return compact


def luhn_complete(prefix: str) -> str:
    """Append the digit that makes ``prefix`` Luhn-valid (to build test and demo identifiers)."""
    for d in "0123456789":
        if luhn_valid(prefix + d):
            return prefix + d
    raise AssertionError("unreachable: one digit always completes a Luhn number")
