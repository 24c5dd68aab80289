from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from invoices import (
    DeliveryAddress,
    DocumentError,
    Party,
    PurchaseOrder,
    PurchaseOrderLine,
    TemperatureClass,
    render_purchase_order,
)

from .conftest import coordination
from .pdftext import pdf_flow_text, pdf_pages_text, pdf_text

D = Decimal


def supplier() -> Party:
    """A wholesaler; its SIREN is not needed on a purchase order."""
    return Party(
        legal_name="Grossiste Provence Alimentaire",
        address_lines=("ZA des Milles", "220 rue Albert Einstein"),
        postcode="13290",
        city="Aix-en-Provence",
        email="commandes@grossiste-provence.example",
    )


def po_line(
    reference: str,
    description: str,
    packs: int,
    size: str,
    unit: str,
    price_cents: int,
    rate: str = "5.5",
    temperature: str = "ambient",
) -> PurchaseOrderLine:
    return PurchaseOrderLine(
        reference=reference,
        description=description,
        packs=packs,
        pack_size=D(size),
        unit=unit,
        pack_price_cents=price_cents,
        vat_rate=D(rate),
        amount_cents=packs * price_cents,
        temperature=temperature,
    )


def make_purchase_order(**changes) -> PurchaseOrder:
    lines = (
        po_line("LAIT-UHT-6", "Lait demi-écrémé UHT 1 L", 40, "6", "bouteille", 510),
        po_line("YAO-NAT-24", "Yaourts nature 4 × 125 g", 12, "24", "pot", 696, temperature="chilled"),
        po_line("COLIN-5KG", "Filets de colin surgelés", 6, "5", "KGM", 3450, temperature="frozen"),
        po_line("PATES-COMP", "Pâtes complètes 500 g", 30, "20", "paquet", 1290),
        po_line("LESSIVE-3L", "Lessive liquide 3 L (hygiène)", 5, "4", "bidon", 2790, rate="20"),
        po_line("RIZ-VRAC", "Riz long grain, sac de 25 kg", 25, "25", "KGM", 4115),
    )
    fields = dict(
        number="BC-2026-000045",
        order_date=date(2026, 11, 9),
        buyer=coordination(),
        supplier=supplier(),
        lines=lines,
        delivery_date=date(2026, 11, 17),
        delivery_address=DeliveryAddress(
            name="Entrepôt mutualisé — quai 2",
            address_lines=("12 rue des Entrepôts",),
            postcode="13090",
            city="Aix-en-Provence",
        ),
        delivery_fee_cents=4500,
        notes="Livraison entre 7 h et 11 h ; appeler le 04 42 00 00 00 en arrivant.",
        reference="Commande groupée 2026-11",
    )
    fields.update(changes)
    return PurchaseOrder(**fields)


def test_totals_ht_vat_per_rate_and_ttc():
    totals = make_purchase_order().totals
    goods_55 = 40 * 510 + 12 * 696 + 6 * 3450 + 30 * 1290 + 25 * 4115  # 191 027
    goods_20 = 5 * 2790  # 13 950
    assert totals.lines_cents == goods_55 + goods_20 == 204977
    assert totals.delivery_fee_cents == 4500
    assert totals.taxable_cents == 209477
    (r55, r20) = totals.breakdown
    assert (r55.rate, r20.rate) == (D("5.5"), D(20))
    # the 45 € fee follows the goods' rates pro rata (largest remainder, exact to the cent)
    assert r55.delivery_fee_cents + r20.delivery_fee_cents == 4500
    assert (r55.delivery_fee_cents, r20.delivery_fee_cents) == (4194, 306)
    assert r55.vat_cents == 10737  # 195 221 × 5.5 % = 10 737.155
    assert r20.vat_cents == 2851  # 14 256 × 20 % = 2 851.2
    assert totals.vat_cents == 13588 and totals.total_cents == 223065
    assert make_purchase_order().temperatures == ("ambient", "chilled", "frozen")


