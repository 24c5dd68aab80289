"""Invoice and credit-note dataclasses that refuse to exist in a state French law would reject.

Every amount is integer cents; quantities, unit prices and VAT rates are ``Decimal``. The VAT
regime is configuration of the issuer and is never defaulted: it decides the VAT category of
every line (EN 16931 codes S, E, O) and the legal mention printed on the document, unless the
line carries its own treatment (services exempt, goods taxed, disbursements at cost).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from functools import cached_property

from stdnum import iso11649

from purchasing import apportion

from .exceptions import DocumentError
from .identifiers import (
    check_bic,
    check_email,
    check_iban,
    check_siren,
    check_siret,
    check_vat_number,
)

#: The fixed recovery indemnity owed by a late professional payer (art. D441-5 C. com.), cents.
RECOVERY_INDEMNITY_CENTS = 4000

#: French VAT rates (percent) a VAT-registered issuer may charge (mainland, Corsica, overseas).
FRENCH_VAT_RATES = frozenset(
    Decimal(r) for r in ("20", "10", "5.5", "2.1", "13", "8.5", "1.75", "1.05", "0.9")
)

#: UN/ECE Recommendation 20/21 unit codes accepted on a line, with their printed labels.
UNITS: dict[str, tuple[str, str]] = {
    "C62": ("unité", "unit"),
    "H87": ("pièce", "piece"),
    "DAY": ("jour", "day"),
    "HUR": ("heure", "hour"),
    "MON": ("mois", "month"),
    "KMT": ("km", "km"),
    "KGM": ("kg", "kg"),
    "TNE": ("t", "t"),
    "LTR": ("L", "L"),
    "MTK": ("m²", "m²"),
    "MTQ": ("m³", "m³"),
    "XPX": ("palette", "pallet"),
    "XBX": ("carton", "box"),
    "LS": ("forfait", "lump sum"),
}

_NUMBER = re.compile(r"^[A-Za-z0-9+\-_/]{1,35}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class VatRegime(Enum):
    """How the issuer stands towards VAT; it decides the category code and the legal mention."""

    OUTSIDE_SCOPE = "outside_scope"
    FRANCHISE_293B = "franchise_293b"
    COST_SHARING_261B = "cost_sharing_261b"
    VAT_REGISTERED = "vat_registered"
    #: disbursements at cost ("débours"), excluded from the taxable base (art. 267 II 2° CGI);
    #: a treatment of lines, not a regime of an issuer
    DISBURSEMENT = "disbursement"

    @property
    def category_code(self) -> str:
        """EN 16931 VAT category (UNTDID 5305): O outside scope, E exempt, S standard."""
        return {"outside_scope": "O", "vat_registered": "S"}.get(self.value, "E")

    @property
    def exemption_code(self) -> str | None:
        """VATEX code (BT-121) that states the legal ground of a non-taxed operation."""
        return {
            "outside_scope": "VATEX-EU-O",
            "franchise_293b": "VATEX-FR-FRANCHISE",
            "cost_sharing_261b": "VATEX-FR-CGI261B",
            # art. 79 c) of directive 2006/112/EC, transposed by art. 267 II 2° CGI
            "disbursement": "VATEX-EU-79-C",
        }.get(self.value)

    def mention(self, lang: str = "fr") -> str | None:
        """The legal mention printed on the document (None when VAT is charged)."""
        texts = {
            "outside_scope": (
                "Opération hors du champ d'application de la TVA",
                "Outside the scope of VAT",
            ),
            "franchise_293b": (
                "TVA non applicable, art. 293 B du CGI",
                "VAT not applicable, art. 293 B of the French Tax Code (CGI)",
            ),
            "cost_sharing_261b": (
                "Exonération de TVA, art. 261 B du CGI",
                "Exempt from VAT, art. 261 B of the French Tax Code (CGI)",
            ),
            "disbursement": (
                "Débours refacturés à l'identique, exclus de la base d'imposition, "
                "art. 267 II 2° du CGI",
                "Disbursements recharged at cost, excluded from the taxable base, "
                "art. 267 II 2° of the French Tax Code (CGI)",
            ),
        }
        pair = texts.get(self.value)
        if pair is None:
            return None
        return pair[0] if lang == "fr" else pair[1]


class InvoiceKind(Enum):
    """Invoice (UNTDID 1001 code 380) or credit note (381) correcting an issued invoice."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def type_code(self) -> str:
        return "380" if self is InvoiceKind.INVOICE else "381"


