"""Getting paid: creditor references, the EPC QR code on the invoice, the direct-debit notice,
the pain.008 file and the late-payment figures of reminders."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from invoices import (
    Collection,
    DirectDebitNotice,
    DocumentError,
    LateFigures,
    Reminder,
    TransferRequest,
    creditor_reference,
    direct_debit_xml,
    facturx_xml,
    invoice_reference,
    pain008_schema,
    render_invoice,
    render_reminder,
)

from .conftest import coordination, make_credit_note, make_invoice, member
from .pdftext import pdf_flow_text, pdf_text
from .qrread import qr_codes_of

REFERENCE = invoice_reference(7, "2026-000123")


def test_invoice_reference_is_a_valid_iso11649_reference_derived_from_coordination_and_number():
    from stdnum import iso11649

    assert REFERENCE == "RF970072026000123"
    assert iso11649.is_valid(REFERENCE)
    assert invoice_reference(8, "2026-000123") != REFERENCE
    assert creditor_reference("539007547034") == "RF18539007547034"  # the standard's example
    with pytest.raises(DocumentError, match="payment_reference"):
        creditor_reference("X" * 22)


def test_an_invoice_refuses_a_reference_with_a_wrong_check_digit():
    with pytest.raises(DocumentError, match="payment_reference"):
        make_invoice(payment_reference="RF980072026000123")


def test_epc_payload_follows_the_sct_format():
    t = TransferRequest(name="Plateforme", iban="FR76 3000 6000 0112 3456 7890 189", bic="AGRIFRPP",
                        amount_cents=39581, reference=REFERENCE)
    assert t.payload.split("\n") == ["BCD", "002", "1", "SCT", "AGRIFRPP", "Plateforme",
                                     "FR7630006000011234567890189", "EUR395.81", "", REFERENCE]
    with pytest.raises(DocumentError, match="iban"):
        replace(t, iban="FR7630006000011234567890188")
    with pytest.raises(DocumentError, match="bic"):
        replace(t, bic="AGRI")


def test_qr_code_decoded_from_the_rendered_invoice_is_the_epc_payload_of_the_amount_due():
    invoice = make_invoice(payment_reference=REFERENCE)
    pdf = render_invoice(invoice)
    issuer = coordination()
    expected = "\n".join(["BCD", "002", "1", "SCT", "AGRIFRPP", issuer.legal_name, "FR7630006000011234567890189",
                          f"EUR{Decimal(invoice.totals.due_cents) / 100:.2f}", "", REFERENCE])
    assert qr_codes_of(pdf) == [expected]
    text = pdf_flow_text(pdf)
    assert "RF97 0072 0260 0012 3" in text
    assert "scannez ce code" in text


def test_reference_is_the_remittance_information_of_the_facturx_xml():
    xml = etree.fromstring(facturx_xml(make_invoice(payment_reference=REFERENCE)))
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    assert xml.xpath("//ram:ApplicableHeaderTradeSettlement/ram:PaymentReference/text()", namespaces=ns) == [REFERENCE]


def test_a_credit_note_or_an_invoice_without_reference_carries_no_qr_code():
    assert qr_codes_of(render_invoice(make_invoice())) == []
    assert qr_codes_of(render_invoice(make_credit_note())) == []


def test_a_direct_debited_invoice_prints_the_collection_date_instead_of_a_qr_code():
    notice = DirectDebitNotice(collection_date=date(2026, 12, 30), mandate_reference="LP-0007-0001",
                               creditor_id="FR72ZZZ123456", iban="DE89370400440532013000")
    invoice = make_invoice(payment_reference=REFERENCE, direct_debit=notice)
    pdf = render_invoice(invoice)
    assert qr_codes_of(pdf) == []
    text = pdf_flow_text(pdf)
    assert "Prélevé le 30 décembre 2026" in text
    assert "LP-0007-0001" in text and "DE89 •••• 3000" in text
    xml = facturx_xml(invoice).decode()
    assert "<ram:TypeCode>59</ram:TypeCode>" in xml
    assert "<ram:DirectDebitMandateID>LP-0007-0001</ram:DirectDebitMandateID>" in xml
    assert "<ram:CreditorReferenceID>FR72ZZZ123456</ram:CreditorReferenceID>" in xml


def _collection(**changes) -> Collection:
    fields = dict(end_to_end_id="2026-000123", debtor_name="Épicerie solidaire Les Milles",
                  iban="DE89370400440532013000", bic="COBADEFFXXX", mandate_reference="LP-0007-0001",
                  mandate_signed_on=date(2026, 1, 15), sequence="FRST", amount_cents=39581,
                  collection_date=date(2026, 12, 30), remittance=f"Facture 2026-000123 {REFERENCE}")
    fields.update(changes)
    return Collection(**fields)


def test_pain008_file_is_valid_against_its_xsd_and_sums_its_collections():
    collections = [_collection(), _collection(end_to_end_id="2026-000124", sequence="RCUR", amount_cents=1234,
                                              mandate_reference="LP-0007-0002")]
    message_id, xml = direct_debit_xml(creditor_name="Plateforme solidaire du Pays d'Aix",
                                       iban="FR7630006000011234567890189", bic="AGRIFRPP",
                                       creditor_id="FR72ZZZ123456", collections=collections)
    doc = etree.fromstring(xml)
    pain008_schema().assertValid(doc)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
    assert doc.xpath("//p:GrpHdr/p:MsgId/text()", namespaces=ns) == [message_id]
    assert doc.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=ns) == ["408.15"]
    assert sorted(doc.xpath("//p:SeqTp/text()", namespaces=ns)) == ["FRST", "RCUR"]
    assert doc.xpath("//p:CdtrSchmeId//p:Id/text()", namespaces=ns)[0] == "FR72ZZZ123456"


@pytest.mark.parametrize("field, value", [("iban", "DE89370400440532013001"), ("bic", "COBA"),
                                          ("sequence", "OOFF"), ("mandate_reference", "")])
def test_a_collection_refuses_a_bad_account_or_mandate(field, value):
    with pytest.raises(DocumentError, match=field.split("_")[0]):
        _collection(**{field: value})


def test_a_direct_debit_file_refuses_an_invalid_creditor_identifier():
    with pytest.raises(DocumentError, match="creditor_id"):
        direct_debit_xml(creditor_name="P", iban="FR7630006000011234567890189", bic="AGRIFRPP",
                         creditor_id="FR00ZZZ123456", collections=[_collection()])


def test_late_figures_apply_the_invoice_rate_per_day_and_the_fixed_indemnity():
    late = LateFigures(due_date=date(2026, 12, 30), on=date(2027, 1, 29), remaining_cents=100000,
                       annual_rate=Decimal("12.15"))
    assert late.days_late == 30
    assert late.penalty_cents == 999  # 1000 € × 12.15 % × 30 / 365 = 9.986… €
    assert late.indemnity_cents == 4000
    assert late.total_cents == 100000 + 999 + 4000
    assert LateFigures(date(2026, 12, 30), date(2026, 12, 30), 100000, Decimal("12.15")).total_cents == 100000


def test_reminder_letter_states_days_late_penalty_indemnity_and_the_qr_code():
    late = LateFigures(due_date=date(2026, 12, 30), on=date(2027, 1, 29), remaining_cents=39581,
                       annual_rate=Decimal("12.15"))
    transfer = TransferRequest(name=coordination().legal_name, iban=coordination().iban, bic="AGRIFRPP",
                               amount_cents=late.total_cents, reference=REFERENCE)
    reminder = Reminder(issuer=coordination(), customer=member(), level=2, invoice_number="2026-000123",
                        issue_date=date(2026, 11, 30), total_cents=39581, late=late, payment_reference=REFERENCE,
                        transfer=transfer)
    pdf = render_reminder(reminder)
    text = pdf_text(pdf)
    assert "SECONDE RELANCE" in text
    assert "30 jours de retard" in text
    assert "395,81 €" in text and "3,95 €" in text and "40,00 €" in text and "439,76 €" in text
    assert qr_codes_of(pdf) == [transfer.payload]
    with pytest.raises(DocumentError, match="late"):
        replace(reminder, late=replace(late, on=date(2026, 12, 20)))
