"""Getting paid over HTTP: payment references and EPC QR codes on issued invoices, SEPA mandates
and pain.008 direct-debit files, overdue invoices and their reminders, refunds of credit notes.
PDFs are read back, QR codes decoded from the rendered page, XML files checked against the XSD."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import func, select
from stdnum import iso11649

import invoices as lib
from logipool.models import (
    DirectDebit,
    Invoice,
    InvoiceReminder,
    Refund,
    Role,
    SepaMandate,
)
from logipool.services import payments

from ..invoices.pdftext import pdf_flow_text, pdf_text
from ..invoices.qrread import qr_codes_of
from .test_errors import assert_problem
from .test_invoicing import NS, charge, fresh, make_billable, run_and_issue, xml_of

ICS = "FR72ZZZ123456"
DEBTOR_IBAN = "DE89370400440532013000"
PAIN = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


@pytest.fixture
def staff(world):
    return world.a.headers(Role.MANAGER)


def mandate_body(tenant, **changes) -> dict:
    body = {"member_id": tenant.member.id, "reference": "LP-A-0001", "signed_on": "2026-01-15",
            "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}
    body.update(changes)
    return body


def counts(session) -> tuple:
    fresh(session)
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (SepaMandate, DirectDebit, Refund,
                                                                               InvoiceReminder))


# Payment reference and QR code ---------------------------------------------------------------


def test_issued_invoice_carries_its_rf_reference_printed_in_facturx_and_in_a_decodable_qr_code(
        client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 12345)
    session.commit()
    run = run_and_issue(client, staff)
    invoice = client.get(f"/api/v1/invoices/{run['invoices'][0]['invoice_id']}", headers=staff).get_json()
    reference = invoice["payment_reference"]
    assert iso11649.is_valid(reference)
    assert reference == lib.invoice_reference(a.coordination.id, invoice["number"])
    pdf = client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=staff).data
    assert iso11649.format(reference) in pdf_flow_text(pdf)
    assert xml_of(pdf).findtext(".//ram:ApplicableHeaderTradeSettlement/ram:PaymentReference",
                                namespaces=NS) == reference
    payload = "\n".join(["BCD", "002", "1", "SCT", "AGRIFRPP", a.coordination.legal_name,
                         "FR7630006000011234567890189", "EUR123.45", "", reference])
    assert qr_codes_of(pdf) == [payload]
    fresh(session)
    assert session.get(Invoice, invoice["id"]).late_penalty_rate == Decimal("12.15")


def test_credit_notes_get_no_payment_reference(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 5000)
    session.commit()
    invoice_id = run_and_issue(client, staff)["invoices"][0]["invoice_id"]
    note = client.post(f"/api/v1/invoices/{invoice_id}/credit-notes", headers=staff,
                       json={"reason": "Erreur"}).get_json()
    assert note["payment_reference"] is None
    fresh(session)
    assert qr_codes_of(session.get(Invoice, note["id"]).pdf) == []


# Mandates ------------------------------------------------------------------------------------


def test_mandate_is_recorded_compact_with_first_sequence(client, world, staff):
    r = client.post("/api/v1/mandates/", json=mandate_body(world.a), headers=staff)
    assert r.status_code == 201, r.get_json()
    m = r.get_json()
    assert m["iban"] == DEBTOR_IBAN and m["sequence"] == "FRST" and m["revoked_on"] is None
    assert m["account_holder"] == world.a.member.legal_name
    rep = world.a.headers(Role.TREASURER)
    assert client.get("/api/v1/mandates/", headers=rep).get_json()["total"] == 1
    assert_problem(client.post("/api/v1/mandates/", json=mandate_body(world.a, reference="X"), headers=rep), 403)


@pytest.mark.parametrize("changes, field", [
    ({"iban": "DE89370400440532013001"}, "iban"),  # wrong check digits
    ({"iban": "FR76"}, "iban"),
    ({"bic": "COBADEF"}, "bic"),
    ({"bic": "C0BADEFFXXX"}, "bic"),
    ({"reference": "LP*0001"}, "reference"),
    ({"signed_on": "2999-01-01"}, "signed_on"),
    ({"member_id": 999999}, "member_id"),
])
def test_invalid_mandate_is_refused_naming_the_field_and_nothing_is_written(client, world, session, staff,
                                                                            changes, field):
    before = counts(session)
    body = assert_problem(client.post("/api/v1/mandates/", json=mandate_body(world.a, **changes), headers=staff),
                          422)
    assert field in body["errors"]
    assert counts(session) == before


def test_mandate_reference_is_unique_and_a_revoked_mandate_collects_nothing(client, world, staff):
    m = client.post("/api/v1/mandates/", json=mandate_body(world.a), headers=staff).get_json()
    body = assert_problem(client.post("/api/v1/mandates/", json=mandate_body(world.a), headers=staff), 422)
    assert "reference" in body["errors"]
    revoked = client.post(f"/api/v1/mandates/{m['id']}/revoke", json={}, headers=staff).get_json()
    assert revoked["revoked_on"] == date.today().isoformat()
    assert_problem(client.post(f"/api/v1/mandates/{m['id']}/revoke", json={}, headers=staff), 409)


def test_creditor_identifier_is_validated(client, world, session):
    admin = world.a.headers(Role.ADMIN)
    url = f"/api/v1/coordinations/{world.a.coordination.id}"
    body = assert_problem(client.patch(url, json={"sepa_creditor_id": "FR00ZZZ123456"}, headers=admin), 422)
    assert "sepa_creditor_id" in body["errors"]
    r = client.patch(url, json={"sepa_creditor_id": "fr 72 zzz 123456"}, headers=admin)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["sepa_creditor_id"] == ICS
    body = assert_problem(client.patch(url, json={"reminder_first_days": 30, "reminder_second_days": 20},
                                       headers=admin), 422)
    assert "reminder_second_days" in body["errors"]


# Direct debits -------------------------------------------------------------------------------


def test_billing_run_to_pain008_file_for_mandated_members(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    a.coordination.sepa_creditor_id = ICS
    charge(session, a, 12000)
    charge(session, a, 4321, member=a.other_member)
    session.commit()
    mandate = client.post("/api/v1/mandates/", json=mandate_body(a), headers=staff).get_json()
    run = run_and_issue(client, staff)
    by_member = {i["member_id"]: i["invoice_id"] for i in run["invoices"]}
    debited = client.get(f"/api/v1/invoices/{by_member[a.member.id]}", headers=staff).get_json()
    other = client.get(f"/api/v1/invoices/{by_member[a.other_member.id]}", headers=staff).get_json()
    assert debited["debit_on"] == debited["due_date"] and debited["mandate_id"] == mandate["id"]
    assert other["debit_on"] is None and other["mandate_id"] is None
    fresh(session)
    debited_pdf = session.get(Invoice, debited["id"]).pdf
    due = date.fromisoformat(debited["due_date"])
    assert f"Prélevé le {lib.pdf.long_date(due, 'fr')}" in pdf_flow_text(debited_pdf)
    assert "LP-A-0001" in pdf_flow_text(debited_pdf)
    assert qr_codes_of(debited_pdf) == []  # nobody is asked to pay twice
    assert len(qr_codes_of(session.get(Invoice, other["id"]).pdf)) == 1
    assert xml_of(debited_pdf).findtext(".//ram:DirectDebitMandateID", namespaces=NS) == "LP-A-0001"

    r = client.post("/api/v1/direct-debits/", json={"billing_run_id": run["id"]}, headers=staff)
    assert r.status_code == 201, r.get_json()
    debit = r.get_json()
    assert debit["count"] == 1 and debit["total"] == "120.00"
    assert [i["number"] for i in debit["invoices"]] == [debited["number"]]
    xml = client.get(f"/api/v1/direct-debits/{debit['id']}/pain.008.xml", headers=staff)
    assert xml.mimetype == "application/xml"
    doc = etree.fromstring(xml.data)
    lib.pain008_schema().assertValid(doc)
    assert doc.xpath("//p:DrctDbtTxInf/p:PmtId/p:EndToEndId/text()", namespaces=PAIN) == [debited["number"]]
    assert doc.xpath("//p:SeqTp/text()", namespaces=PAIN) == ["FRST"]
    assert doc.xpath("//p:ReqdColltnDt/text()", namespaces=PAIN) == [debited["due_date"]]
    assert doc.xpath("//p:MndtId/text()", namespaces=PAIN) == ["LP-A-0001"]
    assert doc.xpath("//p:DbtrAcct//p:IBAN/text()", namespaces=PAIN) == [DEBTOR_IBAN]
    assert doc.xpath("//p:CdtrSchmeId//p:Id/text()", namespaces=PAIN) == [ICS]
    assert doc.xpath("//p:RmtInf/p:Ustrd/text()", namespaces=PAIN) == [
        f"Facture {debited['number']} {debited['payment_reference']}"]
    assert client.get(f"/api/v1/mandates/{mandate['id']}", headers=staff).get_json()["sequence"] == "RCUR"
    assert client.get(f"/api/v1/invoices/{debited['id']}", headers=staff).get_json()["direct_debit_id"] == debit["id"]

    # nothing is collected twice: the run has no mandated invoice left
    before = counts(session)
    body = assert_problem(client.post("/api/v1/direct-debits/", json={"billing_run_id": run["id"]},
                                      headers=staff), 422)
    assert "billing_run_id" in body["errors"]
    assert counts(session) == before


def test_later_files_are_recurring(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    a.coordination.sepa_creditor_id = ICS
    first, second = charge(session, a, 1000), charge(session, a, 2000)
    session.commit()
    client.post("/api/v1/mandates/", json=mandate_body(a), headers=staff)
    ids = []
    for c in (first, second):
        draft = client.post("/api/v1/invoices/", json={"member_id": a.member.id, "charge_ids": [c.id]},
                            headers=staff).get_json()
        client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=staff)
        ids.append(draft["id"])
    sequences = []
    for invoice_id in ids:
        r = client.post("/api/v1/direct-debits/", json={"invoice_ids": [invoice_id]}, headers=staff)
        assert r.status_code == 201, r.get_json()
        fresh(session)
        doc = etree.fromstring(session.get(DirectDebit, r.get_json()["id"]).xml)
        sequences += doc.xpath("//p:SeqTp/text()", namespaces=PAIN)
    assert sequences == ["FRST", "RCUR"]


def test_direct_debit_without_a_mandated_member_or_creditor_id_is_refused(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 1000)
    session.commit()
    run = run_and_issue(client, staff)
    before = counts(session)
    body = assert_problem(client.post("/api/v1/direct-debits/", json={"billing_run_id": run["id"]},
                                      headers=staff), 422)
    assert "sepa_creditor_id" in body["errors"]
    fresh(session)
    session.get(type(a.coordination), a.coordination.id).sepa_creditor_id = ICS
    session.commit()
    body = assert_problem(client.post("/api/v1/direct-debits/", json={"billing_run_id": run["id"]},
                                      headers=staff), 422)
    assert "billing_run_id" in body["errors"]
    body = assert_problem(client.post("/api/v1/direct-debits/",
                                      json={"invoice_ids": [run["invoices"][0]["invoice_id"]]}, headers=staff), 422)
    assert "invoice_ids" in body["errors"] and "mandate" in body["detail"]
    body = assert_problem(client.post("/api/v1/direct-debits/", json={"billing_run_id": run["id"],
                                                                      "invoice_ids": [1]}, headers=staff), 422)
    assert counts(session) == before


# Overdue invoices and reminders --------------------------------------------------------------


def _overdue_invoice(client, session, tenant, staff, *, cents=100000, days_late=40) -> dict:
    make_billable(session, tenant)
    charge(session, tenant, cents)
    session.commit()
    invoice = run_and_issue(client, staff)["invoices"][0]
    fresh(session)
    row = session.get(Invoice, invoice["invoice_id"])
    row.issue_date = date.today() - timedelta(days=days_late + 30)
    row.due_date = date.today() - timedelta(days=days_late)
    session.commit()
    return invoice


def test_overdue_invoices_show_days_late_penalty_and_indemnity(client, world, session, staff):
    invoice = _overdue_invoice(client, session, world.a, staff)
    client.post(f"/api/v1/invoices/{invoice['invoice_id']}/payments", headers=staff,
                json={"amount": "100.00", "paid_on": date.today().isoformat(), "method": "transfer"})
    rows = client.get("/api/v1/overdue", headers=staff).get_json()
    assert len(rows) == 1
    row = rows[0]
    assert row["days_late"] == 40 and row["remaining"] == "900.00"
    # 900 € × 12.15 % a year × 40 / 365 days = 11.983… €
    assert row["penalty"] == "11.98" and row["indemnity"] == "40.00" and row["total"] == "951.98"
    assert row["reminders_sent"] == [] and row["reminder_due"] == 1
    later = client.get(f"/api/v1/overdue?on={(date.today() + timedelta(days=5)).isoformat()}",
                       headers=staff).get_json()
    assert later[0]["days_late"] == 45
    assert client.get("/api/v1/overdue", headers=world.b.headers(Role.MANAGER)).get_json() == []


def test_scheduler_sends_first_then_second_reminder_once_each(client, world, session, staff):
    a = world.a
    invoice = _overdue_invoice(client, session, a, staff, days_late=12)
    now = datetime.now(UTC)
    fresh(session)
    due = payments.due_reminders(session, now)
    assert [(d.invoice_id, d.level) for d in due] == [(invoice["invoice_id"], 1)]
    sent = payments.send_due_reminders(session, now)
    session.commit()
    assert [r.level for r in sent] == [1]
    assert payments.due_reminders(session, now) == []  # sent once
    assert [(d.level) for d in payments.due_reminders(session, now + timedelta(days=18))] == [2]
    payments.send_due_reminders(session, now + timedelta(days=18))
    session.commit()
    assert payments.due_reminders(session, now + timedelta(days=60)) == []

    listed = client.get(f"/api/v1/invoices/{invoice['invoice_id']}/reminders", headers=staff).get_json()
    assert [(r["level"], r["days_late"]) for r in listed] == [(1, 12), (2, 30)]
    pdf = client.get(f"/api/v1/invoices/{invoice['invoice_id']}/reminders/2.pdf", headers=staff)
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "SECONDE RELANCE" in text and invoice["number"] in text and "30 jours de retard" in text
    assert "40,00 €" in text and "1 000,00 €" in text and "9,99 €" in text  # 1000 € × 12.15 % × 30 / 365
    fresh(session)
    reference = session.get(Invoice, invoice["invoice_id"]).payment_reference
    (code,) = qr_codes_of(pdf.data)
    assert code.endswith(f"EUR1049.99\n\n{reference}")  # remaining + penalty + indemnity
    assert_problem(client.post(f"/api/v1/invoices/{invoice['invoice_id']}/reminders", headers=staff), 409)


def test_a_reminder_is_refused_for_an_invoice_not_overdue(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 1000)
    session.commit()
    invoice = run_and_issue(client, staff)["invoices"][0]
    before = counts(session)
    body = assert_problem(client.post(f"/api/v1/invoices/{invoice['invoice_id']}/reminders", headers=staff), 422)
    assert "invoice_id" in body["errors"]
    assert counts(session) == before


def test_a_staff_member_sends_the_first_reminder_ahead_of_the_schedule(client, world, session, staff):
    invoice = _overdue_invoice(client, session, world.a, staff, days_late=3)
    r = client.post(f"/api/v1/invoices/{invoice['invoice_id']}/reminders", headers=staff)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["level"] == 1 and r.get_json()["penalty"] == "1.00"  # 1000 € × 12.15 % × 3 / 365


# Refunds -------------------------------------------------------------------------------------


def test_a_paid_invoice_is_credited_then_refunded_never_beyond_what_was_paid(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 8000)
    session.commit()
    invoice_id = run_and_issue(client, staff)["invoices"][0]["invoice_id"]
    today = date.today().isoformat()
    client.post(f"/api/v1/invoices/{invoice_id}/payments", headers=staff,
                json={"amount": "80.00", "paid_on": today, "method": "transfer"})
    r = client.post(f"/api/v1/invoices/{invoice_id}/credit-notes", headers=staff,
                    json={"reason": "Réservation annulée", "amount": "30.00"})
    assert r.status_code == 201, r.get_json()  # a paid invoice can be credited
    note = r.get_json()
    invoice = client.get(f"/api/v1/invoices/{invoice_id}", headers=staff).get_json()
    assert invoice["remaining"] == "0.00" and invoice["credited"] == "30.00"
    st = client.get(f"/api/v1/statement?member_id={a.member.id}", headers=staff).get_json()
    assert st["credit"] == "30.00" and st["balance"] == "-30.00"  # kept as credit on the account

    before = counts(session)
    body = assert_problem(client.post(f"/api/v1/invoices/{note['id']}/refunds", headers=staff,
                                      json={"amount": "30.01", "paid_on": today, "method": "transfer"}), 422)
    assert "amount" in body["errors"]
    body = assert_problem(client.post(f"/api/v1/invoices/{invoice_id}/refunds", headers=staff,
                                      json={"amount": "1.00", "paid_on": today, "method": "transfer"}), 422)
    assert "credit_note_id" in body["errors"]
    assert counts(session) == before

    r = client.post(f"/api/v1/invoices/{note['id']}/refunds", headers=staff,
                    json={"amount": "30.00", "paid_on": today, "method": "transfer", "reference": "VIR-REMB-1"})
    assert r.status_code == 201, r.get_json()
    assert client.get(f"/api/v1/invoices/{note['id']}", headers=staff).get_json()["refunded"] == "30.00"
    st = client.get(f"/api/v1/statement?member_id={a.member.id}", headers=staff).get_json()
    assert st["credit"] == "0.00" and st["balance"] == "0.00" and st["refunded"] == "30.00"
    assert [e["kind"] for e in st["entries"]] == ["invoice", "credit_note", "payment", "refund"]  # same day
    pdf = client.get(f"/api/v1/statement.pdf?member_id={a.member.id}", headers=staff).data
    assert "Remboursement" in pdf_text(pdf)
    assert_problem(client.post(f"/api/v1/invoices/{note['id']}/refunds", headers=staff,
                               json={"amount": "0.01", "paid_on": today, "method": "transfer"}), 422)
    # the rest of the invoice may still be credited, never more than its total
    assert_problem(client.post(f"/api/v1/invoices/{invoice_id}/credit-notes", headers=staff,
                               json={"reason": "x", "amount": "50.01"}), 422)


def test_a_credit_note_of_an_unpaid_invoice_has_nothing_to_refund(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 8000)
    session.commit()
    invoice_id = run_and_issue(client, staff)["invoices"][0]["invoice_id"]
    note = client.post(f"/api/v1/invoices/{invoice_id}/credit-notes", headers=staff,
                       json={"reason": "Erreur"}).get_json()
    body = assert_problem(client.post(f"/api/v1/invoices/{note['id']}/refunds", headers=staff,
                                      json={"amount": "1.00", "paid_on": date.today().isoformat(),
                                            "method": "transfer"}), 422)
    assert "amount" in body["errors"]


def test_the_demos_invoices_carry_their_reference_and_qr_code_or_the_direct_debit(app, session):
    from logipool.models import Member
    from logipool.services.demo import DEMO_MANDATE, load_demo

    with app.app_context():
        load_demo(session)
        session.commit()
    invoices = session.scalars(select(Invoice).where(Invoice.member_id.is_not(None))).all()
    assert invoices
    debited = session.scalars(select(Member.id).where(Member.short_name == DEMO_MANDATE[0])).one()
    for invoice in invoices:
        assert iso11649.is_valid(invoice.payment_reference)
        codes = qr_codes_of(invoice.pdf)
        if invoice.member_id == debited:
            assert codes == [] and invoice.debit_on == invoice.due_date
            assert "Prélevé le" in pdf_flow_text(invoice.pdf)
        else:
            assert len(codes) == 1 and codes[0].endswith(invoice.payment_reference)
