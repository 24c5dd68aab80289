from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoices import (
    Deduction,
    DocumentError,
    InvoiceKind,
    InvoiceLine,
    Party,
    VatRegime,
)
from invoices.identifiers import french_vat_number, luhn_complete

from .conftest import coordination, line, make_credit_note, make_invoice, member

D = Decimal


def test_vat_is_computed_once_per_rate_on_the_base_after_deductions():
    totals = make_invoice(VatRegime.VAT_REGISTERED).totals
    by_rate = {b.rate: b for b in totals.breakdown}
    # 40.00 € of funder share split pro rata of the bases: 162.00 € at 5.5 %, 273.81 € at 20 %
    assert by_rate[D("5.5")].deductions_cents == 1487
    assert by_rate[D("20")].deductions_cents == 2513
    assert by_rate[D("5.5")].vat_cents == 809  # 147.13 × 5.5 % = 8.09215
    assert by_rate[D("20")].vat_cents == 4974  # 248.68 × 20 % = 49.736
    assert (totals.lines_cents, totals.deductions_cents) == (43581, 4000)
    assert totals.total_cents == 39581 + 809 + 4974
    assert totals.is_consistent()


def test_exempt_regime_charges_no_vat_and_states_its_legal_ground():
    totals = make_invoice(VatRegime.COST_SHARING_261B).totals
    (part,) = totals.breakdown
    assert (part.category, part.rate, part.vat_cents) == ("E", None, 0)
    assert part.exemption_code == "VATEX-FR-CGI261B"
    assert part.exemption_reason == "Exonération de TVA, art. 261 B du CGI"
    assert totals.due_cents == 43581 - 4000


@pytest.mark.parametrize(
    ("regime", "category", "mention"),
    [
        (VatRegime.OUTSIDE_SCOPE, "O", "Opération hors du champ d'application de la TVA"),
        (VatRegime.FRANCHISE_293B, "E", "TVA non applicable, art. 293 B du CGI"),
        (VatRegime.COST_SHARING_261B, "E", "Exonération de TVA, art. 261 B du CGI"),
        (VatRegime.VAT_REGISTERED, "S", None),
    ],
)
def test_each_regime_has_its_category_and_mention(regime, category, mention):
    assert regime.category_code == category
    assert regime.mention("fr") == mention


def test_the_issuer_regime_is_never_defaulted():
    issuer = replace(coordination(), vat_regime=None)
    with pytest.raises(DocumentError, match="issuer.vat_regime"):
        make_invoice(issuer=issuer)


def test_a_vat_registered_issuer_needs_its_vat_number():
    with pytest.raises(DocumentError, match="vat_number"):
        replace(coordination(VatRegime.VAT_REGISTERED), vat_number=None)


def test_an_empty_invoice_is_refused():
    with pytest.raises(DocumentError, match="lines: an invoice needs at least one line"):
        make_invoice(lines=())


def test_a_french_customer_without_siren_is_refused():
    customer = Party(
        legal_name="Maraude du Centre",
        address_lines=("1 rue Haute",),
        postcode="13100",
        city="Aix-en-Provence",
    )
    with pytest.raises(DocumentError, match="customer.siren"):
        make_invoice(customer=customer)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"siret": "42112233400013"}, "siret"),
        ({"siret": "4211223340001"}, "siret"),
        ({"siren": "421122335", "siret": None}, "siren"),
        ({"vat_number": "FR99421122334"}, "vat_number"),
        ({"email": "tresorerie.example"}, "email"),
        ({"postcode": "1329"}, "postcode"),
        ({"iban": "FR76 3000 6000 0112 3456 7890 188"}, "iban"),
        ({"address_lines": ()}, "address_lines"),
    ],
)
def test_party_identifiers_are_checked_and_the_error_names_the_field(changes, field):
    with pytest.raises(DocumentError, match=f"^{field}"):
        replace(member(), **changes)


def test_siren_is_taken_from_siret_and_vat_key_is_checked():
    party = member()
    assert party.siren == "421122334"
    assert french_vat_number(party.siren) == "FR20421122334"
    assert replace(party, vat_number="FR20421122334").vat_number == "FR20421122334"


def test_line_amount_must_be_quantity_times_unit_price():
    with pytest.raises(DocumentError, match="amount_cents: 2000 is not quantity × unit price"):
        InvoiceLine(
            description="Stockage",
            quantity=D("3"),
            unit="MTK",
            unit_price=D("6.40"),
            amount_cents=2000,
            source="Stockage 2026-11",
        )


