from dataclasses import replace
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from invoices import (
    DocumentError,
    VatRegime,
    render_delivery_note,
    render_invoice,
    render_statement,
)

from .conftest import line, make_credit_note, make_delivery_note, make_invoice, make_statement
from .pdftext import pdf_flow_text, pdf_pages_text, pdf_text

D = Decimal


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """Base font name -> whether its program is embedded, over all pages."""
    found = {}
    for page in PdfReader(BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            desc = font.get("/FontDescriptor")
            embedded = bool(desc) and any(
                k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found[str(font["/BaseFont"])] = embedded
    return found


def test_invoice_shows_parties_lines_totals_and_french_formats():
    text = pdf_text(render_invoice(make_invoice(VatRegime.VAT_REGISTERED)))
    for expected in [
        "FACTURE",
        "N° 2026-000123",
        "30 novembre 2026",
        "30 décembre 2026",
        "Plateforme solidaire du Pays d'Aix",
        "SIREN 775678907",
        "N° TVA FR40775678907",
        "Épicerie solidaire Les Milles",
        "SIRET 42112233400012",
        "du 1er novembre 2026 au 30 novembre 2026",
        "Biens et services",
        "Origine : Réservation véhicule #12",
        "Origine : Commande groupée 2026-11",
        "Origine : Tournée 2026-11-18",
        "Fondation Solidarité Alimentaire",
        "-40,00 €",
        "TVA 5,5 % 8,09 €",
        "TVA 20 % 49,74 €",
        "Total TTC 453,64 €",
        "Net à payer 453,64 €",
        "pénalités au taux annuel de 12,15 %",
        "40,00 €",
        "Pas d'escompte",
        "IBAN FR76 3000 6000 0112 3456 7890 189",
        "Page 1/2",  # the second page is the calculation annex
        "Page 2/2",
    ]:
        assert expected in text, expected


@pytest.mark.parametrize(
    ("regime", "mention"),
    [
        (VatRegime.OUTSIDE_SCOPE, "Opération hors du champ d'application de la TVA"),
        (VatRegime.FRANCHISE_293B, "TVA non applicable, art. 293 B du CGI"),
        (VatRegime.COST_SHARING_261B, "Exonération de TVA, art. 261 B du CGI"),
    ],
)
def test_non_vat_invoice_prints_the_mention_of_the_issuer_regime(regime, mention):
    text = pdf_text(render_invoice(make_invoice(regime)))
    assert mention in text
    assert "TTC" not in text
    assert "Net à payer 395,81 €" in text


def test_thousands_are_grouped_the_french_way():
    big = line("Location entrepôt — zone sèche", "1", "MON", "1234.56", "Stockage 2026-11")
    text = pdf_text(render_invoice(make_invoice(lines=(big,), deductions=())))
    assert "1 234,56 €" in text


def test_english_is_available():
    text = pdf_text(render_invoice(make_invoice(VatRegime.FRANCHISE_293B), lang="en"))
    for expected in [
        "INVOICE",
        "30 November 2026",
        "Amount due",
        "€395.81",
        "VAT not applicable, art. 293 B",
        "Source: Réservation véhicule #12",
        "Page 1/2",
    ]:
        assert expected in text, expected
    with pytest.raises(DocumentError, match="lang"):
        render_invoice(make_invoice(), lang="de")


def test_credit_note_cites_the_invoice_it_corrects():
    text = pdf_text(render_invoice(make_credit_note()))
    assert "AVOIR" in text
    assert "Avoir sur la facture n° 2026-000123 du 30 novembre 2026" in text
    assert "Montant de l'avoir 85,00 €" in text


def test_long_invoices_flow_onto_numbered_pages_with_the_table_header_repeated():
    lines = tuple(
        line(
            f"Réservation camion, journée {i}",
            "1",
            "DAY",
            "85.00",
            f"Réservation véhicule #{100 + i}",
        )
        for i in range(120)
    )
    pages = pdf_pages_text(render_invoice(make_invoice(lines=lines, deductions=())))
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert f"Page {n}/{len(pages)}" in page
        if "Réservation camion" in page:
            assert "Désignation Qté Unité PU HT Montant HT" in page
    assert "Net à payer 10 200,00 €" in pages[-1]
    assert sum("Désignation Qté Unité PU HT Montant HT" in p for p in pages) >= 3
    assert sum(p.count("Réservation camion, journée") for p in pages) == 120


def test_only_the_bundled_font_is_used_and_it_is_embedded():
    fonts = fonts_of(render_invoice(make_invoice(VatRegime.VAT_REGISTERED)))
    assert fonts, "no fonts found"
    assert all("DejaVuSans" in name for name in fonts), fonts
    assert all(fonts.values()), fonts


def test_logo_is_drawn_when_given():
    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (300, 120), (31, 95, 139)).save(buf, format="PNG")
    with_logo = render_invoice(make_invoice(), logo=buf.getvalue())
    page = PdfReader(BytesIO(with_logo)).pages[0]
    assert any(
        str(x.get_object().get("/Subtype")) == "/Image"
        for x in page["/Resources"]["/XObject"].values()
    )
    with pytest.raises(DocumentError, match="logo"):
        render_invoice(make_invoice(), logo=b"not an image")


def test_delivery_note_lists_traceability_and_leaves_room_to_sign():
    text = pdf_flow_text(render_delivery_note(make_delivery_note()))
    for expected in [
        "BON DE LIVRAISON",
        "N° BL-2026-000451",
        "Date de livraison 18 novembre 2026",
        "Origine Tournée 2026-11-18, arrêt 3",
        "Désignation Lot DLC / DDM Classe Commandé Livré Motif de l'écart T° mesurée",
        "Yaourts nature 4 × 125 g L2611-0412 DLC 28/11/2026 Frais 0–4 °C 48 unités 48 unités — …… °C",
        "Filets de colin surgelés FZ-88213 DLC 01/03/2027 Surgelé ≤ −18 °C 20 kg 18 kg"
        " Carton abîmé au chargement, retiré …… °C",
        "Pâtes complètes 500 g P-2026-311 DDM 31/05/2028 Ambiant 60 unités 72 unités"
        " Surplus de la ramasse accepté par l'adhérent",
        "LIVRÉ PAR Nom :",
        "REÇU PAR Nom :",
        "RÉSERVES À LA RÉCEPTION",
        "Page 1/1",
    ]:
        assert expected in text.replace("\u00a0", " "), expected


def test_statement_shows_running_balance_and_what_is_overdue():
    text = pdf_text(render_statement(make_statement()))
    for expected in [
        "RELEVÉ DE COMPTE",
        "Situation au 10 décembre 2026",
        "Total facturé 1 236,71 €",
        "Total des avoirs -85,00 €",
        "Total réglé -512,50 €",
        "Solde restant dû 639,21 €",
        "Dont échu au 10 décembre 2026 328,40 €",
        "2026-000098",
        "échue",
    ]:
        assert expected in text, expected


def test_statement_and_delivery_note_render_in_english():
    assert "Running" not in pdf_text(render_statement(make_statement(), lang="en"))
    text = pdf_flow_text(render_delivery_note(make_delivery_note(), lang="en"))
    assert "DELIVERY NOTE" in text and "Use by 28/11/2026" in text


def test_rendering_does_not_change_the_invoice():
    invoice = make_invoice(VatRegime.VAT_REGISTERED)
    before = replace(invoice)
    render_invoice(invoice)
    assert invoice == before