def test_purchase_order_pdf_shows_number_parties_lines_totals_in_french():
    text = pdf_text(render_purchase_order(make_purchase_order()))
    for expected in [
        "BON DE COMMANDE",
        "N° BC-2026-000045",
        "Date de commande 9 novembre 2026",
        "Référence Commande groupée 2026-11",
        "Livraison souhaitée 17 novembre 2026",
        "Plateforme solidaire du Pays d'Aix",
        "FOURNISSEUR",
        "Grossiste Provence Alimentaire",
        "commandes@grossiste-provence.example",
        "LIVRER À",
        "Entrepôt mutualisé — quai 2",
        "LAIT-UHT-6 Lait demi-écrémé UHT 1 L Ambiant 40 5,10 € 5,5 % 204,00 €",
        "Colis de 6 × bouteille",
        "COLIN-5KG Filets de colin surgelés Surgelé 6 34,50 € 5,5 % 207,00 €",
        "Colis de 5 kg",
        "RIZ-VRAC Riz long grain, sac de 25 kg Ambiant 25 41,15 € 5,5 % 1 028,75 €",
        "LESSIVE-3L Lessive liquide 3 L (hygiène) Ambiant 5 27,90 € 20 % 139,50 €",
        "Total marchandises HT 2 049,77 €",
        "Frais de livraison HT 45,00 €",
        "Total HT 2 094,77 €",
        "TVA 5,5 % 107,37 €",
        "TVA 20 % 28,51 €",
        "Total TTC 2 230,65 €",
        "Ce bon de commande n'est pas une facture.",
        "Page 1/1",
    ]:
        assert expected in text, expected


def test_delivery_instructions_and_room_for_the_suppliers_agreement():
    text = pdf_flow_text(render_purchase_order(make_purchase_order()))
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    for expected in [
        "LIVRER À Entrepôt mutualisé — quai 2 12 rue des Entrepôts 13090 Aix-en-Provence "
        "Livraison souhaitée : 17 novembre 2026 "
        "Températures : Ambiant · Frais 0–4 °C · Surgelé ≤ −18 °C",
        "Chaîne du froid",
        "Remarques : Livraison entre 7 h et 11 h",
        "BON POUR ACCORD DU FOURNISSEUR",
        "Mention « Bon pour accord », signature et cachet",
        "POUR L'ACHETEUR",
        "Nom : ____",
        "Merci de confirmer cette commande",
    ]:
        assert expected in text, expected


def test_ambient_only_order_without_date_or_address_delivers_to_the_buyer():
    po = make_purchase_order(
        lines=(po_line("PATES-COMP", "Pâtes complètes 500 g", 3, "20", "paquet", 1290),),
        delivery_date=None,
        delivery_address=None,
        delivery_fee_cents=0,
        notes="",
        reference="",
    )
    text = pdf_flow_text(render_purchase_order(po)).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Livraison souhaitée : à convenir" in text
    assert "Températures : Ambiant" in text and "Chaîne du froid" not in text
    assert "12 rue des Entrepôts" in text  # the buyer's own address
    assert "Frais de livraison" not in text and "Total TTC 40,83 €" in text


def test_thousands_are_grouped_the_french_way():
    po = make_purchase_order(
        lines=(po_line("HUILE-TOUR", "Huile de tournesol 1 L", 1, "15", "bouteille", 123450),),
        delivery_fee_cents=0,
    )
    assert "1 234,50 €" in pdf_text(render_purchase_order(po))


def test_sixty_lines_flow_onto_numbered_pages_with_the_header_repeated():
    lines = tuple(
        po_line(f"REF-{i:03d}", f"Conserve de légumes n° {i}", i % 7 + 1, "12", "boîte", 1000 + i)
        for i in range(60)
    )
    pages = pdf_pages_text(render_purchase_order(make_purchase_order(lines=lines)))
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert f"Page {n}/{len(pages)}" in page
        if "REF-" in page:
            assert "Réf. Désignation Classe Colis" in page
    assert sum(p.count("Conserve de légumes n°") for p in pages) == 60
    assert "Bon de commande N° BC-2026-000045 — Grossiste Provence Alimentaire" in pages[1]
    assert "Total TTC" in pages[-1] and "BON POUR ACCORD" in pages[-1]