def test_amounts_refuse_floats():
    with pytest.raises(DocumentError, match="quantity: .*never float"):
        InvoiceLine(
            description="Stockage",
            quantity=3.0,
            unit="MTK",
            unit_price=D("6.40"),
            amount_cents=1920,
            source="Stockage 2026-11",
        )


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(D("1.23456"), "at most 4 decimals"), (D("1e40"), "too large"), (D("NaN"), "not a finite")],
)
def test_quantities_are_exact_and_bounded(quantity, message):
    with pytest.raises(DocumentError, match=f"quantity: .*{message}"):
        InvoiceLine(
            description="Stockage",
            quantity=quantity,
            unit="MTK",
            unit_price=D("1"),
            amount_cents=100,
            source="Stockage 2026-11",
        )


def test_unknown_unit_is_refused():
    with pytest.raises(DocumentError, match="^unit"):
        line("Stockage", "3", "M2", "6.40", "Stockage 2026-11")


def test_vat_rate_must_match_the_regime():
    with pytest.raises(DocumentError, match=r"lines\[0\].vat_rate: leave it empty"):
        make_invoice(
            VatRegime.FRANCHISE_293B,
            lines=(line("Camion", "1", "DAY", "85", "Réservation véhicule #12", "20"),),
        )
    with pytest.raises(DocumentError, match=r"lines\[0\].vat_rate: a VAT-registered issuer"):
        make_invoice(
            VatRegime.VAT_REGISTERED,
            lines=(line("Camion", "1", "DAY", "85", "Réservation véhicule #12", "19"),),
        )


def test_deductions_cannot_exceed_the_lines():
    big = Deduction(label="Subvention", funder="Ville", amount_cents=10**7)
    with pytest.raises(DocumentError, match="deductions: .* exceed"):
        make_invoice(deductions=(big,))


def test_number_is_limited_to_35_characters_of_the_allowed_set():
    with pytest.raises(DocumentError, match="^number"):
        make_invoice(number="2026-" + "0" * 31)
    with pytest.raises(DocumentError, match="^number"):
        make_invoice(number="2026 000123")


def test_invoice_needs_a_due_date_and_a_period_or_delivery_date():
    with pytest.raises(DocumentError, match="due_date"):
        make_invoice(due_date=None)
    with pytest.raises(DocumentError, match="period_start, delivery_date"):
        make_invoice(period_start=None, period_end=None)
    with pytest.raises(DocumentError, match="due_date: cannot be before"):
        make_invoice(due_date=date(2026, 11, 1))


def test_credit_note_cites_an_earlier_original_invoice():
    note = make_credit_note()
    assert note.kind is InvoiceKind.CREDIT_NOTE and note.kind.type_code == "381"
    assert note.totals.due_cents == 8500
    with pytest.raises(DocumentError, match="original_number"):
        make_credit_note(original_number=None)
    with pytest.raises(DocumentError, match="original_date"):
        make_credit_note(original_date=date(2026, 12, 31))


def test_test_identifiers_are_luhn_valid():
    assert luhn_complete("42112233") == "421122334"


rates = st.sampled_from([D("20"), D("10"), D("5.5"), D("2.1")])
lines_st = st.lists(
    st.tuples(st.integers(1, 50_000), st.integers(1, 400), rates), min_size=1, max_size=12
)


@settings(max_examples=60, deadline=None)
@given(lines_st, st.lists(st.integers(1, 5_000), max_size=3))
def test_totals_always_add_up_to_the_cent(raw_lines, raw_deductions):
    lines = tuple(
        InvoiceLine(
            description="Charge",
            quantity=D(qty),
            unit="C62",
            unit_price=D(cents) / 100,
            amount_cents=cents * qty,
            source="Réservation véhicule #1",
            vat_rate=rate,
        )
        for cents, qty, rate in raw_lines
    )
    total = sum(x.amount_cents for x in lines)
    deductions = tuple(
        Deduction(label="Part", funder="Fondation", amount_cents=c) for c in raw_deductions
    )
    if sum(raw_deductions) > total:
        deductions = ()
    invoice = make_invoice(VatRegime.VAT_REGISTERED, lines=lines, deductions=deductions)
    totals = invoice.totals
    assert totals.is_consistent()
    assert totals.deductions_cents == sum(d.amount_cents for d in deductions)
    for part in totals.breakdown:
        exact = Decimal(part.taxable_cents) * part.rate / 100
        assert abs(part.vat_cents - exact) <= Decimal("0.5")
    for ded, split in zip(deductions, totals.deduction_split, strict=True):
        assert sum(c for _, c in split) == ded.amount_cents
