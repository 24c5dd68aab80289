"""What a treasurer reads: the computation behind each line, compound units, French wording,
credit notes without payment terms, statements with payment instructions, planned deliveries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from io import BytesIO

import pdfplumber
import pytest
from lxml import etree

from invoices import (
    DocumentError,
    Party,
    VatRegime,
    facturx_xml,
    render_delivery_note,
    render_invoice,
    render_statement,
)
from invoices.i18n import long_date, quantity

from .conftest import line, make_credit_note, make_delivery_note, make_invoice, make_statement
from .pdftext import pdf_flow_text, pdf_pages_text

NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}

PALLET_DAYS = line(
    "Stockage chambre froide — réservation 3",
    "84",
    "DAY",
    "1.20",
    "Réservation de stockage n° 3 — novembre 2026",
    unit_label="palette-jour",
    basis="Chambre froide : 6 palettes × 14 jours commencés × 1,20 € = 100,80 €",
)


def test_each_line_computation_is_printed_in_an_annex_and_sent_as_the_line_note():
    invoice = make_invoice(lines=(*make_invoice().lines, PALLET_DAYS))
    pages = pdf_pages_text(render_invoice(invoice))
    assert "6 palettes × 14 jours" not in pages[0] and "en annexe (Détail du calcul)" in pages[0]
    annex = pages[-1]
    assert "Détail du calcul" in annex
    assert "6 palettes × 14 jours commencés × 1,20 € = 100,80 €" in annex
    assert "960,00 € × 12,5 / 150 m²" in annex
    notes = etree.fromstring(facturx_xml(invoice)).xpath(
        "//ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content/text()", namespaces=NS
    )
    assert notes[-1] == (
        "Réservation de stockage n° 3 — novembre 2026 — "
        "Chambre froide : 6 palettes × 14 jours commencés × 1,20 € = 100,80 €"
    )
    assert notes[0] == "Réservation véhicule #12"  # a line without computation keeps its origin


def test_a_compound_unit_is_printed_in_words_and_sent_as_its_un_ece_code():
    invoice = make_invoice(lines=(PALLET_DAYS,), deductions=())
    assert "84 palette-jour 1,20 € 100,80 €" in pdf_flow_text(render_invoice(invoice))
    quantity_el = etree.fromstring(facturx_xml(invoice)).xpath("//ram:BilledQuantity", namespaces=NS)
    assert [(q.text, q.get("unitCode")) for q in quantity_el] == [("84", "DAY")]


def test_an_invoice_without_computations_has_no_annex():
    plain = make_invoice(lines=(line("Location salle", "1", "LS", "50.00", "Convention 2026"),),
                         deductions=())
    assert len(pdf_pages_text(render_invoice(plain))) == 1


def test_services_only_documents_carry_the_date_the_service_was_completed():
    """The mandatory CII delivery group is never empty (PEPPOL-EN16931-R008)."""
    for doc in (make_invoice(delivery_address=None), make_credit_note()):
        root = etree.fromstring(facturx_xml(doc))
        (delivery,) = root.xpath("//ram:ApplicableHeaderTradeDelivery", namespaces=NS)
        assert len(delivery) > 0
        assert delivery.xpath(
            "ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/*/text()", namespaces=NS
        ) == [doc.period_end.strftime("%Y%m%d")]


def test_dates_and_quantities_read_in_french():
    assert long_date(date(2026, 12, 1), "fr") == "1er décembre 2026"
    assert long_date(date(2026, 12, 2), "fr") == "2 décembre 2026"
    assert long_date(date(2026, 12, 1), "en") == "1 December 2026"
    assert quantity("30.000", "KGM") == "30\u00a0kg"
    assert quantity("96", "C62") == "96\u00a0unités"
    assert quantity("1", "XPX") == "1\u00a0palette"


def test_a_credit_note_names_who_is_credited_and_prints_no_payment_terms():
    text = pdf_flow_text(render_invoice(make_credit_note(VatRegime.VAT_REGISTERED)))
    assert "AVOIR AU PROFIT DE" in text.upper()
    assert "FACTURÉ À" not in text.upper()
    for absent in ("pénalités", "Pas d'escompte", "Conditions de paiement", "IBAN"):
        assert absent not in text, absent
    invoice_text = pdf_flow_text(render_invoice(make_invoice()))
    assert "FACTURÉ À" in invoice_text.upper() and "pénalités" in invoice_text


def test_statement_reference_stays_in_its_column_and_payment_instructions_are_given():
    pdf = render_statement(make_statement())
    with pdfplumber.open(BytesIO(pdf)) as doc:
        page = doc.pages[0]
        words = page.extract_words()
        heads = {w["text"]: w for w in words if w["text"] in ("Référence", "Libellé")}
        label_x = heads["Libellé"]["x0"]
        ref_words = [w for w in words if w["text"] in ("VIR", "SEPA", "2026-12-05", "ESCALE", "000123")]
        assert len(ref_words) == 5  # the whole reference is printed
        assert all(w["x1"] < label_x for w in ref_words), "the reference overflows into the label"
    text = pdf_flow_text(pdf)
    assert "Pour régler : virement sur l'IBAN FR76 3000 6000 0112 3456 7890 189 (BIC AGRIFRPP)" in text
    settled = make_statement(entries=make_statement().entries[:2])
    assert "Pour régler" not in pdf_flow_text(render_statement(settled))  # nothing to pay


def test_a_planned_delivery_says_planned_not_delivered():
    planned = render_delivery_note(make_delivery_note(planned=True))
    text = pdf_flow_text(planned)
    assert "Commandé Prévu Motif" in text and "Commandé Livré Motif" not in text
    assert "pas encore réalisée" in text
    assert make_delivery_note(planned=True).to_dict()["planned"] is True
    done = pdf_flow_text(render_delivery_note(make_delivery_note()))
    assert "Commandé Livré Motif" in done and "Prévu" not in done


def test_line_texts_are_checked():
    with pytest.raises(DocumentError, match="^basis: at most 2000"):
        replace(PALLET_DAYS, basis="x" * 2001)
    with pytest.raises(DocumentError, match="^unit_label: at most 40"):
        replace(PALLET_DAYS, unit_label="x" * 41)


def test_an_advance_paid_before_its_invoice_is_a_credit_until_the_invoice_comes():
    from invoices import EntryKind, StatementEntry

    invoice = StatementEntry(EntryKind.INVOICE, date(2026, 12, 2), "2026-000140", "Charges de novembre",
                             12000, due_date=date(2027, 1, 1))
    advance = StatementEntry(EntryKind.PAYMENT, date(2026, 11, 5), "ACOMPTE", "Virement reçu (acompte)",
                             5000, invoice_reference="2026-000140")
    st = make_statement(entries=(invoice, advance))
    assert st.entries == (advance, invoice) and st.running_balances() == [-5000, 7000]
    (item,) = st.summary().open_items
    assert item.reference == "2026-000140" and item.remaining_cents == 7000
    too_much = replace(advance, amount_cents=12001)
    with pytest.raises(DocumentError, match="^ACOMPTE: 12001 cents exceed what remains of 2026-000140"):
        make_statement(entries=(invoice, too_much))


TOWN = Party(
    legal_name="Commune d'Aubagne",
    address_lines=("Hôtel de ville", "Esplanade Charles de Gaulle"),
    postcode="13400",
    city="Aubagne",
    siret="21130005800016",
    public_body=True,
)


def make_b2g_invoice():
    return make_invoice(customer=TOWN, delivery_address=None, buyer_reference="SERVICE-SOLIDARITES",
                        order_reference="EJ-2026-000451")


def test_an_invoice_to_a_public_buyer_carries_its_chorus_pro_references():
    invoice = make_b2g_invoice()
    root = etree.fromstring(facturx_xml(invoice))
    ns = {**NS, "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"}
    agreement = "//ram:ApplicableHeaderTradeAgreement"
    assert root.xpath(f"{agreement}/ram:BuyerReference/text()", namespaces=ns) == ["SERVICE-SOLIDARITES"]
    assert root.xpath(f"{agreement}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()",
                      namespaces=ns) == ["EJ-2026-000451"]
    assert root.xpath(f"{agreement}/ram:BuyerTradeParty/ram:GlobalID[@schemeID='0009']/text()",
                      namespaces=ns) == ["21130005800016"]
    bar = root.xpath("//rsm:ExchangedDocument/ram:IncludedNote[ram:SubjectCode='BAR']/ram:Content/text()",
                     namespaces=ns)
    assert bar == []  # the reform's framework note has no B2G value (BR-FR-20)
    assert invoice.business_process == "B2G"
    text = pdf_flow_text(render_invoice(invoice))
    assert "Code service : SERVICE-SOLIDARITES" in text and "N° d'engagement : EJ-2026-000451" in text
    with pytest.raises(DocumentError, match="^customer.siret: a public buyer"):
        make_invoice(customer=replace(TOWN, siret=None, siren="211300058"))
    assert make_invoice().business_process == "B2B"