def test_english_variant():
    text = pdf_flow_text(render_purchase_order(make_purchase_order(), lang="en"))
    for expected in [
        "PURCHASE ORDER",
        "No. BC-2026-000045",
        "9 November 2026",
        "SUPPLIER",
        "DELIVER TO",
        "Requested delivery: 17 November 2026",
        "Chilled 0–4",
        "Cold chain",
        "Pack of 5 kg",
        "Pack of 24 × pot",
        "Net pack price",
        "€1,028.75",
        "Total incl. VAT €2,230.65",
        "SUPPLIER'S ACCEPTANCE (BON POUR ACCORD)",
        "This purchase order is not an invoice.",
        "Page 1/",
    ]:
        assert expected in text, expected
    with pytest.raises(DocumentError, match="lang"):
        render_purchase_order(make_purchase_order(), lang="de")


def test_temperature_accepts_the_delivery_note_enum():
    line = replace(make_purchase_order().lines[1], temperature=TemperatureClass.FROZEN)
    assert line.temperature == "frozen"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"packs": -3, "amount_cents": -1530}, "packs: a line orders at least one pack, got -3"),
        ({"packs": 0, "amount_cents": 0}, "packs: a line orders at least one pack"),
        ({"packs": D("1.5")}, "packs: a whole number"),
        ({"amount_cents": 999}, r"amount_cents: 999 is not packs × pack price \(3 × 510 = 1530"),
        ({"pack_price_cents": -5, "amount_cents": -15}, "pack_price_cents: must not be negative"),
        ({"pack_size": D(0)}, "pack_size: must be positive"),
        ({"pack_size": D("0.0005")}, "pack_size: at most 3 decimals"),
        ({"vat_rate": D("0.055")}, r"vat_rate: .*in percent, e\.g\. 5\.5"),
        ({"vat_rate": D(7)}, "vat_rate: 7 is not a French VAT rate"),
        ({"temperature": "tiède"}, "temperature: one of ambient, chilled, frozen"),
        ({"reference": " "}, "reference: must not be empty"),
        ({"description": ""}, "description: must not be empty"),
        ({"unit": ""}, "unit: must not be empty"),
    ],
)
def test_line_validation_names_the_field(changes, message):
    base = dict(
        reference="LAIT",
        description="Lait",
        packs=3,
        pack_size=D(6),
        unit="bouteille",
        pack_price_cents=510,
        vat_rate=D("5.5"),
        amount_cents=1530,
    )
    base.update(changes)
    with pytest.raises(DocumentError, match=message):
        PurchaseOrderLine(**base)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lines": ()}, "lines: a purchase order needs at least one line"),
        ({"lines": ("LAIT",)}, r"lines\[0\]: expected a PurchaseOrderLine"),
        ({"number": ""}, "number: must not be empty"),
        ({"order_date": "2026-11-09"}, "order_date: expected a date"),
        ({"delivery_date": date(2026, 11, 1)}, "delivery_date: 2026-11-01 is before the order date"),
        ({"delivery_fee_cents": -100}, "delivery_fee_cents: must not be negative"),
        ({"delivery_fee_cents": D("4.5")}, "delivery_fee_cents: an amount is an integer"),
        ({"supplier": "Grossiste"}, "supplier: expected a Party"),
        ({"delivery_address": "quai 2"}, "delivery_address: expected a DeliveryAddress"),
    ],
)
def test_order_validation_names_the_field(changes, message):
    with pytest.raises(DocumentError, match=message):
        make_purchase_order(**changes)


def test_rendering_is_deterministic_in_content_and_does_not_change_the_order():
    po = make_purchase_order()
    before = repr(po)
    first, second = render_purchase_order(po), render_purchase_order(po)
    assert pdf_text(first) == pdf_text(second)
    assert repr(po) == before


def test_the_sample_order_fits_one_page_with_a_logo_and_embeds_only_dejavu():
    from io import BytesIO

    from PIL import Image
    from pypdf import PdfReader

    buf = BytesIO()
    Image.new("RGB", (600, 200), (31, 95, 139)).save(buf, format="PNG")
    pdf = render_purchase_order(make_purchase_order(), logo=buf.getvalue())
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all("DejaVuSans" in name for name in fonts), fonts
    with pytest.raises(DocumentError, match="logo"):
        render_purchase_order(make_purchase_order(), logo=b"not an image")
