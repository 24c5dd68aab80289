"""Getting paid: the creditor reference a payer quotes, the EPC QR code a banking app scans,
the SEPA direct-debit file (pain.008) a bank collects, and the late-payment figures a reminder
states.

Identifiers are checked with python-stdnum (ISO 11649, ISO 13616 IBAN, ISO 9362 BIC, the SEPA
creditor identifier AT-02), never by hand; the QR code is drawn by segno and the pain.008 file
written by sepaxml, which validates it against the XSD it ships.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from stdnum import iso11649
from stdnum.eu import at_02
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

from .exceptions import DocumentError
from .identifiers import check_bic, check_iban
from .model import RECOVERY_INDEMNITY_CENTS, round_cents

_BODY = re.compile(r"^[A-Z0-9]{1,21}$")
#: The characters the EPC QR code and SEPA files allow (the SEPA "Latin" subset, EPC217-08).
_SEPA_TEXT = re.compile(r"^[A-Za-z0-9/?:().,'+ \-]*$")
DAYS_IN_YEAR = 365




def check_creditor_id(value: str, field: str) -> str:
    """A SEPA creditor identifier (ICS in France, e.g. FR72ZZZ123456)."""
    try:
        return at_02.validate(value)
    except (ValidationError, TypeError, AttributeError) as exc:
        raise DocumentError(f"{field}: {value!r} is not a SEPA creditor identifier ({exc})") from None


def creditor_reference(body: str) -> str:
    """The ISO 11649 structured creditor reference ``RFkk<body>`` of up to 21 letters or digits."""
    body = body.upper()
    if not _BODY.match(body):
        raise DocumentError(f"payment_reference: 1 to 21 letters or digits, got {body!r}")
    reference = "RF" + mod_97_10.calc_check_digits(body + "RF") + body
    return iso11649.validate(reference)


def invoice_reference(coordination_id: int, number: str) -> str:
    """The creditor reference of an invoice: the coordination, then the invoice number's
    digits (``2026-000123`` of coordination 7 → ``RF..0072026000123``), unique per installation."""
    digits = re.sub(r"[^A-Za-z0-9]", "", number)
    return creditor_reference(f"{coordination_id:03d}{digits}")


def format_reference(reference: str) -> str:
    """In groups of four, as printed (``RF18 5390 0754 7034``)."""
    return iso11649.format(reference)


@dataclass(frozen=True)
class TransferRequest:
    """What a SEPA credit transfer needs, as the EPC QR code carries it (EPC069-12)."""

    name: str
    iban: str
    amount_cents: int
    reference: str
    bic: str | None = None

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 70:
            raise DocumentError("name: the beneficiary's name, 1 to 70 characters")
        object.__setattr__(self, "iban", check_iban(self.iban, "iban"))
        if self.bic:
            object.__setattr__(self, "bic", check_bic(self.bic, "bic"))
        if not isinstance(self.amount_cents, int) or not 1 <= self.amount_cents <= 99_999_999_999:
            raise DocumentError("amount_cents: between 0.01 and 999,999,999.99 euros")
        if not iso11649.is_valid(self.reference):
            raise DocumentError(f"reference: {self.reference!r} is not an ISO 11649 creditor reference")

    @property
    def payload(self) -> str:
        """The EPC069-12 version 002 payload: service tag, version, UTF-8, SCT, BIC, name, IBAN,
        amount, purpose (none), the structured reference, no unstructured text."""
        euros = f"EUR{Decimal(self.amount_cents) / 100:.2f}"
        return "\n".join(("BCD", "002", "1", "SCT", self.bic or "", self.name, self.iban, euros, "",
                          iso11649.compact(self.reference)))

    def qr(self):
        """The QR code (segno), error correction level M as the EPC guideline requires."""
        import segno

        return segno.make(self.payload, error="m", encoding="utf-8", micro=False, boost_error=False)


@dataclass(frozen=True)
class LateFigures:
    """What an overdue invoice costs its payer on a day, as the invoice states it: penalties at
    the annual rate on what remains, from the day after the due date, and the fixed recovery
    indemnity (art. L441-10 and D441-5 C. com.) owed by a professional payer."""

    due_date: date
    on: date
    remaining_cents: int
    annual_rate: Decimal
    professional: bool = True

    @property
    def days_late(self) -> int:
        return max((self.on - self.due_date).days, 0)

    @property
    def penalty_cents(self) -> int:
        return round_cents(Decimal(self.remaining_cents) * self.annual_rate / 100 * self.days_late / DAYS_IN_YEAR)

    @property
    def indemnity_cents(self) -> int:
        return RECOVERY_INDEMNITY_CENTS if self.professional and self.days_late > 0 else 0

    @property
    def total_cents(self) -> int:
        return self.remaining_cents + self.penalty_cents + self.indemnity_cents


@dataclass(frozen=True)
class Collection:
    """One direct debit of a pain.008 file: an invoice collected under a member's mandate."""

    end_to_end_id: str
    debtor_name: str
    iban: str
    bic: str
    mandate_reference: str
    mandate_signed_on: date
    sequence: str  # FRST or RCUR
    amount_cents: int
    collection_date: date
    remittance: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "iban", check_iban(self.iban, "iban"))
        object.__setattr__(self, "bic", check_bic(self.bic, "bic"))
        if not re.match(r"^[A-Za-z0-9+?/:().,' \-]{1,35}$", self.mandate_reference):
            raise DocumentError(f"mandate reference: 1 to 35 SEPA characters, got {self.mandate_reference!r}")
        if self.sequence not in ("FRST", "RCUR"):
            raise DocumentError(f"sequence: FRST or RCUR, got {self.sequence!r}")
        if self.amount_cents <= 0:
            raise DocumentError("amount_cents: a collection is a positive amount")


def direct_debit_xml(*, creditor_name: str, iban: str, bic: str, creditor_id: str,
                     collections: list[Collection], message_id: str | None = None) -> tuple[str, bytes]:
    """The pain.008.001.02 file (SEPA core direct debit) of the collections, one batch per
    sequence and date, validated against its XSD: ``(message id, XML bytes)``."""
    from sepaxml import SepaDD

    if not collections:
        raise DocumentError("collections: a direct-debit file needs at least one collection")
    config = {"name": creditor_name[:70], "IBAN": check_iban(iban, "iban"), "BIC": check_bic(bic, "bic"),
              "batch": True, "creditor_id": check_creditor_id(creditor_id, "creditor_id"), "currency": "EUR"}
    sepa = SepaDD(config, schema="pain.008.001.02")
    if message_id is not None:
        sepa.msg_id = message_id
    for c in collections:
        sepa.add_payment({
            "name": c.debtor_name, "IBAN": c.iban, "BIC": c.bic, "amount": c.amount_cents, "type": c.sequence,
            "collection_date": c.collection_date, "mandate_id": c.mandate_reference,
            "mandate_date": c.mandate_signed_on, "description": c.remittance, "endtoend_id": c.end_to_end_id,
        })
    return sepa.msg_id, sepa.export(validate=True)


def pain008_schema():
    """The pain.008.001.02 XSD shipped with sepaxml, for lxml (tests and checks)."""
    import importlib.resources

    from lxml import etree

    path = importlib.resources.files("sepaxml") / "schemas" / "pain.008.001.02.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


__all__ = [
    "Collection",
    "LateFigures",
    "TransferRequest",
    "check_bic",
    "check_creditor_id",
    "check_iban",
    "creditor_reference",
    "direct_debit_xml",
    "format_reference",
    "invoice_reference",
    "pain008_schema",
]