class Nature(Enum):
    """Goods, services or both: a mention the 2026 reform adds (French billing frame B1/S1/M1)."""

    GOODS = "goods"
    SERVICES = "services"
    MIXED = "mixed"

    @property
    def billing_frame(self) -> str:
        return {"goods": "B1", "services": "S1", "mixed": "M1"}[self.value]


def _text(value: object, field_name: str, *, max_len: int = 200, required: bool = True) -> str:
    if not isinstance(value, str):
        raise DocumentError(f"{field_name}: expected text, got {type(value).__name__}")
    if required and not value.strip():
        raise DocumentError(f"{field_name}: must not be empty")
    if len(value) > max_len:
        raise DocumentError(f"{field_name}: at most {max_len} characters")
    return value


def _decimal(value: object, field_name: str, *, places: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise DocumentError(
            f"{field_name}: expected a Decimal, int or decimal string (never float), "
            f"got {type(value).__name__}"
        )
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise DocumentError(f"{field_name}: {value!r} is not a number") from None
    if not number.is_finite():
        raise DocumentError(f"{field_name}: {value!r} is not a finite number")
    try:
        exact = number == number.quantize(Decimal(1).scaleb(-places))
    except ArithmeticError:
        raise DocumentError(f"{field_name}: {value} is too large") from None
    if not exact:
        raise DocumentError(f"{field_name}: at most {places} decimals, got {value}")
    return number


def _cents(value: object, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DocumentError(f"{field_name}: an amount is an integer number of cents")
    return value


def _date(value: object, field_name: str) -> date:
    if not isinstance(value, date):
        raise DocumentError(f"{field_name}: expected a date, got {type(value).__name__}")
    if not 2000 <= value.year <= 2099:
        raise DocumentError(f"{field_name}: year {value.year} is outside 2000-2099")
    return value


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def round_cents(amount: Decimal) -> int:
    """Round an amount in cents half up (away from zero on .5) to an integer."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Party:
    """A legal person on a document: the coordination, a member association, a funder."""

    legal_name: str
    address_lines: tuple[str, ...]
    postcode: str
    city: str
    country: str = "FR"
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    email: str | None = None
    vat_regime: VatRegime | None = None
    iban: str | None = None
    bic: str | None = None
    tax_registration: str | None = None
    #: a public entity (State, local authority) invoiced through Chorus Pro (B2G)
    public_body: bool = False

    def __post_init__(self) -> None:
        _text(self.legal_name, "legal_name", max_len=200)
        if not isinstance(self.public_body, bool):
            raise DocumentError("public_body: expected true or false")
        lines = tuple(self.address_lines) if not isinstance(self.address_lines, str) else None
        if not lines or len(lines) > 3:
            raise DocumentError("address_lines: give 1 to 3 address lines")
        for i, line in enumerate(lines):
            _text(line, f"address_lines[{i}]", max_len=100)
        _set(self, "address_lines", lines)
        _text(self.postcode, "postcode", max_len=10)
        _text(self.city, "city", max_len=100)
        if not isinstance(self.country, str) or not _COUNTRY.match(self.country):
            raise DocumentError(
                f"country: an ISO 3166 alpha-2 code such as FR, got {self.country!r}"
            )
        if self.country == "FR" and not re.match(r"^\d{5}$", self.postcode):
            raise DocumentError(f"postcode: a French postcode is 5 digits, got {self.postcode!r}")
        if self.siren is not None:
            _set(self, "siren", check_siren(self.siren, "siren"))
        if self.siret is not None:
            _set(self, "siret", check_siret(self.siret, "siret"))
            if self.siren is None:
                _set(self, "siren", self.siret[:9])
                check_siren(self.siren, "siren (from siret)")
            elif not self.siret.startswith(self.siren):
                raise DocumentError(
                    f"siret: {self.siret} does not start with the SIREN {self.siren}"
                )
        if self.vat_number is not None:
            _set(self, "vat_number", check_vat_number(self.vat_number, "vat_number", self.siren))
        if self.email is not None:
            check_email(self.email, "email")
        if self.vat_regime is not None and not isinstance(self.vat_regime, VatRegime):
            raise DocumentError("vat_regime: expected a VatRegime")
        if self.vat_regime is VatRegime.DISBURSEMENT:
            raise DocumentError(
                "vat_regime: disbursements are a treatment of lines, not the regime of a party"
            )
        if self.vat_regime is VatRegime.VAT_REGISTERED and not self.vat_number:
            raise DocumentError("vat_number: a VAT-registered issuer must give its VAT number")
        if self.iban is not None:
            _set(self, "iban", check_iban(self.iban, "iban"))
        if self.bic is not None:
            _set(self, "bic", check_bic(self.bic, "bic"))
        if self.tax_registration is not None:
            _text(self.tax_registration, "tax_registration", max_len=50)


@dataclass(frozen=True)
class DeliveryAddress:
    """Where goods or services were delivered, when it differs from the customer's address."""

    name: str
    address_lines: tuple[str, ...]
    postcode: str
    city: str
    country: str = "FR"

    def __post_init__(self) -> None:
        _text(self.name, "delivery_address.name")
        lines = tuple(self.address_lines) if not isinstance(self.address_lines, str) else None
        if not lines or len(lines) > 3:
            raise DocumentError("delivery_address.address_lines: give 1 to 3 address lines")
        for i, line in enumerate(lines):
            _text(line, f"delivery_address.address_lines[{i}]", max_len=100)
        _set(self, "address_lines", lines)
        _text(self.postcode, "delivery_address.postcode", max_len=10)
        _text(self.city, "delivery_address.city", max_len=100)
        if not isinstance(self.country, str) or not _COUNTRY.match(self.country):
            raise DocumentError("delivery_address.country: an ISO 3166 alpha-2 code")


@dataclass(frozen=True)
class InvoiceLine:
    """One charged item, traceable to what caused it (a booking, an order cycle, a route)."""

    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount_cents: int
    source: str
    vat_rate: Decimal | None = None
    #: printed instead of the unit code's label when the unit is a compound one ("palette-jour")
    unit_label: str = ""
    #: how the amount was computed (key, quantities, rate, funders' parts): "Détail du calcul"
    basis: str = ""
    #: the line's VAT treatment when it differs from the issuer's regime (a coordination may
    #: treat services, goods resold and disbursements differently); None: the issuer's regime
    vat_treatment: VatRegime | None = None

    def __post_init__(self) -> None:
        if self.vat_treatment is not None and not isinstance(self.vat_treatment, VatRegime):
            raise DocumentError("vat_treatment: expected a VatRegime")
        _text(self.description, "description", max_len=300)
        _text(self.unit_label, "unit_label", max_len=40, required=False)
        _text(self.basis, "basis", max_len=2000, required=False)
        _set(self, "quantity", _decimal(self.quantity, "quantity", places=4))
        if self.quantity <= 0:
            raise DocumentError(f"quantity: must be positive, got {self.quantity}")
        if self.unit not in UNITS:
            raise DocumentError(f"unit: {self.unit!r} is not one of {', '.join(UNITS)}")
        _set(self, "unit_price", _decimal(self.unit_price, "unit_price", places=6))
        if self.unit_price < 0:
            raise DocumentError("unit_price: must not be negative (correct with a credit note)")
        _cents(self.amount_cents, "amount_cents")
        expected = round_cents(self.quantity * self.unit_price * 100)
        if self.amount_cents != expected:
            raise DocumentError(
                f"amount_cents: {self.amount_cents} is not quantity × unit price "
                f"({self.quantity} × {self.unit_price} = {expected} cents)"
            )
        _text(self.source, "source", max_len=100)
        if self.vat_rate is not None:
            _set(self, "vat_rate", _decimal(self.vat_rate, "vat_rate", places=2))

    def unit_text(self, lang: str = "fr") -> str:
        """The unit as printed: the compound label when there is one, else the code's label."""
        return self.unit_label or UNITS[self.unit][0 if lang == "fr" else 1]


@dataclass(frozen=True)
class Deduction:
    """A funder's share or a subsidy taken off what the member owes, shown as a deduction."""

    label: str
    funder: str
    amount_cents: int
    vat_rate: Decimal | None = None
    source: str = ""
    #: the treatment of the lines it reduces (with no rate: exempt or outside-scope lines);
    #: None with no rate: spread over every category and rate pro rata of their lines
    vat_treatment: VatRegime | None = None

    def __post_init__(self) -> None:
        if self.vat_treatment is not None and not isinstance(self.vat_treatment, VatRegime):
            raise DocumentError("vat_treatment: expected a VatRegime")
        _text(self.label, "label", max_len=200)
        _text(self.funder, "funder", max_len=200)
        if _cents(self.amount_cents, "amount_cents") <= 0:
            raise DocumentError("amount_cents: a deduction is a positive amount")
        if self.vat_rate is not None:
            _set(self, "vat_rate", _decimal(self.vat_rate, "vat_rate", places=2))
        _text(self.source, "source", max_len=100, required=False)


@dataclass(frozen=True)
class VatBreakdown:
    """Totals of one VAT category and rate (EN 16931 BG-23), in cents."""

    category: str
    rate: Decimal | None
    lines_cents: int
    deductions_cents: int
    taxable_cents: int
    vat_cents: int
    exemption_code: str | None
    exemption_reason: str | None
    #: the treatments of the lines in this breakdown (several exempt ones share category E)
    treatments: tuple[VatRegime, ...] = ()


@dataclass(frozen=True)
class InvoiceTotals:
    """Document totals in cents; ``due_cents`` is what the customer pays (or is credited)."""

    lines_cents: int
    deductions_cents: int
    taxable_cents: int
    vat_cents: int
    total_cents: int
    due_cents: int
    breakdown: tuple[VatBreakdown, ...]
    #: each deduction's cents per VAT category and rate, ``((category, rate), cents)``, in the
    #: order of ``Invoice.deductions``
    deduction_split: tuple[tuple[tuple[tuple[str, Decimal | None], int], ...], ...]

    def is_consistent(self) -> bool:
        """The totals add up: per rate and overall (what an auditor checks first)."""
        return (
            sum(b.lines_cents for b in self.breakdown) == self.lines_cents
            and sum(b.deductions_cents for b in self.breakdown) == self.deductions_cents
            and self.taxable_cents == self.lines_cents - self.deductions_cents
            and sum(b.vat_cents for b in self.breakdown) == self.vat_cents
            and self.total_cents == self.taxable_cents + self.vat_cents
        )


@dataclass(frozen=True)
class DirectDebitNotice:
    """The pre-notification an invoice collected by SEPA direct debit prints: the date, the
    mandate, the creditor identifier and the debited account (masked)."""

    collection_date: date
    mandate_reference: str
    creditor_id: str
    iban: str

    def __post_init__(self) -> None:
        _date(self.collection_date, "direct_debit.collection_date")
        _text(self.mandate_reference, "direct_debit.mandate_reference", max_len=35)
        _text(self.creditor_id, "direct_debit.creditor_id", max_len=35)
        _set(self, "iban", check_iban(self.iban, "direct_debit.iban"))

    @property
    def masked_iban(self) -> str:
        return self.iban[:4] + " •••• " + self.iban[-4:]


@dataclass(frozen=True)
class Invoice:
    """An invoice or a credit note from the coordination (issuer) to a member (customer)."""

    number: str
    kind: InvoiceKind
    issue_date: date
    issuer: Party
    customer: Party
    nature: Nature
    lines: tuple[InvoiceLine, ...]
    late_penalty_rate: Decimal
    payment_terms: str
    due_date: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    delivery_date: date | None = None
    deductions: tuple[Deduction, ...] = ()
    delivery_address: DeliveryAddress | None = None
    original_number: str | None = None
    original_date: date | None = None
    currency: str = "EUR"
    note: str = ""
    #: BT-10: the public buyer's service code (Chorus Pro "code service")
    buyer_reference: str = ""
    #: BT-13: the public buyer's commitment number (numéro d'engagement)
    order_reference: str = ""
    #: BT-83: the ISO 11649 creditor reference the payer quotes ("RF…")
    payment_reference: str = ""
    #: collected by SEPA direct debit: the notice printed instead of transfer details
    direct_debit: DirectDebitNotice | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.number, str) or not _NUMBER.match(self.number):
            raise DocumentError(
                "number: 1 to 35 letters, digits or + - _ / (e.g. 2026-000123), "
                f"got {self.number!r}"
            )
        if not isinstance(self.kind, InvoiceKind):
            raise DocumentError("kind: expected an InvoiceKind")
        _date(self.issue_date, "issue_date")
        if not isinstance(self.issuer, Party) or not isinstance(self.customer, Party):
            raise DocumentError("issuer, customer: expected Party objects")
        if self.issuer.vat_regime is None:
            raise DocumentError(
                "issuer.vat_regime: the issuer's VAT regime must be configured; there is no default"
            )
        if self.issuer.siren is None:
            raise DocumentError("issuer.siren: the issuer's SIREN is required on an invoice")
        if self.customer.siren is None and self.customer.country == "FR":
            raise DocumentError(
                "customer.siren: a French customer's SIREN is required on an invoice"
            )
        _text(self.buyer_reference, "buyer_reference", max_len=100, required=False)
        _text(self.order_reference, "order_reference", max_len=50, required=False)
        if self.payment_reference and not iso11649.is_valid(self.payment_reference):
            raise DocumentError(
                f"payment_reference: {self.payment_reference!r} is not an ISO 11649 creditor reference"
            )
        if self.direct_debit is not None:
            if not isinstance(self.direct_debit, DirectDebitNotice):
                raise DocumentError("direct_debit: expected a DirectDebitNotice")
            if self.kind is InvoiceKind.CREDIT_NOTE:
                raise DocumentError("direct_debit: a credit note is not collected")
        if self.customer.public_body and not self.customer.siret:
            raise DocumentError(
                "customer.siret: a public buyer is invoiced through Chorus Pro, which identifies "
                "it by its SIRET"
            )
        if not isinstance(self.nature, Nature):
            raise DocumentError("nature: expected a Nature (goods, services or mixed)")
        lines = tuple(self.lines)
        if not lines:
            raise DocumentError("lines: an invoice needs at least one line")
        _set(self, "lines", lines)
        _set(self, "deductions", tuple(self.deductions))
        self._check_vat_rates()
        rate = _decimal(self.late_penalty_rate, "late_penalty_rate", places=2)
        if rate <= 0:
            raise DocumentError("late_penalty_rate: the late-payment penalty rate must be positive")
        _set(self, "late_penalty_rate", rate)
        _text(self.payment_terms, "payment_terms", max_len=300)
        _text(self.note, "note", max_len=500, required=False)
        if self.currency != "EUR":
            raise DocumentError(f"currency: only EUR is supported, got {self.currency!r}")
        self._check_dates()
        if self.delivery_address is not None and not isinstance(
            self.delivery_address, DeliveryAddress
        ):
            raise DocumentError("delivery_address: expected a DeliveryAddress")
        self.totals  # noqa: B018 - computing the totals validates the deductions

    def _check_vat_rates(self) -> None:
        issuer = self.issuer
        for i, line in enumerate(self.lines):
            if not isinstance(line, InvoiceLine):
                raise DocumentError(f"lines[{i}]: expected an InvoiceLine")
            treatment = self.line_treatment(line)
            if treatment is VatRegime.VAT_REGISTERED and not issuer.vat_number:
                raise DocumentError(
                    f"lines[{i}].vat_treatment: VAT is charged on this line, the issuer needs "
                    "a VAT number"
                )
            self._check_rate(line.vat_rate, f"lines[{i}].vat_rate", treatment)
        categories = {self.line_treatment(line).category_code for line in self.lines}
        if "O" in categories and len(categories) > 1:
            # EN 16931 BR-O-11: an invoice outside the scope of VAT has no other category
            raise DocumentError(
                "lines.vat_treatment: lines outside the scope of VAT cannot be invoiced with "
                "exempt or taxed lines on the same document"
            )
        for i, ded in enumerate(self.deductions):
            if not isinstance(ded, Deduction):
                raise DocumentError(f"deductions[{i}]: expected a Deduction")
            if ded.vat_rate is not None:
                if ded.vat_rate not in {line.vat_rate for line in self.lines}:
                    raise DocumentError(
                        f"deductions[{i}].vat_rate: no line is charged at {ded.vat_rate} %"
                    )

    def line_treatment(self, line: InvoiceLine) -> VatRegime:
        """The VAT treatment of one line: its own, else the issuer's regime."""
        return line.vat_treatment or self.vat_regime

    @property
    def treatments(self) -> tuple[VatRegime, ...]:
        """The VAT treatments of the lines, in the order they first appear."""
        return tuple(dict.fromkeys(self.line_treatment(line) for line in self.lines))

    @property
    def charges_vat(self) -> bool:
        return VatRegime.VAT_REGISTERED in self.treatments

    @property
    def mentions(self) -> tuple[VatRegime, ...]:
        """The treatments whose legal mention the document prints (those charging no VAT)."""
        return tuple(t for t in self.treatments if t is not VatRegime.VAT_REGISTERED)

    @staticmethod
    def _check_rate(rate: Decimal | None, field_name: str, regime: VatRegime) -> None:
        if regime is VatRegime.VAT_REGISTERED:
            if rate not in FRENCH_VAT_RATES:
                raise DocumentError(
                    f"{field_name}: a VAT-registered issuer charges one of the French rates "
                    f"({', '.join(str(r) for r in sorted(FRENCH_VAT_RATES))}), got {rate}"
                )
        elif rate is not None:
            raise DocumentError(
                f"{field_name}: leave it empty, the line's VAT treatment ({regime.value}) "
                f"charges no VAT; got {rate} %"
            )

    def _check_dates(self) -> None:
        if self.period_start is not None or self.period_end is not None:
            if self.period_start is None or self.period_end is None:
                raise DocumentError("period_start, period_end: give both ends of the period")
            _date(self.period_start, "period_start")
            _date(self.period_end, "period_end")
            if self.period_end < self.period_start:
                raise DocumentError("period_end: the period ends before it starts")
        if self.delivery_date is not None:
            _date(self.delivery_date, "delivery_date")
        if self.period_start is None and self.delivery_date is None:
            raise DocumentError(
                "period_start, delivery_date: give the period of the service or the delivery date"
            )
        if self.kind is InvoiceKind.INVOICE:
            if self.due_date is None:
                raise DocumentError("due_date: an invoice states when payment is due")
            if self.original_number is not None:
                raise DocumentError("original_number: only a credit note cites an original invoice")
        else:
            if not self.original_number or not _NUMBER.match(self.original_number):
                raise DocumentError(
                    "original_number: a credit note cites the number of the invoice it corrects"
                )
            if self.original_number == self.number:
                raise DocumentError("original_number: a credit note has its own number")
            _date(self.original_date, "original_date")
            if self.original_date > self.issue_date:
                raise DocumentError(
                    "original_date: the corrected invoice must predate the credit note"
                )
        if self.due_date is not None:
            _date(self.due_date, "due_date")
            if self.due_date < self.issue_date:
                raise DocumentError("due_date: cannot be before the issue date")

    @property
    def vat_regime(self) -> VatRegime:
        assert self.issuer.vat_regime is not None
        return self.issuer.vat_regime

    @property
    def business_process(self) -> str:
        """BT-23 framework of the reform: B2G to a public buyer, B2BINT abroad, else B2B."""
        if self.customer.public_body:
            return "B2G"
        return "B2B" if self.customer.country == "FR" else "B2BINT"

    @property
    def is_credit_note(self) -> bool:
        return self.kind is InvoiceKind.CREDIT_NOTE

    @cached_property
    def totals(self) -> InvoiceTotals:
        """Exact totals, one breakdown per VAT category and rate (EN 16931 BG-23): VAT is the
        taxable base × rate, rounded half up once per rate."""

        def key(line: InvoiceLine) -> tuple[str, Decimal | None]:
            return (self.line_treatment(line).category_code, line.vat_rate)

        keys = sorted({key(line) for line in self.lines}, key=lambda k: (k[1] or Decimal(0), k[0]))
        lines_by_rate = {k: 0 for k in keys}
        treatments: dict[tuple[str, Decimal | None], list[VatRegime]] = {k: [] for k in keys}
        for line in self.lines:
            lines_by_rate[key(line)] += line.amount_cents
            if self.line_treatment(line) not in treatments[key(line)]:
                treatments[key(line)].append(self.line_treatment(line))
        deductions_by_rate = {k: 0 for k in keys}
        split: list[tuple[tuple[tuple[str, Decimal | None], int], ...]] = []
        for ded in self.deductions:
            if ded.vat_rate is not None:
                parts: tuple[tuple[tuple[str, Decimal | None], int], ...] = (
                    (("S", ded.vat_rate), ded.amount_cents),
                )
            elif len(keys) == 1:
                parts = ((keys[0], ded.amount_cents),)
            elif ded.vat_treatment is not None:
                target = (ded.vat_treatment.category_code, None)
                if target not in lines_by_rate:
                    raise DocumentError(
                        f"deductions: no line is treated as {ded.vat_treatment.value} for VAT"
                    )
                parts = ((target, ded.amount_cents),)
            else:
                shares = apportion(ded.amount_cents, [lines_by_rate[k] for k in keys])
                parts = tuple((k, c) for k, c in zip(keys, shares, strict=True) if c)
            for k, c in parts:
                deductions_by_rate[k] += c
            split.append(parts)
        breakdown = []
        for k in keys:
            category, r = k
            taxable = lines_by_rate[k] - deductions_by_rate[k]
            if taxable < 0:
                raise DocumentError(
                    f"deductions: {deductions_by_rate[k]} cents exceed the "
                    f"{lines_by_rate[k]} cents of lines{f' at {r} %' if r is not None else ''}"
                )
            vat = round_cents(Decimal(taxable) * r / 100) if category == "S" and r else 0
            ts = tuple(treatments[k])
            if category == "S":
                code, reason = None, None
            elif len(ts) == 1:
                code, reason = ts[0].exemption_code, ts[0].mention("fr")
            else:
                # one breakdown per category (BR-E-08): its reason names every ground, and no
                # single code fits them all
                code, reason = None, " ; ".join(t.mention("fr") or "" for t in ts)
            breakdown.append(
                VatBreakdown(
                    category=category,
                    rate=r if category == "S" else None,
                    lines_cents=lines_by_rate[k],
                    deductions_cents=deductions_by_rate[k],
                    taxable_cents=taxable,
                    vat_cents=vat,
                    exemption_code=code,
                    exemption_reason=reason,
                    treatments=ts,
                )
            )
        lines_total = sum(lines_by_rate.values())
        deductions_total = sum(deductions_by_rate.values())
        taxable_total = lines_total - deductions_total
        vat_total = sum(b.vat_cents for b in breakdown)
        return InvoiceTotals(
            lines_cents=lines_total,
            deductions_cents=deductions_total,
            taxable_cents=taxable_total,
            vat_cents=vat_total,
            total_cents=taxable_total + vat_total,
            due_cents=taxable_total + vat_total,
            breakdown=tuple(breakdown),
            deduction_split=tuple(split),
        )


__all__ = [
    "FRENCH_VAT_RATES",
    "RECOVERY_INDEMNITY_CENTS",
    "UNITS",
    "DeliveryAddress",
    "Deduction",
    "DirectDebitNotice",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceTotals",
    "Nature",
    "Party",
    "VatBreakdown",
    "VatRegime",
]
