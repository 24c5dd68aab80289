"""French and European identifiers: checked here so that a typo never reaches an issued invoice.

The checks are python-stdnum's (the INSEE Luhn key of SIREN and SIRET, La Poste's establishments
included; each EU country's VAT number format and key, the French key tied to the SIREN; the IBAN's
country, length and structure by the SWIFT registry and its ISO 13616 mod-97 digits; ISO 9362
BICs). Every check accepts a number as people type it (spaces, dots, dashes, lower case) and
returns it compact, which is how it is stored and printed.
"""

from __future__ import annotations

import re

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum import luhn
from stdnum.eu import vat as _vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.fr import siren as _siren
from stdnum.fr import siret as _siret

from .exceptions import DocumentError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def _reason(exc: ValidationError, what: str) -> str:
    if isinstance(exc, InvalidLength):
        return f"has the wrong length for {what}"
    if isinstance(exc, InvalidChecksum):
        return f"fails the check digits of {what}"
    if isinstance(exc, InvalidComponent):
        return f"has an unknown country or part for {what}"
    if isinstance(exc, InvalidFormat):
        return f"is not written like {what}"
    return f"is not {what}"


def _validated(module, value, field: str, what: str, **options) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(f"{field}: {what} is expected, got {value!r}")
    try:
        return module.validate(value, **options)
    except ValidationError as exc:
        raise DocumentError(f"{field}: {value!r} {_reason(exc, what)}") from None


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    return luhn.is_valid(digits)


def check_siren(value: str, field: str) -> str:
    """Return the SIREN compact (9 digits, Luhn key) or raise naming ``field``."""
    return _validated(_siren, value, field, "a SIREN (9 digits)")


def check_siret(value: str, field: str) -> str:
    """Return the SIRET compact (14 digits, Luhn key; La Poste's establishments by their rule)."""
    return _validated(_siret, value, field, "a SIRET (14 digits)")


def french_vat_number(siren: str) -> str:
    """The intra-EU VAT number a French SIREN gets: FR + key + SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def check_vat_number(value: str, field: str, siren: str | None = None) -> str:
    """Return the VAT number compact; a French one must carry the right key and match the SIREN."""
    compact = _validated(_vat, value, field, "an EU VAT number (country code, then the number)")
    if siren is not None and compact.startswith("FR") and compact[4:] != siren:
        raise DocumentError(f"{field}: {compact} does not contain the SIREN {siren}")
    return compact


def check_email(value: str, field: str) -> str:
    """Return the e-mail address or raise naming ``field``."""
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise DocumentError(f"{field}: {value!r} is not an e-mail address")
    return value


def check_iban(value: str, field: str) -> str:
    """Return the IBAN compact: its country's length and format, and its mod-97 check digits."""
    return _validated(_iban, value, field, "an IBAN")


def check_bic(value: str, field: str) -> str:
    """Return the BIC compact (8 or 11 characters: bank, country, location, branch)."""
    return _validated(_bic, value, field, "a BIC (8 or 11 characters)")


def luhn_complete(prefix: str) -> str:
    """Append the digit that makes ``prefix`` Luhn-valid (to build test and demo identifiers)."""
    return prefix + luhn.calc_check_digit(prefix)
